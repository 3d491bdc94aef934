"""Terminal progress and the human summary of an ingest (rich, on stderr)."""

from __future__ import annotations

from collections import Counter

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from app.store.ingest_runs import INTERRUPTED
from ingest.pipeline import COUNTS, FileResult, IngestSummary

_console = Console(stderr=True)


class TerminalProgress:
    def __init__(self) -> None:
        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            TextColumn("{task.completed:,} rows"),
            TimeElapsedColumn(),
            console=_console,
            transient=True,
        )
        self._task: int | None = None

    def start(self, description: str) -> None:
        self._progress.start()
        self._task = self._progress.add_task(description, total=None)

    def advance(self, rows: int) -> None:
        if self._task is not None:
            self._progress.advance(self._task, rows)  # type: ignore[arg-type]

    def finish(self) -> None:
        if self._task is not None:
            self._progress.remove_task(self._task)  # type: ignore[arg-type]
            self._task = None
        self._progress.stop()


def _shown(source_file: str) -> str:
    """A local file by its folder and name (the full path is in `--json` and the ingest run),
    a URL whole."""
    if "://" in source_file:
        return source_file
    return "/".join(source_file.replace("\\", "/").split("/")[-2:])


# Beyond this many files (the demo's OCDS folder holds ~400) the table shows one row a folder,
# and beyond this many quarantined rows one line says where the rest are; --verbose shows all.
MAX_FILE_ROWS = 12
MAX_QUARANTINE_LINES = 5


def _folder(source_file: str) -> str:
    parts = source_file.replace("\\", "/").split("/")
    return "/".join(parts[-3:-1]) + "/" if len(parts) > 2 else source_file


def _rows(summary: IngestSummary, verbose: bool) -> list[tuple[str, str, list[int]]]:
    """(file, status, counts) a row: each file, or each folder of a large summary."""
    if verbose or len(summary.files) <= MAX_FILE_ROWS:
        return [
            (_shown(f.source_file), f.status, [getattr(f, c) for c in COUNTS])
            for f in summary.files
        ]
    folders: dict[str, list[FileResult]] = {}
    for f in summary.files:
        folders.setdefault(_folder(f.source_file), []).append(f)
    rows = []
    for folder, files in folders.items():
        counts = [sum(getattr(f, c) for f in files) for c in COUNTS]
        rows.append((f"{folder} ({len(files)} files)", _status(files), counts))
    return rows


def _table(title: str, first: str) -> Table:
    table = Table(title=title, title_justify="left")
    for column in (first, "status", *COUNTS):
        table.add_column(
            column,
            justify="left" if column in (first, "status") else "right",
            # A narrow terminal wraps the file's name rather than cutting it to "ork/sha…".
            overflow="fold" if column == first else "ellipsis",
        )
    return table


def _status(files: list[FileResult]) -> str:
    statuses = Counter(f.status for f in files)
    if len(files) == 1:
        return files[0].status
    return ", ".join(f"{n} {s}" for s, n in statuses.most_common())


def print_sources(summaries: list[IngestSummary], *, verbose: bool = False) -> None:
    """Several ingests (the demo's sources) as one table, a row each; --verbose: each its own."""
    if verbose:
        for summary in summaries:
            print_summary(summary, verbose=True)
        return
    table = Table(title="ingest", title_justify="left")
    table.add_column("source", overflow="fold")
    for column in ("files", *COUNTS):
        table.add_column(column, justify="right")
    for s in summaries:
        # The files' statuses are not a column here: a failed file is named below the table.
        label = s.kind if s.kind == s.format else f"{s.kind} {s.format}"
        table.add_row(label, f"{len(s.files):,}", *(f"{s.total(c):,}" for c in COUNTS))
    _console.print(table)
    for summary in summaries:
        _print_notes(summary, verbose=False, each_file=False)


def print_summary(summary: IngestSummary, *, verbose: bool = False) -> None:
    table = _table(f"ingest {summary.kind} ({summary.format})", "file")
    for label, status, counts in _rows(summary, verbose):
        table.add_row(label, status, *(f"{n:,}" for n in counts))
    if len(summary.files) > 1:
        table.add_row("total", "", *(f"{summary.total(c):,}" for c in COUNTS))
    _console.print(table)
    _print_notes(summary, verbose=verbose, each_file=verbose or len(summary.files) <= MAX_FILE_ROWS)


def _print_notes(summary: IngestSummary, *, verbose: bool, each_file: bool) -> None:
    """Below a table: failures, interrupted runs, skipped files and quarantined rows."""
    for run in summary.interrupted:
        _console.print(
            f"[yellow]interrupted[/] run {run.id} ({_shown(run.source_file)}): {INTERRUPTED}"
        )
    budget = MAX_QUARANTINE_LINES
    hidden_rows = hidden_files = 0
    for f in summary.files:
        if f.status == "failed":
            _console.print(f"[bold red]failed[/] {f.error}")
        elif f.status == "skipped" and each_file:
            _console.print(f"[dim]skipped {f.source_file}: {f.error}[/]")
        shown = f.rejections if verbose else f.rejections[: max(0, budget)]
        budget -= len(shown)
        for r in shown:
            _console.print(f"[yellow]quarantined[/] {f.source_file} {r['position']}: {r['reason']}")
        rest = f.rejected - len(shown)
        if rest and each_file:
            _console.print(
                f"[yellow]... {rest} more quarantined rows "
                f"in {f.source_file} (table quarantine, run {f.run_id})[/]"
            )
        elif rest:
            hidden_rows, hidden_files = hidden_rows + rest, hidden_files + 1
    if hidden_rows:
        _console.print(
            f"[yellow]... {hidden_rows:,} more quarantined rows in {hidden_files:,} files "
            "(table quarantine; --verbose lists them)[/]"
        )
