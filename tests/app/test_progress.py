"""The ingest summary table a person reads: every file named whole, however long its path and
however narrow the terminal (it used to show "ork/sha…")."""

from __future__ import annotations

from app import progress
from ingest.pipeline import FileResult, IngestSummary


def _file_column(text: str) -> str:
    cells = [line.split("│")[1].strip() for line in text.splitlines() if line.startswith("│")]
    return "".join(cells)


def test_the_summary_names_each_file_by_folder_and_name_never_cut() -> None:
    deep = "/work/very/long/path/to/shared/data/contracts/comprasmx_contratos_2026-03-08.csv"
    summary = IngestSummary(kind="contracts", format="comprasmx")
    summary.files.append(FileResult(deep, deep, read=3756, loaded=3756))
    url = "https://example.org/datos/comprasmx.csv"
    summary.files.append(FileResult(url, url))
    texts = {}
    width = progress._console.width
    try:
        for columns in (80, 140):  # a narrow terminal folds the name; a wide one fits it
            progress._console.width = columns
            with progress._console.capture() as captured:
                progress.print_summary(summary)
            texts[columns] = captured.get()
    finally:
        progress._console.width = width
    for text in texts.values():
        column = _file_column(text)
        assert "contracts/comprasmx_contratos_2026-03-08.csv" in column
        assert url in column and "/work/very" not in column and "3,756" in text
    assert "…" not in texts[140]
    assert "contracts/comprasmx_contratos_2026-03-08.csv" in texts[140]


def _many_files() -> IngestSummary:
    """The demo's OCDS shape: ~400 files in a few folders, some with quarantined rows, the
    second time round mostly skipped."""
    summary = IngestSummary(kind="ocds", format="ocds")
    for i in range(400):
        folder = ("inai", "jalisco", "cdmx")[i % 3]
        name = f"/data/ocds/{folder}/releases/r{i}.json"
        if i % 2:
            summary.files.append(FileResult(name, name, status="skipped", error="unchanged"))
            continue
        bad = [{"position": f"line {n}", "reason": "no id"} for n in range(3)]
        summary.files.append(
            FileResult(name, name, read=10, loaded=7, rejected=3, rejections=bad, run_id=i)
        )
    return summary


def _lines(text: str, start: str) -> int:
    return sum(line.startswith(start) for line in text.splitlines())


def _printed(summary: IngestSummary, verbose: bool) -> str:
    width = progress._console.width
    try:
        progress._console.width = 140
        with progress._console.capture() as captured:
            progress.print_summary(summary, verbose=verbose)
    finally:
        progress._console.width = width
    return captured.get()


def test_a_summary_of_many_files_is_a_few_lines_and_verbose_shows_each() -> None:
    # Issue 14 item 11: `make run` printed a 386-row table and a line per quarantined row.
    summary = _many_files()
    short = _printed(summary, verbose=False)
    assert len(short.splitlines()) < 25
    assert "ocds/inai/ (134 files)" not in short  # folders are named by their last two parts
    assert "inai/releases/ (134 files)" in short and "67 ok, 67 skipped" in short
    assert _lines(short, "quarantined ") == progress.MAX_QUARANTINE_LINES
    hidden = summary.total("rejected") - progress.MAX_QUARANTINE_LINES
    assert f"{hidden:,} more quarantined rows in" in short
    assert "2,000" in short and "1,400" in short  # the totals stay whole
    full = _printed(summary, verbose=True)
    assert "inai/releases/r0.json" in full and _lines(full, "quarantined ") == 600


def test_the_demo_is_one_table_of_sources() -> None:
    width = progress._console.width
    try:
        progress._console.width = 80  # not a terminal: what `make run | tee` shows
        with progress._console.capture() as captured:
            progress.print_sources([_many_files(), _many_files()])
    finally:
        progress._console.width = width
    text = captured.get()
    rows = [line for line in text.splitlines() if line.startswith("│")]
    assert len(rows) == 2 and all("400" in r and "2,000" in r and "600" in r for r in rows)
    assert "r1.json" not in text  # no file by file, no skipped-file lines
    assert _lines(text, "quarantined ") == 2 * progress.MAX_QUARANTINE_LINES
