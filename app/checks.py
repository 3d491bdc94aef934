"""The supplier check as every surface answers it: GET /v1/check, the /check page and
`testigo check` call `check_supplier`, so the verdict, its audit entry and the data it rests on
cannot drift apart between them."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine

from app import audit, sources
from app.audit import AuditWriter
from app.errors import BadRequest
from app.keys import Caller
from matching.check import check
from matching.explain import ENGLISH, Translator
from matching.results import CheckOut, DataAsOf
from matching.score import Index


def check_supplier(
    index: Index,
    engine: Engine,
    *,
    name: str | None,
    rfc: str | None,
    on: date,
    caller: Caller | None,
    log: AuditWriter | None = None,
    tr: Translator = ENGLISH,
) -> CheckOut:
    """May this supplier (by RFC, name or both) be awarded on `on`? The check of
    `matching.check.check` at the thresholds its firms were made under (`Index.auto`), with
    `data_as_of`: per registry, the file the sanctions come from, as every verdict, a clear one
    above all, says how current its data is. The check is written to the audit log as
    `caller`'s: queued on `log` (a server, whose checks must not wait for the database's write
    lock), or written now without one (the command line, one check a process).

    Raises `BadRequest` without a name or an RFC, and `matching.rfc.NotAnRfc` (a BadRequest)
    for an RFC that cannot name a taxpayer; the message says what to send. The answer's
    sentences are in `tr`'s language (English for the API and the CLI; a page passes its
    reader's catalogue)."""
    if not (rfc and rfc.strip()) and not (name and name.strip()):
        raise BadRequest("give at least one of `rfc` or `name`")
    result = check(
        index,
        engine,
        name=name,
        rfc=rfc,
        on=on,
        auto=index.auto,
        review=index.review,
        tr=tr,
    )
    # Read before the entry is written: the audit log records verdicts that were given, and a
    # check whose last read fails (the database going away mid-check) answers 503, not this.
    as_of = [DataAsOf.model_validate(s) for s in sources.sanctions_as_of(engine)]
    said = (caller, "check", result.query.model_dump(), result.verdict, index.model_version)
    if log is None:
        audit.record(engine, *said)
    else:
        log.submit(audit.entry(*said))
    return result.model_copy(update={"data_as_of": as_of})
