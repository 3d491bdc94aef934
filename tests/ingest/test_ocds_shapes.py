"""OCDS shapes other publishers and years use, read on their real files: SHCP federal releases
(~2019) that name the winner in a single `awards[].supplier` object and replace persons' RFCs
with hashes, and OCDS 1.0 packages (CDMX 2015-16) with no `parties[]`, whose buyer, tenderers
and award suppliers are organisations inline. And `testigo stats` counting supplier roles
exactly."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from app.settings import Settings
from app.stats import summary
from app.store.engine import make_engine
from ingest.jobs import ocds_job
from ingest.ocds import extract_release, iter_ocds_files, read_ocds
from ingest.rows import OcdsItem, PartyRow, Rejected
from tests import factories
from tests.factories import OCDS, rows

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ocds"
SHCP = FIXTURES / "shcp-federal" / "shcp-record-package_2.json"
CDMX_10 = FIXTURES / "cdmx-ocds-1.0"
CDMX_10_FILES = sorted(CDMX_10.glob("*.json"))
# The 2015 CDMX releases bundled earlier have the same shape (no parties, inline tenderers).
CDMX_2015_FILES = sorted(
    p
    for p in (OCDS / "cdmx" / "releases").glob("*.json")
    if "parties" not in json.loads(p.read_text(encoding="utf-8"))
)
# A real federal APF release whose supplier's RFC is replaced by a hash, under scheme MX-RFC.
APF_HASHED = OCDS / "administracion-publica-federal/records/ocds-07smqs-1038-1038.json"
HASH = "95F5D7F5DD77D73E3232026B4732232A"


def releases_of(path: Path) -> list[dict[str, Any]]:
    """The file's releases read with plain json: the reference the reader is checked against."""
    document = json.loads(path.read_text(encoding="utf-8"))
    return list(document["releases"]) if "releases" in document else [document]


def items(path: Path) -> list[OcdsItem]:
    found = list(read_ocds(path))
    assert not [f for f in found if isinstance(f, Rejected)]
    return [f for f in found if isinstance(f, OcdsItem)]


def ingest(settings: Settings, *paths: Path) -> None:
    done = factories.ingest(settings, ocds_job(), *paths)
    assert done.failed == 0 and done.total("rejected") == 0


def text(value: object) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def test_fixtures_are_the_files_the_demo_loads() -> None:
    assert len(CDMX_10_FILES) == 8
    demo = set(iter_ocds_files(OCDS))
    for fixture in [SHCP, *CDMX_10_FILES]:
        copy = OCDS / fixture.relative_to(FIXTURES)
        assert copy in demo and copy.read_bytes() == fixture.read_bytes(), copy


# --- SHCP: awards[].supplier ------------------------------------------------------------------


def shcp_award_suppliers(path: Path) -> list[tuple[str, str, str | None]]:
    """(award id, supplier id, supplier name) for every award naming a `supplier` object."""
    return [
        (str(award["id"]), str(award["supplier"]["id"]), text(award["supplier"].get("name")))
        for release in releases_of(path)
        for award in release.get("awards") or []
        if isinstance(award.get("supplier"), dict)
    ]


def test_shcp_award_supplier_object_is_the_award_supplier() -> None:
    expected = shcp_award_suppliers(SHCP)
    assert expected  # the sample's shape: no `suppliers` array, a `supplier` object
    (item,) = items(SHCP)
    awards = [a for a in item.awards if a.kind == "award"]
    found = [(a.item_id, s.party_id, s.name) for a in awards for s in a.suppliers]
    assert found == expected
    (award,) = awards
    assert [s.rfc_raw for s in award.suppliers] == ["CID980213EQ9"]  # the party's MX-RFC
    supplier = next(p for p in item.parties if p.party_id == "CID980213EQ9")
    assert supplier.roles == ("tenderer", "supplier")
    # The contract has no suppliers of its own: it inherits its award's.
    (contract,) = [a for a in item.awards if a.kind == "contract"]
    assert [s.party_id for s in contract.suppliers] == ["CID980213EQ9"]


def test_shcp_supplier_object_no_party_carries_becomes_a_supplier_party(tmp_path: Path) -> None:
    """The same real release without its parties: the supplier object alone makes the
    supplier party, its RFC read from its id."""
    document = json.loads(SHCP.read_text(encoding="utf-8"))
    del document["releases"][0]["parties"]
    path = tmp_path / "without-parties.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    (item,) = items(path)
    supplier = next(p for p in item.parties if "supplier" in p.roles)
    assert (supplier.party_id, supplier.name) == (
        "CID980213EQ9",
        "CONSTRUIDEAS INNOVACION Y DESARROLLO",
    )
    assert supplier.rfc_raw == "CID980213EQ9"
    assert supplier.position == "releases[0]/awards[0]/supplier"
    (award,) = [a for a in item.awards if a.kind == "award"]
    assert [(s.party_id, s.rfc_raw) for s in award.suppliers] == [("CID980213EQ9", "CID980213EQ9")]


def test_shcp_award_suppliers_are_stored(db_settings: Settings) -> None:
    expected = shcp_award_suppliers(SHCP)
    ingest(db_settings, SHCP)
    stored = rows(
        db_settings,
        "SELECT a.item_id, p.party_id, s.name, s.rfc, p.roles FROM award_suppliers s "
        "JOIN awards a ON a.id = s.award_pk JOIN parties p ON p.source_key = s.party_key "
        "WHERE a.kind = 'award' ORDER BY a.item_id",
    )
    assert [(r.item_id, r.party_id, r.name) for r in stored] == expected
    assert [r.rfc for r in stored] == ["CID980213EQ9"]
    assert all("supplier" in r.roles.split() for r in stored)


def shcp_release(**award: Any) -> dict[str, Any]:
    """An SHCP release as published (~2019): awards name one `supplier` object; persons'
    RFCs are replaced by hashes (shape of SHCP's record package 3, elcoruco/ocds-helper)."""
    return {
        "ocid": "ocds-07smqs-1914569",
        "id": "1914569",
        "buyer": {"id": "IMSS-1", "name": "Instituto Mexicano del Seguro Social"},
        "parties": [
            {"id": "IMSS-1", "name": "Instituto Mexicano del Seguro Social", "roles": ["buyer"]},
            {
                "id": "6B4F78FC6B61C68F9F1A8C1D00B1509F",
                "identifier": {
                    "id": "6B4F78FC6B61C68F9F1A8C1D00B1509F",
                    "legalName": "MANZO DURAN JONATAN JOSE MANUEL",
                    "scheme": "MX-RFC",
                },
                "name": "MANZO DURAN JONATAN JOSE MANUEL",
                "roles": ["tenderer", "supplier"],
            },
        ],
        "awards": [{"id": "1914570", "status": "active", **award}],
    }


def test_hashed_person_rfcs_are_identifiers_not_rfcs() -> None:
    hashed = "6B4F78FC6B61C68F9F1A8C1D00B1509F"
    declared = extract_release(
        shcp_release(supplier={"id": hashed, "name": "MANZO DURAN JONATAN JOSE MANUEL"}),
        position="release",
    )
    person = next(p for p in declared.parties if p.party_id == hashed)
    assert (person.identifier_scheme, person.identifier_id) == ("MX-RFC", hashed)
    assert person.rfc_raw is None
    assert [(s.party_id, s.rfc_raw) for s in declared.awards[0].suppliers] == [(hashed, None)]

    # A supplier object no party carries: a hash id is no RFC, an RFC-shaped id is one.
    other = "35910F7B0EBB46BA0E669F56E2187D57"
    undeclared = extract_release(
        shcp_release(supplier={"id": other, "name": "SAMUEL MORA SUBIAS"}), position="release"
    )
    created = next(p for p in undeclared.parties if p.party_id == other)
    assert (created.roles, created.rfc_raw) == (("supplier",), None)
    firm = extract_release(
        shcp_release(supplier={"id": "TNO000623H34", "name": "TARAHUMARA NORTE SA DE CV"}),
        position="release",
    )
    assert [s.rfc_raw for s in firm.awards[0].suppliers] == ["TNO000623H34"]


def test_real_hashed_rfc_is_kept_as_identifier_only(db_settings: Settings) -> None:
    (item,) = items(APF_HASHED)
    person = next(p for p in item.parties if p.party_id == HASH)
    assert (person.identifier_scheme, person.identifier_id, person.rfc_raw) == (
        "MX-RFC",
        HASH,
        None,
    )
    ingest(db_settings, APF_HASHED)
    (stored,) = rows(
        db_settings,
        "SELECT identifier_id, rfc_raw, rfc FROM parties WHERE party_id = :id",
        id=HASH,
    )
    assert (stored.identifier_id, stored.rfc_raw, stored.rfc) == (HASH, None, None)
    assert rows(db_settings, "SELECT rfc_raw, rfc FROM award_suppliers") == [(None, None)]


# --- OCDS 1.0 without parties: CDMX 2015-16 -------------------------------------------------


def identifier_of(org: dict[str, Any]) -> str:
    return str(org["identifier"]["id"])


def party_by_identifier(item: OcdsItem, identifier: str) -> PartyRow:
    (found,) = [p for p in item.parties if p.identifier_id == identifier]
    return found


@pytest.mark.parametrize(
    "path", CDMX_10_FILES + CDMX_2015_FILES, ids=lambda p: f"{p.parent.name}/{p.name}"
)
def test_ocds_10_inline_organisations_are_parties(path: Path) -> None:
    (release,) = releases_of(path)
    assert "parties" not in release
    (item,) = items(path)
    tenderers = release["tender"]["tenderers"]
    names = {identifier_of(t): text(t.get("name")) for t in tenderers}

    # Every tenderer is a party, winners and losing bidders alike.
    tendering = [p for p in item.parties if "tenderer" in p.roles]
    assert len(tendering) == len(names) == len(tenderers)
    for identifier, name in names.items():
        found = party_by_identifier(item, identifier)
        assert "tenderer" in found.roles and found.name == name
        assert found.rfc_raw == identifier  # CDMX: the RFC in identifier.id, no scheme

    # Award suppliers are suppliers, named even when the award gives only the identifier.
    published = [s for a in release["awards"] for s in a["suppliers"]]
    (award,) = [a for a in item.awards if a.kind == "award"]
    assert len(award.suppliers) == len(published)
    for ref, supplier in zip(award.suppliers, published, strict=True):
        expected = text(supplier.get("name")) or names[identifier_of(supplier)]
        assert ref.name == expected
        assert ref.rfc_raw == identifier_of(supplier)
        assert "supplier" in party_by_identifier(item, identifier_of(supplier)).roles
    assert len([p for p in item.parties if "supplier" in p.roles]) == len(
        {identifier_of(s) for s in published}
    )

    buyer = party_by_identifier(item, identifier_of(release["buyer"]))
    assert "buyer" in buyer.roles and buyer.name == release["buyer"]["name"]
    assert [a.buyer_name for a in item.awards] == [buyer.name] * len(item.awards)
    assert len(item.awards) == len(release["awards"]) + len(release["contracts"])


def test_ocds_10_award_supplier_given_only_by_identifier_takes_the_tenderer_name() -> None:
    (item,) = items(CDMX_10 / "OCDS-87SD3T-SEFIN-DRM-LPN-001-2016.json")
    (award, contract) = item.awards
    assert [(s.name, s.rfc_raw) for s in award.suppliers] == [
        ("JOAD LIMPIEZA Y SERVICIOS SA DE CV", "JLS121217JU4")
    ]
    assert contract.suppliers == award.suppliers
    losing = party_by_identifier(item, "FICO91204UGA")
    assert (losing.name, losing.roles) == ("FICOT, S. A. DE C. V.", ("tenderer",))
    assert losing.position == "releases[0]/tender/tenderers[0]"
    assert losing.address.postal_code == "3660"


def test_ocds_10_parties_and_suppliers_are_stored(db_settings: Settings) -> None:
    releases = [r for path in CDMX_10_FILES for r in releases_of(path)]
    tenderers = {(r["ocid"], identifier_of(t)) for r in releases for t in r["tender"]["tenderers"]}
    winners = [
        (r["ocid"], identifier_of(s)) for r in releases for a in r["awards"] for s in a["suppliers"]
    ]
    ingest(db_settings, *CDMX_10_FILES)
    stored = rows(db_settings, "SELECT ocid, identifier_id, name, roles FROM parties")
    tendering = {(r.ocid, r.identifier_id) for r in stored if "tenderer" in r.roles.split()}
    assert tendering == tenderers
    buyers = [r for r in stored if "buyer" in r.roles.split()]
    assert len(buyers) == len(releases)
    assert all(r.name for r in stored)
    linked = rows(
        db_settings,
        "SELECT a.ocid, s.rfc, s.name FROM award_suppliers s JOIN awards a ON a.id = s.award_pk "
        "WHERE a.kind = 'award' ORDER BY a.ocid",
    )
    assert [(r.ocid, r.rfc) for r in linked] == sorted(winners)
    assert all(r.name for r in linked)


# --- stats ----------------------------------------------------------------------------------


def test_stats_count_exactly_the_supplier_role(db_settings: Settings, tmp_path: Path) -> None:
    parties = [
        {"id": "B", "name": "COMPRADORA", "roles": ["buyer"]},
        {"id": "S", "name": "PROVEEDORA SA", "roles": ["supplier"]},
        {"id": "T", "name": "LICITANTE SA", "roles": ["tenderer", "Proveedor"]},
        {"id": "I", "name": "INVITADA SA", "roles": ["invitedSupplier", "issuingSupplier"]},
        # PostgreSQL's LIKE is case-sensitive: a lower-case "supplier" inside a longer role
        # is what a substring test miscounts there.
        {"id": "C", "name": "CONTACTO SA", "roles": ["supplierContact"]},
    ]
    release = {"ocid": "ocds-test-roles", "id": "1", "parties": parties}
    path = tmp_path / "roles.json"
    path.write_text(json.dumps(release), encoding="utf-8")
    ingest(db_settings, path)
    stored = dict(rows(db_settings, "SELECT party_id, roles FROM parties"))
    assert stored["I"] == "invitedSupplier issuingSupplier"
    assert stored["T"] == "tenderer supplier"
    engine = make_engine(db_settings)
    try:
        stats = summary(engine)
    finally:
        engine.dispose()
    assert stats["parties"] == 5
    assert stats["suppliers_in_awards"] == 2  # S and T
