"""The storage layer under the pipeline, on SQLite and PostgreSQL: driver-level bulk inserts
store what SQLAlchemy would, content hashes (and the legacy ones), repeated keys across batches,
and a file whose reader has a bug failing alone."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from app.settings import Settings
from app.store import releases
from app.store.bulk import insert_rows
from app.store.engine import make_engine
from app.store.hashes import content_hash, json_keys, legacy_content_hash
from app.store.registries import SANCTIONS
from app.store.releases import AWARDS
from ingest.jobs import ocds_job, sanctions_job
from ingest.pipeline import Job
from ingest.rfc_columns import rfc_columns
from ingest.rows import SanctionRow
from matching import rfc as rfcs
from tests.factories import OCDS, SFP, ingest, insert_run, rows, snapshot

REPO = Path(__file__).resolve().parents[2]


# --- bulk inserts store what SQLAlchemy stores ------------------------------------------------


def _sanction(key: str, run_id: int, **changes: Any) -> dict[str, Any]:
    row = {
        "source_key": key,
        "registry": "test",
        "case_number": "500-05-2018-16632",
        "name": 'ÁRBOL Ñ, S.A. "DE" C.V.\\',
        "person_kind": None,
        "kind": "efos_definitivo",
        "start_date": date(2018, 6, 1),
        "end_date": None,
        "authority": "SAT",
        "raw_status": "Definitivo",
        "amount": Decimal("1234.50"),
        "currency": "MXN",
        "details": {"stages": {"presunto": {"published_sat": "2018-06-01"}}, "n": [1, None]},
        **rfc_columns("AAA010101AAA"),
        "status": "active",
        "withdrawn_at": datetime(2020, 1, 2, 3, 4, 5, 600, tzinfo=UTC),
        "run_id": run_id,
        "source_file": "x.csv",
        "position": "line 4",
        "content_hash": "0" * 32,
    }
    return {**row, **changes}


def test_insert_rows_stores_what_sqlalchemy_stores(db_settings: Settings) -> None:
    engine = make_engine(db_settings)
    try:
        with engine.begin() as conn:
            run_id = insert_run(conn)
            variants: list[dict[str, Any]] = [
                {},
                {"start_date": None, "amount": None, "details": None, "rfc_check_ok": None},
                {
                    "withdrawn_at": datetime(
                        2021, 5, 6, 7, 8, 9, tzinfo=timezone(timedelta(hours=-6))
                    )
                },
                {"rfc_check_ok": False, "amount": Decimal("0.10"), "details": {}},
            ]
            conn.execute(
                sa.insert(SANCTIONS),
                [_sanction(f"orm:{i}", run_id, **v) for i, v in enumerate(variants)],
            )
            insert_rows(
                conn,
                SANCTIONS,
                [_sanction(f"bulk:{i}", run_id, **v) for i, v in enumerate(variants)],
            )
            insert_rows(conn, SANCTIONS, [])  # nothing to do
            # As the database holds them (no SQLAlchemy type conversion on the way back), and
            # which type each one has (text, a JSON 'null', a number, NULL...).
            columns = [c.name for c in SANCTIONS.columns if c.name != "id"]
            typed = "typeof({})" if db_settings.db_url.startswith("sqlite") else "{}::text"
            select = ", ".join(f"{c}, {typed.format(c)}" for c in columns)
            stored = {
                row[0]: row[1:]
                for row in conn.execute(sa.text(f"SELECT {select} FROM sanctions")).all()
            }
        for i in range(len(variants)):
            assert stored[f"bulk:{i}"][1:] == stored[f"orm:{i}"][1:]
    finally:
        engine.dispose()


def test_insert_rows_fills_defaults_and_keeps_given_ids(db_settings: Settings) -> None:
    engine = make_engine(db_settings)
    try:
        with engine.begin() as conn:
            run_id = insert_run(conn)
            row = _sanction("x:1", run_id)
            del row["status"], row["withdrawn_at"]  # default 'active', and NULL
            insert_rows(conn, SANCTIONS, [row])
            found = conn.execute(
                sa.select(SANCTIONS.c.status, SANCTIONS.c.withdrawn_at, SANCTIONS.c.id)
            ).one()
            assert (found.status, found.withdrawn_at) == ("active", None)
            award = {
                "id": 4242,
                "source_key": "o/award/1",
                "ocid": "o",
                "kind": "award",
                "item_id": "1",
                "release_date": datetime(2020, 1, 1, tzinfo=UTC),
                "run_id": run_id,
                "source_file": "f",
                "position": "line 1",
                "content_hash": "0" * 32,
            }
            insert_rows(conn, AWARDS, [award])
            assert conn.execute(sa.select(AWARDS.c.id)).scalar_one() == 4242
    finally:
        engine.dispose()


# --- content hashes ---------------------------------------------------------------------------


SAMPLE = {
    "source_key": "k",
    "name": "ACME",
    "start_date": date(2020, 1, 2),
    "amount": Decimal("1.50"),
    "release_date": datetime(2020, 1, 2, 3, 4, 5, tzinfo=UTC),
    "details": {"a": [1, "b"]},
    "run_id": 1,
    "source_file": "f",
    "position": "line 1",
}


def test_content_hash_is_about_content_and_the_same_in_every_process() -> None:
    base = content_hash(SAMPLE)
    assert len(base) == 32
    # Provenance is not content; key order is not either.
    assert content_hash({**SAMPLE, "run_id": 2, "source_file": "g", "position": "x"}) == base
    assert content_hash(dict(reversed(list(SAMPLE.items())))) == base
    # Every value and every field name is.
    assert content_hash({**SAMPLE, "name": "ACME "}) != base
    assert content_hash({**SAMPLE, "amount": Decimal("1.5")}) != base
    assert content_hash({**SAMPLE, "details": {"a": [1, "c"]}}) != base
    renamed = {("title" if k == "name" else k): v for k, v in SAMPLE.items()}
    assert content_hash(renamed) != base
    # JSON columns hold objects in the publisher's key order, which is not content.
    nested = json_keys(SANCTIONS)
    assert nested == {"details"}
    one = {**SAMPLE, "details": {"plazo": {"inicio": "2020", "fin": "2021"}, "id": 1}}
    other = {**SAMPLE, "details": {"id": 1, "plazo": {"fin": "2021", "inicio": "2020"}}}
    assert content_hash(one, nested) == content_hash(other, nested)
    assert content_hash(one, nested) != content_hash({**one, "details": {"id": 2}}, nested)
    # str hashes are salted per process: the digest must not depend on them.
    code = (
        "import datetime; from decimal import Decimal; "
        "from app.store.hashes import content_hash; "
        f"print(content_hash({SAMPLE!r}))"
    )
    for seed in ("1", "2"):
        done = subprocess.run(
            [sys.executable, "-c", code],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONHASHSEED": seed, "PATH": ""},
        )
        assert done.stdout.strip() == base


def test_hashes_stored_by_earlier_versions_still_read_as_unchanged(
    db_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Load as earlier versions did (sorted-key JSON hashes), then re-read with today's hashes.
    with monkeypatch.context() as patched:
        patched.setattr(releases, "content_hash", lambda values, *_: legacy_content_hash(values))
        first = [
            ingest(db_settings, sanctions_job("sfp"), SFP),
            ingest(db_settings, ocds_job(), OCDS),
        ]
    assert all(f.failed == 0 for f in first)
    before = snapshot(db_settings)
    again = [
        ingest(db_settings, sanctions_job("sfp"), SFP, force=True),
        ingest(db_settings, ocds_job(), OCDS, force=True),
    ]
    for summary in again:
        assert summary.total("updated") == 0 and summary.total("loaded") == 0
    assert again[0].total("unchanged") == first[0].total("loaded")
    after = snapshot(db_settings)
    # No history row, no rewrite (a forced re-read quarantines its rejects again).
    assert {k: v for k, v in after.items() if k != "quarantine"} == {
        k: v for k, v in before.items() if k != "quarantine"
    }


# --- repeated keys, the OCDS rules across batches ---------------------------------------------


def _release(date_: str, name: str, amount: int) -> dict[str, Any]:
    return {
        "ocid": "ocds-x-1",
        "id": f"r-{date_}",
        "date": date_,
        "parties": [
            {"id": "S1", "name": name, "identifier": {"scheme": "MX-RFC", "id": "AAA010101AAA"}}
        ],
        "awards": [
            {"id": "A1", "value": {"amount": amount}, "suppliers": [{"id": "S1", "name": name}]}
        ],
    }


def test_a_key_repeated_across_batches_keeps_the_newest_release(
    db_settings: Settings, tmp_path: Path
) -> None:
    settings = db_settings.model_copy(update={"batch_size": 1})
    lines = [
        _release("2020-01-02T00:00:00Z", "SECOND", 2),
        _release("2020-01-01T00:00:00Z", "FIRST", 1),  # older: must not overwrite
        _release("2020-01-03T00:00:00Z", "THIRD", 3),
        _release("2020-01-03T00:00:00Z", "SAME DATE", 4),  # not strictly newer
    ]
    path = tmp_path / "repeat.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    summary = ingest(settings, ocds_job(), path)
    assert (summary.total("loaded"), summary.total("updated")) == (1, 1)
    assert summary.total("unchanged") == 2
    (party,) = rows(settings, "SELECT name, rfc FROM parties")
    assert (party.name, party.rfc) == ("THIRD", "AAA010101AAA")
    (award,) = rows(settings, "SELECT id, value_amount FROM awards")
    assert award.value_amount == 3
    suppliers = rows(settings, "SELECT award_pk, name FROM award_suppliers")
    assert [(s.award_pk, s.name) for s in suppliers] == [(award.id, "THIRD")]


def _same_release(date_: str, amount: int) -> dict[str, Any]:
    """One release that only its date tells apart from the next download of it."""
    return {**_release(date_, "ACME", amount), "id": "r-1"}


@pytest.mark.parametrize("earlier", ["release date hashed", "legacy JSON", "today"])
def test_a_newer_release_saying_the_same_is_unchanged_and_advances_the_date(
    db_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, earlier: str
) -> None:
    """The release date is not content, whichever version stored the hash (earlier ones hashed
    it): a newer release saying the same is unchanged, keeps its run and row, and only its date
    advances (then an older release, even one between the two, changes nothing)."""
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    first.write_text(json.dumps(_same_release("2020-01-02T00:00:00Z", 5)) + "\n")
    second.write_text(json.dumps(_same_release("2020-02-01T00:00:00Z", 5)) + "\n")
    with monkeypatch.context() as patched:
        if earlier == "release date hashed":
            hashed = releases.content_hash
            patched.setattr(releases, "content_hash", lambda values, *_: hashed(values))
        elif earlier == "legacy JSON":
            patched.setattr(
                releases, "content_hash", lambda values, *_: legacy_content_hash(values)
            )
        loaded = ingest(db_settings, ocds_job(), first)
    assert loaded.total("loaded") == 1
    stored = "SELECT id, run_id, content_hash, release_date FROM {} ORDER BY id"
    before = {t: rows(db_settings, stored.format(t)) for t in ("parties", "awards")}

    again = ingest(db_settings, ocds_job(), second)
    assert (again.total("loaded"), again.total("updated"), again.total("unchanged")) == (0, 0, 1)
    for table, old in before.items():
        new = rows(db_settings, stored.format(table))
        assert [(r.id, r.run_id) for r in new] == [(r.id, r.run_id) for r in old]
        assert {str(r.release_date)[:10] for r in new} == {"2020-02-01"}
        # An earlier version's hash is rewritten in today's form, once.
        if earlier == "today":
            assert [r.content_hash for r in new] == [r.content_hash for r in old]
        else:
            assert all(n.content_hash != o.content_hash for n, o in zip(new, old, strict=True))
    third = ingest(db_settings, ocds_job(), second, force=True)
    assert third.total("unchanged") == 1
    between = tmp_path / "between.jsonl"
    between.write_text(json.dumps(_same_release("2020-01-15T00:00:00Z", 7)) + "\n")
    stale = ingest(db_settings, ocds_job(), between)
    assert (stale.total("updated"), stale.total("unchanged")) == (0, 1)
    (award,) = rows(db_settings, "SELECT value_amount FROM awards")
    assert award.value_amount == 5


def _sanction_row(key: str, name: str, position: str) -> SanctionRow:
    return SanctionRow(
        registry="test",
        source_key=key,
        case_number=None,
        name=name,
        rfc_raw="AAA010101AAA",
        person_kind=None,
        kind="other",
        start_date=date(2020, 1, 1),
        end_date=None,
        authority=None,
        raw_status=None,
        amount=Decimal("10.50"),
        currency="MXN",
        details={"n": 1},
        position=position,
    )


def _repeating_reader(path: Path) -> Iterator[Any]:
    yield _sanction_row("test:1", "ACME", "line 1")
    yield _sanction_row("test:1", "ACME", "line 2")  # the same again
    yield _sanction_row("test:2", "OTHER", "line 3")
    yield _sanction_row("test:1", "ACME SA", "line 4")  # changed: the later row wins


@pytest.mark.parametrize("batch_size", [1, 100])
def test_a_registry_key_repeated_in_one_file_later_row_wins(
    db_settings: Settings, tmp_path: Path, batch_size: int
) -> None:
    settings = db_settings.model_copy(update={"batch_size": batch_size})
    path = tmp_path / "list.csv"
    path.write_text("x")
    job = Job(kind="sanctions", format="test", scope="test", read=_repeating_reader, snapshot=True)
    summary = ingest(settings, job, path)
    assert summary.total("read") == 4 and summary.total("withdrawn") == 0
    stored = rows(settings, "SELECT source_key, name, position, status FROM sanctions ORDER BY id")
    assert [(r.source_key, r.name, r.position, r.status) for r in stored] == [
        ("test:1", "ACME SA", "line 4", "active"),
        ("test:2", "OTHER", "line 3", "active"),
    ]
    history = rows(settings, "SELECT source_key, change FROM record_history ORDER BY id")
    if batch_size == 1:  # each row is its own batch: stored, then seen again, then changed
        assert (summary.total("loaded"), summary.total("updated")) == (2, 1)
        assert summary.total("unchanged") == 1
        assert [(h.source_key, h.change) for h in history] == [
            ("test:1", "created"),
            ("test:2", "created"),
            ("test:1", "updated"),
        ]
    else:  # one batch: the repeats collapse to the last row, counted as unchanged reads
        assert (summary.total("loaded"), summary.total("updated")) == (2, 0)
        assert summary.total("unchanged") == 2
        assert [(h.source_key, h.change) for h in history] == [
            ("test:1", "created"),
            ("test:2", "created"),
        ]
    # Re-reading the same bytes ends in the same state; with one row per batch, the repeats
    # apply in turn on the way (as they did the first time).
    before = snapshot(settings)
    again = ingest(settings, job, path, force=True)
    assert again.total("loaded") == 0
    assert again.total("updated") == (2 if batch_size == 1 else 0)
    stored_again = rows(settings, "SELECT source_key, name, position FROM sanctions ORDER BY id")
    assert [(r.source_key, r.name, r.position) for r in stored_again] == [
        (r.source_key, r.name, r.position) for r in stored
    ]
    if batch_size != 1:
        assert snapshot(settings) == before


# --- a bug in a reader fails its file only ----------------------------------------------------


def _broken_reader(path: Path) -> Iterator[Any]:
    yield _sanction_row(f"test:{path.stem}", "ACME", "line 1")
    if path.stem == "bad":
        raise TypeError("unsupported operand type(s) for +: 'int' and 'str'")


def test_an_unexpected_error_fails_the_file_and_the_next_one_loads(
    db_settings: Settings, tmp_path: Path
) -> None:
    settings = db_settings.model_copy(update={"batch_size": 1})  # a row is stored, then boom
    bad, good = tmp_path / "bad.csv", tmp_path / "good.csv"
    bad.write_text("x")
    good.write_text("y")
    job = Job(kind="sanctions", format="test", scope="test", read=_broken_reader, snapshot=False)
    summary = ingest(settings, job, bad, good)
    first, second = summary.files
    assert first.status == "failed" and second.status == "ok"
    assert first.error is not None and first.error.startswith(str(bad))
    assert "unexpected error TypeError: unsupported operand" in first.error
    stored = rows(settings, "SELECT source_key FROM sanctions")
    assert [r.source_key for r in stored] == ["test:good"]  # bad.csv's row rolled back
    runs = rows(settings, "SELECT status, error FROM ingest_runs ORDER BY id")
    assert [r.status for r in runs] == ["failed", "ok"]
    assert "TypeError" in runs[0].error


def test_keyboard_interrupt_still_stops_the_ingest(
    sqlite_settings: Settings, tmp_path: Path
) -> None:
    def interrupted(path: Path) -> Iterator[Any]:
        raise KeyboardInterrupt
        yield  # pragma: no cover

    path = tmp_path / "a.csv"
    path.write_text("x")
    job = Job(kind="sanctions", format="test", scope="test", read=interrupted, snapshot=False)
    with pytest.raises(KeyboardInterrupt):
        ingest(sqlite_settings, job, path)
    # The file's transaction rolled back; its run, committed before it, says it was interrupted.
    runs = rows(sqlite_settings, "SELECT status, finished_at FROM ingest_runs")
    assert [r.status for r in runs] == ["interrupted"] and runs[0].finished_at is not None
    assert rows(sqlite_settings, "SELECT * FROM sanctions") == []


# --- odds and ends ----------------------------------------------------------------------------


def test_cached_rfc_results_are_not_shared_mutable_state() -> None:
    first = rfcs.split("AAA010101AAA / BBB020202BB2")
    first.clear()
    assert [r.value for r in rfcs.split("AAA010101AAA / BBB020202BB2")] == [
        "AAA010101AAA",
        "BBB020202BB2",
    ]
    columns = rfc_columns("aaa-010101-aaa")
    columns["rfc"] = "changed"
    assert rfc_columns("aaa-010101-aaa")["rfc"] == "AAA010101AAA"


def test_bundled_ocds_loads_the_same_with_tiny_batches(sqlite_settings: Settings) -> None:
    small = sqlite_settings.model_copy(update={"batch_size": 7})
    summary = ingest(small, ocds_job(), OCDS)
    assert summary.failed == 0 and summary.total("rejected") == 0
    again = ingest(small, ocds_job(), OCDS, force=True)
    assert again.total("loaded") == 0 and again.total("updated") == 0


def test_handed_parties_skip_only_what_cannot_change_anything() -> None:
    """A party repeated in a file is skipped only when its release is not newer than the one
    already handed on (what the store would ignore anyway); the memo's bound only forgets."""
    from ingest.release_batch import HandedParties

    day = datetime(2026, 3, 8, tzinfo=UTC)
    handed = HandedParties(limit=2)
    assert not handed.repeated("comprasmx/rfc:A", day)
    assert handed.repeated("comprasmx/rfc:A", day)  # same download: nothing to say
    assert handed.repeated("comprasmx/rfc:A", day - timedelta(days=1))  # older: ignored
    assert handed.repeated("comprasmx/rfc:A", None)  # undated never overwrites
    assert not handed.repeated("comprasmx/rfc:A", day + timedelta(days=1))  # newer: stored
    assert not handed.repeated("comprasmx/rfc:B", day)
    assert not handed.repeated("comprasmx/rfc:C", day)  # past the bound: starts afresh
    assert not handed.repeated(
        "comprasmx/rfc:A", day + timedelta(days=1)
    )  # forgotten: the store decides
