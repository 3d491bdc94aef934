"""Words the independent generator builds names from: its own lists, written apart from
bench/labelled.py's so that a model tuned on one meets unfamiliar words in the other.

Given names and surnames are disjoint, so that a published person name has one reading: the
given names are either first (`NOMBRE AP1 AP2`) or last (`AP1 AP2 NOMBRE`), never ambiguous.
"""

from __future__ import annotations

MALE_GIVEN = (
    "ABEL", "ADOLFO", "AGUSTÍN", "ALFONSO", "ALFREDO", "ÁLVARO", "AMADO", "ARTURO", "AURELIO",
    "BENITO", "CÉSAR", "CIRILO", "CONRADO", "DAVID", "DIEGO", "EDGAR", "ELÍAS", "EMILIANO",
    "EMILIO", "ESTEBAN", "EUGENIO", "FABIÁN", "FAUSTO", "FELIPE", "FÉLIX", "FRANCISCO",
    "GABRIEL", "GILBERTO", "GONZALO", "GREGORIO", "HUGO", "IGNACIO", "ISMAEL", "JAIME", "JESÚS",
    "JOEL", "JOSÉ", "JUAN", "JULIO", "LEOBARDO", "LORENZO", "LUIS", "MARCO", "MARIO", "MAURICIO",
    "MOISÉS", "NICOLÁS", "OCTAVIO", "ÓSCAR", "PABLO", "PORFIRIO", "RAMIRO", "REYNALDO",
    "RODOLFO", "RODRIGO", "SAMUEL", "SAÚL", "TEODORO", "ULISES", "VALENTÍN", "VICENTE",
    "WENCESLAO", "ZEFERINO",
)  # fmt: skip
FEMALE_GIVEN = (
    "ABIGAIL", "ADELA", "ALMA", "AMPARO", "ANA", "ANDREA", "BERENICE", "BLANCA", "CAROLINA",
    "CONCEPCIÓN", "CRISTINA", "DIANA", "EDITH", "ELIZABETH", "ELVIRA", "ERIKA", "ESTELA",
    "EUGENIA", "FABIOLA", "FERNANDA", "GLORIA", "GRACIELA", "GUADALUPE", "HILDA", "IRMA",
    "ITZEL", "JAZMÍN", "JOSEFINA", "KARINA", "LILIANA", "LOURDES", "LUZ", "MAGDALENA",
    "MARGARITA", "MARÍA", "MARICELA", "MIRIAM", "NANCY", "NOEMÍ", "OFELIA", "PAOLA", "PAULINA",
    "RAQUEL", "REBECA", "REGINA", "SANDRA", "SUSANA", "TANIA", "VIRGINIA", "XIMENA", "YADIRA",
    "ZOILA",
)  # fmt: skip
# The SAT skips these when they open a compound given name (JOSÉ LUIS -> L).
SKIPPED_GIVEN = frozenset({"JOSÉ", "MARÍA", "JOSE", "MARIA", "MA.", "J."})
SURNAMES = (
    "ACEVES", "AGUIRRE", "ALCÁNTARA", "ALMANZA", "ALVARADO", "ANAYA", "ARELLANO", "ARRIAGA",
    "AVILÉS", "BAUTISTA", "BELTRÁN", "BERMÚDEZ", "BONILLA", "BRAVO", "BUSTAMANTE", "CABRERA",
    "CAMACHO", "CÁRDENAS", "CARMONA", "CASTRO", "CEBALLOS", "CISNEROS", "CORONA", "CORONADO",
    "CUEVAS", "DUARTE", "ECHEVERRÍA", "ESCAMILLA", "ESPINOSA", "ESQUIVEL", "FAJARDO", "FARÍAS",
    "GAMBOA", "GALINDO", "GARZA", "GODÍNEZ", "GRANADOS", "GUZMÁN", "HERNÁNDEZ", "HINOJOSA",
    "HUERTA", "IBARRA", "JARAMILLO", "LANDA", "LEDESMA", "LIZÁRRAGA", "LÓPEZ", "LOZANO",
    "MACÍAS", "MADRIGAL", "MALDONADO", "MARTÍNEZ", "MATA", "MEDRANO", "MERCADO", "MONTAÑO",
    "MONTOYA", "MÚGICA", "NAVA", "NIETO", "OCHOA", "OLIVARES", "OLMEDO", "ORDÓÑEZ", "OSORIO",
    "PALACIOS", "PAREDES", "PEÑALOZA", "PERALTA", "PIZANO", "PORRAS", "QUEZADA", "QUIROZ",
    "RAMOS", "RENTERÍA", "RINCÓN", "ROBLES", "SALAZAR", "SALDAÑA", "SALGADO", "SEPÚLVEDA",
    "SOLÍS", "SOSA", "TAMAYO", "TELLO", "TORRES", "TOVAR", "URBINA", "URIBE", "VALADEZ",
    "VALENCIA", "VALLEJO", "VELASCO", "VERGARA", "VILLALOBOS", "VILLARREAL", "YÁÑEZ", "ZAMUDIO",
    "ZEPEDA", "ZÚÑIGA", "GARCÍA", "RODRÍGUEZ", "SÁNCHEZ", "PÉREZ", "GONZÁLEZ", "RAMÍREZ",
    "FLORES", "GÓMEZ", "DÍAZ", "MORALES", "REYES", "JIMÉNEZ", "DE LA ROSA", "DE LA CRUZ",
    "DEL ÁNGEL", "DE LOS SANTOS",
)  # fmt: skip
SURNAME_PARTICLES = frozenset({"DE", "DEL", "LA", "LAS", "LOS", "Y"})

# First words of company names: the generic activity a firm is named after.
ACTIVITIES = (
    "INMOBILIARIA", "LABORATORIOS", "SUMINISTROS", "CONSULTORÍA", "INGENIERÍA", "PROVEEDORA",
    "ABASTECEDORA", "COMERCIALIZADORA", "CONSTRUCTORA", "DISTRIBUIDORA", "SERVICIOS",
    "ADMINISTRADORA", "ARRENDADORA", "TRANSPORTADORA", "FUMIGADORA", "IMPRESORA", "EDIFICADORA",
    "URBANIZADORA", "PAVIMENTADORA", "COMPAÑÍA", "CORPORATIVO", "GRUPO", "FARMACIAS",
    "MAQUINARIA", "TALLERES", "AGENCIA", "CLÍNICA", "DESARROLLOS", "PROYECTOS", "SISTEMAS",
    "SOLUCIONES", "EQUIPOS", "INSUMOS", "MATERIALES", "TECNOLOGÍAS", "PRODUCTOS", "ALIMENTOS",
    "ASESORÍA", "OPERADORA", "IMPULSORA", "PROMOTORA", "EMPACADORA", "RECICLADORA",
)  # fmt: skip
# Words shared by so many firms that they say little; typos in them escape naive blocking.
GENERIC_WORDS = frozenset(
    {*(w for a in ACTIVITIES for w in a.split()), "DE", "DEL", "LA", "LOS", "LAS", "Y", "E",
     "INTEGRALES", "INTEGRAL", "COMERCIAL", "INDUSTRIAL", "NACIONAL", "MEXICANA", "GENERAL",
     "ASOCIADOS", "HERMANOS", "HIJOS", "INTERNACIONAL", "ESPECIALIZADOS", "PROFESIONALES"}
)  # fmt: skip
PLACES = (
    "DEL GOLFO", "DEL BAJÍO", "DEL NOROESTE", "DEL SURESTE", "DE OCCIDENTE", "DEL ALTIPLANO",
    "DE LA HUASTECA", "DEL SOCONUSCO", "DE LA MIXTECA", "PENINSULAR", "DEL PACÍFICO",
    "DEL CENTRO", "DEL VALLE DE MÉXICO", "DE LA FRONTERA", "DEL ISTMO", "DE LA SIERRA MADRE",
    "DE LA COSTA", "DE MONTERREY", "DE TOLUCA", "DE CULIACÁN", "DE MÉRIDA", "DE TIJUANA",
    "DE CELAYA", "DE IRAPUATO", "DE TAMPICO", "DE XALAPA", "DE ORIZABA", "DE ENSENADA",
    "DE TORREÓN", "DE SALTILLO", "DE CANCÚN", "DE PACHUCA", "JALISCIENSE", "POBLANA",
    "REGIOMONTANA", "SINALOENSE", "OAXAQUEÑA", "VERACRUZANA", "POTOSINA", "QUERETANA",
    "YUCATECA", "TABASQUEÑA", "SONORENSE", "ZACATECANA", "MICHOACANA", "MEXIQUENSE",
)  # fmt: skip
# What a second firm adds to an existing name (prefix families: A, A + X, A + X + Y).
EXTENSIONS = (
    "DE CONSTRUCCIÓN", "INDUSTRIAL", "Y ASOCIADOS", "DEL BAJÍO", "DE OCCIDENTE", "COMERCIAL",
    "INTEGRAL", "DE MATERIALES", "Y SERVICIOS", "HERMANOS", "E HIJOS", "MÉDICA", "AGRÍCOLA",
    "DE MAQUINARIA", "AUTOMOTRIZ", "DE INGENIERÍA", "FERRETERA", "DEL NORTE", "DEL SUR",
    "ELÉCTRICA", "HIDRÁULICA", "AMBIENTAL", "DIGITAL", "EDUCATIVA", "2010", "21", "PLUS",
    "EXPRESS", "DE LA COSTA", "TURÍSTICA",
)  # fmt: skip
# Long specialities: with an activity and a place they make names past 40 characters.
SPECIALTIES = (
    "OBRA CIVIL", "EQUIPO MÉDICO", "MATERIALES PARA CONSTRUCCIÓN", "INSUMOS HOSPITALARIOS",
    "SERVICIOS AMBIENTALES", "MAQUINARIA PESADA", "REFACCIONES INDUSTRIALES",
    "PRODUCTOS QUÍMICOS", "MOBILIARIO ESCOLAR", "SISTEMAS DE SEGURIDAD", "ARTÍCULOS DE LIMPIEZA",
    "EQUIPO DE CÓMPUTO", "TRATAMIENTO DE AGUAS", "MANTENIMIENTO VEHICULAR",
    "INSTALACIONES ELÉCTRICAS", "ESTRUCTURAS METÁLICAS", "SEÑALAMIENTO VIAL",
    "ALIMENTOS PROCESADOS", "UNIFORMES Y CALZADO", "TELECOMUNICACIONES",
)  # fmt: skip
LONG_ENDINGS = (
    "Y PUERTOS", "INDUSTRIAL", "E HIJOS", "DEL NORTE", "Y ASOCIADOS", "INTEGRAL", "2000",
    "DE MÉXICO", "Y CONSULTORÍA", "ESPECIALIZADA", "Y LOGÍSTICA", "DEL SUR",
)  # fmt: skip
# Around a coined word: nothing, a sector after it, or an activity before it.
COINED_AFTER = (
    "SOLUCIONES", "SISTEMAS", "LABS", "MÉDICA", "INDUSTRIAL", "CONSULTORES", "LOGÍSTICA",
    "QUÍMICA", "FARMA", "DIGITAL", "ENERGÍA", "GLOBAL", "TECH",
)  # fmt: skip
COINED_BEFORE = ("GRUPO", "LABORATORIOS", "CORPORATIVO", "COMERCIALIZADORA", "DISTRIBUIDORA")
# Coined words: onset + vowel (+ coda), two or three syllables (QUIMAL, PLUSZO, TREVIRAX).
ONSETS = (
    "B", "C", "D", "F", "G", "J", "L", "M", "N", "P", "R", "S", "T", "V", "Z", "X", "K",
    "TR", "PL", "BR", "CL", "GR", "QU",
)  # fmt: skip
NUCLEI = ("A", "E", "I", "O", "U")
CODAS = ("", "", "", "L", "N", "R", "S", "X")
CONSONANTS = "BCDFGJKLMNPRSTVXZ"

# The legal forms: canonical spelling, other spellings seen, abbreviated and misspelt ones.
FORMS: dict[str, tuple[str, tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "sa_cv": (
        "S.A. DE C.V.",
        ("SA DE CV", "S.A DE C.V.", "S. A. DE C. V.", "S.A. de C.V."),
        ("S.A.", "SA", "S.A. C.V."),
        ("S.A. DE C.V", "S.A. DE CV.", "SA. DE C.V.", "S.A. DE C.B.", "S.A. DR C.V.",
         "S.A, DE C.V.", "S.A. DE .C.V.", "SOCIEDAD ANÓNIMA DE CAPITAL VARIABLE"),
    ),
    "sapi_cv": (
        "S.A.P.I. DE C.V.",
        ("SAPI DE CV", "S.A.P.I DE C.V.", "S. A. P. I. DE C. V."),
        ("S.A.P.I.", "SAPI"),
        ("S.A.P.I. DE C.V", "S.A.PI. DE C.V.", "S.A.P.I. DE CV.", "SA.P.I. DE C.V."),
    ),
    "srl_cv": (
        "S. DE R.L. DE C.V.",
        ("S DE RL DE CV", "S. DE R. L. DE C. V.", "S.DE R.L. DE C.V."),
        ("S. DE R.L.", "S.R.L."),
        ("S. DE R.L. DE C.V", "S. DE RL. DE C.V.", "S. DE R.L DE CV", "S DE R.L. DE C.V."),
    ),
    "srl": (
        "S. DE R.L.",
        ("S DE RL", "S. DE R. L."),
        ("S.R.L.",),
        ("S. DE R.L", "S DE R.L.", "S. DE RL."),
    ),
    "sc": ("S.C.", ("SC", "S. C."), ("S.",), ("S.C", "S,C.", "S.C.C.")),
    "sa": ("S.A.", ("SA", "S. A."), ("S.",), ("S.A", "S,A.", "SA.")),
    "ac": ("A.C.", ("AC", "A. C."), ("A.",), ("A.C", "A,C.", "AC.")),
    "sas": ("S.A.S.", ("SAS", "S. A. S."), ("S.A.",), ("S.A.S", "SAS.")),
}  # fmt: skip
FORM_WEIGHTS = {"sa_cv": 60, "srl_cv": 13, "sapi_cv": 7, "srl": 4, "sc": 7, "sa": 3, "ac": 3,
                "sas": 3}  # fmt: skip
# Forms that stand beside one another as distinct firms of one name.
SIBLING_FORMS = ("sa_cv", "sapi_cv", "srl_cv", "srl", "sc", "sa")

# Abbreviations buyers type, by the word they stand for.
ABBREVIATIONS = {
    "SERVICIOS": ("SERVS.", "SERV.", "SERVS"),
    "COMPAÑÍA": ("CIA.", "CÍA.", "CIA"),
    "COMERCIALIZADORA": ("COMERCIALIZ.", "COMERC.", "COMERCIALIZ"),
    "CONSTRUCTORA": ("CONST.", "CONSTR."),
    "CONSTRUCCIONES": ("CONST.", "CONSTRUCC."),
    "DISTRIBUIDORA": ("DIST.", "DISTRIB."),
    "DISTRIBUCIONES": ("DIST.",),
    "INGENIERÍA": ("ING.", "ING"),
    "ADMINISTRACIÓN": ("ADMON.", "ADMIN."),
    "ADMINISTRADORA": ("ADMON.",),
    "INTERNACIONAL": ("INTL.", "INT."),
    "CORPORATIVO": ("CORP.",),
    "MANTENIMIENTO": ("MANTTO.", "MTTO."),
    "INDUSTRIAL": ("IND.",),
    "ASOCIADOS": ("ASOC.",),
    "HERMANOS": ("HNOS.",),
    "PRODUCTOS": ("PRODS.", "PROD."),
}  # fmt: skip
# Names for the abbreviation scenario: an abbreviable head, a distinctive part, a tail.
ABBREVIABLE_HEADS = (
    "SERVICIOS", "COMPAÑÍA", "COMERCIALIZADORA", "CONSTRUCTORA", "CONSTRUCCIONES",
    "DISTRIBUIDORA", "INGENIERÍA", "ADMINISTRACIÓN", "ADMINISTRADORA", "CORPORATIVO",
    "MANTENIMIENTO", "PRODUCTOS", "SERVICIOS Y CONSTRUCCIONES", "INGENIERÍA Y CONSTRUCCIONES",
    "COMERCIALIZADORA Y DISTRIBUIDORA",
)  # fmt: skip
ABBREVIABLE_TAILS = ("INTERNACIONAL", "INDUSTRIAL", "Y ASOCIADOS", "HERMANOS", "")

STOP_WORDS = frozenset({"DE", "DEL", "LA", "LAS", "LOS", "EL", "Y", "E", "EN", "CON", "PARA"})
CP_AREAS = ("06", "03", "11", "44", "45", "64", "66", "72", "76", "20", "31", "80", "97", "86")

BUYERS = (
    ("Instituto de Seguridad y Servicios Sociales de los Trabajadores del Estado", "ISS"),
    ("Comisión Federal de Electricidad", "CFE"),
    ("Secretaría de Salud", "SSA"),
    ("Instituto Mexicano del Seguro Social", "IMS"),
    ("Secretaría de Comunicaciones y Transportes", "SCT"),
    ("Gobierno de la Ciudad de México", "GCM"),
    ("Servicios de Salud de Veracruz", "SSV"),
    ("Universidad Nacional Autónoma de México", "UNA"),
)  # fmt: skip
SFP_AGENCIES = (
    ("Instituto Mexicano del Seguro Social", "00641"),
    ("Comision Federal de Electricidad", "18164"),
    ("Secretaría de Salud", "12000"),
    ("Instituto de Seguridad y Servicios Sociales de los Trabajadores del  Estado", "00637"),
    ("Petróleos Mexicanos", "18572"),
    ("Secretaría de Marina", "13000"),
)  # fmt: skip
SFP_LAWS = (
    "LEY DE ADQUISICIONES, ARRENDAMIENTOS Y SERVICIOS DEL SECTOR PÚBLICO (LAASSP)",
    "LEY DE OBRAS PÚBLICAS Y SERVICIOS RELACIONADOS CON LAS MISMAS (LOPSRM)",
)
TENDER_TITLES = (
    "Adquisición de material de curación", "Servicio de fumigación", "Obra de drenaje pluvial",
    "Suministro de uniformes", "Arrendamiento de maquinaria", "Servicio de comedor",
    "Adquisición de reactivos de laboratorio", "Mantenimiento a subestaciones",
    "Servicio de impresión", "Pavimentación de vialidades",
)  # fmt: skip
SAT_STATUSES = (("Definitivo", 80), ("Presunto", 9), ("Desvirtuado", 6), ("Sentencia Favorable", 5))
MONTHS = (
    "enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre",
    "octubre", "noviembre", "diciembre",
)  # fmt: skip
