"""The parties of one OCDS release: declared in `parties[]`, or only named where an award,
contract or the buyer points at them (OCDS 1.0 style, cdmx 2015 and the airport).

Where the supplier's RFC is depends on the publisher (see DOMAIN.md): `identifier.id` under an
RFC scheme or under no scheme at all, an RFC `additionalIdentifiers` entry, or a party id like
"RFC-HPR060210B71" or a bare RFC such as SHCP's "CID980213EQ9". An identifier under any other
explicit scheme (MX-CPA, CUA, PROV-GOB-JAL...) is a register id, never an RFC. SHCP replaces
persons' RFCs with 32-character hashes, even under scheme MX-RFC: a hash is kept as the
identifier it is, never as an RFC. RFCs are kept exactly as published.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from functools import lru_cache
from typing import Any

from ingest.ocds_fields import address, obj, objects, text, text_at
from ingest.rows import PartyRow

_CODES = (
    "buyer",
    "procuringEntity",
    "supplier",
    "tenderer",
    "funder",
    "enquirer",
    "payer",
    "payee",
    "reviewBody",
    "interestedParty",
)
_CODE_BY_COMPACT = {code.lower(): code for code in _CODES}

# Spanish role names seen in Mexican publications (INAI) or plausible in others; keys are
# accent-free and lower-case.
_ROLE_ALIASES = {
    "proveedor o contratista": "supplier",
    "proveedor": "supplier",
    "contratista": "supplier",
    "proveedor/contratista": "supplier",
    "proveedor adjudicado": "supplier",
    "comprador": "buyer",
    "unidad compradora": "buyer",
    "participante": "tenderer",
    "licitante": "tenderer",
    "oferente": "tenderer",
    "entidad contratante": "procuringEntity",
    "entidad convocante": "procuringEntity",
    "convocante": "procuringEntity",
    # INAI names itself so in every release, beside the department it lists as "Comprador".
    "entidad que realiza la contratacion": "procuringEntity",
    "pagador": "payer",
    "beneficiario": "payee",
    "financiador": "funder",
    "parte interesada": "interestedParty",
    "organo revisor": "reviewBody",
}

_RFC_SCHEME = re.compile(r"(?:MX[-_ ]?)?RFC", re.IGNORECASE)
_RFC_PARTY_ID = re.compile(r"(?:MX-)?RFC-(.+)", re.IGNORECASE)
# A bare id is an RFC only when it has exactly an RFC's shape: other publishers' ids are
# integers, register keys or hashes.
_RFC_SHAPED = re.compile(r"[A-ZÑ&]{3,4}[0-9]{6}[A-Z0-9]{3}", re.IGNORECASE)
# What SHCP publishes instead of a person's RFC (an MD5, 32 hex digits); longer digests are
# no RFC either.
_HASH = re.compile(r"[0-9A-F]{32,}", re.IGNORECASE)


def _fold(value: str) -> str:
    decomposed = unicodedata.normalize("NFKD", value)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.casefold().split())


@lru_cache(maxsize=4096)  # a publisher uses a handful of role spellings, millions of times
def canonical_role(role: str) -> str:
    """The OCDS code for a role written in English or Spanish, any case or accents."""
    folded = _fold(role)
    compact = re.sub(r"[\s_-]", "", folded)
    if compact in _CODE_BY_COMPACT:
        return _CODE_BY_COMPACT[compact]
    if folded in _ROLE_ALIASES:
        return _ROLE_ALIASES[folded]
    words = role.split()  # unknown: kept, written lower-camel like the OCDS codes
    if not words:
        return role
    return words[0][:1].lower() + words[0][1:] + "".join(w[:1].upper() + w[1:] for w in words[1:])


def _roles(value: object, where: str) -> tuple[str, ...]:
    listed = value if isinstance(value, list) else [value]
    roles: list[str] = []
    for index, entry in enumerate(listed):
        if entry.__class__ is str and entry.strip():
            raw: str | None = entry
        else:
            raw = text_at(entry, where, f"[{index}]")
        role = canonical_role(raw) if raw is not None else None
        if role is not None and role not in roles:
            roles.append(role)
    return tuple(roles)


def _identifier(org: dict[str, Any], where: str) -> tuple[str | None, str | None]:
    ident = org.get("identifier")
    if ident is None:
        return None, None
    if ident.__class__ is not dict:
        ident = obj(ident, f"{where}.identifier") or {}
    v = ident.get("scheme")
    scheme = v if v.__class__ is str and v.strip() else text_at(v, where, ".identifier.scheme")
    v = ident.get("id")
    return scheme, v if v.__class__ is str and v.strip() else text_at(v, where, ".identifier.id")


@lru_cache(maxsize=1024)  # a publisher uses a handful of schemes
def _is_rfc_scheme(scheme: str | None) -> bool:
    return scheme is None or _RFC_SCHEME.fullmatch(scheme.strip()) is not None


def find_rfc(org: dict[str, Any], where: str) -> str | None:
    """The RFC an organisation object (party, buyer, supplier reference) carries, as published."""
    scheme, ident_id = _identifier(org, where)
    return _rfc_of(org, where, scheme, ident_id)


def _is_hash(value: str) -> bool:
    return _HASH.fullmatch(value.strip()) is not None


def _rfc_of(
    org: dict[str, Any], where: str, scheme: str | None, ident_id: str | None
) -> str | None:
    """`find_rfc` once the organisation's identifier (scheme, id) has been read."""
    if ident_id is not None and _is_rfc_scheme(scheme) and not _is_hash(ident_id):
        return ident_id
    for index, extra in objects(org.get("additionalIdentifiers"), f"{where}.additionalIdentifiers"):
        extra_where = f"{where}.additionalIdentifiers[{index}]"
        extra_scheme = text(extra.get("scheme"), f"{extra_where}.scheme")
        extra_id = text(extra.get("id"), f"{extra_where}.id")
        # Here an explicit RFC scheme is required: INAI fills these with address parts.
        if (
            extra_scheme is not None
            and extra_id is not None
            and _is_rfc_scheme(extra_scheme)
            and not _is_hash(extra_id)
        ):
            return extra_id
    v = org.get("id")
    org_id = v if v.__class__ is str and v.strip() else text_at(v, where, ".id")
    if org_id is None:
        return None
    if _RFC_SHAPED.fullmatch(org_id.strip()):
        return org_id
    match = _RFC_PARTY_ID.fullmatch(org_id.strip())
    return match.group(1) if match and not _is_hash(match.group(1)) else None


def _same_name(a: str | None, b: str | None) -> bool:
    """Names that may belong to one firm; CDMX truncates names, so a prefix counts."""
    if a is None or b is None:
        return True
    fa, fb = _fold(a), _fold(b)
    return fa.startswith(fb) or fb.startswith(fa)


class PartyTable:
    """The parties of one release by party id: duplicates merge (INAI lists a firm once as
    tenderer and again as supplier under the same id), references add roles and fill RFCs."""

    def __init__(
        self, ocid: str, release_id: str | None, release_date: datetime | None, position: str
    ) -> None:
        self.ocid, self.release_id, self.release_date = ocid, release_id, release_date
        self.position = position
        self._rows: dict[str, PartyRow] = {}
        self._by_identifier: dict[tuple[str | None, str], str] = {}

    def rows(self) -> list[PartyRow]:
        return list(self._rows.values())

    def first_with_role(self, role: str) -> PartyRow | None:
        return next((row for row in self._rows.values() if role in row.roles), None)

    def declare(self, index: int, party: dict[str, Any]) -> None:
        """A `parties[index]` entry."""
        where = f"parties[{index}]"
        scheme, ident_id = _identifier(party, where)
        v = party.get("name")
        name = v if v.__class__ is str and v.strip() else text_at(v, where, ".name")
        v = party.get("id")
        party_id = v if v.__class__ is str and v.strip() else text_at(v, where, ".id")
        if party_id is None:  # OCDS builds party ids from the identifier; so do we
            if ident_id is not None:
                party_id = f"{scheme}-{ident_id}" if scheme else f"identifier:{ident_id}"
            else:
                party_id = f"name:{name}" if name is not None else where
        rfc = _rfc_of(party, where, scheme, ident_id)
        row = self._new(party_id, name, party, where, scheme, ident_id, rfc)
        row.roles = _roles(party.get("roles"), f"{where}.roles")
        existing = self._rows.get(party_id)
        if existing is None:
            self._add(row)
            return
        existing.roles += tuple(r for r in row.roles if r not in existing.roles)
        for attr in ("name", "rfc_raw", "identifier_scheme", "identifier_id"):
            if getattr(existing, attr) is None:
                setattr(existing, attr, getattr(row, attr))

    def refer(
        self, ref: dict[str, Any], where: str, role: str
    ) -> tuple[PartyRow, str | None] | None:
        """The party an award/contract supplier or the buyer points at, created when it is
        not in `parties[]`. Returns it with the RFC the reference itself carries; None when
        the reference names nobody."""
        v = ref.get("id")
        ref_id = v if v.__class__ is str and v.strip() else text_at(v, where, ".id")
        v = ref.get("name")
        name = v if v.__class__ is str and v.strip() else text_at(v, where, ".name")
        scheme, ident_id = _identifier(ref, where)
        rfc = _rfc_of(ref, where, scheme, ident_id)
        if ref_id is not None:
            party = self._rows.get(ref_id)
        elif ident_id is not None:
            known = self._by_identifier.get((scheme, ident_id))
            party = self._rows[known] if known is not None else None
            if party is not None and not _same_name(party.name, name):
                party = None  # the airport files "0" and "NO APLICA" for different firms
        else:
            party = self._rows.get(f"name:{name}") if name is not None else None
        if party is None:
            if ref_id is None and ident_id is None and name is None:
                return None
            party_id = ref_id if ref_id is not None else self._free_id(ident_id, name)
            party = self._new(party_id, name, ref, where, scheme, ident_id, rfc)
            self._add(party)
        if role not in party.roles:
            party.roles += (role,)
        if party.rfc_raw is None:
            party.rfc_raw = rfc
        if party.name is None:
            party.name = name
        return party, rfc

    def _free_id(self, ident_id: str | None, name: str | None) -> str:
        base = f"identifier:{ident_id}" if ident_id is not None else f"name:{name}"
        if base in self._rows and ident_id is not None and name is not None:
            base = f"{base}|name:{name}"
        candidate, n = base, 1
        while candidate in self._rows:
            n += 1
            candidate = f"{base}#{n}"
        return candidate

    def _new(
        self,
        party_id: str,
        name: str | None,
        org: dict[str, Any],
        where: str,
        scheme: str | None,
        ident_id: str | None,
        rfc: str | None,
    ) -> PartyRow:
        """A party row for `org`, whose RFC (`find_rfc(org, where)`) the caller has read."""
        return PartyRow(
            ocid=self.ocid,
            party_id=party_id,
            name=name,
            roles=(),
            rfc_raw=rfc,
            identifier_scheme=scheme,
            identifier_id=ident_id,
            address=address(org.get("address"), f"{where}.address"),
            release_id=self.release_id,
            release_date=self.release_date,
            position=f"{self.position}/{where.replace('.', '/')}",
        )

    def _add(self, row: PartyRow) -> None:
        self._rows[row.party_id] = row
        if row.identifier_id is not None:
            self._by_identifier.setdefault((row.identifier_scheme, row.identifier_id), row.party_id)
