"""Terminal progress and the human summary of an ingest (rich, on stderr)."""

from __future__ import annotations

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from ingest.pipeline import IngestSummary
from ingest.runs import INTERRUPTED

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


def print_summary(summary: IngestSummary) -> None:
    table = Table(title=f"ingest {summary.kind} ({summary.format})", title_justify="left")
    for column in (
        "file",
        "status",
        "read",
        "loaded",
        "updated",
        "unchanged",
        "rejected",
        "withdrawn",
    ):
        table.add_column(
            column,
            justify="left" if column in ("file", "status") else "right",
            # A narrow terminal wraps the file's name rather than cutting it to "ork/sha…".
            overflow="fold" if column == "file" else "ellipsis",
        )
    for f in summary.files:
        table.add_row(
            _shown(f.source_file),
            f.status,
            *(
                f"{getattr(f, c):,}"
                for c in ("read", "loaded", "updated", "unchanged", "rejected", "withdrawn")
            ),
        )
    if len(summary.files) > 1:
        table.add_row(
            "total",
            "",
            *(
                f"{summary.total(c):,}"
                for c in ("read", "loaded", "updated", "unchanged", "rejected", "withdrawn")
            ),
        )
    _console.print(table)
    for run in summary.interrupted:
        _console.print(
            f"[yellow]interrupted[/] run {run.id} ({_shown(run.source_file)}): {INTERRUPTED}"
        )
    for f in summary.files:
        if f.status == "failed":
            _console.print(f"[bold red]failed[/] {f.error}")
        elif f.status == "skipped":
            _console.print(f"[dim]skipped {f.source_file}: {f.error}[/]")
        for r in f.rejections:
            _console.print(f"[yellow]quarantined[/] {f.source_file} {r['position']}: {r['reason']}")
        if f.rejected > len(f.rejections):
            _console.print(
                f"[yellow]... {f.rejected - len(f.rejections)} more quarantined rows "
                f"in {f.source_file} (table quarantine, run {f.run_id})[/]"
            )
