"""What the README tells a new user agrees with what `make run` does."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).parent.parent


def _make_variable(makefile: str, name: str) -> str:
    found = re.search(rf"^{name}\s*\?=\s*(\S+)", makefile, re.MULTILINE)
    assert found, name
    return found.group(1)


def test_make_run_serves_with_the_workers_the_readme_shows() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    run = makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    (serve,) = [line for line in run.splitlines() if "testigo serve" in line]
    workers = re.search(r"--workers (\S+)", serve)
    assert workers, f"`make run` serves with the default worker count: {serve.strip()}"
    count = workers.group(1)
    if count.startswith("$("):
        count = _make_variable(makefile, count[2:-1])
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = re.findall(r"^testigo serve .*--workers (\d+)", readme, re.MULTILINE)
    assert shown and set(shown) == {count}, (shown, count)
