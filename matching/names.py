"""Company and person names: normalise, remove the legal form, split off added persons.

Names arrive dirty: accents and punctuation come and go, legal forms are spaced, glued or cut
off, SFP adds the sanctioned representative ("..., S.A. DE C.V. Y EL C. JOSE ..."), SAT adds
court notes after "//", and one export lost every non-ASCII letter to "?". parse_name turns
each into a comparable `norm` plus what it removed. It is pure and never raises; a bounded
cache absorbs the repeats of batch runs.

Deliberately left alone: a hyphen or a dot inside a word is a space ("INT-PER" is "INT PER",
not "INTPER"); word order is kept in
`norm` (`sorted_tokens` ignores it); generic words are never removed (GENERIC_WORDS lists
them for the caller's weighting); a title ("ING.") is removed only when written with its dot.
The abbreviations buyers type for the common words of firm names ("SERVS.", "CIA.", "CONST.")
are written out, in a firm's name only (see ABBREVIATIONS).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import groupby

from rapidfuzz.distance import OSA
from unidecode import unidecode

from matching.legal_forms import match_suffix, mistyped_suffix
from matching.markup import decode_references


@dataclass(frozen=True, slots=True)
class NameParts:
    raw: str | None
    norm: str | None
    legal_form: str | None
    is_person: bool | None
    sorted_tokens: str | None
    tokens: tuple[str, ...]
    associated_person: str | None
    # Other names in the field: the trade name after "Y/O", co-bidders after " / " or after
    # "S.A. DE C.V. Y", parenthesised acronyms and aliases; each normalised like `norm`.
    other_names: tuple[str, ...] = ()
    # The name with its abbreviations as written, when one of them stands for several words
    # (CORP. is CORPORACION or CORPORATIVO): `norm` writes it out as the commoner, which may be
    # the wrong one; the guards read this to know which words could be either.
    written: str | None = None
    # The legal form was read from a form that stops part way (S.A. DE C): the name was cut.
    form_cut: bool = False


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Common in firm names, weak alone: a match on them means little.
GENERIC_WORDS: frozenset[str] = _words(
    """GRUPO CONSTRUCTORA CONSTRUCCIONES CONSTRUCCION CONSTRUCTOR COMERCIALIZADORA COMERCIAL
    COMERCIO SERVICIOS SERVICIO SERVICES CONSULTORES CONSULTORIA CONSULTING INGENIERIA
    DISTRIBUIDORA DISTRIBUCIONES CORPORATIVO CORPORACION SOLUCIONES SOLUTIONS PROYECTOS MEXICO
    MEXICANA MEXICANO INTERNACIONAL INTERNATIONAL DESARROLLOS DESARROLLO INMOBILIARIA
    INDUSTRIAL INDUSTRIALES INTEGRAL INTEGRALES EMPRESARIAL EMPRESARIALES ASOCIADOS ASESORES
    ASESORIA TECNOLOGIA SISTEMAS PROFESIONALES ESPECIALIZADOS ADMINISTRACION ADMINISTRATIVOS
    NEGOCIOS GLOBAL NACIONAL GROUP CONSORCIO EDIFICACIONES OBRAS SUMINISTROS PRODUCTOS
    MATERIALES TRANSPORTES LOGISTICA PUBLICIDAD MANTENIMIENTO INFRAESTRUCTURA IMPORTADORA
    PROMOTORA MEDICA LABORATORIOS ARRENDADORA CENTRO NORTE SUR SURESTE NORESTE OCCIDENTE
    GOLFO PACIFICO BAJIO"""
)
# A word this long that is one edit from a generic word is taken for it (INOBILIARIA,
# LABORALORIOS, SUMINISTOS, COSNULTORIA): shorter words are too often other words.
MIN_TYPO_GENERIC = 7


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


_GENERIC_BY_DELETION: dict[str, set[str]] = {}
for _word in GENERIC_WORDS:
    for _key in {_word} | _deletions(_word):
        _GENERIC_BY_DELETION.setdefault(_key, set()).add(_word)


@lru_cache(maxsize=1 << 14)
def generic_word(token: str) -> str | None:
    """The generic word a token is, spelt right or with one typo (a letter dropped, added,
    changed, or two swapped; of two such words, the first alphabetically), or None."""
    if token in GENERIC_WORDS:
        return token
    if len(token) < MIN_TYPO_GENERIC:
        return None
    found: set[str] = set()
    for key in {token} | _deletions(token):
        found |= _GENERIC_BY_DELETION.get(key, set())
    return min((word for word in found if OSA.distance(token, word) == 1), default=None)


def is_generic(token: str) -> bool:
    """A generic word, spelt right or with one typo: a typo in "INMOBILIARIA" must not make it
    the distinctive word of a name."""
    return generic_word(token) is not None


# Abbreviations of the common words of firm names, as buyers type them, written out: each is
# no word of its own, and stands for one word in firm names (where two are possible, the
# commoner: CONST. is CONSTRUCTORA far more often than CONSTRUCCIONES, which is abbreviated
# CONSTRUCC.). ING is INGENIERIA in a firm's name (ING. is in the abbreviations issue #12
# lists; ING. Y CONSTRUCCIONES), and a title before a person's (`_TITLE_ABBREVIATIONS`). ING BANK
# becomes INGENIERIA BANK, under every record of it alike.
ABBREVIATIONS: dict[str, str] = {
    "CIA": "COMPANIA",
    "SERV": "SERVICIOS",
    "SERVS": "SERVICIOS",
    "COMERCIALIZ": "COMERCIALIZADORA",
    "COMERC": "COMERCIALIZADORA",
    "CONST": "CONSTRUCTORA",
    "CONSTR": "CONSTRUCTORA",
    "CONSTRUCC": "CONSTRUCCIONES",
    "DIST": "DISTRIBUIDORA",
    "DISTR": "DISTRIBUIDORA",
    "DISTRIB": "DISTRIBUIDORA",
    "ADMON": "ADMINISTRACION",
    "ADMIN": "ADMINISTRACION",
    # Also a title (ING. JUAN PEREZ): before a person's name it stays (`_written_out`).
    "ING": "INGENIERIA",
    "ADMVOS": "ADMINISTRATIVOS",
    "IND": "INDUSTRIAL",
    "INDS": "INDUSTRIALES",
    "PROD": "PRODUCTOS",
    "PRODS": "PRODUCTOS",
    "ASOC": "ASOCIADOS",
    "ASOCS": "ASOCIADOS",
    "HNOS": "HERMANOS",
    "INTL": "INTERNACIONAL",
    "NAL": "NACIONAL",
    "CORP": "CORPORACION",
    "GPO": "GRUPO",
    "MANTTO": "MANTENIMIENTO",
    "MTTO": "MANTENIMIENTO",
    "TRANSP": "TRANSPORTES",
    "LABS": "LABORATORIOS",
    "INMOB": "INMOBILIARIA",
    "TECNOL": "TECNOLOGIA",
    "SIST": "SISTEMAS",
    "MATS": "MATERIALES",
    "SUMIN": "SUMINISTROS",
    "DESARR": "DESARROLLO",
}
# Abbreviations that are also titles (`_TITLE`): before a person's name, the title.
_TITLE_ABBREVIATIONS = frozenset({"ING"})
# The abbreviations above that buyers also type for other words of a firm name: each may stand
# for any of these (its written-out word first).
ABBREVIATION_WORDS: dict[str, frozenset[str]] = {
    abbreviation: frozenset(words.split()) | {ABBREVIATIONS[abbreviation]}
    for abbreviation, words in {
        "CORP": "CORPORATIVO CORPORATIVA",
        "CONST": "CONSTRUCCIONES CONSTRUCCION CONSTRUCTOR",
        "CONSTR": "CONSTRUCCIONES CONSTRUCCION CONSTRUCTOR",
        "DIST": "DISTRIBUCIONES DISTRIBUCION DISTRIBUIDOR",
        "DISTR": "DISTRIBUCIONES DISTRIBUCION DISTRIBUIDOR",
        "DISTRIB": "DISTRIBUCIONES DISTRIBUCION DISTRIBUIDOR",
        "ADMON": "ADMINISTRADORA ADMINISTRADOR ADMINISTRATIVOS",
        "ADMIN": "ADMINISTRADORA ADMINISTRADOR ADMINISTRATIVOS",
        "COMERC": "COMERCIAL COMERCIALIZACION",
        "ING": "INGENIEROS INGENIERO",
        "IND": "INDUSTRIAS INDUSTRIALES",
        "PROD": "PRODUCCIONES PRODUCTORA PRODUCTO",
        "TRANSP": "TRANSPORTADORA TRANSPORTE",
        "ASOC": "ASOCIACION",
        "SERV": "SERVICIO",
        "TECNOL": "TECNOLOGIAS TECNOLOGICO TECNOLOGICA",
        "DESARR": "DESARROLLOS DESARROLLADORA",
    }.items()
}
# Words that make a name a firm's (is_person is False). MEXICANO is also a surname.
_COMPANY_WORDS = (GENERIC_WORDS - {"MEXICANO"}) | _words(
    """COMPANIA CIA COMPANY HERMANOS EMPRESA EMPRESAS INSTITUTO SECRETARIA UNIVERSIDAD
    COMISION ASOCIACION SOCIEDAD FUNDACION BANCO BANCA FONDO GOBIERNO MUNICIPIO DIRECCION
    DELEGACION SINDICATO COOPERATIVA EJIDO FARMACIA FARMACIAS TALLER HOTEL TIENDAS TIENDA
    AUTOMOTRIZ AGENCIA DESPACHO CLINICA HOSPITAL LABORATORIO CORPORATION SYSTEMS
    TECHNOLOGIES INDUSTRIAS ARQUITECTOS CONSTRUCTORES DISENO EDITORIAL IMPRESORES INGENIEROS
    AGRUPACION ADMINISTRADORA ABASTECEDORA PROVEEDORA"""
)
# About 240 frequent Mexican given names and surnames (is_person needs one of them).
_PERSON_WORDS = _words(
    """JOSE JUAN MARIA MA LUIS CARLOS JORGE MIGUEL ANGEL FRANCISCO ANTONIO JESUS ALEJANDRO
    MANUEL PEDRO RAFAEL FERNANDO RICARDO ROBERTO EDUARDO JAVIER DANIEL DAVID MARIO SERGIO
    ARTURO ALBERTO RAUL ENRIQUE HECTOR VICTOR OSCAR GERARDO RAMON ARMANDO ALFREDO GUILLERMO
    ERNESTO SALVADOR ROGELIO JAIME HUGO IGNACIO ANDRES PABLO MARTIN GABRIEL RUBEN GUSTAVO
    ADRIAN CESAR OMAR JULIO ALFONSO FELIPE RODRIGO ISRAEL MARCO AGUSTIN ABEL ISMAEL EMILIO
    ALVARO ERICK JONATHAN OCTAVIO GILBERTO MAURICIO ESTEBAN ULISES MOISES GUADALUPE ROSA ANA
    PATRICIA LETICIA MARTHA ELIZABETH LAURA CLAUDIA VERONICA SILVIA ALEJANDRA GABRIELA
    ADRIANA MONICA TERESA BEATRIZ ANGELICA GLORIA SANDRA LOURDES CARMEN ELENA DIANA KARLA
    ISABEL MARGARITA YOLANDA ALICIA NORMA JULIA IRMA LILIA LORENA ARACELI ROCIO JOSEFINA
    ERIKA BLANCA CECILIA ESTHER DOLORES SUSANA CRISTINA MIRIAM PAOLA BRENDA KAREN MARISOL
    GARCIA HERNANDEZ LOPEZ MARTINEZ GONZALEZ RODRIGUEZ PEREZ SANCHEZ RAMIREZ CRUZ FLORES
    GOMEZ MORALES VAZQUEZ REYES JIMENEZ TORRES DIAZ GUTIERREZ RUIZ MENDOZA AGUILAR ORTIZ
    MORENO CASTILLO ROMERO ALVAREZ MENDEZ CHAVEZ RIVERA JUAREZ RAMOS DOMINGUEZ HERRERA
    MEDINA CASTRO VARGAS GUZMAN VELAZQUEZ MUNOZ ROJAS CONTRERAS SALAZAR ORTEGA ESTRADA
    BAUTISTA CORTES SOTO ALVARADO ESPINOZA ESPINOSA LARA AVILA CERVANTES SILVA DELGADO
    MARQUEZ SANDOVAL FERNANDEZ CARRILLO MEJIA IBARRA VALDEZ NUNEZ CAMACHO NAVARRO PENA
    MALDONADO ROSALES ACOSTA MIRANDA TREJO CABRERA VALENCIA NAVA ROBLES MOLINA RANGEL
    FUENTES HUERTA MEZA AGUIRRE CARDENAS OROZCO PADILLA SALAS ZAVALA OLVERA GALLEGOS
    BECERRA PACHECO VELASCO ZUNIGA ARELLANO BARRERA VILLANUEVA ESCOBAR SERRANO PONCE
    GALVAN ARIAS GARZA AYALA ANDRADE GUERRERO VALENZUELA ARROYO ROSAS BENITEZ TRUJILLO
    SUAREZ DURAN HUMBERTO GRACIELA ANDREA JOSUE CAROLINA BENJAMIN CHRISTIAN JUANA VIRGINIA"""
)
_PARTICLES = _words("DE DEL LA LAS LOS Y E VDA VIUDA")
_STOPWORDS = _PARTICLES | _words("EL EN & THE OF AND")
_PLACEHOLDERS = frozenset(
    {"NA", "ND", "NO APLICA", "NO DISPONIBLE", "NULL", "NONE", "NINGUNO", "DESCONOCIDO"}
    | {"SIN NOMBRE", "SIN DATO", "SIN DATOS", "SIN INFORMACION"}
)
# Fragments that are not part of the name, at its start ("ANTES X, S.A. DE C.V. AHORA Y, S.A.
# DE C.V.": formerly X, now Y) and at its end.
_LEADING_FILLER = (
    ("LA", "EMPRESA"),
    ("EL", "CIUDADANO"),
    ("LA", "CIUDADANA"),
    ("ANTES",),
    ("AHORA",),
    ("ANTERIORMENTE",),
    ("EN", "PARTICIPACION", "CONJUNTA", "CON"),
)
_TRAILING_FILLER = (("Y", "OTROS"), ("Y", "OTRAS"), ("SIN", "TIPO", "DE", "SOCIEDAD"))
_LEADING_FILLER_STARTS = frozenset(filler[0] for filler in _LEADING_FILLER)
_TRAILING_FILLER_ENDS = frozenset(filler[-1] for filler in _TRAILING_FILLER)
# A name after "<legal form> Y" is a co-bidder, unless it continues the firm's own name.
_NOT_A_PARTNER = _words("ASOCIADOS ASOCIADAS CIA COMPANIA HERMANOS SUCESORES SOCIOS")
_FORM_ENDINGS = _words("CV V VARIABLE")  # the end of "S.A. DE C.V." and most other forms

# Accented words as they appear after an export replaced every non-ASCII letter with "?".
_ACCENTED = """MÉXICO LÓPEZ GÓMEZ PÉREZ HERNÁNDEZ SÁNCHEZ MARTÍNEZ RODRÍGUEZ GONZÁLEZ RAMÍREZ
    JIMÉNEZ GUTIÉRREZ VÁZQUEZ VÁSQUEZ VELÁZQUEZ ÁLVAREZ MÉNDEZ CHÁVEZ JUÁREZ DOMÍNGUEZ
    FERNÁNDEZ MÁRQUEZ SUÁREZ BENÍTEZ ORDÓÑEZ NÚÑEZ CORTÉS MARTÍN RAMÓN ROMÁN JESÚS JOSÉ
    ANDRÉS RAÚL RUBÉN CÉSAR HÉCTOR VÍCTOR ÓSCAR ADRIÁN JULIÁN GERMÁN SEBASTIÁN JOAQUÍN
    AGUSTÍN EFRÉN ÁNGEL ÁNGELES MÓNICA VERÓNICA ANGÉLICA BELÉN INÉS LEÓN CALDERÓN GUZMÁN
    OBREGÓN RENDÓN COLÍN ROLDÁN BELTRÁN DURÁN GALVÁN ALCÁNTARA CÁRDENAS MÉDICA MÉDICO
    TÉCNICA TÉCNICO TÉCNICOS ELÉCTRICA ELÉCTRICO ELÉCTRICOS QUÍMICA PÚBLICA PÚBLICO LOGÍSTICA
    INFORMÁTICA CLÍNICA CLÍNICO FARMACÉUTICA ECOLÓGICA GRÁFICA GRÁFICOS COMPAÑÍA ÁREA AÉREO
    AÉREA PRÁCTICA ANÁLISIS ÓPTICA ATLÁNTICO MICHOACÁN YUCATÁN QUERÉTARO TORREÓN CANCÚN
    MÉRIDA POTOSÍ"""
_LOST_ACCENTS: dict[str, str] = {
    "".join(c if c.isascii() else "?" for c in word): unidecode(word) for word in _ACCENTED.split()
}

# Deleted, not spaced: "EDM´S" is one word. Done before NFKD, which makes "´" a space.
_APOSTROPHES = re.compile("['`´‘’ʼ]")
_COMBINING = re.compile(r"[\u0300-\u036f]+")
_TOKEN = re.compile(r"[A-Z0-9]+|&")
_LOST_WORD = re.compile(r"[A-Z?]*\?[A-Z?]*")
_LOST_N = re.compile(r"(?<=[AEIOU])\?(?=[AEIOU])")  # DISE?O, PE?A, MU?OZ
_LOST_O = re.compile(r"(?<=I)\?(?=N\b)")  # CONSTRUCCI?N
_LOST_I = re.compile(r"(?<=[B-DF-HJ-NP-TV-Z])\?(?=[AO])")  # MAR?A, GARC?A, D?AZ, R?O
_LOST_OTHER = re.compile(r"(?<=[A-Z])\?+(?=[A-Z])")

_ANNOTATION = "//"  # SAT: "NAME // En cumplimiento a la sentencia ..."
# "Y EL C.", "Y LA C.", "Y LA CIUDADANA", or "Y C." with its dot ("A Y C CONSTRUCCIONES").
_WITH_PERSON = re.compile(r"[\s.,]+Y[\s.]+(?:(?:EL|LA)[\s.]+(?:C\b\.?|CIUDADAN[OA]\b)|C\s*\.)")
# "Y/O" (also "Y/0"), or a slash with a space beside it; "FLOW/AGENCIA" is one name.
_ALTERNATIVE = re.compile(r"\bY\s*/\s*[O0]\b|\s/+\s*|/+\s")
_PARENTHESIS = re.compile(r"\(([^()]*)(?:\)|$)")
# Longer titles first: "C.P." must not stop at "C.".
_TITLE = re.compile(
    r"\W*(?:(?:EL|LA)\W+)?(?:C\s*\.\s*P|M\s*\.\s*C|C|ING|LIC|DRA|DR|ARQ|MTRO|MTRA|SRITA|SRA|SR"
    r"|PROFRA|PROFR|PROF)\s*\."
)

_SOFT_C = re.compile(r"C(?=[EI])")
# bytes.translate: norm is ASCII, and it is several times faster than str.translate.
_SKELETON = bytes.maketrans(b"VZKQ", b"BSCC")
_SILENT = b"AEIOUH"

_CACHE_SIZE = 1 << 14


def _repair_lost(text: str) -> str:
    # A "?" inside a word stands for a lost letter: a known word, else Ñ between vowels,
    # ÓN at the end, Í before A/O, else nothing (skeleton_key still matches those).
    text = _LOST_WORD.sub(lambda m: _LOST_ACCENTS.get(m.group(0), m.group(0)), text)
    text = _LOST_I.sub("I", _LOST_O.sub("O", _LOST_N.sub("N", text)))
    return _LOST_OTHER.sub("", text)


def _prepare(raw: str) -> str:
    """Upper-case ASCII with the punctuation still in: the splitting steps need it."""
    text = decode_references(raw) if "&" in raw else raw
    if text.isascii():
        text = text.replace("'", "").replace("`", "")
    else:
        text = _APOSTROPHES.sub("", text).replace("\ufffd", "?")
        text = _COMBINING.sub("", unicodedata.normalize("NFKD", text))
        if not text.isascii():
            text = unidecode(text)  # Ø, ß, Æ, curly quotes...
    text = text.upper()
    return _repair_lost(text) if "?" in text else text


def normalise_text(raw: str) -> str:
    """Upper-case ASCII words separated by single spaces; accents, entities, punctuation gone.

    "&" is kept, as a word of its own ("P&O" and "P & O" agree, and differ from "P Y O"):
    it is part of registered names and even of RFCs. Apostrophes are deleted ("EDM´S" is
    "EDMS"); every other non-alphanumeric character separates words. Idempotent.
    """
    return " ".join(_TOKEN.findall(_prepare(raw)))


def _merge_initials(tokens: list[str]) -> list[str]:
    # "M.A.R.E.N." and "MAREN", "S A" and "SA" agree. Done after the legal form is found:
    # "J R S A DE C V" must keep "S A" apart from the initials before it. "Y" joins, it is
    # not an initial: "A Y M" stays, and "S C Y ASOCIADOS" does not become "SCY".
    merged: list[str] = []
    run = ""
    for token in tokens:
        if len(token) == 1 and token.isalpha() and token != "Y":
            run += token
            continue
        if run:
            merged.append(run)
            run = ""
        merged.append(token)
    if run:
        merged.append(run)
    return merged


def _drop_leading_filler(tokens: list[str]) -> list[str]:
    if not tokens or tokens[0] not in _LEADING_FILLER_STARTS:
        return tokens
    for filler in _LEADING_FILLER:
        if tuple(tokens[: len(filler)]) == filler and len(tokens) > len(filler):
            return tokens[len(filler) :]
    return tokens


def _drop_trailing_filler(tokens: list[str]) -> list[str]:
    dropped = bool(tokens) and tokens[-1] in _TRAILING_FILLER_ENDS
    while dropped:
        dropped = False
        for filler in _TRAILING_FILLER:
            if tuple(tokens[-len(filler) :]) == filler and len(tokens) > len(filler):
                tokens = tokens[: -len(filler)]
                dropped = True
    return tokens


# Other names found in a field, each with whether it carried a legal form (then not a person).
_Others = list[tuple[str, bool]]


def _split_partners(tokens: list[str], others: _Others) -> list[str]:
    # Several firms in one field: "A, S.A. DE C.V., B, S.A. DE C.V. Y C, S.C." names A; B and
    # C go to `others`. A firm ends at a whole legal form followed by "Y" or by a new name.
    for at in range(2, len(tokens)):
        after_y = tokens[at] == "Y"
        if not after_y and tokens[at - 1] not in _FORM_ENDINGS:
            continue
        found = match_suffix(tokens[:at], allow_cut=False)
        if found is None or found[0] >= at:
            continue
        rest = tokens[at + 1 :] if after_y else tokens[at:]
        if not rest or rest[0] in _NOT_A_PARTNER:
            continue
        if (tail := match_suffix(rest)) is not None and tail[0] == len(rest):
            continue  # "S.A. DE C.V. SOFOM E.N.R." is one form
        partner, form, _ = _strip_forms(_split_partners(rest, others))
        others.append((" ".join(partner), form is not None))
        return tokens[:at]
    return tokens


def _strip_forms(tokens: list[str]) -> tuple[list[str], str | None, bool]:
    """The words before the legal form, the form, and whether it was read from a form that
    stops part way (S.A. DE C, S. DE R): the name was cut there."""
    tokens = _drop_leading_filler(tokens)
    found = match_suffix(tokens) or mistyped_suffix(tokens)
    if found is None:
        return _merge_initials(tokens), None, False
    cut = match_suffix(tokens, allow_cut=False) is None and mistyped_suffix(tokens) is None
    tokens = tokens[: -found[0]]
    # An inner form goes too ("ADV CORP, S.A. DE C.V.", "CUME SA, S.A. DE C.V."), unless it
    # is all that is left: re-parsing a norm must not shorten it again.
    while (inner := match_suffix(tokens)) is not None and inner[0] < len(tokens):
        tokens = tokens[: -inner[0]]
    return _merge_initials(tokens), found[1], cut


def _tokens_and_form(text: str, others: _Others) -> tuple[list[str], str | None, bool]:
    """The words as written (abbreviations not yet written out), the legal form, and whether
    the form was cut (`_strip_forms`)."""
    tokens = _drop_trailing_filler(_TOKEN.findall(text))
    return _strip_forms(_split_partners(tokens, others))


def _written_out(tokens: list[str], form: str | None = None) -> list[str]:
    """Abbreviations written out (after the legal form is found: its letters are no
    abbreviations). A lone abbreviation stays: "CIA" alone is a name. So does a title before
    what reads as a person's name, written without its dot (ING JUAN PEREZ LOPEZ, ING PEREZ),
    where no legal form says a firm: not INGENIERIA."""
    if len(tokens) < 2:
        return tokens
    out = [ABBREVIATIONS.get(token, token) for token in tokens]
    if (
        tokens[0] in _TITLE_ABBREVIATIONS
        and form is None
        and _is_person([tokens[0], *out[1:]], None) is True
    ):
        out[0] = tokens[0]
    return out


def _firm_tokens(text: str, others: _Others) -> tuple[list[str], str | None, bool]:
    if (title := _TITLE.match(text)) is not None:
        # A title only before a person-like name: no legal form ("ING. SOLUCIONES, S.A."
        # keeps its ING) and two words or more left ("DR. HOUSE" stays).
        found: _Others = []
        tokens, form, _ = _tokens_and_form(text[title.end() :], found)
        # ...and only before what may be a person: "ING. Y CONST. LOPEZ" is INGENIERIA.
        person_like = bool(tokens) and tokens[0] not in _PARTICLES
        person_like = person_like and _is_person(_written_out(tokens), None) is not False
        if form is None and len(tokens) >= 2 and person_like:
            others += found
            return tokens, None, False
    return _tokens_and_form(text, others)


def _person(text: str) -> str | None:
    tokens, _, _ = _firm_tokens(text, [])
    return " ".join(_written_out(tokens)) or None


def _is_person(tokens: list[str], form: str | None) -> bool | None:
    if form is not None or any(token in _COMPANY_WORDS for token in tokens):
        return False
    names = [token for token in tokens if token not in _PARTICLES]
    if (
        2 <= len(names) <= 5
        and all(name.isalpha() for name in names)
        and any(name in _PERSON_WORDS for name in names)
    ):
        return True
    return None


def _aside(group: re.Match[str], extra: list[str]) -> str:
    # "(ETEI)" or "(DYCCA, S.A.)" is an acronym or alias, set aside; "(MEXICO)" stays.
    inner = group.group(1)
    if all(word in GENERIC_WORDS for word in _TOKEN.findall(inner)):
        return f" {inner} "
    extra.append(inner)
    return " "


def _aside_parentheses(text: str, extra: list[str]) -> str:
    aside: list[str] = []
    bare = _PARENTHESIS.sub(lambda group: _aside(group, aside), text)
    if not _TOKEN.search(bare):  # all of it was in parentheses
        return text
    extra += aside
    return bare


def _parse(raw: str | None) -> NameParts:
    if raw is None:
        return NameParts(None, None, None, None, None, (), None)
    text = _prepare(raw).split(_ANNOTATION, 1)[0]
    extra: list[str] = []  # other names, not yet normalised
    person = None
    if (joined := _WITH_PERSON.search(text)) is not None:
        persons = _WITH_PERSON.split(text[joined.end() :])
        person = _person(persons[0])
        extra += persons[1:]
        text = text[: joined.start()]
    if "/" in text and (named := [p for p in _ALTERNATIVE.split(text) if _TOKEN.search(p)]):
        text = named[0]
        extra += named[1:]
    if "(" in text:
        text = _aside_parentheses(text, extra)
    others: _Others = []
    as_written, form, form_cut = _firm_tokens(text, others)
    tokens = _written_out(as_written, form)
    for part in extra:
        other, other_form, _ = _firm_tokens(part, others)
        others.append((" ".join(_written_out(other, other_form)), other_form is not None))
    norm = " ".join(tokens) or None
    if norm in _PLACEHOLDERS:
        norm, tokens = None, []
    written = None
    if norm and tokens != as_written and any(t in ABBREVIATION_WORDS for t in as_written):
        written = " ".join(as_written)
    is_person = _is_person(tokens, form)
    if person is None and not is_person:
        # "PODTEC, S.A. DE C.V. Y VICTOR EDUARDO SANTILLAN MARTINEZ": no "EL C.", same role.
        person = next(
            (o for o, formal in others if not formal and _is_person(o.split(), None)), None
        )
    return NameParts(
        raw=raw,
        norm=norm,
        legal_form=form,
        is_person=is_person,
        sorted_tokens=" ".join(sorted(tokens)) or None,
        tokens=tuple(tokens),
        associated_person=person,
        other_names=tuple(dict.fromkeys(o for o, _ in others if o and o not in (norm, person))),
        written=written,
        form_cut=form_cut,
    )


@lru_cache(maxsize=_CACHE_SIZE)
def _parse_cached(raw: str | None) -> NameParts:
    return _parse(raw)


def parse_name(raw: str | None) -> NameParts:
    """Split a name field into its normalised name, legal form and added persons or names."""
    return _parse_cached(raw)


def legal_form_of(raw: str) -> str | None:
    """The canonical legal form at the end of the name ("SA DE CV"), or None."""
    return parse_name(raw).legal_form


# The gist of a firm name: its generic words, their abbreviations (CORP, COMERC, ADMIN, ING),
# their other endings (ADMINISTRADORA beside ADMINISTRACION) and their one-typo spellings read
# by their first three letters; the other words as they are. Two names of one gist differ only
# in how the common words were written; when they are different words (CONSTRUCTORA and
# CONSULTORES both read CON), the different-words guard holds the pair for review.
GIST_LETTERS = 3
_GENERIC_PREFIXES = frozenset(
    word[:end] for word in GENERIC_WORDS for end in range(GIST_LETTERS, len(word) + 1)
)
_STEM_LETTERS = 7  # ADMINIS, CONSTRU, DISTRIB, INDUSTR: another ending of one generic word
_GENERIC_STEMS = frozenset(word[:_STEM_LETTERS] for word in GENERIC_WORDS)


def _generic_family(token: str) -> str | None:
    if token in _GENERIC_PREFIXES:
        return token[:GIST_LETTERS]
    if len(token) >= _STEM_LETTERS and token[:_STEM_LETTERS] in _GENERIC_STEMS:
        return token[:GIST_LETTERS]
    word = generic_word(token)  # one typo: read as the word it was meant to be
    return word[:GIST_LETTERS] if word is not None else None


def gist(tokens: Sequence[str]) -> str | None:
    """The name's gist (see above), or None when it has no generic word, or nothing else."""
    out: list[str] = []
    generic = distinctive = False
    for token in tokens:
        if token in _PARTICLES:
            continue
        family = _generic_family(token)
        generic |= family is not None
        distinctive |= family is None
        out.append(family or token)
    return " ".join(out) if generic and distinctive else None


def skeleton_key(norm: str | None) -> str | None:
    """A typo-tolerant blocking key for the start of a normalised name.

    The first two words that are not particles (DE, LA, Y, &...), glued, spelt as Spanish
    sounds them (C before E/I is S, V is B, Z is S, K and Q are C, H is silent), vowels
    dropped, doubled letters collapsed: COORPORATIVO and CORPORATIVO give CRPRTB, ROGALLTECH
    and ROGALITECH give RGLTC, SERVICIOS and SERBICIOS agree, so do "INTER KLIN" and
    "INTERKLIN" when nothing follows. It misses a dropped or swapped consonant (SEVICIOS),
    a missing or extra first word ("GRUPO X" against "X"), B/P or T/D or M/N slips, and a
    split or glued word when more words follow. Generic starts ("GRUPO CONSTRUCTOR ...")
    make large blocks: combine it with other keys.
    """
    if not norm:
        return None
    picked = [word for word in norm.split() if word not in _STOPWORDS][:2]
    spelt = _SOFT_C.sub("S", "".join(picked)).encode("ascii", "ignore")
    key = "".join(letter for letter, _ in groupby(spelt.translate(_SKELETON, _SILENT).decode()))
    return key or None
