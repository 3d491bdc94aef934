"""A seeded ComprasMX contracts CSV, shaped like the official download (data/contracts/).

The real file's 21-column header byte for byte, UTF-8, one row per contract: the supplier's RFC
first (blank in about 2% of rows, as real downloads have), the buying institution and its
contracting unit (UC), the procedure number, type, law and exception article, the amount in
`Importe DRC`, and the dates in the two formats one real row mixes (`YYYY-MM-DD hh:mm:ss` for
publication, award and signature, `DD/MM/YYYY` for the start). About a third of the rows have no
signature date yet (as in the real 2026-03 download), descriptions carry commas, quotes and the
odd line break, and some procedures award several contracts (to one supplier or to several),
so the reader's row key is exercised the way real files exercise it. Suppliers come from the
same seeded firm pool as the OCDS generator (bench/generate.py), so the files link up.

    python -m bench.generate_comprasmx bench/out/comprasmx.csv --n 1000000 [--seed 7]
"""

from __future__ import annotations

import argparse
import csv
import random
from datetime import datetime, timedelta
from itertools import islice
from pathlib import Path

from bench.generate import Firm, firms

HEADER = (
    "rfc", "Institución", "Nombre de la UC", "Clave de la UC", "Proveedor o contratista",
    "Número de procedimiento", "Tipo Procedimiento", "Tipo de contratación", "Ley",
    "Artículo de excepción", "Descripción excepción", "Partida específica", "Importe DRC",
    "Estratificación", "Compra consolidada", "Fecha de publicación", "Fecha de fallo",
    "Fecha de firma del contrato", "Fecha de inicio del contrato", "Descripción del contrato",
    "Dirección del anuncio",
)  # fmt: skip

INSTITUTIONS = (
    ("INSTITUTO MEXICANO DEL SEGURO SOCIAL", "50", "GYR"),
    ("INSTITUTO DE SEGURIDAD Y SERVICIOS SOCIALES DE LOS TRABAJADORES DEL ESTADO", "51", "GYN"),
    ("SECRETARÍA DE LA DEFENSA NACIONAL", "07", "000"),
    ("COMISIÓN FEDERAL DE ELECTRICIDAD", "18", "TOQ"),
    ("SECRETARÍA DE SALUD", "12", "000"),
    ("PETRÓLEOS MEXICANOS", "18", "T4L"),
    ("SECRETARÍA DE EDUCACIÓN PÚBLICA", "11", "000"),
    ("INSTITUTO NACIONAL DE CANCEROLOGÍA", "12", "NCD"),
)  # fmt: skip
UNITS = (
    "COORDINACION DE ABASTECIMIENTO Y EQUIPAMIENTO", "DELEGACION JALISCO, ADQUISICIONES",
    "DIRECCION DE RECURSOS MATERIALES", "UNIDAD DE ADMINISTRACION Y FINANZAS",
    "HOSPITAL GENERAL REGIONAL NO. 1", "DEPARTAMENTO DE CONTRATOS",
)  # fmt: skip
PROCEDURES = (
    ("LA", "LICITACIÓN PÚBLICA", "", ""),
    ("IA", "INVITACIÓN A CUANDO MENOS TRES PERSONAS", "", ""),
    ("AA", "ADJUDICACIÓN DIRECTA POR CASO FORTUITO O FUERZA MAYOR", "ART. 54 FR. II",
     "PELIGRO O ALTERACIÓN DEL ORDEN SOCIAL, ECONOMÍA, SERVICIOS PÚBLICOS, SALUBRIDAD, "
     "SEGURIDAD O AMBIENTE, POR CASO FORTUITO O DE FUERZA MAYOR."),
    ("AA", "ADJUDICACIÓN DIRECTA POR LICITACIONES PÚBLICAS DESIERTAS", "ART. 54 FR. VII",
     "SE HAYA DECLARADO DESIERTA UNA LICITACIÓN PÚBLICA, SIEMPRE QUE SE MANTENGAN LOS "
     "REQUISITOS ESTABLECIDOS EN LA CONVOCATORIA."),
)  # fmt: skip
PROCEDURE_WEIGHTS = (35, 15, 30, 20)
CONTRACT_TYPES = ("ADQUISICIONES", "SERVICIOS", "OBRA PÚBLICA", "ARRENDAMIENTOS")
SIZES = ("MICRO", "PEQUEÑA", "MEDIANA", "GRANDE", "NO MIPYME")
SUBJECTS = (
    "ADQUISICIÓN DE VÍVERES PARA GUARDERÍAS", "SERVICIO DE LIMPIEZA INTEGRAL",
    'SUMINISTRO DE COMBUSTIBLE PARA VEHÍCULOS "FLOTILLA" EJERCICIO 2026',
    "MANTENIMIENTO PREVENTIVO Y CORRECTIVO A EQUIPO MÉDICO",
    "ADQUISICIÓN DE MEDICAMENTOS, MATERIAL DE CURACIÓN Y REACTIVOS",
    "SERVICIO DE TRANSPORTACIÓN TERRESTRE, RESERVACIÓN Y COMPRA DE BOLETOS",
    "ARRENDAMIENTO DE EQUIPO DE CÓMPUTO",
    "OBRA DE REHABILITACIÓN DE LA UNIDAD\nDE MEDICINA FAMILIAR",
)  # fmt: skip
NOTICE = (
    "https://comprasmx.buengobierno.gob.mx/sitiopublico/#/sitiopublico/detalle/{}/procedimiento"
)


def _stamp(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M:%S}"


def _procedure_rows(number: int, rng: random.Random, pool: list[Firm]) -> list[list[str]]:
    """The rows of one procedure: 1-4 contracts, to one supplier or several."""
    institution, branch, code = rng.choice(INSTITUTIONS)
    unit_index = rng.randrange(len(UNITS))
    uc = f"{branch}{code}{unit_index:03d}"
    prefix, kind, article, reason = rng.choices(PROCEDURES, PROCEDURE_WEIGHTS)[0]
    procedure = f"{prefix}-{branch}-{code}-{uc}-N-{number}-2026"
    contract_type = rng.choice(CONTRACT_TYPES)
    law = "LOPSRM" if contract_type == "OBRA PÚBLICA" else "LAASSP"
    published = datetime(2025, 10, 1) + timedelta(seconds=rng.randrange(150 * 86400))
    awarded = published + timedelta(days=rng.randint(0, 40))
    notice = NOTICE.format(f"{rng.getrandbits(128):032x}")
    subject = rng.choice(SUBJECTS)
    contracts = rng.choices((1, 2, 3, 4), (70, 18, 8, 4))[0]
    same_supplier = rng.random() < 0.6
    firm = pool[int(len(pool) * rng.random() ** 2)]
    rows = []
    for _ in range(contracts):
        if not same_supplier:
            firm = pool[int(len(pool) * rng.random() ** 2)]
        signed = "" if rng.random() < 0.33 else _stamp(awarded + timedelta(days=rng.randint(1, 30)))
        start = (awarded + timedelta(days=rng.randint(0, 20))).date()
        rows.append(
            [
                "" if rng.random() < 0.02 else firm.rfc,
                institution,
                UNITS[unit_index],
                uc,
                firm.name.replace(",", "") if rng.random() < 0.7 else firm.name,
                procedure,
                "" if rng.random() < 0.004 else kind,
                contract_type,
                law,
                article,
                reason,
                str(rng.choice((21101, 22102, 25301, 33901, 35801, 62201))),
                f"{round(rng.lognormvariate(13, 1.5), 2)}",
                rng.choice(SIZES),
                "SÍ" if rng.random() < 0.05 else "NO",
                "" if rng.random() < 0.015 else _stamp(published),
                "" if rng.random() < 0.03 else f"{awarded:%Y-%m-%d} 00:00:00",
                signed,
                f"{start:%d/%m/%Y}",
                f"{procedure[:2]}-N-{number}-2026 - {subject}",
                notice,
            ]
        )
    return rows


def write_comprasmx_csv(path: str | Path, n_rows: int, seed: int = 7) -> Path:
    """Write `n_rows` contract rows (exactly) to `path` and return it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = random.Random(f"comprasmx-{seed}")
    pool = list(islice(firms(seed), max(50, n_rows // 8)))
    written = 0
    number = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(HEADER)
        while written < n_rows:
            number += 1
            for row in _procedure_rows(number, rng, pool)[: n_rows - written]:
                writer.writerow(row)
                written += 1
    return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--n", type=int, default=1_000_000, help="rows (default 1000000)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    written = write_comprasmx_csv(args.path, args.n, args.seed)
    print(f"{written} ({written.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
