"""The OCDS reader on the real sample files of five publishers, and on synthetic containers."""

from __future__ import annotations

import copy
import gzip
import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from ingest.ocds import extract_release, iter_ocds_files, read_ocds
from ingest.ocds_containers import Container, detect
from ingest.ocds_parties import canonical_role
from ingest.rows import AwardRow, OcdsItem, PartyRow, Rejected, UnreadableSource

OCDS = Path(__file__).resolve().parents[2] / "data" / "ocds"


def items(path: Path) -> list[OcdsItem]:
    found = list(read_ocds(path))
    rejected = [f for f in found if isinstance(f, Rejected)]
    assert not rejected, rejected
    return [f for f in found if isinstance(f, OcdsItem)]


def only_item(path: Path) -> OcdsItem:
    found = items(path)
    assert len(found) == 1
    return found[0]


def party(item: OcdsItem, party_id: str) -> PartyRow:
    matches = [p for p in item.parties if p.party_id == party_id]
    assert len(matches) == 1, [p.party_id for p in item.parties]
    return matches[0]


def rows(item: OcdsItem, kind: str) -> list[AwardRow]:
    return [a for a in item.awards if a.kind == kind]


# --- real files ---------------------------------------------------------------------------


def test_every_sample_file_loads_without_rejections() -> None:
    files = list(iter_ocds_files(OCDS))
    assert len(files) == 395
    problems: list[str] = []
    releases = 0
    for path in files:
        for found in read_ocds(path):
            if isinstance(found, Rejected):
                problems.append(f"{path.relative_to(OCDS)} {found.position}: {found.reason}")
            else:
                releases += 1
    assert problems == []
    assert releases == 395  # every sample file holds exactly one release or record


def test_federal_compiled_release_rfc_under_mx_rfc_and_suppliers_only_in_contracts() -> None:
    item = only_item(OCDS / "administracion-publica-federal/records/ocds-07smqs-1035-1035.json")
    supplier = party(item, "GFM010122DZ9")
    assert supplier.name == "GRUAS FLETES Y MANIOBRAS SA DE CV"
    assert supplier.roles == ("supplier",)
    assert supplier.rfc_raw == "GFM010122DZ9"
    assert (supplier.identifier_scheme, supplier.identifier_id) == ("MX-RFC", "GFM010122DZ9")
    assert supplier.ocid == "ocds-07smqs-1035"
    assert supplier.position == "release/parties[1]"
    buyer = party(item, "06E00")
    assert buyer.roles == ("buyer",)
    assert buyer.rfc_raw is None  # MX-CPA is a budget key, not an RFC
    assert rows(item, "award") == []
    (contract,) = rows(item, "contract")
    assert contract.item_id == "201706013146"
    assert contract.award_id == "1035"
    assert contract.value_amount == 10440  # the federal file only has valueWithTax
    assert (contract.buyer_id, contract.buyer_name) == (
        "06E00",
        "Servicio de Administración Tributaria",
    )
    assert [(s.party_id, s.name, s.rfc_raw) for s in contract.suppliers] == [
        ("GFM010122DZ9", "GRUAS FLETES Y MANIOBRAS SA DE CV", "GFM010122DZ9")
    ]
    assert contract.period_end == date(2017, 3, 7)
    # "2017-03-06T00:00:00Z" is 6 March as published, not 5 March in Mexico City time.
    assert contract.date_signed == date(2017, 3, 6) == contract.period_start
    assert contract.release_id == "1035"


def test_cdmx_2015_release_without_parties_synthesises_supplier_and_buyer() -> None:
    item = only_item(OCDS / "cdmx/releases/OCDS-87SD3T-AD-SF-DRM-063-2015-01.json")
    # The winner is first met among the tenderers (full organisations, like the losing one).
    supplier = party(item, "identifier:C&C021030KX2")
    assert supplier.roles == ("tenderer", "supplier")
    assert supplier.rfc_raw == "C&C021030KX2"
    assert supplier.name == "COMUNIC@RTE & CONSULTING SA DE CV"
    assert supplier.address.postal_code == "9450"
    assert supplier.position == "release/tender/tenderers[0]"
    assert party(item, "identifier:SCT8411179Q4").roles == ("tenderer",)
    (award,) = rows(item, "award")
    assert award.date == date(2015, 12, 30)
    assert award.value_amount == Decimal("1311264")
    assert award.currency == "MXN"
    assert award.buyer_name == "SECRETARÍA DE FINANZAS"
    assert award.buyer_rfc_raw == "GDF9712054NA"  # buyer identifier, no scheme
    assert [s.rfc_raw for s in award.suppliers] == ["C&C021030KX2"]
    (contract,) = rows(item, "contract")
    assert contract.award_id == "1"
    assert contract.date_signed == date(2015, 12, 30)
    assert (contract.period_start, contract.period_end) == (date(2016, 1, 1), date(2016, 12, 31))
    # The contract names no supplier: it inherits the award's.
    assert [s.party_id for s in contract.suppliers] == ["identifier:C&C021030KX2"]


def test_cdmx_record_file_uses_its_compiled_release() -> None:
    item = only_item(OCDS / "cdmx/records/OCDS-87SD3T-SEFIN-DRM-A-001-2016.json")
    assert {p.release_id for p in item.parties} == {"03"}  # the compiled release's id
    supplier = party(item, "1440f557ccea38aea88718f7759fb371")
    assert supplier.rfc_raw == "TCM951030A17"  # no scheme at cdmx
    assert supplier.identifier_scheme is None
    assert supplier.position == "record.compiledRelease/parties[3]"
    (award,) = rows(item, "award")
    assert award.suppliers[0].party_id == "1440f557ccea38aea88718f7759fb371"
    assert award.value_amount == Decimal("984398.88")
    assert award.buyer_rfc_raw == "GDF9712054NA"


AIRPORT = OCDS / "grupo-aeroportuario/releases"


@pytest.mark.parametrize(
    ("name", "rfc_raw"),
    [
        (
            "459-RELEASE_459_2017-10-04T00_53_18_860Z.json",
            "APS100820G57 / IDI930119FX2 / CTR7504156J9 / COI001222UG1 / CCA0304011NA",
        ),
        ("90-RELEASE_90_2017-10-04T00_53_20_135Z.json", "NO APLICA"),
        ("197-RELEASE_197_2017-10-04T00_53_16_687Z.json", "AASO390420HDFLNS07"),  # a CURP
        ("50-RELEASE_50_2017-10-04T00_53_19_269Z.json", "C&#38;B050317SU4"),
    ],
)
def test_airport_dirty_supplier_identifiers_are_kept_as_published(name: str, rfc_raw: str) -> None:
    item = only_item(AIRPORT / name)
    suppliers = [p for p in item.parties if "supplier" in p.roles]
    assert [p.rfc_raw for p in suppliers] == [rfc_raw]
    assert suppliers[0].party_id == f"identifier:{rfc_raw}"
    (award,) = rows(item, "award")
    assert [s.rfc_raw for s in award.suppliers] == [rfc_raw]
    buyer = party(item, "identifier:GACM")
    assert buyer.rfc_raw is None  # scheme MK-009KDH999 is not an RFC scheme


def test_airport_contract_without_award_id_inherits_the_only_award() -> None:
    found = []
    for path in sorted(AIRPORT.glob("*.json")):
        for item in items(path):
            found += [a for a in rows(item, "contract") if a.award_id is None]
    assert len(found) == 38
    assert all(a.suppliers for a in found)


def test_inai_spanish_roles_rfc_scheme_and_rfc_party_ids() -> None:
    item = only_item(OCDS / "inai/releases/PC-0001-PC-0001.json")
    supplier = party(item, "RFC-HPR060210B71")  # listed twice; merged
    assert supplier.roles == ("supplier",)  # "Proveedor o contratista"
    assert supplier.rfc_raw == "HPR060210B71"
    assert supplier.identifier_scheme == "RFC"
    buyer = party(item, "CUA-340")
    assert buyer.roles == ("buyer",)  # "Comprador"
    assert buyer.rfc_raw is None  # CUA 340 (an int in the file) is not an RFC
    assert buyer.identifier_id == "340"
    assert buyer.address.postal_code == "4530"
    assert party(item, "RFC-INA1402082Z8").roles == ("procuringEntity",)
    (award,) = rows(item, "award")
    assert award.buyer_id == "CUA-340"
    assert [(s.party_id, s.rfc_raw) for s in award.suppliers] == [
        ("RFC-HPR060210B71", "HPR060210B71")
    ]
    (contract,) = rows(item, "contract")
    assert contract.item_id == "contracts[0]"  # the contract has "id": null
    assert contract.award_id == "OA/A001"
    assert contract.value_amount == Decimal("62000")


def test_inai_tenderer_and_supplier_entries_of_one_firm_merge() -> None:
    item = only_item(OCDS / "inai/releases/PC-0010-PC-0010.json")
    assert party(item, "RFC-MET8908305M9").roles == ("tenderer", "supplier")
    assert party(item, "RFC-ACT050330C61").roles == ("tenderer",)  # "Participante"


def test_jalisco_release_package_register_ids_are_not_rfcs() -> None:
    path = OCDS / "jalisco/releases/ocds-xs1qbl-SFIN-03-0001-00-2017-20180118T043952078Z-award.json"
    item = only_item(path)
    supplier = party(item, "P00268")
    assert supplier.identifier_scheme == "PROV-GOB-JAL"
    assert supplier.rfc_raw is None
    assert supplier.position == "releases[0]/parties[2]"
    assert party(item, "DEP-GOB-JAL-03-1685").rfc_raw is None
    (award,) = rows(item, "award")
    assert award.position == "releases[0]/awards[0]"
    assert [(s.party_id, s.rfc_raw) for s in award.suppliers] == [("P00268", None)]


def test_jalisco_record_package_linked_releases_but_compiled_release() -> None:
    item = only_item(OCDS / "jalisco/records/ocds-xs1qbl-02-0070-00-2017.json")
    assert all(p.position.startswith("records[0].compiledRelease/") for p in item.parties)
    suppliers = [p for p in item.parties if "supplier" in p.roles]
    assert {p.party_id for p in suppliers} == {"P06642", "P01376"}
    assert all(p.rfc_raw is None for p in item.parties)
    assert party(item, "DEP-GOB-JAL-03.4-1692").roles == ("payer",)
    contracts = rows(item, "contract")
    assert [c.suppliers[0].party_id for c in contracts] == ["P01376", "P06642"]


# --- synthetic containers -------------------------------------------------------------------


def release(ocid: str = "ocds-x-1", release_id: str = "1", **extra: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "ocid": ocid,
        "id": release_id,
        "date": "2020-01-02T06:00:00Z",
        "tag": ["award"],
        "parties": [
            {
                "id": "S1",
                "name": "ACME SA DE CV",
                "roles": ["Proveedor"],
                "identifier": {"scheme": "MX-RFC", "id": "AAA010101AAA"},
            }
        ],
        "awards": [
            {
                "id": "A1",
                "status": "active",
                "value": {"amount": "1,500.50", "currency": "MXN"},
                "suppliers": [{"id": "S1", "name": "ACME"}],
            }
        ],
    }
    base.update(extra)
    return base


def write(path: Path, value: object) -> Path:
    path.write_text(json.dumps(value), encoding="utf-8")
    return path


def test_gzip_is_detected_by_magic_bytes(tmp_path: Path) -> None:
    package = {"uri": "x", "releases": [release(), release(ocid="ocds-x-2")]}
    plain_name = tmp_path / "package.json"  # gzipped although the name says .json
    plain_name.write_bytes(gzip.compress(json.dumps(package).encode()))
    found = items(plain_name)
    assert [i.awards[0].ocid for i in found] == ["ocds-x-1", "ocds-x-2"]
    assert found[1].awards[0].position == "releases[1]/awards[0]"
    assert found[0].awards[0].value_amount == Decimal("1500.50")
    gz = tmp_path / "lines.jsonl.gz"
    gz.write_bytes(gzip.compress(b"\n".join(json.dumps(r).encode() for r in package["releases"])))
    assert len(items(gz)) == 2


def test_json_lines_broken_line_is_rejected_and_the_rest_loads(tmp_path: Path) -> None:
    path = tmp_path / "bulk.jsonl"
    lines = [
        json.dumps(release(ocid="ocds-x-1")),
        '{"ocid": "ocds-x-2", "parties": [',
        "",
        json.dumps({"uri": "p", "releases": [release(ocid="ocds-x-3"), release(ocid="ocds-x-4")]}),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    found = list(read_ocds(path))
    assert [type(f).__name__ for f in found] == ["OcdsItem", "Rejected", "OcdsItem", "OcdsItem"]
    bad = found[1]
    assert isinstance(bad, Rejected)
    assert bad.position == "line 2"
    assert "invalid JSON" in bad.reason
    assert bad.raw.startswith('{"ocid": "ocds-x-2"')
    last = found[3]
    assert isinstance(last, OcdsItem)
    assert last.awards[0].position == "line 4.releases[1]/awards[0]"


def test_json_lines_detected_without_the_extension(tmp_path: Path) -> None:
    path = tmp_path / "bulk.json"
    lines = [json.dumps(release(ocid=f"ocds-x-{n}")) for n in range(3)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert [p.position for i in items(path) for p in i.parties] == [
        "line 1/parties[0]",
        "line 2/parties[0]",
        "line 3/parties[0]",
    ]


def test_array_of_releases_and_records(tmp_path: Path) -> None:
    record = {"ocid": "ocds-x-9", "compiledRelease": release(ocid="ocds-x-9"), "releases": []}
    path = write(tmp_path / "array.json", [release(), record])
    found = items(path)
    assert [i.parties[0].position for i in found] == [
        "[0]/parties[0]",
        "[1].compiledRelease/parties[0]",
    ]


@pytest.mark.parametrize(
    ("value", "container"),
    [
        ({"releases": [{"ocid": "a"}], "ocid": "a"}, Container.RECORD),  # releases first
        ({"releases": [{"ocid": "a"}], "uri": "x"}, Container.RELEASE_PACKAGE),
        ({"publisher": {}, "releases": [], "versionedRelease": {}}, Container.RECORD),
        ({"releases": []}, Container.RELEASE_PACKAGE),
        ({"packageInfo": {}, "records": []}, Container.RECORD_PACKAGE),
        ({"ocid": "a", "packageInfo": {}}, Container.RELEASE),
        ([{"ocid": "a"}], Container.ARRAY),
    ],
)
def test_container_detection_by_top_level_keys(
    tmp_path: Path, value: object, container: Container
) -> None:
    path = tmp_path / "x.json"
    path.write_text(json.dumps(value, indent=2), encoding="utf-8")
    assert detect(path) is container


def test_directory_walk_is_recursive_sorted_and_filtered(tmp_path: Path) -> None:
    (tmp_path / "b" / "deep").mkdir(parents=True)
    (tmp_path / ".hidden").mkdir()
    for name in [
        "b/deep/z.jsonl",
        "a.json",
        "b/c.json.gz",
        "d.ndjson",
        "notes.txt",
        ".hidden/x.json",
    ]:
        (tmp_path / name).write_text("{}", encoding="utf-8")
    found = [p.relative_to(tmp_path).as_posix() for p in iter_ocds_files(tmp_path)]
    assert found == ["a.json", "b/c.json.gz", "b/deep/z.jsonl", "d.ndjson"]
    assert list(iter_ocds_files(tmp_path / "a.json")) == [tmp_path / "a.json"]


def test_record_without_compiled_release_is_merged_later_release_wins(tmp_path: Path) -> None:
    first = release(release_id="r1", date="2020-01-01T00:00:00Z")
    first["awards"][0]["status"] = "pending"
    first["awards"][0]["title"] = "Original title"
    second = copy.deepcopy(first)
    second.update(id="r2", date="2020-02-01T00:00:00Z")
    second["awards"][0]["status"] = "active"
    del second["awards"][0]["title"]  # absent fields keep their earlier value when merged
    package = {"uri": "x", "records": [{"ocid": "ocds-x-1", "releases": [second, first]}]}
    (item,) = items(write(tmp_path / "records.json", package))
    (award,) = item.awards
    assert award.status == "active"
    assert award.title == "Original title"
    assert award.position == "records[0].releases(merged)/awards[0]"
    assert award.release_id == "ocds-x-1-2020-02-01T00:00:00Z"  # ocdsmerge's compiled id


def test_record_with_only_linked_releases_is_rejected(tmp_path: Path) -> None:
    linked = [{"url": "https://example.org/r1", "date": "2020-01-01T00:00:00Z", "tag": ["tender"]}]
    package = {
        "records": [{"ocid": "ocds-x-1", "releases": linked}, {"ocid": "o", "releases": ["u"]}]
    }
    found = list(read_ocds(write(tmp_path / "records.json", package)))
    assert [f.position for f in found if isinstance(f, Rejected)] == ["records[0]", "records[1]"]
    assert all("only linked by URL" in f.reason for f in found if isinstance(f, Rejected))


def test_record_whose_releases_cannot_be_merged_is_rejected(tmp_path: Path) -> None:
    undated = release(release_id="2")
    del undated["date"]
    package = {"records": [{"ocid": "ocds-x-1", "releases": [release(), undated]}]}
    (found,) = list(read_ocds(write(tmp_path / "records.json", package)))
    assert isinstance(found, Rejected)
    assert found.position == "records[0]"
    assert found.reason.startswith("cannot merge the record's releases: MissingDateKeyError")


def test_single_record_without_package(tmp_path: Path) -> None:
    record = {"ocid": "ocds-x-1", "releases": [release(), release(release_id="2")]}
    (item,) = items(write(tmp_path / "record.json", record))
    assert item.parties[0].position == "record.releases(merged)/parties[0]"


def test_truncated_document_raises_unreadable_source(tmp_path: Path) -> None:
    text = json.dumps({"uri": "x", "releases": [release(), release()]}, indent=1)
    path = tmp_path / "broken-package.json"
    path.write_text(text[: len(text) // 2], encoding="utf-8")
    with pytest.raises(UnreadableSource, match=r"broken-package\.json"):
        list(read_ocds(path))


def test_truncated_record_package_raises_even_after_early_detection(tmp_path: Path) -> None:
    text = json.dumps({"records": [{"compiledRelease": release()}] * 3})
    path = tmp_path / "broken-records.json"
    path.write_text(text[:-40], encoding="utf-8")
    with pytest.raises(UnreadableSource, match=r"broken-records\.json"):
        list(read_ocds(path))


@pytest.mark.parametrize("content", [b"", b"  \n", b"not json", b"\x1f\x8bnot gzip"])
def test_unreadable_files(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    with pytest.raises(UnreadableSource, match=r"bad\.json"):
        list(read_ocds(path))


def test_release_without_ocid_is_rejected(tmp_path: Path) -> None:
    no_ocid = release()
    del no_ocid["ocid"]
    (found,) = list(read_ocds(write(tmp_path / "release.json", no_ocid)))
    assert isinstance(found, Rejected)
    assert found.reason == "release has no ocid"
    assert found.position == "release"
    assert json.loads(found.raw)["id"] == "1"


def test_bom_and_top_level_package_info_are_tolerated(tmp_path: Path) -> None:
    path = tmp_path / "release.json"
    value = release(packageInfo={"publisher": {"name": "x"}})
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(value).encode())
    assert len(items(path)) == 1


# --- extraction edge cases ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"parties": ["ACME"]}, "parties[0] is the text 'ACME', expected an object"),
        ({"awards": "A1"}, "awards is the text 'A1', expected an array of objects"),
        ({"buyer": ["x"]}, "buyer is an array, expected an object"),
        ({"awards": [{"id": "A1", "value": {"amount": "N/A"}}]}, "awards[0].value.amount"),
    ],
)
def test_odd_shapes_quarantine_the_release(
    tmp_path: Path, change: dict[str, Any], reason: str
) -> None:
    (found,) = list(read_ocds(write(tmp_path / "release.json", release(**change))))
    assert isinstance(found, Rejected)
    assert reason in found.reason


def test_null_arrays_and_int_identifiers_are_read() -> None:
    value = release(
        parties=None,
        contracts=None,
        awards=[
            {
                "id": 7,
                "suppliers": [{"name": "X", "identifier": {"id": 123, "scheme": None}}],
                "value": {"amount": 10.5, "currency": None},
            }
        ],
    )
    item = extract_release(value, position="release")
    (award,) = item.awards
    assert award.item_id == "7"
    assert award.value_amount == Decimal("10.5")
    assert award.currency is None
    assert [(p.party_id, p.rfc_raw) for p in item.parties] == [("identifier:123", "123")]


def test_rfc_sources_and_non_rfc_schemes() -> None:
    value = release(
        parties=[
            {"id": "RFC-BBB020202BBB", "name": "B", "roles": ["Licitante"]},
            {
                "id": "c",
                "identifier": {"scheme": "CUA", "id": "1"},
                "additionalIdentifiers": [{"scheme": "mx-rfc", "id": "CCC030303CCC"}],
            },
            {"id": "d", "identifier": {"scheme": "PROV-GOB-JAL", "id": "P1"}},
        ],
        awards=[{"id": "A1", "suppliers": [{"id": "d", "identifier": {"id": "DDD040404DDD"}}]}],
    )
    item = extract_release(value, position="release")
    assert [(p.party_id, p.roles, p.rfc_raw) for p in item.parties] == [
        ("RFC-BBB020202BBB", ("tenderer",), "BBB020202BBB"),
        ("c", (), "CCC030303CCC"),
        # no RFC under its own scheme, but the award's supplier reference carries one
        ("d", ("supplier",), "DDD040404DDD"),
    ]


def test_same_dirty_identifier_for_different_firms_gives_two_parties() -> None:
    suppliers = [
        {"name": "FIRMA UNO", "identifier": {"id": "0"}},
        {"name": "OTRA FIRMA", "identifier": {"id": "0"}},
        {"name": "FIRMA UNO SA", "identifier": {"id": "0"}},  # truncation-compatible: same
    ]
    item = extract_release(
        release(parties=None, awards=[{"id": "A", "suppliers": suppliers}]), position="release"
    )
    assert [p.party_id for p in item.parties] == ["identifier:0", "identifier:0|name:OTRA FIRMA"]
    assert [s.party_id for s in item.awards[0].suppliers] == [
        "identifier:0",
        "identifier:0|name:OTRA FIRMA",
        "identifier:0",
    ]


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("Proveedor o contratista", "supplier"),
        ("PROVEEDOR", "supplier"),
        ("Contratista", "supplier"),
        ("Comprador", "buyer"),
        ("participante", "tenderer"),
        ("Licitante", "tenderer"),
        ("Entidad Convocante", "procuringEntity"),
        ("entidad contratante", "procuringEntity"),
        ("Entidad que realiza la contratación", "procuringEntity"),
        ("Pagador", "payer"),
        ("Beneficiario", "payee"),
        ("procuring entity", "procuringEntity"),
        ("Supplier", "supplier"),
        ("reviewBody", "reviewBody"),
        ("Unidad requirente", "unidadRequirente"),
        ("customRole", "customRole"),
    ],
)
def test_canonical_roles(raw: str, code: str) -> None:
    assert canonical_role(raw) == code
