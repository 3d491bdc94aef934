"""One OCDS (compiled) release -> the rows Testigo stores: its parties, awards and contracts.

Pure: no I/O. A release whose shape cannot be read raises `MalformedRelease` with the field
named; `ingest.ocds` turns that into a `Rejected` row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from ingest.dates import ocds_date, parse_instant
from ingest.ocds_fields import MalformedRelease, amount, obj, objects, text, text_at
from ingest.ocds_parties import PartyTable
from ingest.rows import AwardRow, OcdsItem, SupplierRef


@dataclass(slots=True)
class _Context:
    ocid: str
    release_id: str | None
    release_date: datetime | None
    position: str
    buyer_id: str | None
    buyer_name: str | None
    buyer_rfc_raw: str | None


def extract_release(release: dict[str, Any], *, position: str) -> OcdsItem:
    ocid = text(release.get("ocid"), "ocid")
    if ocid is None:
        raise MalformedRelease("release has no ocid")
    release_id = text(release.get("id"), "id")
    release_date = parse_instant(release.get("date"))
    parties = PartyTable(ocid, release_id, release_date, position)
    declared = objects(release.get("parties"), "parties")
    for index, party in declared:
        parties.declare(index, party)
    ctx = _Context(ocid, release_id, release_date, position, *_buyer(release, parties))
    if not declared:
        _inline_organisations(release, parties)

    rows: list[AwardRow] = []
    award_suppliers: dict[str, tuple[SupplierRef, ...]] = {}
    for index, award in objects(release.get("awards"), "awards"):
        row = _award(ctx, index, award, parties)
        award_suppliers.setdefault(row.item_id, row.suppliers)
        rows.append(row)
    # A contract without awardID in a one-award release (the airport's) belongs to that award.
    only_award = rows[0].suppliers if len(rows) == 1 else ()
    for index, contract in objects(release.get("contracts"), "contracts"):
        rows.append(_contract(ctx, index, contract, parties, award_suppliers, only_award))
    return OcdsItem(parties=parties.rows(), awards=rows)


_day_of_text = lru_cache(maxsize=8192)(ocds_date)  # award and contract days recur


def _day(value: object) -> date | None:
    """`ocds_date`, cached for the usual case of a string."""
    if value is None:
        return None
    return _day_of_text(value) if value.__class__ is str else ocds_date(value)


_Buyer = tuple[str | None, str | None, str | None]  # id, name, RFC as published


def _buyer(release: dict[str, Any], parties: PartyTable) -> _Buyer:
    """(id, name, RFC) of the buyer: `release.buyer`, else the party with role buyer (federal
    APF releases have no buyer object)."""
    ref = obj(release.get("buyer"), "buyer")
    if ref is not None:
        found = parties.refer(ref, "buyer", role="buyer")
        if found is not None:
            party, rfc = found
            name = text(ref.get("name"), "buyer.name") or party.name
            return party.party_id, name, rfc or party.rfc_raw
    declared = parties.first_with_role("buyer")
    if declared is not None:
        return declared.party_id, declared.name, declared.rfc_raw
    return None, None, None


def _inline_organisations(release: dict[str, Any], parties: PartyTable) -> None:
    """OCDS 1.0 (CDMX 2015-16) has no `parties[]`: the procuring entity and every tenderer are
    full organisations inside `tender`. Losing bidders are firms too, so each tenderer becomes a
    party; read before the awards, so that an award supplier given only by its identifier
    finds the tenderer and its name."""
    tender = obj(release.get("tender"), "tender")
    if tender is None:
        return
    entity = obj(tender.get("procuringEntity"), "tender.procuringEntity")
    if entity is not None:
        parties.refer(entity, "tender.procuringEntity", role="procuringEntity")
    for index, tenderer in objects(tender.get("tenderers"), "tender.tenderers"):
        parties.refer(tenderer, f"tender.tenderers[{index}]", role="tenderer")


def _supplier_refs(
    item: dict[str, Any], where: str, parties: PartyTable
) -> tuple[SupplierRef, ...]:
    """The suppliers an award or contract names: the `suppliers` array, and the single
    `supplier` object of SHCP federal releases (~2019)."""
    refs: list[SupplierRef] = []
    for field in ("suppliers", "supplier"):
        value = item.get(field)
        if value is None:
            continue
        listed = len(refs)
        for index, entry in objects(value, f"{where}.{field}"):
            at = f".{field}[{index}]" if field == "suppliers" else f".{field}"
            found = parties.refer(entry, where + at, role="supplier")
            if found is None:
                continue
            party, rfc = found
            if any(ref.party_id == party.party_id for ref in refs[:listed]):
                continue  # named in both fields: once is enough
            v = entry.get("name")
            name: str | None = v
            if not (v.__class__ is str and v.strip()):
                name = text_at(v, where, f"{at}.name") or party.name
            rfc_raw = rfc or party.rfc_raw
            refs.append(SupplierRef(party_id=party.party_id, name=name, rfc_raw=rfc_raw))
    return tuple(refs)


def _award(ctx: _Context, index: int, award: dict[str, Any], parties: PartyTable) -> AwardRow:
    where = f"awards[{index}]"
    period = obj(award.get("contractPeriod"), f"{where}.contractPeriod") or {}
    return _row(
        ctx,
        award,
        where,
        kind="award",
        award_id=None,
        date=award.get("date"),
        date_signed=None,
        period=period,
        suppliers=_supplier_refs(award, where, parties),
    )


def _contract(
    ctx: _Context,
    index: int,
    contract: dict[str, Any],
    parties: PartyTable,
    award_suppliers: dict[str, tuple[SupplierRef, ...]],
    only_award: tuple[SupplierRef, ...],
) -> AwardRow:
    where = f"contracts[{index}]"
    award_id = text(contract.get("awardID"), f"{where}.awardID")
    # Federal APF contracts name their suppliers; the others inherit the award's.
    suppliers = _supplier_refs(contract, where, parties)
    if not suppliers:
        suppliers = award_suppliers.get(award_id, ()) if award_id is not None else only_award
    return _row(
        ctx,
        contract,
        where,
        kind="contract",
        award_id=award_id,
        date=None,
        date_signed=contract.get("dateSigned"),
        period=obj(contract.get("period"), f"{where}.period") or {},
        suppliers=suppliers,
    )


def _row(
    ctx: _Context,
    item: dict[str, Any],
    where: str,
    *,
    kind: str,
    award_id: str | None,
    date: object,
    date_signed: object,
    period: dict[str, Any],
    suppliers: tuple[SupplierRef, ...],
) -> AwardRow:
    # Federal contracts carry only valueWithTax; it is still the amount awarded.
    value = (
        obj(item.get("value"), f"{where}.value")
        or obj(item.get("valueWithTax"), f"{where}.valueWithTax")
        or {}
    )
    # Inline fast path of `text` (most fields are plain strings): see ocds_fields.text_at.
    v = item.get("id")
    # Some airport awards have no id: their place in the release is the stable key left.
    item_id = (v if v.__class__ is str and v.strip() else text_at(v, where, ".id")) or where
    v = item.get("title")
    title = v if v.__class__ is str and v.strip() else text_at(v, where, ".title")
    v = item.get("status")
    status = v if v.__class__ is str and v.strip() else text_at(v, where, ".status")
    day, day_signed = _day(date), _day(date_signed)
    start, end = _day(period.get("startDate")), _day(period.get("endDate"))
    value_amount = amount(value.get("amount"), f"{where}.value.amount")
    v = value.get("currency")
    currency = v if v.__class__ is str and v.strip() else text_at(v, where, ".value.currency")
    return AwardRow(
        ocid=ctx.ocid,
        kind=kind,
        item_id=item_id,
        award_id=award_id,
        title=title,
        status=status,
        date=day,
        date_signed=day_signed,
        period_start=start,
        period_end=end,
        value_amount=value_amount,
        currency=currency,
        buyer_id=ctx.buyer_id,
        buyer_name=ctx.buyer_name,
        buyer_rfc_raw=ctx.buyer_rfc_raw,
        suppliers=suppliers,
        release_id=ctx.release_id,
        release_date=ctx.release_date,
        position=f"{ctx.position}/{where}",
    )
