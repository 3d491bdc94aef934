"""Mapping of one PDN System 3 record ("particular sancionado", v1 or v2) to its sanctions.

A record can impose several sanctions at once (debarment and fine, typically). Each becomes its
own `Sanction`, because only the debarment bars contracts and only it has a window.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from ingest.dates import parse_day
from ingest.sanctions._common import clean_text, fold, parse_amount

# v1 sanction codes (tipoSancion[].clave). SE, "sancion economica", is a fine in all but name.
_V1_KIND = {"I": "debarment", "M": "fine", "SE": "fine"}
_PERSON_KIND = {"M": "company", "F": "person"}
# v2 puts each sanction's data in a sub-object of tipoSancion[]; its name says what it is.
_V2_KIND = {
    "inhabilitacion": "debarment",
    "sancionEconomica": "fine",
    "indemnizacion": "other",
    "suspensionActividades": "other",
    "disolucionSociedad": "other",
    "otro": "other",
}
# The v2 spec gives tipoSancion[].clave no enumeration; accept v1 codes and the obvious words.
_V2_CODE_KIND = {
    "i": "debarment",
    "inhabilitacion": "debarment",
    "inhabilitado": "debarment",
    "m": "fine",
    "se": "fine",
    "multa": "fine",
    "sancion economica": "fine",
}
_CAMEL = re.compile(r"(?<!^)([A-Z])")


@dataclass(slots=True)
class Sanction:
    kind: str
    start: date | None = None
    end: date | None = None
    amount: Decimal | None = None
    currency: str | None = None
    raw_status: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Record:
    record_id: str | None
    case_number: str | None
    name: str | None
    rfc: str | None
    person_kind: str | None
    authority: str | None
    sanctions: list[Sanction]
    details: dict[str, Any]


def get(obj: object, key: str) -> Any:
    """obj[key] for the spec's camelCase key, or its snake_case twin.

    The published v1 example (and older v1 servers) use snake_case ("particular_sancionado",
    "fecha_inicial") where the v1 OpenAPI spec says camelCase; both occur in the wild.
    """
    if not isinstance(obj, dict):
        return None
    if key in obj:
        return obj[key]
    return obj.get(_CAMEL.sub(r"_\1", key).lower())


def _obj(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _day(obj: object, key: str, where: str) -> date | None:
    try:
        return parse_day(get(obj, key))
    except ValueError as exc:
        raise ValueError(f"{where}.{key}: {exc}") from None


def _money(obj: object, key: str, where: str) -> Decimal | None:
    try:
        return parse_amount(get(obj, key))
    except ValueError as exc:
        raise ValueError(f"{where}.{key}: {exc}") from None


def _currency(value: object) -> str | None:
    # v1 spec: moneda{clave, valor}; the v1 example and v2: a plain ISO 4217 string.
    return clean_text(get(value, "clave") if isinstance(value, dict) else value)


def is_v2(record: dict[str, Any]) -> bool:
    return "datosGenerales" in record or "faltaCometida" in record


def from_v1(record: dict[str, Any]) -> Record:
    """A v1 record. Raises ValueError (naming the field) on an unreadable date or amount."""
    party = _obj(get(record, "particularSancionado"))
    agency = _obj(get(record, "institucionDependencia"))
    ban = _obj(get(record, "inhabilitacion"))
    fine = _obj(get(record, "multa"))
    codes: list[tuple[str, str | None]] = []
    for item in get(record, "tipoSancion") or []:
        if isinstance(item, dict):  # the spec: {clave, valor}
            code = str(get(item, "clave") or "").strip().upper()
            codes.append((code, clean_text(get(item, "valor"))))
        elif isinstance(item, str):  # the v1 example: bare codes ["I", "M"]
            codes.append((item.strip().upper(), None))
    if not codes:  # no codes at all: trust whichever sanction object is filled in
        codes = [(c, None) for c, obj in (("I", ban), ("M", fine)) if any(obj.values())]
    by_kind: dict[str, list[tuple[str, str | None]]] = {}
    for code, label in codes:
        by_kind.setdefault(_V1_KIND.get(code, "other"), []).append((code, label))

    sanctions: list[Sanction] = []
    for kind, members in by_kind.items():
        labels = "; ".join(label or code for code, label in members)
        sanction = Sanction(kind, raw_status=labels, details={"claves": [c for c, _ in members]})
        if kind == "debarment":
            sanction.start = _day(ban, "fechaInicial", "inhabilitacion")
            sanction.end = _day(ban, "fechaFinal", "inhabilitacion")
            sanction.details["plazo"] = clean_text(get(ban, "plazo"))
        elif kind == "fine":
            sanction.amount = _money(fine, "monto", "multa")
            if sanction.amount is not None:
                sanction.currency = _currency(get(fine, "moneda"))
        sanctions.append(sanction)
    if not sanctions:
        sanctions.append(Sanction("other"))

    return Record(
        record_id=clean_text(get(record, "id")),
        case_number=clean_text(get(record, "expediente")),
        name=clean_text(get(party, "nombreRazonSocial")),
        rfc=clean_text(get(party, "rfc")),
        person_kind=_PERSON_KIND.get(str(get(party, "tipoPersona") or "").strip().upper()),
        authority=clean_text(get(agency, "nombre")),
        sanctions=sanctions,
        details={
            "version": "v1",
            "institucion_siglas": clean_text(get(agency, "siglas")),
            "institucion_clave": clean_text(get(agency, "clave")),
            "autoridad_sancionadora": clean_text(get(record, "autoridadSancionadora")),
            "tipo_falta": clean_text(get(record, "tipoFalta")),
            "causa_motivo_hechos": clean_text(get(record, "causaMotivoHechos")),
            "fecha_captura": clean_text(get(record, "fechaCaptura")),
        },
    )


def from_v2(record: dict[str, Any]) -> Record:
    """A v2 record (faltas_graves_personas_morales / _fisicas). Raises ValueError like v1."""
    general = _obj(record.get("datosGenerales"))
    person_kind: str | None
    if general.get("nombreRazonSocial") is not None:
        name, person_kind = clean_text(general.get("nombreRazonSocial")), "company"
    else:
        parts = (general.get(k) for k in ("nombres", "primerApellido", "segundoApellido"))
        name = clean_text(" ".join(str(p) for p in parts if p))
        person_kind = "person" if name or general.get("curp") else None
    where = _obj(record.get("dondeCometioLaFalta"))
    ruling = _obj(record.get("resolucion"))

    sanctions: list[Sanction] = []
    for index, entry in enumerate(record.get("tipoSancion") or []):
        if isinstance(entry, dict):
            sanctions.extend(_v2_sanctions(entry, f"tipoSancion[{index}]"))
    if not sanctions:
        sanctions.append(Sanction("other"))

    return Record(
        record_id=clean_text(record.get("id")),
        case_number=clean_text(record.get("expediente")),
        name=name,
        rfc=clean_text(general.get("rfc")),
        person_kind=person_kind,
        authority=clean_text(where.get("nombreEntePublico"))
        or clean_text(_obj(record.get("entePublico")).get("nombre"))
        or clean_text(ruling.get("autoridadResolutora")),
        sanctions=sanctions,
        details={
            "version": "v2",
            "autoridad_resolutora": clean_text(ruling.get("autoridadResolutora")),
            "fecha_resolucion": clean_text(ruling.get("fechaResolucion")),
            "fecha_resolucion_firme": clean_text(ruling.get("fechaResolucionFirme")),
            "orden_gobierno": clean_text(where.get("nivelOrdenGobierno")),
            "entidad_federativa": clean_text(where.get("entidadFederativa")),
            "faltas": [
                clean_text(get(f, "valor")) or clean_text(get(f, "clave"))
                for f in record.get("faltaCometida") or []
                if isinstance(f, dict)
            ],
            "fecha": clean_text(record.get("fecha")),
        },
    )


def _v2_sanctions(entry: dict[str, Any], where: str) -> list[Sanction]:
    found: list[Sanction] = []
    code = clean_text(entry.get("clave"))
    for key, kind in _V2_KIND.items():
        data = entry.get(key)
        if not isinstance(data, dict) or not any(v is not None for v in data.values()):
            continue
        sanction = Sanction(kind, raw_status=code or key, details={"tipo": key})
        path = f"{where}.{key}"
        if key in ("inhabilitacion", "suspensionActividades"):
            sanction.start = _day(data, "fechaInicial", path)
            sanction.end = _day(data, "fechaFinal", path)
            sanction.details["plazo"] = {k: v for k, v in data.items() if k.startswith("plazo")}
        elif key == "disolucionSociedad":
            sanction.start = _day(data, "fechaDisolucion", path)
        elif key == "otro":
            sanction.details["denominacion"] = clean_text(data.get("denominacionSancion"))
        if key in ("sancionEconomica", "indemnizacion"):
            sanction.amount = _money(data, "monto", path)
            if sanction.amount is not None:
                sanction.currency = clean_text(data.get("moneda"))
        found.append(sanction)
    if not found and code:  # a code with no data: still a sanction, of a kind the code names
        kind = _V2_CODE_KIND.get(fold(code).replace("_", " "), "other")
        found.append(Sanction(kind, raw_status=code, details={"tipo": code}))
    return found
