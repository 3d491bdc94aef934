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
