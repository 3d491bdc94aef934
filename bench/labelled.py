"""Labelled synthetic data for the linking benchmarks: the four source formats, and the truth.

`generate(out_dir, n_firms, seed, rfc_hidden)` invents `n_firms` firms (about 80% companies,
20% persons, every RFC well formed with a correct check digit and unique) and writes what four
sources would publish about them, in their real formats:

* `ocds.jsonl`   OCDS releases, one per line: a buyer, 1-3 supplier parties (identifier scheme
                 `MX-RFC`/`RFC`, or no identifier at all), one award and one contract per supplier;
* `sfp.json`     the SFP directory of sanctioned suppliers (the JSON API's keys);
* `sat69b.csv`   the SAT 69-B list (cp1252, CRLF, the real file's two preamble lines and header);
* `suppliers.csv` a generic supplier register (`Folio en el RUPC`, `RFC`, `Proveedor o
                 contratista`, ...), names cut at 35 characters like Mexico City's;
* `truth.json`   record key -> firm id, the quirks each record received, and the firms.

Each firm appears in 1-4 sources with 1-3 records in each (at most 2 in the 69-B list), about
2.9 records a firm on average (`RECORDS_PER_FIRM`). The names carry the quirks of DOMAIN.md:
legal-form spellings (`S.A. DE C.V.`, `SA DE CV`, `S. A. DE C. V.`, `S.A.DE C.V.`,
`S A P I DE CV`), a form missing or cut off (`S.A. DE C`), accents and commas that come and go,
1-character typos (also at the start: `COORPORATIVO`), persons in both orders, SFP names that add
a representative (`..., S.A. DE C.V. Y EL C. JUAN PEREZ LOPEZ`), truncation at 35 characters in
the register. RFCs: removed from a fraction `rfc_hidden` of the OCDS and register records,
generic (`XAXX010101000`) on ~2% of OCDS records, mistyped on ~10% of SFP records (O/0 and I/1
swaps, one character changed; the truth keeps the firm). Many distinct firms share generic words
(`CONSTRUCTORA DEL NORTE`, `CONSTRUCTORA DEL NORTE Y SUR`, `GRUPO CONSTRUCTOR NORTE`), and some
firms are named like an earlier one but for one word, to test precision. No two firms share a
normalised name (accents, punctuation and legal form removed; persons: the set of words).

Record keys are the linker's: `{party|sanction|supplier}:{source_key}`, with the source keys the
readers build (`{ocid}/{party id}`, `sfp:{short procedure}:{short case}:{AGENCY}`,
`sat-69b:{RFC}` plus `#2` for a second listing, `sat-69b:name:{NAME}` when the RFC is
suppressed, `rupc:{folio}`).

Everything streams: memory grows only with the sets that keep names and RFCs unique (and with
the truth kept for the caller; `keep_truth=False` leaves it on disk). The same seed gives the
same bytes.

    python -m bench.labelled OUT_DIR [--firms 3000] [--seed 11] [--hidden 0.5]
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import re
import shutil
import time
import unicodedata
from bisect import bisect
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import accumulate, permutations
from operator import mul
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, NamedTuple, TextIO, TypeVar

from bench.generate import SAT_69B_ENCODING, SAT_69B_HEADER, SAT_69B_PREAMBLE
from bench.generate import SURNAMES as COMMON_SURNAMES
from ingest.sanctions.sfp_case import case_key

if TYPE_CHECKING:
    from ingest.pipeline import Job

SOURCES = ("ocds", "sfp", "sat69b", "register")
FILES = {
    "ocds": "ocds.jsonl",
    "sfp": "sfp.json",
    "sat69b": "sat69b.csv",
    "register": "suppliers.csv",
}
TRUTH_FILE = "truth.json"
TRUTH_FORMAT = "testigo-labelled/1"
REGISTER = "rupc"
# The register's columns, and the mapping `suppliers_job("csv", mapping=..., register=REGISTER)`
# needs to read it.
REGISTER_COLUMNS = (
    "Folio en el RUPC",
    "RFC",
    "Proveedor o contratista",
    "Estratificación de la empresa",
    "Código postal",
)
REGISTER_MAPPING = {
    "id": "Folio en el RUPC",
    "rfc": "RFC",
    "name": "Proveedor o contratista",
    "postal_code": "Código postal",
}


def source_job(source: str) -> Job:
    """The ingest job that reads the generated file of `source` (a key of FILES), as
    `testigo ingest` would be told to."""
    from ingest.jobs import ocds_job, sanctions_job, suppliers_job

    if source == "ocds":
        return ocds_job()
    if source == "register":
        return suppliers_job("csv", mapping=REGISTER_MAPPING, register=REGISTER)
    return sanctions_job({"sfp": "sfp", "sat69b": "sat-69b"}[source])


RECORDS_PER_FIRM = 2.9  # about; n_firms = 345_000 gives about a million records
GENERIC_RFC = "XAXX010101000"
SUPPRESSED_RFC = "XXXXXXXXXXXX"
TRUNCATE_AT = 35

# --- rates ---------------------------------------------------------------------------------
PERSON_SHARE = 0.2
N_SOURCES_WEIGHTS = (40, 33, 18, 9)  # a firm is in 1, 2, 3 or 4 sources
SOURCE_WEIGHTS = {"ocds": 4.0, "register": 3.0, "sfp": 2.0, "sat69b": 2.0}
PER_SOURCE_WEIGHTS = (60, 28, 12)  # 1, 2 or 3 records in one source
SAT_PER_SOURCE_WEIGHTS = (88, 12)  # the 69-B list holds a firm at most twice
TYPO_RATE = 0.10
GENERIC_RFC_RATE = 0.02  # OCDS records
MISTYPED_RFC_RATE = 0.10  # SFP records
ADDED_PERSON_RATE = 0.05  # SFP records of companies
SUPPRESSED_RATE = 0.01  # 69-B records
FORMATTED_RFC_RATE = 0.03  # OCDS records with a visible RFC written "GGA-830613-4F4"
CUT_FORM_RATE = 0.03
NEAR_IDENTICAL_RATE = 0.07
FLIP_ORDER_RATE = 0.15
NO_FORM_RATE = {"ocds": 0.15, "sfp": 0.07, "sat69b": 0.05, "register": 0.12}
STRIP_ACCENTS_RATE = {"ocds": 0.5, "sfp": 0.4, "sat69b": 0.3, "register": 0.7}
TITLE_CASE_RATE = {"ocds": 0.25, "sfp": 0.0, "sat69b": 0.0, "register": 0.0}
SURNAMES_FIRST = {"ocds": False, "sfp": False, "sat69b": True, "register": True}
MOVED_RATE = 0.12  # records whose postal code is not the firm's

# --- vocabularies --------------------------------------------------------------------------
HEADS = (
    "GRUPO", "CONSTRUCTORA", "COMERCIALIZADORA", "SERVICIOS", "SERVICIOS INTEGRALES",
    "DISTRIBUIDORA", "INMOBILIARIA", "CONSULTORÍA", "CORPORATIVO", "TRANSPORTES", "SUMINISTROS",
    "INGENIERÍA", "PROVEEDORA", "LABORATORIOS", "FARMACÉUTICA", "TECNOLOGÍA", "EDIFICACIONES",
    "ABASTECEDORA", "MATERIALES", "SOLUCIONES", "ASESORES", "OPERADORA", "ACABADOS",
    "MANTENIMIENTO", "CONSTRUCCIONES", "IMPULSORA", "DESARROLLADORA", "PROMOTORA", "INDUSTRIAS",
    "ALIMENTOS", "EQUIPOS", "SISTEMAS", "ARRENDADORA", "CONSORCIO", "PRODUCTOS", "PROYECTOS",
    "GRUPO CONSTRUCTOR", "GRUPO INDUSTRIAL", "GRUPO COMERCIAL", "GRUPO EMPRESARIAL",
    "SERVICIOS PROFESIONALES", "COMERCIAL", "DISTRIBUCIONES", "INSTALACIONES",
)  # fmt: skip
GEO = (
    "DEL NORTE", "DEL SUR", "DEL SURESTE", "DEL NOROESTE", "DEL BAJÍO", "DE MÉXICO", "MEXICANA",
    "PENINSULAR", "DEL PACÍFICO", "DE OCCIDENTE", "DEL GOLFO", "DEL CENTRO", "DEL VALLE",
    "DEL ISTMO", "DEL SURESTE MEXICANO", "NORTE", "SUR", "ORIENTE", "PONIENTE", "TOLUCA",
    "MONTERREY", "JALISCO", "HIDALGO", "PUEBLA", "OAXACA", "SONORA", "YUCATÁN", "QUERÉTARO",
    "TABASCO", "CHIAPAS", "VERACRUZ", "GUERRERO", "MICHOACÁN", "ZACATECAS", "DURANGO", "COAHUILA",
    "TAMAULIPAS", "SINALOA", "AZTECA", "MAYA", "ANÁHUAC", "TENOCHTITLÁN", "CUAUHTÉMOC",
    "SAN ÁNGEL", "LAS ÁGUILAS", "DE LA LAGUNA", "DE LA SIERRA", "DEL ALTIPLANO", "LA PAZ",
    "SANTA FE", "SAN JUAN", "ATLÁNTICO", "CONTINENTAL", "NACIONAL", "REGIONAL",
)  # fmt: skip
TAILS = (
    "Y ASOCIADOS", "INTERNACIONAL", "INDUSTRIAL", "Y SERVICIOS", "Y CONSTRUCCIONES",
    "EMPRESARIAL", "GLOBAL", "INTEGRAL", "Y PROYECTOS", "DE SERVICIOS", "COMERCIAL", "2000",
    "Y SUR", "Y CENTRO", "PROFESIONAL", "ESPECIALIZADA", "DE INGENIERÍA", "Y CONSULTORÍA",
    "HERMANOS", "E HIJOS", "MÉDICA", "AMBIENTAL", "DIGITAL", "LOGÍSTICA",
)  # fmt: skip
SECTORS = (
    "SOLUCIONES", "CONSTRUCCIONES", "INGENIERÍA", "SERVICIOS", "TECNOLOGÍAS", "LOGÍSTICA",
    "ACEROS", "GRAFICS", "LIMPIEZA", "SEGURIDAD", "MEDICAL", "SISTEMAS", "CONSULTORES",
    "COMERCIAL", "ENERGÍA", "PAPELERÍA", "MOBILIARIO", "EVENTOS", "DISEÑO", "PUBLICIDAD",
)  # fmt: skip
ONSETS = (
    "B", "C", "D", "F", "G", "L", "M", "N", "P", "R", "S", "T", "V", "Z", "BR", "CR", "TR",
    "GR", "PL", "CH", "X", "K", "J", "FL", "DR", "H",
)  # fmt: skip
VOWELS = ("A", "E", "I", "O", "U", "A", "O", "E", "IA", "IO")
CODAS = ("", "", "", "", "N", "R", "S", "L", "X", "M")
# Every onset-vowel-coda combination, repeats kept so that one pick has the same odds.
_SYLLABLES = tuple(o + v + c for o in ONSETS for v in VOWELS for c in CODAS)
COINED_SUFFIXES = ("TEC", "TECH", "MEX", "NET", "MED", "LAB", "PRO", "TRON", "VIA", "GAS", "SOL")
MALE_NAMES = (
    "JOSÉ", "JUAN", "FRANCISCO", "JESÚS", "ANTONIO", "ALEJANDRO", "MIGUEL", "PEDRO", "MANUEL",
    "RICARDO", "FERNANDO", "SERGIO", "RAÚL", "RAMÓN", "HÉCTOR", "ÓSCAR", "IVÁN", "ADRIÁN",
    "CARLOS", "LUIS", "JORGE", "ROBERTO", "EDUARDO", "ARTURO", "ENRIQUE", "JAVIER", "DANIEL",
    "MARTÍN", "ÁNGEL", "RUBÉN", "ANDRÉS", "GERARDO", "VÍCTOR", "ALBERTO", "ARMANDO", "JOAQUÍN",
    "GUILLERMO", "GUSTAVO", "RAFAEL", "SALVADOR", "ERNESTO", "TOMÁS", "AGUSTÍN", "EFRAÍN",
)  # fmt: skip
FEMALE_NAMES = (
    "MARÍA", "GUADALUPE", "VERÓNICA", "ROSA", "ELENA", "MÓNICA", "SOFÍA", "INÉS", "BEATRIZ",
    "PATRICIA", "LETICIA", "ALEJANDRA", "ADRIANA", "CLAUDIA", "LAURA", "ANA", "GABRIELA",
    "ISABEL", "SILVIA", "MARTHA", "LORENA", "ROCÍO", "ARACELI", "MARISOL", "NORMA", "JULIETA",
    "XÓCHITL", "DOLORES", "TERESA", "YOLANDA", "ESPERANZA", "LUCÍA", "ANGÉLICA", "CECILIA",
)  # fmt: skip
SURNAMES = (  # bench.generate's first, in its order (the seeded draws depend on it), then more
    *COMMON_SURNAMES,
    "AGUILAR", "CASTILLO", "CHÁVEZ", "DOMÍNGUEZ", "ESTRADA", "FIGUEROA", "GUERRERO", "HERRERA",
    "JUÁREZ", "LARA", "LUNA", "MEDINA", "MEJÍA", "MÉNDEZ", "MIRANDA", "MOLINA", "MORENO",
    "NAVARRO", "OROZCO", "PACHECO", "PADILLA", "PEÑA", "RÍOS", "RIVERA", "ROJAS", "ROSALES",
    "SALAZAR", "SALINAS", "SANDOVAL", "SANTIAGO", "SOTO", "SUÁREZ", "TREJO", "VALDEZ", "VARGAS",
    "VEGA", "VELÁZQUEZ", "ZAMORA", "CAMPOS", "CARRILLO", "CERVANTES", "CORTÉS", "DELGADO",
    "ESPINOZA", "FUENTES", "GALLEGOS", "IBARRA", "LEÓN", "MALDONADO", "MARQUEZ", "OLVERA",
    "PONCE", "QUINTERO", "RANGEL", "SERRANO", "TAPIA", "URIBE", "VILLA", "ZAVALA", "COLÍN",
    "ACOSTA", "BECERRA", "CALDERÓN", "CONTRERAS", "ESCOBAR", "GALVÁN", "LEYVA", "MONTES",
)  # fmt: skip
STOP_WORDS = frozenset({"DE", "DEL", "LA", "LAS", "LOS", "EL", "Y", "E", "EN", "A", "CON"})
# The legal forms, their spellings as published, and how they get cut off.
LEGAL_FORMS: dict[str, tuple[tuple[str, ...], str]] = {
    "sa_cv": (
        ("S.A. DE C.V.", "S.A. DE C.V.", "S.A DE C.V.", "SA DE CV", "S. A. DE C. V.",
         "S.A.DE C.V.", "S.A. DE C.V"),
        "S.A. DE C",
    ),
    "srl_cv": (
        ("S. DE R.L. DE C.V.", "S. DE R.L. DE C.V.", "S DE RL DE CV", "S. DE R. L. DE C. V.",
         "S.DE R.L.DE C.V."),
        "S. DE R.L. DE C",
    ),
    "sapi_cv": (
        ("S.A.P.I. DE C.V.", "S.A.P.I. DE C.V.", "S A P I DE CV", "SAPI DE CV", "S.A.P.I DE C.V."),
        "S.A.P.I. DE C",
    ),
    "sab_cv": (("S.A.B. DE C.V.", "S A B DE C V", "SAB DE CV"), "S.A.B. DE C"),
    "sc": (("S.C.", "S.C.", "SC", "S. C."), "S."),
    "sa": (("S.A.", "S.A.", "SA", "S. A."), "S."),
    "ac": (("A.C.", "A.C.", "AC", "A. C."), "A."),
    "spr_rl": (("S.P.R. DE R.L.", "SPR DE RL", "S.P.R. DE R.L"), "S.P.R. DE R"),
    "srl_mi": (("S. DE R.L. M.I.", "S. DE R.L. DE M.I.", "S DE RL MI"), "S. DE R.L. M"),
}  # fmt: skip
LEGAL_WEIGHTS = {
    "sa_cv": 64, "srl_cv": 14, "sapi_cv": 5, "sab_cv": 1, "sc": 6, "sa": 3, "ac": 3,
    "spr_rl": 2, "srl_mi": 2,
}  # fmt: skip
PATTERNS = {
    "head_coined": 28, "coined": 14, "head_geo": 16, "head_surname": 14, "acronym": 8,
    "head_coined_geo": 8, "near": NEAR_IDENTICAL_RATE * 100,
}  # fmt: skip
BUYER_AGENCIES = (
    "Instituto Mexicano del Seguro Social", "Secretaría de Salud",
    "Comisión Federal de Electricidad", "Secretaría de Educación Pública",
    "Comisión Nacional del Agua", "Secretaría de Marina", "Petróleos Mexicanos",
    "Secretaría de la Defensa Nacional", "Instituto Nacional Electoral",
    "Secretaría de Infraestructura, Comunicaciones y Transportes",
)  # fmt: skip
AGENCIES_SFP = (
    ("Instituto Mexicano del Seguro Social", "00641"),
    ("Secretaría Anticorrupción y Buen Gobierno", "00027"),
    ("Comision Federal de Electricidad", "18164"),
    ("Secretaría de la Defensa Nacional", "00007"),
    ("Instituto de Seguridad y Servicios Sociales de los Trabajadores del  Estado", "00637"),
    ("Pemex Exploración Y Produccion", "18572"),
    ("Aeropuerto  Internacional de la Ciudad de Mexico S.A. de C.V.", "09451"),
)  # fmt: skip
LAWS = (
    "LEY DE ADQUISICIONES, ARRENDAMIENTOS Y SERVICIOS DEL SECTOR PÚBLICO (LAASSP)",
    "LEY DE OBRAS PÚBLICAS Y SERVICIOS RELACIONADOS CON LAS MISMAS (LOPSRM)",
    "LEY DE ADQUISICIONES, ARRENDAMIENTOS Y SERVICIOS DEL SECTOR PÚBLICO (ASUNTOS 32-D)",
)
TITLES = (
    "Adquisición de medicamentos", "Servicio de limpieza integral", "Arrendamiento de vehículos",
    "Mantenimiento de equipo médico", "Servicio de vigilancia", "Rehabilitación de camino rural",
    "Suministro de papelería", "Adquisición de equipo de cómputo", "Construcción de aulas",
    "Suministro de combustible", "Servicio integral de eventos", "Consultoría en materia fiscal",
)  # fmt: skip
METHODS = ("open", "selective", "limited")
STRATA = ("Micro", "Pequeña", "Mediana", "Grande")
MONTHS = (
    "enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre",
    "octubre", "noviembre", "diciembre",
)  # fmt: skip
SAT_STATUSES = ("Definitivo", "Sentencia Favorable", "Presunto", "Desvirtuado")
SAT_STATUS_WEIGHTS = (84, 7, 6, 3)
CP_PREFIXES = ("01", "03", "04", "06", "11", "14", "44", "50", "64", "72", "76", "83", "91", "97")
HOMOCLAVE_1 = "123456789ABCDEFGHIJKLMNOPQRSTUV"
HOMOCLAVE_2 = "123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_STRIP = str.maketrans("ÁÉÍÓÚÜáéíóúü", "AEIOUUaeiouu")
_SWAPS = {"O": "0", "0": "O", "I": "1", "1": "I"}
_COMPANY_DAYS = (date(1960, 1, 1).toordinal(), date(2022, 12, 31).toordinal())
_PERSON_DAYS = (date(1945, 1, 1).toordinal(), date(2002, 12, 31).toordinal())
QUIRKS = (
    "rfc_hidden", "rfc_generic", "rfc_mistyped", "rfc_suppressed", "rfc_formatted", "typo",
    "no_legal_form", "cut_legal_form", "added_person", "truncated", "surnames_first",
    "accents_stripped",
)  # fmt: skip


_RECORDS_OF = {source: f"records_{source}" for source in SOURCES}
_QUIRK_COUNT = {quirk: f"quirk_{quirk}" for quirk in QUIRKS}


# --- fast seeded choices (random.choice/choices/randint cost several times more) ------------
_T = TypeVar("_T")


def _pick(rng: random.Random, items: Sequence[_T]) -> _T:
    return items[int(rng.random() * len(items))]


def _below(rng: random.Random, n: int) -> int:
    return int(rng.random() * n)


def _between(rng: random.Random, low: int, high: int) -> int:
    return low + int(rng.random() * (high - low + 1))


class _Weighted(Generic[_T]):
    """A weighted choice with the cumulative weights computed once."""

    def __init__(self, items: Sequence[_T], weights: Sequence[float]) -> None:
        self.items = tuple(items)
        self.cumulative = list(accumulate(weights))
        self.total = self.cumulative[-1]

    def __call__(self, rng: random.Random) -> _T:
        index = bisect(self.cumulative, rng.random() * self.total)
        return self.items[min(index, len(self.items) - 1)]  # float rounding at the very top


_PATTERN = _Weighted(list(PATTERNS), list(PATTERNS.values()))
_LEGAL = _Weighted(list(LEGAL_WEIGHTS), list(LEGAL_WEIGHTS.values()))
_RELEASE_SIZE = _Weighted((1, 2, 3), (60, 30, 10))
_SAT_STATUS = _Weighted(SAT_STATUSES, SAT_STATUS_WEIGHTS)
_N_SOURCES = _Weighted((1, 2, 3, 4), N_SOURCES_WEIGHTS)
_SAT_PER_SOURCE = _Weighted((1, 2), SAT_PER_SOURCE_WEIGHTS)
_PER_SOURCE = _Weighted((1, 2, 3), PER_SOURCE_WEIGHTS)


# --- the truth -----------------------------------------------------------------------------
class FirmLabel(NamedTuple):
    kind: str  # company | person
    rfc: str
    name: str  # canonical: accents, legal form in full; persons given names first
    near_of: int | None  # the earlier firm whose name this one copies but for one word


@dataclass(slots=True)
class Truth:
    """Who each generated record stands for. `firm_of` maps record keys (as `link_records` and
    `entity_members` hold them) to firm ids; `quirks` maps a quirk to the keys that carry it."""

    seed: int
    n_firms: int
    rfc_hidden: float
    firm_of: dict[str, int] = field(default_factory=dict)
    quirks: dict[str, set[str]] = field(default_factory=dict)
    firms: list[FirmLabel] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)

    @property
    def hidden(self) -> set[str]:
        """Records whose RFC was removed (OCDS and register)."""
        return self.quirks.get("rfc_hidden", set())

    @property
    def without_rfc(self) -> set[str]:
        """Records that carry no usable RFC: hidden, generic or suppressed."""
        q = self.quirks
        return (
            q.get("rfc_hidden", set())
            | q.get("rfc_generic", set())
            | q.get("rfc_suppressed", set())
        )

    def record_type(self, key: str) -> str:
        return key.split(":", 1)[0]

    def source_of(self, key: str) -> str:
        kind, rest = key.split(":", 1)
        if kind == "party":
            return "ocds"
        if kind == "supplier":
            return "register"
        return "sfp" if rest.startswith("sfp:") else "sat69b"


def load_truth(path: Path | str) -> Truth:
    """Read a truth.json written by `generate` (the file, or the directory holding it)."""
    path = Path(path)
    if path.is_dir():
        path = path / TRUTH_FILE
    with path.open(encoding="utf-8") as handle:
        data = json.load(handle)
    if data.get("format") != TRUTH_FORMAT:
        raise ValueError(f"{path}: not a {TRUTH_FORMAT} truth file")
    return Truth(
        seed=int(data["seed"]),
        n_firms=int(data["n_firms"]),
        rfc_hidden=float(data["rfc_hidden"]),
        firm_of={str(k): int(v) for k, v in data["records"].items()},
        quirks={name: set(keys) for name, keys in data["quirks"].items()},
        firms=[FirmLabel(f[0], f[1], f[2], f[3]) for f in data["firms"]],
        counts={str(k): int(v) for k, v in data["counts"].items()},
        files=dict(data.get("files", {})),
    )


# --- firms ---------------------------------------------------------------------------------
@dataclass(slots=True)
class _Firm:
    id: int
    person: bool
    rfc: str
    words: str  # companies: the name without its legal form; persons: given names
    legal: str | None = None
    paternal: str = ""
    maternal: str = ""
    female: bool = False
    postal_code: str = ""
    near_of: int | None = None

    def canonical(self) -> str:
        if self.person:
            return f"{self.words} {self.paternal} {self.maternal}"
        assert self.legal is not None
        return f"{self.words}, {LEGAL_FORMS[self.legal][0][0]}"


_BASE_LETTER = str.maketrans("ÁÉÍÓÚÜÀÈÌÒÙÂÊÎÔÛÄËÏÖ", "AEIOUUAEIOUAEIOUAEIO")
_NOT_LETTER = re.compile(r"[^A-Z]+")
_NOT_WORD = re.compile(r"[^A-Z0-9]+")


def _ascii_letters(text: str) -> str:
    """Upper-case A-Z only, the way the SAT builds the letters of an RFC (Ñ becomes X)."""
    return _NOT_LETTER.sub("", text.upper().translate(_BASE_LETTER).replace("Ñ", "X"))


def _fold_key(text: str) -> str:
    """A name as the uniqueness check sees it: no accents, no punctuation, single spaces."""
    folded = text.upper().translate(_BASE_LETTER).replace("Ñ", "N")
    return _NOT_WORD.sub(" ", folded).strip()


def _company_letters(words: str) -> str:
    """Roughly the SAT's rule: initials of the first three words (stop words skipped); two words
    give the first's initial and two letters of the second; one word its first three letters."""
    significant = [w for w in (_ascii_letters(w) for w in words.split()) if w]
    significant = [w for w in significant if w not in STOP_WORDS] or significant
    if len(significant) >= 3:
        letters = "".join(w[0] for w in significant[:3])
    elif len(significant) == 2:
        letters = significant[0][0] + significant[1][:2]
    else:
        letters = significant[0][:3] if significant else ""
    return (letters + "XXX")[:3]


def _person_letters(paternal: str, maternal: str, given: str) -> str:
    p, m = _ascii_letters(paternal), _ascii_letters(maternal)
    names = given.split()
    if len(names) > 1 and names[0] in ("JOSÉ", "MARÍA", "JOSE", "MARIA"):
        names = names[1:]  # the SAT skips a leading JOSÉ / MARÍA of a compound name
    g = _ascii_letters(names[0])
    vowel = next((c for c in p[1:] if c in "AEIOU"), "X")
    return p[0] + vowel + (m[:1] or "X") + g[0]


def _yymmdd(ordinal: int) -> str:
    d = date.fromordinal(ordinal)
    return f"{d.year % 100:02d}{d.month:02d}{d.day:02d}"


_ALPHABET = {ch: n for n, ch in enumerate("0123456789ABCDEFGHIJKLMN&OPQRSTUVWXYZ Ñ")}
_CHECK_WEIGHTS = tuple(range(13, 1, -1))


def check_digit(base: str) -> str:
    """stdnum.mx.rfc.calc_check_digit, without its per-call overhead (tests compare the two)."""
    padded = ("   " + base)[-12:]
    total = sum(map(mul, map(_ALPHABET.__getitem__, padded), _CHECK_WEIGHTS))
    return "0123456789A"[(11 - total) % 11]


def _make_rfc(letters: str, days: tuple[int, int], rng: random.Random, used: set[str]) -> str:
    born = _yymmdd(_between(rng, *days))
    while True:
        base = letters + born + _pick(rng, HOMOCLAVE_1) + _pick(rng, HOMOCLAVE_2)
        rfc = base + check_digit(base)
        if rfc not in used and rfc != GENERIC_RFC:
            used.add(rfc)
            return rfc


class _Namer:
    """Invents distinct firms. Keeps the normalised names and RFCs seen so far, and a window of
    recent company names to copy from when a firm is to be named like another."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.names: set[str] = set()
        self.rfcs: set[str] = set()
        self.recent: list[tuple[int, str]] = []

    def coined(self) -> str:
        rng = self.rng
        word = _pick(rng, _SYLLABLES) + _pick(rng, _SYLLABLES)
        if rng.random() < 1 / 3:
            word += _pick(rng, _SYLLABLES)
        if rng.random() < 0.12:
            word += _pick(rng, COINED_SUFFIXES)
        return word

    def _company_words(self) -> tuple[str, int | None]:
        rng = self.rng
        pattern = _PATTERN(rng)
        if pattern == "near" and self.recent:
            firm_id, base = _pick(rng, self.recent)
            return self._near(base), firm_id
        if pattern == "head_coined":
            words = f"{_pick(rng, HEADS)} {self.coined()}"
            if rng.random() < 0.3:
                words += f" {_pick(rng, TAILS)}"
        elif pattern == "coined":
            words = self.coined()
            if rng.random() < 0.5:
                words += f" {_pick(rng, SECTORS)}"
        elif pattern == "head_geo":
            words = f"{_pick(rng, HEADS)} {_pick(rng, GEO)}"
            if rng.random() < 0.4:
                words += f" {_pick(rng, TAILS)}"
        elif pattern == "head_surname":
            words = f"{_pick(rng, HEADS)} {_pick(rng, SURNAMES)}"
            roll = rng.random()
            if roll < 0.3:
                words += f" Y {_pick(rng, SURNAMES)}"
            elif roll < 0.6:
                words += f" {_pick(rng, ('Y ASOCIADOS', 'HERMANOS', 'E HIJOS'))}"
        elif pattern == "acronym":
            acronym = "".join(_pick(rng, LETTERS) for _ in range(_pick(rng, (2, 3, 3, 4))))
            words = f"{acronym} {_pick(rng, SECTORS)}"
            if rng.random() < 0.4:
                words += f" {_pick(rng, TAILS)}"
        else:  # head_coined_geo (and "near" before any company exists)
            words = f"{_pick(rng, HEADS)} {self.coined()} {_pick(rng, GEO)}"
        return words, None

    def _near(self, base: str) -> str:
        """The name of another firm but for one word: added, replaced or dropped."""
        rng = self.rng
        words = base.split()
        roll = rng.random()
        if roll < 0.45 or len(words) < 3:
            extra = _pick(rng, TAILS if rng.random() < 0.7 else GEO)
            return f"{base} {extra}"
        if roll < 0.85:
            index = _below(rng, len(words))
            replacement = _pick(
                rng, (*(g for g in GEO if " " not in g), *(t for t in TAILS if " " not in t))
            )
            words[index] = replacement
            return " ".join(words)
        del words[_between(rng, 1, len(words) - 1)]
        return " ".join(words)

    def firm(self, firm_id: int) -> _Firm:
        rng = self.rng
        postal = _postal_code(rng)
        if rng.random() < PERSON_SHARE:
            while True:
                female = rng.random() < 0.45
                pool = FEMALE_NAMES if female else MALE_NAMES
                given = _pick(rng, pool)
                if rng.random() < 0.3:
                    second = _pick(rng, pool)
                    if second != given:
                        given = f"{given} {second}"
                paternal, maternal = _pick(rng, SURNAMES), _pick(rng, SURNAMES)
                key = "P " + " ".join(sorted(_fold_key(f"{given} {paternal} {maternal}").split()))
                if key not in self.names:
                    self.names.add(key)
                    break
            rfc = _make_rfc(
                _person_letters(paternal, maternal, given), _PERSON_DAYS, rng, self.rfcs
            )
            return _Firm(firm_id, True, rfc, given, None, paternal, maternal, female, postal)
        near_of: int | None = None
        for attempt in range(20):
            words, near_of = self._company_words()
            if attempt >= 10:
                words = f"{words} {self.coined()}"
                near_of = None
            key = "C " + _fold_key(words)
            if key not in self.names:
                self.names.add(key)
                break
        legal = _LEGAL(rng)
        rfc = _make_rfc(_company_letters(words), _COMPANY_DAYS, rng, self.rfcs)
        if len(self.recent) < 512:
            self.recent.append((firm_id, words))
        else:
            self.recent[_below(rng, 512)] = (firm_id, words)
        return _Firm(firm_id, False, rfc, words, legal, postal_code=postal, near_of=near_of)


def _postal_code(rng: random.Random) -> str:
    """Skewed like firms' addresses: a few business districts hold many firms (so that sharing
    a postal code is weaker evidence than a uniform draw over 14,000 codes would make it)."""
    return f"{_pick(rng, CP_PREFIXES)}{int(1000 * rng.random() ** 3):03d}"


# --- rendering names and RFCs --------------------------------------------------------------
def _typo(text: str, rng: random.Random) -> str:
    """One character edited: substituted, dropped, doubled (COORPORATIVO) or swapped."""
    positions = [i for i, ch in enumerate(text) if ch.isalpha()]
    if len(positions) < 4:
        return text
    pos = positions[_below(rng, 3)] if rng.random() < 0.3 else _pick(rng, positions)
    roll = rng.random()
    if roll < 0.35:
        letter = _pick(rng, LETTERS)
        while letter == text[pos]:
            letter = _pick(rng, LETTERS)
        return text[:pos] + letter + text[pos + 1 :]
    if roll < 0.55:
        return text[:pos] + text[pos + 1 :]
    if roll < 0.8 or pos + 1 >= len(text) or not text[pos + 1].isalpha():
        return text[:pos] + text[pos] + text[pos:]
    return text[:pos] + text[pos + 1] + text[pos] + text[pos + 2 :]


def _mistype(rfc: str, rng: random.Random, used: set[str]) -> str:
    """An RFC as SFP sometimes files it: O/0 or I/1 swapped in the homoclave, or one character
    changed (homoclave, day of the date, or a letter). The shape stays an RFC's."""
    letters = len(rfc) - 9
    for _ in range(10):
        swappable = [i for i in range(len(rfc) - 3, len(rfc)) if rfc[i] in _SWAPS]
        roll = rng.random()
        if swappable and roll < 0.6:
            i = _pick(rng, swappable)
            out = rfc[:i] + _SWAPS[rfc[i]] + rfc[i + 1 :]
        elif roll < 0.8:
            i = len(rfc) - _pick(rng, (2, 3))
            out = rfc[:i] + _pick(rng, HOMOCLAVE_2) + rfc[i + 1 :]
        elif roll < 0.92 and (units := _other_day_units(rfc[letters + 4 : letters + 6])):
            out = rfc[: letters + 5] + _pick(rng, units) + rfc[letters + 6 :]
        else:
            i = _below(rng, letters)
            out = rfc[:i] + _pick(rng, LETTERS) + rfc[i + 1 :]
        if out != rfc and out not in used:
            return out
    return rfc[:-1] + ("A" if rfc[-1] != "A" else "1")


def _other_day_units(day: str) -> list[str]:
    """Last digits that turn `day` into another day every month has (01-28, or 30 from 31)."""
    tens, units = day[0], day[1]
    top = 30 if tens == "3" else 28
    return [d for d in "0123456789" if d != units and 1 <= int(tens + d) <= top]


def _format_rfc(rfc: str) -> str:
    letters = len(rfc) - 9
    return f"{rfc[:letters]}-{rfc[letters : letters + 6]}-{rfc[letters + 6 :]}"


@dataclass(slots=True)
class _Rendered:
    name: str
    quirks: list[str]


def _render(firm: _Firm, source: str, rng: random.Random) -> _Rendered:
    quirks: list[str] = []
    if firm.person:
        surnames_first = SURNAMES_FIRST[source]
        if rng.random() < FLIP_ORDER_RATE:
            surnames_first = not surnames_first
        if surnames_first:
            quirks.append("surnames_first")
            core = f"{firm.paternal} {firm.maternal} {firm.words}"
        else:
            core = f"{firm.words} {firm.paternal} {firm.maternal}"
        form = ""
    else:
        core = firm.words
        assert firm.legal is not None
        spellings, cut = LEGAL_FORMS[firm.legal]
        roll = rng.random()
        if roll < NO_FORM_RATE[source]:
            form = ""
            quirks.append("no_legal_form")
        elif roll < NO_FORM_RATE[source] + CUT_FORM_RATE:
            form = cut
            quirks.append("cut_legal_form")
        else:
            form = _pick(rng, spellings)
    if rng.random() < STRIP_ACCENTS_RATE[source]:
        core = core.translate(_STRIP)
        if rng.random() < 0.1:
            core = core.replace("Ñ", "N")
        quirks.append("accents_stripped")
    if rng.random() < TYPO_RATE:
        core = _typo(core, rng)
        quirks.append("typo")
    name = core
    if form:
        name = f"{core}, {form}" if rng.random() < 0.6 else f"{core} {form}"
    if source == "sfp" and not firm.person and rng.random() < ADDED_PERSON_RATE:
        female = rng.random() < 0.4
        given = _pick(rng, FEMALE_NAMES if female else MALE_NAMES)
        person = f"{given} {_pick(rng, SURNAMES)} {_pick(rng, SURNAMES)}"
        if rng.random() < STRIP_ACCENTS_RATE[source]:
            person = person.translate(_STRIP)
        name = f"{name} Y {'LA C.' if female else 'EL C.'} {person}"
        quirks.append("added_person")
    if rng.random() < TITLE_CASE_RATE[source]:
        name = name.title()
    if source == "register" and len(name) > TRUNCATE_AT:
        name = name[:TRUNCATE_AT].rstrip()
        quirks.append("truncated")
    return _Rendered(name, quirks)


# --- the writers ---------------------------------------------------------------------------
def _iso_day(ordinal: int) -> str:
    return date.fromordinal(ordinal).isoformat()


_DAY_2016 = date(2016, 1, 1).toordinal()
_DAY_2014 = date(2014, 1, 1).toordinal()


class _Out:
    """The open output files, the truth being written, and the running counters."""

    def __init__(self, out_dir: Path, seed: int, keep: bool) -> None:
        self.out_dir = out_dir
        self.seed = seed
        self.keep = keep
        self.tmp = out_dir / ".truth-parts"
        shutil.rmtree(self.tmp, ignore_errors=True)
        self.tmp.mkdir(parents=True)
        buffering = 1 << 20
        self.ocds = (out_dir / FILES["ocds"]).open("w", encoding="utf-8", buffering=buffering)
        self.sfp = (out_dir / FILES["sfp"]).open("w", encoding="utf-8", buffering=buffering)
        self.sat_handle = (out_dir / FILES["sat69b"]).open(
            "w", encoding=SAT_69B_ENCODING, newline="", buffering=buffering
        )
        self.register_handle = (out_dir / FILES["register"]).open(
            "w", encoding="utf-8", newline="", buffering=buffering
        )
        self.records = (self.tmp / "records").open("w", encoding="utf-8", buffering=buffering)
        self.firms = (self.tmp / "firms").open("w", encoding="utf-8", buffering=buffering)
        self.quirk_files: dict[str, TextIO] = {
            q: (self.tmp / q).open("w", encoding="utf-8", buffering=1 << 16) for q in QUIRKS
        }
        self.sat = csv.writer(self.sat_handle, lineterminator="\r\n")
        self.register = csv.writer(self.register_handle, lineterminator="\r\n")
        for line in (*SAT_69B_PREAMBLE, SAT_69B_HEADER):
            self.sat_handle.write(line + "\r\n")
        self.register.writerow(REGISTER_COLUMNS)
        self.sfp.write("[")
        self.counts: Counter[str] = Counter()
        self.first_record = True
        self.record_parts: list[str] = []
        self.truth = Truth(seed=seed, n_firms=0, rfc_hidden=0.0)

    def record(self, key: str, firm_id: int, source: str, quirks: list[str]) -> None:
        quoted = _quote(key)
        self.record_parts.append(f"{quoted}:{firm_id}")
        if len(self.record_parts) >= 4096:
            self._flush_records()
        self.counts[_RECORDS_OF[source]] += 1
        for quirk in quirks:
            self.quirk_files[quirk].write(quoted + "\n")
            self.counts[_QUIRK_COUNT[quirk]] += 1
        if self.keep:
            self.truth.firm_of[key] = firm_id
            for quirk in quirks:
                self.truth.quirks.setdefault(quirk, set()).add(key)

    def _flush_records(self) -> None:
        if self.record_parts:
            self.records.write(("" if self.first_record else ",") + ",".join(self.record_parts))
            self.first_record = False
            self.record_parts = []

    def firm(self, firm: _Firm) -> None:
        label = FirmLabel(
            "person" if firm.person else "company", firm.rfc, firm.canonical(), firm.near_of
        )
        near = "null" if firm.near_of is None else str(firm.near_of)
        self.firms.write(
            f'{"," if firm.id else ""}["{label.kind}","{label.rfc}",{_json(label.name)},{near}]'
        )
        self.counts["firms_person" if firm.person else "firms_company"] += 1
        if firm.near_of is not None:
            self.counts["firms_near_identical"] += 1
        if self.keep:
            self.truth.firms.append(label)

    def close(self, header: dict[str, Any]) -> None:
        self._flush_records()
        self.counts["records"] = sum(self.counts[_RECORDS_OF[s]] for s in SOURCES)
        self.sfp.write("\n]\n")
        handles: list[TextIO] = [self.ocds, self.sfp, self.sat_handle, self.register_handle]
        handles += [self.records, self.firms, *self.quirk_files.values()]
        for handle in handles:
            handle.close()
        truth_path = self.out_dir / TRUTH_FILE
        with truth_path.open("w", encoding="utf-8") as out:
            head = {**header, "counts": dict(sorted(self.counts.items()))}
            out.write(json.dumps(head, ensure_ascii=False)[:-1])
            out.write(', "records": {')
            _copy(self.tmp / "records", out)
            out.write('}, "firms": [')
            _copy(self.tmp / "firms", out)
            out.write('], "quirks": {')
            for n, quirk in enumerate(QUIRKS):
                out.write(("," if n else "") + f'"{quirk}": [')
                with (self.tmp / quirk).open(encoding="utf-8") as lines:
                    first = True
                    for line in lines:
                        out.write(("" if first else ",") + line.rstrip("\n"))
                        first = False
                out.write("]")
            out.write("}}\n")
        shutil.rmtree(self.tmp, ignore_errors=True)


def _json(text: str) -> str:
    """A JSON string literal, non-ASCII kept (names have no quotes; SFP's have tabs)."""
    if '"' not in text and "\\" not in text and text.isprintable():
        return f'"{text}"'
    return json.dumps(text, ensure_ascii=False)


def _quote(key: str) -> str:
    """A JSON string; keys rarely need escaping, and json.dumps costs more than the rest."""
    if key.isascii() and '"' not in key and "\\" not in key and key.isprintable():
        return f'"{key}"'
    return json.dumps(key)


def _copy(path: Path, out: TextIO) -> None:
    with path.open(encoding="utf-8") as src:
        shutil.copyfileobj(src, out, 1 << 20)


class _Ocds:
    """Collects supplier parties into releases of 1-3 suppliers (never one firm twice).

    Releases are written from string templates: json's encoder would cost more than all the
    rest of the generator. Every string that varies goes through `_json`."""

    def __init__(self, out: _Out, rng: random.Random, rfc_hidden: float) -> None:
        self.out, self.rng, self.rfc_hidden = out, rng, rfc_hidden
        self.number = 0
        # (firm id, party id as JSON, name as JSON, the party object as JSON)
        self.pending: list[tuple[int, str, str, str]] = []
        self.target = 1
        buyer_rng = random.Random(f"buyers-{out.seed}")
        used: set[str] = set()
        self.buyers: list[tuple[str, str]] = []  # (buyer reference, buyer party), as JSON
        for n, agency in enumerate(BUYER_AGENCIES):
            rfc = _make_rfc(
                _company_letters(agency.upper()), (_DAY_2016 - 20000, _DAY_2016), buyer_rng, used
            )
            ref = f'{{"id":"UC-{n + 1:03d}","name":{_json(agency)}}}'
            party = (
                f'{{"id":"UC-{n + 1:03d}","name":{_json(agency)},'
                f'"identifier":{{"scheme":"MX-RFC","id":"{rfc}"}},'
                '"roles":["buyer","procuringEntity"]}'
            )
            self.buyers.append((ref, party))

    @property
    def ocid(self) -> str:
        return f"ocds-lab{self.out.seed}-{self.number:08d}"

    def add(self, firm: _Firm, rendered: _Rendered) -> None:
        rng = self.rng
        if any(fid == firm.id for fid, *_ in self.pending):
            self.flush()
        quirks = rendered.quirks
        roll = rng.random()
        rfc: str | None
        if roll < self.rfc_hidden:
            rfc = None
            quirks.append("rfc_hidden")
        elif roll < self.rfc_hidden + GENERIC_RFC_RATE:
            rfc = GENERIC_RFC
            quirks.append("rfc_generic")
        else:
            rfc = firm.rfc
        ocid = self.ocid
        if rfc == firm.rfc and rng.random() < 0.4:
            party_id = f"MX-RFC-{rfc}"
        else:
            party_id = f"{ocid}-P{len(self.pending) + 1}"
        if rfc == firm.rfc and rng.random() < FORMATTED_RFC_RATE:
            rfc = _format_rfc(rfc)
            quirks.append("rfc_formatted")
        postal = firm.postal_code if rng.random() > MOVED_RATE else _postal_code(rng)
        name = _json(rendered.name)
        identifier = ""
        if rfc is not None:
            scheme = "MX-RFC" if rng.random() < 0.85 else "RFC"
            identifier = f'"identifier":{{"scheme":"{scheme}","id":"{rfc}","legalName":{name}}},'
        party = (
            f'{{"id":"{party_id}","name":{name},{identifier}'
            f'"address":{{"postalCode":"{postal}","countryName":"México"}},"roles":["supplier"]}}'
        )
        self.pending.append((firm.id, party_id, name, party))
        self.out.record(f"party:{ocid}/{party_id}", firm.id, "ocds", quirks)
        if len(self.pending) >= self.target:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        rng = self.rng
        ocid = self.ocid
        buyer_ref, buyer_party = _pick(rng, self.buyers)
        day = _DAY_2016 + _below(rng, 3000)
        iso = _iso_day(day)
        published = f"{iso}T{_between(rng, 8, 19):02d}:{_between(rng, 0, 59):02d}:00-06:00"
        title = _pick(rng, TITLES)
        awards, contracts, parties = [], [], [buyer_party]
        for k, (_, party_id, name, party) in enumerate(self.pending, start=1):
            amount = round(rng.lognormvariate(12.5, 1.5), 2)
            signed = _iso_day(day + _between(rng, 0, 20))
            value = f'"value":{{"amount":{amount},"currency":"MXN"}}'
            awards.append(
                f'{{"id":"{ocid}-A{k}","title":"{title} (partida {k})","status":"active",'
                f'"date":"{iso}T00:00:00-06:00",{value},'
                f'"suppliers":[{{"id":"{party_id}","name":{name}}}]}}'
            )
            contracts.append(
                f'{{"id":"{ocid}-C{k}","awardID":"{ocid}-A{k}","status":"active",'
                f'"dateSigned":"{signed}T00:00:00-06:00",{value}}}'
            )
            parties.append(party)
        self.out.ocds.write(
            f'{{"ocid":"{ocid}","id":"{ocid}-{day}","date":"{published}",'
            '"tag":["award","contract"],"initiationType":"tender","language":"es",'
            f'"buyer":{buyer_ref},"parties":[{",".join(parties)}],'
            f'"tender":{{"id":"{ocid}-T","title":"{title}",'
            f'"procurementMethod":"{_pick(rng, METHODS)}"}},'
            f'"awards":[{",".join(awards)}],"contracts":[{",".join(contracts)}]}}\n'
        )
        self.out.counts["ocds_releases"] += 1
        self.pending = []
        self.number += 1
        self.target = _RELEASE_SIZE(rng)


class _Writers:
    def __init__(self, out: _Out, rng: random.Random, rfc_hidden: float) -> None:
        self.out, self.rng, self.rfc_hidden = out, rng, rfc_hidden
        self.ocds = _Ocds(out, rng, rfc_hidden)
        self.sfp_number = 0
        self.sat_number = 0
        self.folio = 0
        self.suppressed: set[str] = set()
        self.rfcs: set[str] = set()

    def sfp(self, firm: _Firm, rendered: _Rendered) -> None:
        rng, out = self.rng, self.out
        self.sfp_number += 1
        n = self.sfp_number
        agency, clave = _pick(rng, AGENCIES_SFP)
        year = _between(rng, 2012, 2026)
        procedure, case = (
            f"{clave}PA-{n:06d}/{year}",
            f"{clave}{n:06d}/{year - _between(rng, 0, 2)}",
        )
        rfc = firm.rfc
        if rng.random() < MISTYPED_RFC_RATE:
            rfc = _mistype(rfc, rng, self.rfcs)
            rendered.quirks.append("rfc_mistyped")
        name = rendered.name
        if rng.random() < 0.03:
            name += "\t\t\t"
        amount = _between(rng, 5, 2000) * 1000 + _pick(rng, (0, 0, 0, 500))
        fine = rng.random() < 0.23
        if fine:  # a fine only: every plazo field null, as in the real capture
            plazo = '{"plazo_inha":null,"fecha_inicial":null,"fecha_final":null}'
        else:
            start = date(year, 1, 1).toordinal() + _below(rng, 360)
            months = _pick(rng, (3, 6, 9, 12, 15, 21, 24, 30, 36))
            years, rest = divmod(months, 12)
            term = f"{years} año{'s' if years > 1 else ''}" if years else ""
            if rest:
                term = f"{term}, {rest} meses" if term else f"{rest} meses"
            plazo = (
                f'{{"plazo_inha":"{term}","fecha_inicial":"{_iso_day(start)}",'
                f'"fecha_final":"{_iso_day(start + months * 30)}"}}'
            )
        out.sfp.write(
            ("\n" if n == 1 else ",\n")
            + f'{{"numero_expediente":"{case}","numero_procedimiento_adm":"{procedure}",'
            f'"numprocedimiento_corto":"{procedure[len(clave) :]}","rfc":"{rfc}",'
            f'"numexpediente_corto":"{case[len(clave) :]}","nombre_razon_social":{_json(name)},'
            f'"leyes_infringidas":"{_pick(rng, LAWS)}",'
            f'"multa":{{"monto":"{amount}","monto_cf":"{amount:>24,.2f}"}},"plazo":{plazo},'
            f'"institucion_dependencia":{{"nombre":"{agency}","clave_dependencia":"{clave}"}}}}'
        )
        key = case_key(
            procedure=procedure[len(clave) :],
            case=case[len(clave) :],
            authority=agency,
            name=name,
            start=None if fine else date.fromordinal(start),
        )
        out.record(f"sanction:{key}", firm.id, "sfp", rendered.quirks)

    def sat(self, firm: _Firm, rendered: list[_Rendered]) -> None:
        """All 69-B listings of one firm, the first presumed first (it keeps the plain key)."""
        rng, out = self.rng, self.out
        day = _DAY_2014 + _below(rng, 1800)
        for index, listing in enumerate(rendered):
            self.sat_number += 1
            name = listing.name
            rfc = firm.rfc
            key = f"sat-69b:{rfc}" + (f"#{index + 1}" if index else "")
            if len(rendered) == 1 and rng.random() < SUPPRESSED_RATE:
                folded = _fold_name_key(name)
                if folded not in self.suppressed:
                    self.suppressed.add(folded)
                    rfc = SUPPRESSED_RFC
                    key = f"sat-69b:name:{folded}"
                    listing.quirks.append("rfc_suppressed")
            if rng.random() < 0.02:
                name += " "
            status = _SAT_STATUS(rng)
            presunto = _sat_stage(day, rng)
            blank = ["", "", "", ""]
            later = day + _between(rng, 60, 400)
            desvirtuado = _sat_stage(later, rng) if status == "Desvirtuado" else blank
            definitivo = (
                _sat_stage(later, rng) if status in ("Definitivo", "Sentencia Favorable") else blank
            )
            sentencia = (
                _sat_stage(later + _between(rng, 100, 600), rng)
                if status == "Sentencia Favorable"
                else blank
            )
            out.sat.writerow(
                [str(self.sat_number), rfc, name, status, *presunto, *desvirtuado, *definitivo,
                 *sentencia]
            )  # fmt: skip
            out.record(f"sanction:{key}", firm.id, "sat69b", listing.quirks)
            day += _between(rng, 500, 900)

    def register(self, firm: _Firm, rendered: _Rendered) -> None:
        rng, out = self.rng, self.out
        self.folio += 1
        folio = f"{self.folio + 10_000:08d}"
        rfc = firm.rfc
        if rng.random() < self.rfc_hidden:
            rfc = ""
            rendered.quirks.append("rfc_hidden")
        postal = firm.postal_code if rng.random() > MOVED_RATE else _postal_code(rng)
        if postal.startswith("0") and rng.random() < 0.3:
            postal = postal[1:]  # a spreadsheet dropped the leading zero
        out.register.writerow([folio, rfc, rendered.name, _pick(rng, STRATA), postal])
        out.record(f"supplier:{REGISTER}:{folio}", firm.id, "register", rendered.quirks)


def _fold_name_key(name: str) -> str:
    """What the 69-B reader makes of a name when the RFC is suppressed (see sat69b._base_key)."""
    decomposed = unicodedata.normalize("NFKD", name)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.lower().split()).upper()


def _sat_stage(ordinal: int, rng: random.Random) -> list[str]:
    d = date.fromordinal(ordinal)
    oficio = f"500-05-{d.year}-{_between(rng, 1000, 40000)} de fecha {d.day:02d} de "
    oficio += f"{MONTHS[d.month - 1]} de {d.year}"
    dof = d + timedelta(days=_between(rng, 10, 35))
    return [
        oficio,
        f"{d.day:02d}/{d.month:02d}/{d.year}",
        oficio,
        f"{dof.day:02d}/{dof.month:02d}/{dof.year}",
    ]


def _source_orders() -> _Weighted[tuple[str, ...]]:
    """Which sources a firm is in, in which order: 1-4 sources (N_SOURCES_WEIGHTS) drawn one
    after another by SOURCE_WEIGHTS without replacement. Every ordered draw gets its exact
    probability once, so one weighted choice per firm replaces the loop."""
    orders: list[tuple[str, ...]] = []
    probabilities: list[float] = []
    total_n = sum(N_SOURCES_WEIGHTS)
    for n, weight_n in zip((1, 2, 3, 4), N_SOURCES_WEIGHTS, strict=True):
        for order in permutations(SOURCE_WEIGHTS, n):
            p = weight_n / total_n
            left = sum(SOURCE_WEIGHTS.values())
            for source in order:
                p *= SOURCE_WEIGHTS[source] / left
                left -= SOURCE_WEIGHTS[source]
            orders.append(order)
            probabilities.append(p)
    return _Weighted(orders, probabilities)


_SOURCE_ORDERS = _source_orders()


def generate(
    out_dir: Path,
    n_firms: int,
    seed: int = 11,
    rfc_hidden: float = 0.5,
    *,
    keep_truth: bool = True,
) -> Truth:
    """Write the four source files and truth.json into `out_dir` (created if needed).

    Returns the truth; with keep_truth=False only its counts (read the rest with `load_truth`),
    which keeps memory flat for millions of records."""
    if not 0.0 <= rfc_hidden <= 1.0 - GENERIC_RFC_RATE:
        raise ValueError(f"rfc_hidden must be within [0, {1 - GENERIC_RFC_RATE}]")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(f"labelled-{seed}")
    namer = _Namer(random.Random(f"labelled-firms-{seed}"))
    out = _Out(out_dir, seed, keep_truth)
    writers = _Writers(out, rng, rfc_hidden)
    writers.rfcs = namer.rfcs
    for firm_id in range(n_firms):
        firm = namer.firm(firm_id)
        out.firm(firm)
        for source in _SOURCE_ORDERS(rng):
            if source == "sat69b":
                count = _SAT_PER_SOURCE(rng)
                writers.sat(firm, [_render(firm, source, rng) for _ in range(count)])
                continue
            for _ in range(_PER_SOURCE(rng)):
                rendered = _render(firm, source, rng)
                if source == "ocds":
                    writers.ocds.add(firm, rendered)
                elif source == "sfp":
                    writers.sfp(firm, rendered)
                else:
                    writers.register(firm, rendered)
    writers.ocds.flush()
    files = {source: FILES[source] for source in SOURCES}
    out.close(
        {
            "format": TRUTH_FORMAT,
            "seed": seed,
            "n_firms": n_firms,
            "rfc_hidden": rfc_hidden,
            "files": files,
            "register": REGISTER,
            "register_mapping": REGISTER_MAPPING,
        }
    )
    truth = out.truth
    truth.n_firms, truth.rfc_hidden, truth.files = n_firms, rfc_hidden, files
    truth.counts = dict(out.counts)
    return truth


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--firms", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--hidden", type=float, default=0.5, help="share of OCDS/register RFCs")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    truth = generate(args.out_dir, args.firms, args.seed, args.hidden, keep_truth=False)
    seconds = time.perf_counter() - started
    records = truth.counts["records"]
    print(f"{records:,} records of {args.firms:,} firms in {seconds:.1f}s "
          f"({records / seconds:,.0f} records/s) -> {args.out_dir}")  # fmt: skip
    for name, value in sorted(truth.counts.items()):
        print(f"  {name:28} {value:>10,}")


if __name__ == "__main__":
    main()
