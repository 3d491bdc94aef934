"""The `testigo` command as a user runs it: a real process, real files, JSON on stdout."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.clients import free_port, run
from tests.factories import CDMX_SUPPLIERS, SFP

TESTIGO = [sys.executable, "-m", "app.cli"]


def test_upgrade_ingest_json_and_stats(tmp_path: Path) -> None:
    assert run(tmp_path, "db", "upgrade").returncode == 0
    done = run(tmp_path, "ingest", "sanctions", "--format", "sfp", str(SFP), "--json")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["read"] == 2396 and summary["failed_files"] == 0
    assert summary["loaded"] + summary["rejected"] == 2396

    again = json.loads(run(tmp_path, "ingest", "sanctions", "-f", "sfp", str(SFP), "--json").stdout)
    assert again["skipped_files"] == 1 and again["loaded"] == 0

    stats = json.loads(run(tmp_path, "stats").stdout)
    assert stats["sanctions"] == summary["loaded"]


def test_a_database_not_migrated_is_refused_with_the_command_that_fixes_it(tmp_path: Path) -> None:
    # Stop 27 noticed it: `testigo ingest` before `testigo db upgrade` failed the file with "the
    # database is unavailable: no such table: ingest_runs", and `alerts list` printed SQL.
    for args in (
        ("ingest", "sanctions", "-f", "sfp", str(SFP)),
        ("link",),
        ("alerts", "list"),
        ("serve", "--port", str(free_port())),  # refused before uvicorn starts, or it serves on
    ):
        refused = run(tmp_path, *args, timeout=60)
        assert refused.returncode == 2, (args, refused.stderr)
        assert refused.stderr.startswith("error: the database sqlite:///")
        assert "is not set up: run `testigo db upgrade`" in refused.stderr
        assert "no such table" not in refused.stderr

    # A database an older version migrated is refused the same way, naming both revisions.
    assert run(tmp_path, "db", "upgrade", "--revision", "0001").returncode == 0
    behind = run(tmp_path, "stats")
    assert behind.returncode == 2 and "is at revision 0001, this version needs" in behind.stderr
    assert run(tmp_path, "db", "upgrade").returncode == 0
    assert json.loads(run(tmp_path, "stats").stdout)["sanctions"] == 0
    # A revision this version does not know was written by a newer one: let through, so that a
    # rolling upgrade's old workers keep serving.
    with sqlite3.connect(tmp_path / "var" / "testigo.db") as db:
        db.execute("UPDATE alembic_version SET version_num = '9999'")
    newer = run(tmp_path, "stats")
    assert newer.returncode == 0, newer.stderr


def test_unreadable_file_exits_non_zero_with_a_clear_message(tmp_path: Path) -> None:
    run(tmp_path, "db", "upgrade")
    broken = tmp_path / "broken.json"
    broken.write_text(CDMX_SUPPLIERS.read_text(encoding="utf-8")[:1000], encoding="utf-8")
    done = run(tmp_path, "ingest", "suppliers", "--format", "cdmx-sefin", str(broken))
    assert done.returncode == 1
    assert "broken.json" in done.stderr and "failed" in done.stderr


def test_bad_options_exit_2_and_say_what_to_pass(tmp_path: Path) -> None:
    run(tmp_path, "db", "upgrade")
    unknown = run(tmp_path, "ingest", "sanctions", "--format", "nope", str(SFP))
    assert unknown.returncode == 2 and "sfp" in unknown.stderr
    no_map = run(tmp_path, "ingest", "suppliers", "--format", "csv", str(SFP))
    assert no_map.returncode == 2 and "--map" in no_map.stderr


def test_any_failure_is_one_line_and_an_exit_code_never_a_traceback(tmp_path: Path) -> None:
    # Issue 14 item 10: a failure no command handled (here a database that does not answer)
    # printed a raw traceback.
    env = {**os.environ, "TESTIGO_DATA_DIR": str(tmp_path / "var")}
    env["TESTIGO_DATABASE_URL"] = "postgresql+psycopg://nobody@127.0.0.1:1/none"
    env.pop("TESTIGO_LOG_LEVEL", None)
    down = subprocess.run(
        [*TESTIGO, "stats"], capture_output=True, text=True, env=env, timeout=120, check=False
    )
    assert down.returncode == 1 and "Traceback" not in down.stderr
    assert down.stderr.count("\n") == 1 and down.stderr.startswith("error: OperationalError")
    env["TESTIGO_BATCH_SIZE"] = "many"
    env.pop("TESTIGO_DATABASE_URL")
    bad = subprocess.run(
        [*TESTIGO, "stats"], capture_output=True, text=True, env=env, timeout=120, check=False
    )
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert "TESTIGO_BATCH_SIZE" in bad.stderr


def test_link_says_a_few_lines_and_splink_speaks_only_with_verbose(tmp_path: Path) -> None:
    # Issue 14 item 11: Splink's own training log (~230 lines, "not yet fully trained") was
    # printed by every `testigo link` (and so by `make run`).
    from tests.factories import SAT

    run(tmp_path, "db", "upgrade")
    for fmt, path in (("sfp", SFP), ("sat-69b", SAT)):
        assert run(tmp_path, "ingest", "sanctions", "-f", fmt, str(path)).returncode == 0
    quiet = run(tmp_path, "link", "--full", "--retrain")
    assert quiet.returncode == 0, quiet.stderr[-2000:]
    said = quiet.stdout + quiet.stderr
    assert "Iteration" not in said and "fully trained" not in said
    assert len(said.splitlines()) <= 10 and "full link:" in said
    loud = run(tmp_path, "--verbose", "link", "--full", "--retrain")
    assert loud.returncode == 0 and "Iteration" in loud.stdout + loud.stderr
