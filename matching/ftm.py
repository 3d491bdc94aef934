"""Resolved firms as FollowTheMoney entities, for OpenSanctions/yente, Aleph and `ftm` tools.

Each resolved firm is one `Company` (its RFCs are a company's), `Person` (a person's) or
`LegalEntity` (no RFC, or both kinds merged), with every published name, its RFCs as
`taxNumber` and the addresses its records give. Each sanction is a `Sanction` tied to its firm;
each award it won is a `ContractAward` between the firm and a `Contract`, whose `authority` is
the buyer as a `PublicBody`. Entities are built with the `followthemoney` library, so every
property is cleaned and checked against its schema, and are written one JSON object a line (the
format `ftm` and yente read).

Ids: a firm keeps Testigo's entity id with `-` for `_` (`tg_0001c2c3130b` is `tg-0001c2c3130b`:
FtM ids allow letters, digits, `.` and `-` only); the others are `make_entity_id` hashes of
their source keys, stable across exports. The export is streamed in batches of firms: memory
holds one batch and the ids of the buyers and contracts already written (a contract won by
several firms is written once)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any

from followthemoney import EntityProxy, model
from followthemoney.util import make_entity_id
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app.store import exports
from app.store.engine import unit_of_work
from matching import export, firm_types

# The registries by their official names (FtM's `program`), and who keeps each (`authority`).
PROGRAMS = {
    "sfp": "Directorio de Proveedores y Contratistas Sancionados",
    "sat-69b": "Listado de contribuyentes del artículo 69-B del CFF",
    "pdn-s3": "Plataforma Digital Nacional, Sistema 3 (servidores públicos y particulares "
    "sancionados)",
}
KEEPERS = {
    "sfp": "Secretaría Anticorrupción y Buen Gobierno",
    "sat-69b": "Servicio de Administración Tributaria",
    "pdn-s3": "Secretaría Ejecutiva del Sistema Nacional Anticorrupción",
}
PUBLISHER = "Testigo"
BATCH = 1_000


def _id(kind: str, *parts: str) -> str:
    made = make_entity_id(f"testigo-{kind}", *parts)
    assert made is not None  # the kind alone makes the digest differ from the empty one
    return made


def firm_id(entity_id: str) -> str:
    """A resolved firm's FtM id: its Testigo id in the characters FtM ids allow."""
    return entity_id.replace("_", "-")


def _batches(items: Iterator[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    while chunk := list(islice(items, size)):
        yield chunk


def _schema(rfcs: list[str]) -> str:
    kinds = {t["id"] for t in firm_types.types_of(" ".join(rfcs))} - {"firm"}
    return {frozenset({"company"}): "Company", frozenset({"person"}): "Person"}.get(
        frozenset(kinds), "LegalEntity"
    )


def _address(street: str | None, locality: str | None, region: str | None, cp: str | None) -> str:
    parts = [p.strip() for p in (street, locality, region) if p and p.strip()]
    if cp and cp.strip():
        parts.append(f"C.P. {cp.strip()}")
    return ", ".join(parts)


class _Entity(EntityProxy):
    """An FtM entity whose text values are cut to what their property holds: a published
    contract title may run to thousands of characters, and a `name` holds 384. A value is cut
    at a word with an ellipsis, so a reader sees it was cut; the whole text goes in
    `description` where the schema has one (see `_contract`)."""

    def add(self, prop: Any, values: Any, *args: Any, **kwargs: Any) -> None:
        limit = self.schema.properties[prop].max_length if isinstance(prop, str) else None
        if limit:
            single = isinstance(values, str) or not isinstance(values, Iterable)
            values = [
                _cut(v, limit) if isinstance(v, str) else v
                for v in ([values] if single else values)
            ]
        super().add(prop, values, *args, **kwargs)


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    return (head.rsplit(" ", 1)[0] if " " in head[limit // 2 :] else head).rstrip(" ,;:") + "…"


def _proxy(schema: str, entity_id: str) -> EntityProxy:
    found = model.get(schema)
    assert found is not None, schema
    proxy = _Entity(found, {"id": entity_id})
    proxy.add("publisher", PUBLISHER)
    return proxy


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _firm(firm: dict[str, Any], addresses: Iterable[str]) -> EntityProxy:
    proxy = _proxy(_schema(firm["rfcs"]), firm_id(firm["entity_id"]))
    proxy.add("name", firm["display_name"])
    proxy.add("alias", [r["name"] for r in firm["records"] if r["name"]])
    proxy.add("taxNumber", firm["rfcs"])
    proxy.add("address", list(addresses))
    proxy.add("country", "mx")
    return proxy


def _sanction(row: Any, firm: str, origin: str | None) -> EntityProxy:
    proxy = _proxy("Sanction", _id("sanction", row.source_key))
    proxy.add("entity", firm)
    proxy.add("authority", row.authority or KEEPERS.get(row.registry_code))
    proxy.add("program", PROGRAMS.get(row.registry_code, row.registry_code))
    proxy.add("programId", row.registry_code)
    proxy.add("reason", row.kind)
    # The registry's own words (SAT: the situation, SFP: the term, PDN: the sanction type);
    # `status` is whether the registry still lists it.
    proxy.add("provisions", row.raw_status)
    proxy.add("status", row.status)
    proxy.add("startDate", _iso(row.start_date))
    proxy.add("endDate", _iso(row.end_date))
    proxy.add("recordId", row.case_number)
    proxy.add("country", "mx")
    if origin and "://" in origin:
        proxy.add("sourceUrl", origin)
    return proxy


def _buyer(award: Any) -> EntityProxy | None:
    if not (award.buyer_rfc or award.buyer_name):
        return None
    key = award.buyer_rfc or (award.buyer_name or "").strip().upper()
    proxy = _proxy("PublicBody", _id("buyer", key))
    proxy.add("name", award.buyer_name)
    proxy.add("taxNumber", award.buyer_rfc)
    proxy.add("country", "mx")
    return proxy


def _contract(award: Any, buyer: EntityProxy | None) -> EntityProxy:
    proxy = _proxy("Contract", _id("contract", award.source_key))
    title = award.title or award.ocid
    proxy.add("title", title)
    proxy.add("name", title)
    if title != proxy.first("name"):  # cut: the whole text is kept
        proxy.add("description", title)
    if buyer is not None:
        proxy.add("authority", buyer.id)
    proxy.add("procedureNumber", award.ocid)
    proxy.add("contractDate", _iso(award.date_signed or award.date))
    proxy.add("amount", None if award.value_amount is None else str(award.value_amount))
    proxy.add("currency", award.currency)
    proxy.add("status", award.status)
    proxy.add("sourceUrl", award.url)
    proxy.add("country", "mx")
    return proxy


def _award(award: Any, contract: EntityProxy, supplier: str) -> EntityProxy:
    proxy = _proxy("ContractAward", _id("award", award.source_key, supplier))
    proxy.add("contract", contract.id)
    proxy.add("supplier", supplier)
    proxy.add("date", _iso(award.date))
    proxy.add("startDate", _iso(award.period_start))
    proxy.add("endDate", _iso(award.period_end))
    proxy.add("amount", None if award.value_amount is None else str(award.value_amount))
    proxy.add("currency", award.currency)
    proxy.add("status", award.status)
    proxy.add("sourceUrl", award.url)
    return proxy


def entities(engine: Engine, *, batch: int = BATCH) -> Iterator[EntityProxy]:
    """Every resolved firm with its sanctions and awards, as FtM entities, firms in id order.
    One transaction, open while the stream is: a Session, for rows of ORM objects (Sanction,
    Award), whose connection also streams the firms."""
    written: set[str] = set()  # buyers and contracts, each once
    with unit_of_work(engine) as session:
        rows = exports.members(batch=export.BATCH, conn=session.connection())
        for firms in _batches(export.grouped(rows), batch):
            yield from _batch(session, firms, written)


def _batch(
    session: Session, firms: list[dict[str, Any]], written: set[str]
) -> Iterator[EntityProxy]:
    owner: dict[tuple[str, str], str] = {}  # (record type, source key) -> firm id
    for firm in firms:
        for record in firm["records"]:
            owner[(record["record_type"], record["source_key"])] = firm_id(firm["entity_id"])
    keys = {
        kind: [k for (t, k) in owner if t == kind] for kind in ("party", "sanction", "supplier")
    }
    addresses: dict[str, set[str]] = {}
    for kind in ("party", "supplier"):
        for key, *parts in exports.addresses(kind, keys[kind], session=session):
            text = _address(*parts)
            if text:
                addresses.setdefault(owner[(kind, key)], set()).add(text)
    sanctions = exports.sanctions(keys["sanction"], session=session)
    awards = exports.awards(keys["party"], session=session)
    for firm in firms:
        yield _firm(firm, sorted(addresses.get(firm_id(firm["entity_id"]), ())))
    for sanction, origin in sanctions:
        yield _sanction(sanction, owner[("sanction", sanction.source_key)], origin)
    for award, party_key in awards:
        supplier = owner[("party", str(party_key))]
        buyer = _buyer(award)
        if buyer is not None and buyer.id not in written:
            written.add(str(buyer.id))
            yield buyer
        contract = _contract(award, buyer)
        if contract.id not in written:
            written.add(str(contract.id))
            yield contract
        yield _award(award, contract, supplier)


def lines(engine: Engine, *, batch: int = BATCH) -> Iterator[str]:
    """The export as FtM JSON lines."""
    for proxy in entities(engine, batch=batch):
        yield json.dumps(proxy.to_dict(), ensure_ascii=False, sort_keys=True) + "\n"
