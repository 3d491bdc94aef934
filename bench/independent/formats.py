"""Writes records in the four real formats, with the record keys the readers will build.

The formats are the project's (shared with bench/labelled.py so that `bench/accuracy.py` ingests
both generators' files with the same jobs): OCDS releases as JSON Lines, the SFP directory's
JSON, the SAT 69-B CSV (cp1252, CRLF, the real preamble and header) and the RUPC-like register
CSV. Keys: `party:{ocid}/{party id}`, `sanction:{sfp case key}`, `sanction:sat-69b:{RFC}` (`#2`
for a firm's later listing), `supplier:rupc:{folio}`.
"""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path

from bench.generate import SAT_69B_ENCODING, SAT_69B_HEADER, SAT_69B_PREAMBLE
from bench.independent import vocabulary as v
from bench.independent.firms import Firm
from bench.independent.noise import pick, weighted
from bench.independent.records import Record
from bench.independent.rfcs import RfcPool, company_letters
from bench.labelled import FILES, REGISTER, REGISTER_COLUMNS
from ingest.sanctions.sfp_case import case_key

_DAY0 = date(2015, 1, 1).toordinal()


def _day(rng: random.Random, span: int, start: int = _DAY0) -> date:
    return date.fromordinal(start + rng.randrange(span))


def _ddmmyyyy(d: date) -> str:
    return f"{d.day:02d}/{d.month:02d}/{d.year}"


def write_ocds(path: Path, records: Sequence[Record], firms: Sequence[Firm], seed: int) -> None:
    """Releases of 1-3 suppliers, never one firm twice in a release. A record cut at 35
    characters comes from a publisher that, like Mexico City's, gives no identifier scheme."""
    rng = random.Random(f"independent-ocds-{seed}")
    pool = RfcPool(random.Random(f"independent-buyers-{seed}"))
    buyers = [
        (f"UC-{n:02d}", name, pool.new(company_letters(letters), person=False))
        for n, (name, letters) in enumerate(v.BUYERS, start=1)
    ]
    order = list(range(len(records)))
    rng.shuffle(order)
    number = 0
    with path.open("w", encoding="utf-8") as out:
        while order:
            size = weighted(rng, [(1, 55), (2, 30), (3, 15)])
            batch: list[Record] = []
            while order and len(batch) < size:
                record = records[order[-1]]
                if any(r.firm == record.firm or (r.rfc and r.rfc == record.rfc) for r in batch):
                    break
                batch.append(record)
                order.pop()
            number += 1
            out.write(json.dumps(_release(batch, firms, buyers, number, seed, rng),
                                 ensure_ascii=False) + "\n")  # fmt: skip


def _release(
    batch: list[Record],
    firms: Sequence[Firm],
    buyers: list[tuple[str, str, str]],
    number: int,
    seed: int,
    rng: random.Random,
) -> dict[str, object]:
    ocid = f"ocds-ind{seed}-{number:07d}"
    buyer_id, buyer_name, buyer_rfc = pick(rng, buyers)
    day = _day(rng, 3300)
    title = pick(rng, v.TENDER_TITLES)
    parties: list[dict[str, object]] = [
        {"id": buyer_id, "name": buyer_name,
         "identifier": {"scheme": "MX-RFC", "id": buyer_rfc},
         "roles": ["buyer", "procuringEntity"]}
    ]  # fmt: skip
    awards, contracts = [], []
    for k, record in enumerate(batch, start=1):
        firm = firms[record.firm]
        clean = record.rfc == firm.rfc
        party_id = f"MX-RFC-{firm.rfc}" if clean and rng.random() < 0.4 else f"{ocid}-S{k}"
        record.key = f"party:{ocid}/{party_id}"
        party: dict[str, object] = {"id": party_id, "name": record.name}
        if record.rfc:
            identifier = {"id": record.rfc} if record.cut == 35 else {
                "scheme": "MX-RFC", "id": record.rfc, "legalName": record.name}  # fmt: skip
            party["identifier"] = identifier
        party["address"] = {"postalCode": firm.postal_code, "countryName": "México"}
        party["roles"] = ["supplier"]
        parties.append(party)
        value = {"amount": round(rng.lognormvariate(12, 1.4), 2), "currency": "MXN"}
        awards.append({
            "id": f"{ocid}-AW{k}", "title": f"{title}, partida {k}", "status": "active",
            "date": f"{day.isoformat()}T00:00:00-06:00", "value": value,
            "suppliers": [{"id": party_id, "name": record.name}],
        })  # fmt: skip
        signed = day + timedelta(days=rng.randrange(1, 25))
        contracts.append({
            "id": f"{ocid}-CT{k}", "awardID": f"{ocid}-AW{k}", "status": "active",
            "dateSigned": f"{signed.isoformat()}T00:00:00-06:00", "value": value,
        })  # fmt: skip
    return {
        "ocid": ocid, "id": f"{ocid}-{day.isoformat()}",
        "date": f"{day.isoformat()}T10:00:00-06:00", "tag": ["award", "contract"],
        "initiationType": "tender", "language": "es",
        "buyer": {"id": buyer_id, "name": buyer_name}, "parties": parties,
        "tender": {"id": f"{ocid}-T", "title": title, "procurementMethod": "open"},
        "awards": awards, "contracts": contracts,
    }  # fmt: skip


def write_sfp(path: Path, records: Sequence[Record], seed: int) -> None:
    rng = random.Random(f"independent-sfp-{seed}")
    rows = []
    for n, record in enumerate(records, start=1):
        agency, clave = pick(rng, v.SFP_AGENCIES)
        year = 2011 + rng.randrange(15)
        procedure, case = f"PA-{n:05d}/{year}", f"EXP-{n:05d}/{year - rng.randrange(2)}"
        amount = (1 + rng.randrange(300)) * 5000
        fine_only = rng.random() < 0.25
        start = None if fine_only else date(year, 1 + rng.randrange(12), 1 + rng.randrange(28))
        if start is None:
            plazo: dict[str, object] = {"plazo_inha": None, "fecha_inicial": None,
                                        "fecha_final": None}  # fmt: skip
        else:
            months = pick(rng, (3, 6, 12, 18, 24, 36))
            end = start + timedelta(days=months * 30)
            plazo = {"plazo_inha": f"{months} meses", "fecha_inicial": start.isoformat(),
                     "fecha_final": end.isoformat()}  # fmt: skip
        rows.append({
            "numero_expediente": clave + case, "numero_procedimiento_adm": clave + procedure,
            "numprocedimiento_corto": procedure, "rfc": record.rfc, "numexpediente_corto": case,
            "nombre_razon_social": record.name, "leyes_infringidas": pick(rng, v.SFP_LAWS),
            "multa": {"monto": str(amount), "monto_cf": f"{amount:,.2f}"}, "plazo": plazo,
            "institucion_dependencia": {"nombre": agency, "clave_dependencia": clave},
        })  # fmt: skip
        key = case_key(procedure=procedure, case=case, authority=agency, name=record.name,
                       start=start)  # fmt: skip
        record.key = f"sanction:{key}"
    path.write_text(json.dumps(rows, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def _stage(rng: random.Random, day: date) -> list[str]:
    oficio = f"500-39-00-02-{day.year}-{rng.randrange(1000, 99999)} de fecha "
    oficio += f"{day.day} de {v.MONTHS[day.month - 1]} de {day.year}"
    dof = day + timedelta(days=rng.randrange(7, 40))
    return [oficio, _ddmmyyyy(day), oficio, _ddmmyyyy(dof)]


def write_sat(path: Path, records: Sequence[Record], seed: int) -> None:
    """A firm's listings in date order: the first keeps the plain key, the second gets `#2`."""
    rng = random.Random(f"independent-sat-{seed}")
    seen: dict[str, int] = {}
    with path.open("w", encoding=SAT_69B_ENCODING, newline="") as handle:
        for line in (*SAT_69B_PREAMBLE, SAT_69B_HEADER):
            handle.write(line + "\r\n")
        writer = csv.writer(handle, lineterminator="\r\n")
        for n, record in enumerate(records, start=1):
            assert record.rfc is not None
            listing = seen.get(record.rfc, 0) + 1
            seen[record.rfc] = listing
            record.key = f"sanction:sat-69b:{record.rfc}" + (f"#{listing}" if listing > 1 else "")
            presumed = _day(rng, 500, _DAY0 - 900 + 1200 * (listing - 1))
            status = weighted(rng, v.SAT_STATUSES)
            blank = ["", "", "", ""]
            later = presumed + timedelta(days=rng.randrange(90, 400))
            stages = [
                _stage(rng, presumed),
                _stage(rng, later) if status == "Desvirtuado" else blank,
                _stage(rng, later) if status in ("Definitivo", "Sentencia Favorable") else blank,
                _stage(rng, later + timedelta(days=300)) if status == "Sentencia Favorable"
                else blank,
            ]  # fmt: skip
            cells = [c for stage in stages for c in stage]
            writer.writerow([str(n), record.rfc, record.name, status, *cells])


def write_register(path: Path, records: Sequence[Record], firms: Sequence[Firm]) -> None:
    strata = ("Micro", "Pequeña", "Mediana", "Grande")
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(REGISTER_COLUMNS)
        for n, record in enumerate(records, start=1):
            folio = f"{n + 20_000:08d}"
            record.key = f"supplier:{REGISTER}:{folio}"
            firm = firms[record.firm]
            writer.writerow([folio, record.rfc or "", record.name, strata[firm.id % 4],
                             firm.postal_code])  # fmt: skip


def write_all(out_dir: Path, records: Sequence[Record], firms: Sequence[Firm], seed: int) -> None:
    """Each source's records in its own shuffled order: a register does not list a firm's
    records, or a family's firms, side by side."""
    by_source: dict[str, list[Record]] = {s: [] for s in FILES}
    for record in records:
        by_source[record.source].append(record)
    rng = random.Random(f"independent-order-{seed}")
    for source in ("sfp", "sat69b", "register"):
        rng.shuffle(by_source[source])
    write_ocds(out_dir / FILES["ocds"], by_source["ocds"], firms, seed)
    write_sfp(out_dir / FILES["sfp"], by_source["sfp"], seed)
    write_sat(out_dir / FILES["sat69b"], by_source["sat69b"], seed)
    write_register(out_dir / FILES["register"], by_source["register"], firms)
