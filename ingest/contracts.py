"""ComprasMX contracts: the federal procurement system's CSV download (since 2025).

One row is one contract. It is read as an OCDS contract so that linking, checks, the firm page,
alerts and digests treat it like any published award: each row yields an `OcdsItem` with one
`AwardRow` (kind "contract"), the supplier as a `PartyRow` (role supplier, the RFC as published)
and the buying unit (UC) as a `PartyRow` (role buyer). The process is the procedure:
ocid = "comprasmx-<Número de procedimiento>"; suppliers and UCs are parties of one pseudo-process
"comprasmx" (keys `comprasmx/rfc:<RFC>`, `comprasmx/name:<NAME>`, `comprasmx/<Clave de la UC>`),
so a firm is one record however many contracts it signs, and the notice URL is the award's.

**The contract key.** ComprasMX publishes no contract id, and one procedure holds several
contracts, even for one supplier and UC (items split by amount, signed minutes apart; a few rows
are byte-identical). The key is made of what identifies a contract and does not change between
downloads: the procedure (in the ocid), the supplier (`rfc:<RFC>` when the row has a usable RFC,
else `name:<name upper-cased, spaces collapsed>`), the UC's key (Clave de la UC), the budget
line (Partida específica) and a digest of the description (whitespace collapsed, upper-cased):

    comprasmx-<procedure>/contract/<supplier>/<UC>/<partida>/<description digest>

Amounts, dates and the notice URL are not in the key: a newer download that corrects them
updates the contract. Rows that still share a key are numbered `#2`, `#3`... in an order that
does not depend on where they sit in the file (ComprasMX lists them in no fixed order; a first
pass over the file ranks them, as `ingest.sanctions._common.DuplicateKeys` does for registries):
by signature time, unsigned ones last, then by a digest of the whole row. The earliest signed
keeps the plain key, and a contract signed later never renames the existing ones. What can
still move a key within such a group: a contract that gets signed, or whose amount changes,
while it ties with others on signature time (unsigned ones): the group's rows then trade keys
(counted as updates; nothing is duplicated or lost). Byte-identical rows are both kept.

**Which download wins.** Every row carries the download's as-of date as its release date (a
`YYYY-MM-DD` in the file name, such as `comprasmx_contratos_2026-03-08.csv`, else the newest
publication, award or signature date in the file that is not after today); the store only
overwrites with a strictly newer release, so a newer download updates and an older one, read
later, changes nothing.

**Dirty input.** UTF-8 (with or without BOM) or cp1252, CRLF or LF, quoted line breaks, `,` or
`;`; headers are matched with accents, case and spacing folded. A file without the columns read
here raises `UnreadableSource` naming them. A row with an unreadable amount or date is
quarantined whole (with its line and the reason): the awards table has no place for a raw value,
and storing the contract with the value blanked would look like "not published".
"""

from __future__ import annotations

import _csv
import csv
import hashlib
import io
import re
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import TextIO

from ingest.convert import bounded
from ingest.dates import MEXICO_CITY, parse_day
from ingest.rows import (
    Address,
    AwardRow,
    OcdsItem,
    PartyRow,
    Rejected,
    SupplierRef,
    UnreadableSource,
)
from ingest.sanctions._common import fold, parse_amount
from matching import rfc as rfcs

FORMAT = "comprasmx"
OCID_PREFIX = "comprasmx-"
# Suppliers and buying units are parties of one pseudo-process, not of each procedure: a firm
# with 300 contracts is one record to link, not 300 copies of the same RFC and name (each
# contract keeps the name and RFC as that row published them, in award_suppliers).
PARTIES = "comprasmx"
CURRENCY = "MXN"  # Importe DRC is in pesos
ENCODINGS = ("utf-8-sig", "cp1252")

# The columns read, by their folded header, and the attribute each becomes in `_Columns`.
COLUMNS = {
    "rfc": "rfc",
    "institucion": "institution",
    "nombre de la uc": "uc_name",
    "clave de la uc": "uc_key",
    "proveedor o contratista": "supplier",
    "numero de procedimiento": "procedure",
    "partida especifica": "partida",
    "importe drc": "amount",
    "fecha de publicacion": "published",
    "fecha de fallo": "awarded",
    "fecha de firma del contrato": "signed",
    "fecha de inicio del contrato": "start",
    "descripcion del contrato": "description",
    "direccion del anuncio": "url",
}
_NAME_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
_UNSIGNED = 99_999_999_999_999  # sorts after every YYYYMMDDhhmmss
_DIGITS = str.maketrans("", "", "-: T")
_NO_ADDRESS = Address()
URL_LIMIT = 2048  # longer is not a notice URL but a mangled cell; the row's line still has it


@dataclass(frozen=True, slots=True)
class _Columns:
    rfc: int
    institution: int
    uc_name: int
    uc_key: int
    supplier: int
    procedure: int
    partida: int
    amount: int
    published: int
    awarded: int
    signed: int
    start: int
    description: int
    url: int


def read_comprasmx(path: Path) -> Iterator[OcdsItem | Rejected]:
    """Stream a ComprasMX contracts CSV as OCDS items (see the module docstring for the key)."""
    encoding, suffixes, newest = _first_pass(path)
    as_of = _name_date(path) or newest
    release_date = (
        datetime(as_of.year, as_of.month, as_of.day, tzinfo=MEXICO_CITY) if as_of else None
    )
    with path.open(encoding=encoding, newline="") as stream:
        reader, columns, width = _open(stream, path)
        last_line = reader.line_num
        index = -1
        try:
            for row in reader:
                position, last_line = f"line {last_line + 1}", reader.line_num
                if not any(row):
                    continue
                index += 1
                yield _item(row, width, columns, position, suffixes.get(index, ""), release_date)
        except csv.Error as exc:  # the first pass read the same bytes: only a file changing now
            raise UnreadableSource(f"{path}: broken CSV at line {last_line + 1}: {exc}") from exc


# --- first pass: encoding, duplicate keys, newest date ------------------------------------------


def _first_pass(path: Path) -> tuple[str, dict[int, str], date | None]:
    """The encoding that reads the whole file, the `#n` suffix of each row whose key is shared
    (by data-row index), and the newest event date in the file. Holds a digest per key and a
    signature time per row, never the rows."""
    problem: UnicodeDecodeError | None = None
    for encoding in ENCODINGS:
        try:
            with path.open(encoding=encoding, newline="") as stream:
                suffixes, newest = _scan(stream, path)
        except UnicodeDecodeError as exc:
            problem = exc
            continue
        except csv.Error as exc:
            raise UnreadableSource(f"{path}: broken CSV: {exc}") from exc
        return encoding, suffixes, newest
    raise UnreadableSource(f"{path}: neither UTF-8 nor cp1252 text ({problem})")


def _scan(stream: TextIO, path: Path) -> tuple[dict[int, str], date | None]:
    reader, c, width = _open(stream, path)
    dated = _name_date(path) is None  # the newest date in the file is only needed without one
    # Per keyed row, 20 bytes: its index and its key's 96-bit digest (no dict of keys: a million
    # rows would hold ~150 MB in one). Shared keys are found by sorting them at the end.
    rows, high, low = array("q"), array("Q"), array("I")
    # Per row, 16 bytes in all: what ranks the rows of a shared key.
    signed = array("q")
    content = array("q")
    days: set[str] = set()
    index = -1
    for row in reader:
        if not any(row):
            continue
        index += 1
        if len(row) != width:
            signed.append(_UNSIGNED)
            content.append(0)
            continue
        digest = hashlib.blake2b(_base_key(row, c).encode(), digest_size=12).digest()
        rows.append(index)
        high.append(int.from_bytes(digest[:8], "big"))
        low.append(int.from_bytes(digest[8:], "big"))
        signed.append(_sortable(row[c.signed]))
        whole = hashlib.blake2b(_spaced(row).encode(), digest_size=8)
        content.append(int.from_bytes(whole.digest(), "big", signed=True))
        if dated:
            for value in (row[c.published], row[c.awarded], row[c.signed]):
                if value:
                    days.add(value[:10])
    suffixes: dict[int, str] = {}
    for members in _shared(rows, high, low):
        ranked = sorted(members, key=lambda i: (signed[i], content[i], i))
        for rank, member in enumerate(ranked[1:], start=2):
            suffixes[member] = f"#{rank}"
    return suffixes, _newest(days)


def _shared(rows: array[int], high: array[int], low: array[int]) -> Iterator[list[int]]:
    """The row indices of each key digest that more than one row has. Each row is one int
    (digest, then index, in its low bits), so one sort of plain ints finds them."""
    bits = max(rows[-1].bit_length(), 1) if rows else 1
    packed = sorted(((h << 32 | lo) << bits) | i for i, h, lo in zip(rows, high, low, strict=True))
    mask = (1 << bits) - 1
    run: list[int] = []
    previous = -1
    for value in packed:
        key = value >> bits
        if key != previous:
            if len(run) > 1:
                yield run
            run, previous = [], key
        run.append(value & mask)
    if len(run) > 1:
        yield run


def _spaced(row: list[str]) -> str:
    """The row's cells, each with its whitespace collapsed and trimmed, joined by \\x1f: one
    split and join for the whole row rather than one per cell (a tenth of the first pass).
    NUL separates the cells while collapsing (it is no whitespace; \\x1f is, to str.split)."""
    joined = " ".join("\x00".join(row).split())
    return joined.replace(" \x00", "\x00").replace("\x00 ", "\x00").replace("\x00", "\x1f")


def _sortable(value: str) -> int:
    """A signature time as YYYYMMDDhhmmss for ordering; blank or unreadable ones sort last."""
    digits = value.strip().translate(_DIGITS)
    if len(digits) >= 8 and digits.isdigit():
        return int(digits[:14].ljust(14, "0"))
    return _UNSIGNED


def _newest(days: set[str]) -> date | None:
    # A typo'd year in the future would make every later download look older: skip those.
    today = datetime.now(MEXICO_CITY).date()
    found = []
    for text in days:
        try:
            day = parse_day(text)
        except ValueError:
            continue
        if day is not None and day <= today:
            found.append(day)
    return max(found, default=None)


def _name_date(path: Path) -> date | None:
    for match in reversed(_NAME_DATE.findall(path.name)):
        try:
            return date(*(int(part) for part in match))
        except ValueError:
            continue
    return None


# --- header -------------------------------------------------------------------------------------


def _open(stream: TextIO, path: Path) -> tuple[_csv.Reader, _Columns, int]:
    """A csv reader positioned after the header, with the columns read and the row width."""
    head = stream.readline()
    stream.seek(0)
    if not head.strip():
        raise UnreadableSource(f"{path}: empty file, expected a ComprasMX contracts CSV")
    delimiter = max(",;\t", key=head.count)
    reader = csv.reader(stream, delimiter=delimiter)
    try:
        header = next(reader)
    except csv.Error as exc:
        raise UnreadableSource(f"{path}: broken CSV header: {exc}") from exc
    positions: dict[str, int] = {}
    for index, name in enumerate(header):
        positions.setdefault(fold(name.replace("\ufeff", "")), index)
    missing = [name for name in COLUMNS if name not in positions]
    if missing:
        raise UnreadableSource(
            f"{path}: not a ComprasMX contracts CSV: missing column(s) "
            f"{', '.join(repr(m) for m in missing)} (accents and case ignored); "
            f"the header has {', '.join(repr(h) for h in header)}"
        )
    columns = _Columns(**{attr: positions[name] for name, attr in COLUMNS.items()})
    return reader, columns, len(header)


# --- rows ---------------------------------------------------------------------------------------


def _base_key(row: list[str], c: _Columns) -> str:
    """What identifies a contract within the file, before numbering: the procedure, the
    supplier, the UC, the budget line and the description's digest."""
    supplier = _supplier(row[c.rfc], row[c.supplier])[0]
    return "/".join(
        (
            _collapsed(row[c.procedure]),
            supplier,
            _collapsed(row[c.uc_key]).upper() or "-",
            _collapsed(row[c.partida]) or "-",
            _description_digest(row[c.description]),
        )
    )


@lru_cache(maxsize=65536)
def _collapsed(value: str) -> str:
    return " ".join(value.split())


def _description_digest(text: str) -> str:
    # Collapsed first: a later download may break the same description across other lines.
    folded = " ".join(text.split()).upper().encode()
    return hashlib.blake2b(folded, digest_size=6).hexdigest()


@lru_cache(maxsize=1 << 17)
def _supplier(rfc_raw: str, name: str) -> tuple[str, str | None, str | None]:
    """(party id, RFC as published, name) of a supplier. The id is its usable RFC, else its
    name (so rows without an RFC still link by name); a generic RFC is shared by unrelated
    suppliers and never names a party."""
    raw = rfc_raw.strip() or None
    clean = _collapsed(name) or None
    found = rfcs.best(raw)
    if found is not None and found.usable:
        return f"rfc:{found.value}", raw, clean
    if clean is not None:
        return bounded(f"name:{clean.upper()}"), raw, clean
    if raw is not None:
        return bounded(f"rfc:{rfcs.normalise(raw)}"), raw, clean
    return "-", None, None


@lru_cache(maxsize=4096)
def _buyer(key: str, institution: str, unit: str) -> tuple[str | None, str | None]:
    """(buyer id, buyer name) of a UC: its key, and "Institución - Nombre de la UC"."""
    name = " - ".join(part for part in (_collapsed(institution), _collapsed(unit)) if part) or None
    buyer_id = _collapsed(key) or (bounded(f"name:{name.upper()}") if name else None)
    return buyer_id, name


@lru_cache(maxsize=65536)
def _day(value: str) -> date | None:
    """ "2026-01-21 11:57:32" or "01/01/2026" (or the other forms `parse_day` reads)."""
    text = value.strip()
    if not text:
        return None
    if len(text) >= 10 and text[4] == "-" and text[7] == "-":
        try:
            return date.fromisoformat(text[:10])
        except ValueError:
            pass
    return parse_day(text)


def _item(
    row: list[str],
    width: int,
    c: _Columns,
    position: str,
    suffix: str,
    release_date: datetime | None,
) -> OcdsItem | Rejected:
    if len(row) != width:
        return Rejected(position, _join(row), f"{len(row)} columns, the header has {width}")
    procedure = _collapsed(row[c.procedure])
    if not procedure:
        return Rejected(position, _join(row), "no Número de procedimiento: the contract has no key")
    try:
        amount = parse_amount(row[c.amount])
    except ValueError:
        return Rejected(position, _join(row), f"unreadable Importe DRC {row[c.amount]!r}")
    dates = []
    for attr, label in (
        ("awarded", "Fecha de fallo"),
        ("signed", "Fecha de firma del contrato"),
        ("start", "Fecha de inicio del contrato"),
    ):
        value = row[getattr(c, attr)]
        try:
            dates.append(_day(value))
        except ValueError:
            return Rejected(position, _join(row), f"unreadable {label} {value!r}")
    ocid = OCID_PREFIX + procedure
    supplier_id, rfc_raw, name = _supplier(row[c.rfc], row[c.supplier])
    buyer_id, buyer_name = _buyer(row[c.uc_key], row[c.institution], row[c.uc_name])
    url = row[c.url].strip() or None
    if url is not None and len(url) > URL_LIMIT:
        url = None  # a cut URL leads nowhere; the row's line still names it
    item = OcdsItem()
    if buyer_id is not None:
        item.parties.append(_party(buyer_id, buyer_name, "buyer", None, release_date, position))
    suppliers: tuple[SupplierRef, ...] = ()
    if supplier_id != "-":
        item.parties.append(_party(supplier_id, name, "supplier", rfc_raw, release_date, position))
        suppliers = (
            SupplierRef(party_id=supplier_id, name=name, rfc_raw=rfc_raw, party_ocid=PARTIES),
        )
    base = _base_key(row, c)
    item.awards.append(
        AwardRow(
            ocid=ocid,
            kind="contract",
            item_id=bounded(base[len(procedure) + 1 :] + suffix),
            award_id=None,  # each row is its own award: alerts group contracts by awardID
            title=row[c.description],
            status=None,
            date=dates[0],
            date_signed=dates[1],
            period_start=dates[2],
            period_end=None,
            value_amount=amount,
            currency=CURRENCY,
            buyer_id=buyer_id,
            buyer_name=buyer_name,
            buyer_rfc_raw=None,
            suppliers=suppliers,
            release_id=None,
            release_date=release_date,
            position=position,
            url=url,
        )
    )
    return item


def _party(
    party_id: str,
    name: str | None,
    role: str,
    rfc_raw: str | None,
    release_date: datetime | None,
    position: str,
) -> PartyRow:
    """A buyer or a supplier, as a party of the one pseudo-process PARTIES: ComprasMX gives no
    address and no release; an RFC is the party's identifier."""
    return PartyRow(
        ocid=PARTIES,
        party_id=party_id,
        name=name,
        roles=(role,),
        rfc_raw=rfc_raw,
        identifier_scheme="MX-RFC" if rfc_raw else None,
        identifier_id=rfc_raw,
        address=_NO_ADDRESS,
        release_id=None,
        release_date=release_date,
        position=position,
    )


def _join(row: list[str]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(row)
    return out.getvalue()
