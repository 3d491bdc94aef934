"""Seeded synthetic inputs for the ingest benchmarks.

* OCDS releases as JSON Lines (optionally gzipped), shaped like the real APF/INAI files: buyer,
  parties with MX-RFC identifiers and addresses, tender, awards with suppliers, one contract.
  Supplier firms come from a fixed, seeded pool so the same firm recurs across releases.
* The SAT 69-B list as the SAT publishes it: cp1252, CRLF, two preamble lines, the exact 20-column
  header, global oficios and DD/MM/YYYY publication dates in the columns of the stages reached.

Every RFC carries a correct check digit (python-stdnum). The same seed gives the same bytes, and
the first firms of the OCDS pool also appear in the 69-B list, so the files link up.

    python -m bench.generate ocds bench/out/ocds.jsonl --n 200000 [--seed 7] [--gzip]
    python -m bench.generate sat-69b bench/out/sat69b.csv --n 100000 [--seed 7]
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import random
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import islice
from pathlib import Path
from typing import Any, TextIO

from stdnum.mx import rfc as stdnum_rfc

# --- the SAT 69-B file's own first three lines, copied from
# data/sanctions/sat_69b_listado_completo_2021-05-18.csv (cp1252, CRLF) -------------------------
SAT_69B_PREAMBLE = (
    "Información actualizada al 18 de mayo de 2021,,,,,,,,,,,,,,,,,,,",
    "Listado completo de contribuyentes (Artículo 69-B del CFF),,,,,,,,,,,,,,,,,,,",
)
SAT_69B_HEADER = (
    "No,RFC,Nombre del Contribuyente,Situación del contribuyente,"
    "Número y fecha de oficio global de presunción SAT,Publicación página SAT presuntos,"
    "Número y fecha de oficio global de presunción DOF,Publicación DOF presuntos,"
    "Número y fecha de oficio global de contribuyentes que desvirtuaron SAT,"
    "Publicación página SAT desvirtuados,"
    "Número y fecha de oficio global de contribuyentes que desvirtuaron DOF,"
    "Publicación DOF desvirtuados,"
    "Número y fecha de oficio global de definitivos SAT,Publicación página SAT definitivos,"
    "Número y fecha de oficio global de definitivos DOF,Publicación DOF definitivos,"
    "Número y fecha de oficio global de sentencia favorable SAT,"
    "Publicación página SAT sentencia favorable,"
    "Número y fecha de oficio global de sentencia favorable DOF,"
    "Publicación DOF sentencia favorable"
)
SAT_69B_ENCODING = "cp1252"

# --- vocabularies ---------------------------------------------------------------------------
FIRM_PREFIXES = (
    "CONSTRUCTORA", "COMERCIALIZADORA", "GRUPO", "SERVICIOS INTEGRALES", "DISTRIBUIDORA",
    "INMOBILIARIA", "CONSULTORÍA", "TRANSPORTES", "SUMINISTROS", "INGENIERÍA", "PROVEEDORA",
    "LABORATORIOS", "FARMACÉUTICA", "TECNOLOGÍA", "EDIFICACIONES", "ABASTECEDORA", "MATERIALES",
    "SOLUCIONES", "ASESORES", "OPERADORA", "ACABADOS", "MANTENIMIENTO INDUSTRIAL",
)  # fmt: skip
FIRM_CORES = (
    "DEL NORTE", "DEL SURESTE", "DEL BAJÍO", "DE MÉXICO", "PENINSULAR", "ÁLAMO", "AZTECA",
    "MAYA", "DEL PACÍFICO", "DE OCCIDENTE", "SAN ÁNGEL", "PEÑA", "HERMANOS GÓMEZ",
    "NÚÑEZ Y ASOCIADOS", "TOLUCA", "MONTERREY", "JALISCIENSE", "HIDALGUENSE", "POTOSINA",
    "QUERETANA", "DEL GOLFO", "ANÁHUAC", "TENOCHTITLÁN", "CUAUHTÉMOC", "ZARAGOZA", "IBARRA",
    "CASTAÑEDA", "VILLASEÑOR", "DEL VALLE", "LAS ÁGUILAS", "ORIÓN", "TLÁLOC",
)  # fmt: skip
LEGAL_FORMS = ("S.A. DE C.V.", "S. DE R.L. DE C.V.", "S.A.P.I. DE C.V.", "S.C.", "S.A.")
LEGAL_WEIGHTS = (70, 15, 6, 6, 3)
GIVEN_NAMES = (
    "JOSÉ", "MARÍA", "JUAN", "GUADALUPE", "FRANCISCO", "JESÚS", "ANTONIO", "ALEJANDRO",
    "MIGUEL ÁNGEL", "VERÓNICA", "ROSA ELENA", "SERGIO", "RAÚL", "MARÍA DE LOS ÁNGELES", "IVÁN",
    "MÓNICA", "RAMÓN", "SOFÍA", "HÉCTOR", "INÉS", "JOSÉ LUIS", "ADRIÁN", "BEATRIZ", "ÓSCAR",
)  # fmt: skip
SURNAMES = (
    "HERNÁNDEZ", "GARCÍA", "MARTÍNEZ", "LÓPEZ", "GONZÁLEZ", "PÉREZ", "RODRÍGUEZ", "SÁNCHEZ",
    "RAMÍREZ", "CRUZ", "FLORES", "GÓMEZ", "MUÑOZ", "NÚÑEZ", "ZÚÑIGA", "IBÁÑEZ", "ORTIZ",
    "CASTAÑEDA", "VILLASEÑOR", "MENDOZA", "ÁLVAREZ", "JIMÉNEZ", "RUIZ", "DÍAZ", "MORALES",
    "REYES", "GUTIÉRREZ", "VÁZQUEZ", "ROMERO", "TORRES", "ESPAÑA", "OCAÑA", "BRISEÑO",
)  # fmt: skip
PLACES = (  # region, locality, first two digits of the postal code
    ("Ciudad de México", "Cuauhtémoc", "06"), ("Ciudad de México", "Benito Juárez", "03"),
    ("Ciudad de México", "Coyoacán", "04"), ("Jalisco", "Guadalajara", "44"),
    ("Nuevo León", "Monterrey", "64"), ("Puebla", "Puebla", "72"), ("Yucatán", "Mérida", "97"),
    ("México", "Toluca", "50"), ("Veracruz", "Xalapa", "91"), ("Querétaro", "Querétaro", "76"),
    ("Sonora", "Hermosillo", "83"), ("Chihuahua", "Chihuahua", "31"),
    ("Oaxaca", "Oaxaca de Juárez", "68"), ("Guanajuato", "León", "37"),
    ("Michoacán", "Morelia", "58"), ("Tabasco", "Villahermosa", "86"),
)  # fmt: skip
STREETS = (
    "Av. Insurgentes Sur", "Calle Hidalgo", "Av. Juárez", "Calzada de Tlalpan",
    "Paseo de la Reforma", "Calle Morelos", "Blvd. Adolfo López Mateos", "Av. Constitución",
    "Calle 5 de Mayo", "Av. Revolución", "Calle Niños Héroes", "Av. Benito Juárez",
)  # fmt: skip
BUYER_AGENCIES = (
    "Instituto Mexicano del Seguro Social", "Secretaría de Salud",
    "Comisión Federal de Electricidad", "Servicio de Administración Tributaria",
    "Secretaría de Educación Pública",
    "Secretaría de Comunicaciones y Transportes", "Instituto de Seguridad y Servicios Sociales de "
    "los Trabajadores del Estado", "Comisión Nacional del Agua", "Secretaría de Marina",
    "Secretaría de la Defensa Nacional", "Petróleos Mexicanos", "Instituto Nacional Electoral",
    "Secretaría de Hacienda y Crédito Público", "Universidad Nacional Autónoma de México",
    "Instituto Nacional de Transparencia, Acceso a la Información y Protección de Datos Personales",
)  # fmt: skip
BUYER_UNITS = (
    "Dirección General de Recursos Materiales", "Coordinación de Adquisiciones",
    "Unidad de Administración y Finanzas", "Delegación Estatal", "Hospital General",
    "Subdirección de Servicios Generales",
)  # fmt: skip
TITLES = (
    "Adquisición de medicamentos", "Servicio de limpieza integral", "Arrendamiento de vehículos",
    "Mantenimiento preventivo y correctivo de equipo médico", "Servicio de vigilancia",
    "Rehabilitación de camino rural", "Suministro de papelería y artículos de oficina",
    "Servicio de fotocopiado", "Adquisición de equipo de cómputo", "Consultoría en materia fiscal",
    "Suministro de combustible", "Construcción de aulas", "Servicio de comedor",
    "Adquisición de material de curación", "Servicio integral de eventos",
)  # fmt: skip
METHODS = (
    ("open", "Licitación Pública"), ("selective", "Invitación a cuando menos tres personas"),
    ("limited", "Adjudicación Directa"),
)  # fmt: skip
MONTHS = (
    "enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre",
    "octubre", "noviembre", "diciembre",
)  # fmt: skip
STOP_WORDS = frozenset({"DE", "DEL", "LA", "LAS", "LOS", "EL", "Y", "E", "EN", "A"})
HOMOCLAVE_1 = "123456789ABCDEFGHIJKLMNOPQRSTUV"  # what stdnum accepts: [1-9A-V][1-9A-Z]
HOMOCLAVE_2 = "123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
MEXICO_TZ = "-06:00"


# --- firms and RFCs ---------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Firm:
    rfc: str
    name: str  # as a buyer publishes it (persons: given names first)
    listed_name: str  # as the SAT lists it (persons: surnames first)
    person: bool
    street: str
    locality: str
    region: str
    postal_code: str


def _ascii_letters(text: str) -> str:
    """Upper-case A-Z only, the way the SAT builds the letters of an RFC (Ñ becomes X)."""
    out = []
    for ch in text.upper():
        if ch == "Ñ":
            out.append("X")
            continue
        base = unicodedata.normalize("NFKD", ch)[0]
        if "A" <= base <= "Z":
            out.append(base)
    return "".join(out)


def make_rfc(letters: str, born: date, rng: random.Random) -> str:
    """A well-formed RFC with a correct check digit (12 chars for 3 letters, 13 for 4)."""
    for _ in range(5):
        base = letters + born.strftime("%y%m%d") + rng.choice(HOMOCLAVE_1) + rng.choice(HOMOCLAVE_2)
        candidate = base + stdnum_rfc.calc_check_digit(base)
        if stdnum_rfc.is_valid(candidate, validate_check_digits=True):
            return candidate
        letters = letters[:-1] + "X"  # the SAT's own fix for an inconvenient word
    raise ValueError(f"cannot build a valid RFC from {letters!r}")  # pragma: no cover


def _company_letters(core_words: list[str]) -> str:
    words = [w for w in (_ascii_letters(w) for w in core_words) if w and w not in STOP_WORDS]
    letters = "".join(w[0] for w in words[:3])
    if len(letters) < 3:
        letters = (letters + (words[0][1:] if words else "") + "XXX")[:3]
    return letters


def _person_letters(paternal: str, maternal: str, given: str) -> str:
    p, m, g = _ascii_letters(paternal), _ascii_letters(maternal), _ascii_letters(given)
    vowel = next((c for c in p[1:] if c in "AEIOU"), "X")
    return p[0] + vowel + m[0] + g[0]


def _random_day(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randrange((end - start).days + 1))


def make_firm(rng: random.Random) -> Firm:
    region, locality, cp = rng.choice(PLACES)
    street = f"{rng.choice(STREETS)} {rng.randint(1, 3500)}"
    postal_code = f"{cp}{rng.randint(0, 999):03d}"
    if rng.random() < 0.2:  # persona física
        paternal, maternal = rng.choice(SURNAMES), rng.choice(SURNAMES)
        given = rng.choice(GIVEN_NAMES)
        born = _random_day(rng, date(1950, 1, 1), date(2001, 12, 31))
        rfc = make_rfc(_person_letters(paternal, maternal, given), born, rng)
        return Firm(
            rfc=rfc,
            name=f"{given} {paternal} {maternal}",
            listed_name=f"{paternal} {maternal} {given}",
            person=True,
            street=street,
            locality=locality,
            region=region,
            postal_code=postal_code,
        )
    prefix, core = rng.choice(FIRM_PREFIXES), rng.choice(FIRM_CORES)
    number = f" {rng.randint(1, 999)}" if rng.random() < 0.5 else ""
    legal = rng.choices(LEGAL_FORMS, LEGAL_WEIGHTS)[0]
    name = f"{prefix} {core}{number}, {legal}"
    founded = _random_day(rng, date(1960, 1, 1), date(2020, 12, 31))
    rfc = make_rfc(_company_letters(f"{prefix} {core}".split()), founded, rng)
    return Firm(rfc, name, name, False, street, locality, region, postal_code)


def firms(seed: int = 7) -> Iterator[Firm]:
    """An endless, seeded sequence of distinct firms (distinct RFCs; names may repeat for persons,
    as homonyms do). The n-th firm depends only on the seed, never on how many are taken."""
    rng = random.Random(f"firms-{seed}")
    seen: set[str] = set()
    while True:
        firm = make_firm(rng)
        if firm.rfc in seen:
            continue
        seen.add(firm.rfc)
        yield firm


# --- OCDS ---------------------------------------------------------------------------------------
def _iso(moment: datetime) -> str:
    return f"{moment:%Y-%m-%dT%H:%M:%S}{MEXICO_TZ}"


def _midnight(day: date) -> str:
    return f"{day:%Y-%m-%d}T00:00:00{MEXICO_TZ}"


def _money(rng: random.Random) -> float:
    return round(min(rng.lognormvariate(12.5, 1.6), 5e9), 2)


@dataclass(frozen=True, slots=True)
class Buyer:
    id: str
    name: str
    rfc: str
    region: str
    locality: str
    postal_code: str


def _buyers(rng: random.Random) -> list[Buyer]:
    buyers = []
    for index, agency in enumerate(BUYER_AGENCIES):
        letters = _company_letters(agency.split())
        rfc = make_rfc(letters, _random_day(rng, date(1943, 1, 1), date(2014, 12, 31)), rng)
        for unit_index, unit in enumerate(BUYER_UNITS):
            region, locality, cp = rng.choice(PLACES)
            buyers.append(
                Buyer(
                    id=f"UC-{index + 1:02d}{unit_index + 1:03d}",
                    name=f"{agency} - {unit}",
                    rfc=rfc,
                    region=region,
                    locality=locality,
                    postal_code=f"{cp}{rng.randint(0, 999):03d}",
                )
            )
    return buyers


def _supplier_party(firm: Firm) -> dict[str, Any]:
    return {
        "id": f"MX-RFC-{firm.rfc}",
        "name": firm.name,
        "identifier": {"scheme": "MX-RFC", "id": firm.rfc, "legalName": firm.name},
        "address": {
            "streetAddress": firm.street,
            "locality": firm.locality,
            "region": firm.region,
            "postalCode": firm.postal_code,
            "countryName": "México",
        },
        "contactPoint": {"name": "N/A"},
        "roles": ["supplier"],
    }


def make_release(
    i: int, rng: random.Random, pool: list[Firm], buyers: list[Buyer]
) -> dict[str, Any]:
    """The i-th benchmark release: a buyer, 1-3 suppliers from the pool, 1-2 awards, 1 contract."""
    ocid = f"ocds-bench-{i}"
    buyer = rng.choice(buyers)
    published = datetime(2016, 1, 1) + timedelta(seconds=rng.randrange(8 * 365 * 86400))
    chosen: dict[str, Firm] = {}
    wanted = rng.choices((1, 2, 3), (60, 30, 10))[0]
    while len(chosen) < wanted:
        firm = pool[int(len(pool) * rng.random() ** 2)]  # skewed: a few firms win a lot
        chosen[firm.rfc] = firm
    suppliers = list(chosen.values())
    title = rng.choice(TITLES)
    method, method_details = rng.choice(METHODS)
    awards: list[dict[str, Any]] = []
    n_awards = 1 if len(suppliers) == 1 or rng.random() < 0.6 else 2
    for k in range(n_awards):
        share = suppliers[k::n_awards]  # every supplier is in exactly one award
        award_day = (published - timedelta(days=rng.randint(0, 20))).date()
        awards.append(
            {
                "id": f"{ocid}-A{k + 1}",
                "title": f"{title} (partida {k + 1})",
                "status": "active",
                "date": _midnight(award_day),
                "value": {"amount": _money(rng), "currency": "MXN"},
                "suppliers": [{"id": f"MX-RFC-{f.rfc}", "name": f.name} for f in share],
            }
        )
    first = awards[0]
    signed = date.fromisoformat(first["date"][:10]) + timedelta(days=rng.randint(0, 15))
    ends = signed + timedelta(days=rng.randint(30, 365))
    items = [
        {
            "id": str(n + 1),
            "description": title,
            "classification": {"scheme": "CUCoP", "id": str(rng.randint(21101, 59901))},
            "quantity": rng.randint(1, 500),
            "unit": {"name": "Pieza"},
        }
        for n in range(rng.randint(1, 3))
    ]
    return {
        "ocid": ocid,
        "id": f"{ocid}-{published:%Y%m%d%H%M}",
        "date": _iso(published),
        "tag": ["award", "contract"],
        "initiationType": "tender",
        "language": "es",
        "buyer": {"id": buyer.id, "name": buyer.name},
        "parties": [
            {
                "id": buyer.id,
                "name": buyer.name,
                "identifier": {"scheme": "MX-RFC", "id": buyer.rfc, "legalName": buyer.name},
                "address": {
                    "locality": buyer.locality,
                    "region": buyer.region,
                    "postalCode": buyer.postal_code,
                    "countryName": "México",
                },
                "roles": ["buyer", "procuringEntity"],
            },
            *(_supplier_party(f) for f in suppliers),
        ],
        "tender": {
            "id": f"{ocid}-T",
            "title": title,
            "status": "complete",
            "procurementMethod": method,
            "procurementMethodDetails": method_details,
            "items": items,
        },
        "awards": awards,
        "contracts": [
            {
                "id": f"{ocid}-C1",
                "awardID": first["id"],
                "title": title,
                "status": "active",
                "dateSigned": _midnight(signed),
                "period": {"startDate": _midnight(signed), "endDate": _midnight(ends)},
                "value": {"amount": first["value"]["amount"], "currency": "MXN"},
            }
        ],
    }


def write_ocds_jsonl(
    path: str | Path, n_releases: int, seed: int = 7, *, gzip_output: bool | None = None
) -> Path:
    """Write `n_releases` releases, one JSON object per line, streaming. Gzipped when asked or when
    the path ends in .gz. Returns the path written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    use_gzip = path.suffix == ".gz" if gzip_output is None else gzip_output
    rng = random.Random(f"ocds-{seed}")
    pool = list(islice(firms(seed), max(10, n_releases // 10)))
    buyers = _buyers(random.Random(f"buyers-{seed}"))
    handle: TextIO
    if use_gzip:
        handle = gzip.open(path, "wt", encoding="utf-8", compresslevel=6)  # noqa: SIM115
    else:
        handle = path.open("w", encoding="utf-8", buffering=1 << 20)
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    with handle:
        for i in range(n_releases):
            handle.write(dumps(make_release(i, rng, pool, buyers)))
            handle.write("\n")
    return path


# --- SAT 69-B -----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Oficio:
    """One global oficio: every taxpayer it names shares its number and publication dates."""

    text: str
    sat_published: date
    dof_published: date


def _oficios(rng: random.Random, count: int = 400) -> list[Oficio]:
    found = []
    for _ in range(count):
        day = _random_day(rng, date(2014, 1, 1), date(2021, 4, 30))
        day_text = f"{day.day:02d}" if rng.random() < 0.8 else str(day.day)
        number = f"500-05-{day.year}-{rng.randint(1000, 40000)}"
        text = f"{number} de fecha {day_text} de {MONTHS[day.month - 1]} de {day.year}"
        sat = day + timedelta(days=rng.choice((0, 0, 0, 1, 3, 16)))
        dof = sat + timedelta(days=rng.randint(10, 35))
        found.append(Oficio(text, sat, dof))
    found.sort(key=lambda o: o.sat_published)
    return found


def _stage(oficio: Oficio, with_dof: bool = True) -> list[str]:
    return [
        oficio.text,
        f"{oficio.sat_published:%d/%m/%Y}",
        oficio.text if with_dof else "",
        f"{oficio.dof_published:%d/%m/%Y}" if with_dof else "",
    ]


def _after(rng: random.Random, oficios: list[Oficio], index: int) -> tuple[int, Oficio]:
    later = min(len(oficios) - 1, index + rng.randint(5, 60))
    return later, oficios[later]


def make_sat_row(number: int, firm: Firm, rng: random.Random, oficios: list[Oficio]) -> list[str]:
    """One data row of the 69-B list (20 columns), with the stages its status implies."""
    status = rng.choices(
        ("Definitivo", "Sentencia Favorable", "Presunto", "Desvirtuado"), (84, 7, 6, 3)
    )[0]
    blank = ["", "", "", ""]
    p_index = rng.randrange(int(len(oficios) * 0.85))
    presunto = _stage(oficios[p_index])
    desvirtuado, definitivo, sentencia = blank, blank, blank
    if status == "Desvirtuado":
        desvirtuado = _stage(_after(rng, oficios, p_index)[1])
    elif status == "Definitivo":
        definitivo = _stage(_after(rng, oficios, p_index)[1], with_dof=rng.random() > 0.005)
    elif status == "Sentencia Favorable":
        d_index = p_index
        if rng.random() > 0.07:  # most reached definitivo first
            d_index, oficio = _after(rng, oficios, p_index)
            definitivo = _stage(oficio)
        sentencia = _stage(_after(rng, oficios, d_index)[1], with_dof=rng.random() > 0.08)
    name = firm.listed_name + (" " if rng.random() < 0.02 else "")
    return [str(number), firm.rfc, name, status, *presunto, *desvirtuado, *definitivo, *sentencia]


def write_sat_69b_csv(path: str | Path, n_rows: int, seed: int = 7) -> Path:
    """Write a 69-B list of `n_rows` taxpayers (distinct RFCs), streaming, byte-compatible with
    the SAT's layout. One row in 25 is a firm from the OCDS pool of the same seed."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = random.Random(f"sat-69b-{seed}")
    oficios = _oficios(rng)
    shared = firms(seed)
    used: set[str] = set()
    with path.open("w", encoding=SAT_69B_ENCODING, newline="", buffering=1 << 20) as handle:
        for line in (*SAT_69B_PREAMBLE, SAT_69B_HEADER):
            handle.write(line + "\r\n")
        writer = csv.writer(handle, lineterminator="\r\n")
        for number in range(1, n_rows + 1):
            firm = next(shared) if number % 25 == 1 else make_firm(rng)
            while firm.rfc in used:
                firm = make_firm(rng)
            used.add(firm.rfc)
            writer.writerow(make_sat_row(number, firm, rng, oficios))
    return path


# --- CLI ----------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="what", required=True)
    ocds = sub.add_parser("ocds", help="OCDS releases as JSON Lines")
    ocds.add_argument("path", type=Path)
    ocds.add_argument("--n", type=int, default=200_000, help="releases (default 200000)")
    ocds.add_argument("--seed", type=int, default=7)
    ocds.add_argument("--gzip", action="store_true", help="gzip the output (also implied by .gz)")
    sat = sub.add_parser("sat-69b", help="the SAT 69-B list as CSV (cp1252, CRLF)")
    sat.add_argument("path", type=Path)
    sat.add_argument("--n", type=int, default=100_000, help="rows (default 100000)")
    sat.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    if args.what == "ocds":
        written = write_ocds_jsonl(args.path, args.n, args.seed, gzip_output=args.gzip or None)
    else:
        written = write_sat_69b_csv(args.path, args.n, args.seed)
    print(f"{written} ({written.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
