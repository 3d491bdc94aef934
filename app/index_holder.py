"""The real-time index, loaded in the background so the process answers /healthz at once and
/readyz only when the index is loaded, and loaded again when a link run leaves a newer state:
checks keep being answered from the previous index meanwhile. The index is files the link run
wrote and every worker memory-maps (`matching.index_files`): loading one is opening them, and
the pages are shared by every process on the machine, not copied into each worker."""

from __future__ import annotations

import threading
import time

import structlog
from sqlalchemy import Engine

from app.errors import NotReady
from app.settings import Settings
from matching import index_files
from matching import state as link_state
from matching.model import fits, load_version
from matching.score import Index

log = structlog.get_logger(__name__)

RECHECK_SECONDS = 5.0  # how often a request may look for a newer link state


class IndexUnavailable(NotReady):
    """No index can be loaded yet; the message says what to run."""


def open_index(engine: Engine, settings: Settings) -> Index:
    """The index of the latest link state, with the model that state was scored with. The
    files are the link run's; a state left before they existed gets them written now, by the
    first worker to ask (the others wait for it, `index_files.ensure`)."""
    directory = settings.link_state_dir
    for _ in range(3):  # a link run may replace the state between reading its stamp and opening
        link_run_id, version = link_state.stamp(directory), link_state.model_version_of(directory)
        if link_run_id is None or version is None:
            raise IndexUnavailable("no link state yet: run `testigo link`")
        model = load_version(settings.model_dir, version)
        if model is None:
            raise IndexUnavailable(
                f"model {version} of the last link run is missing from "
                f"{settings.model_dir}: run `testigo link --full`"
            )
        if not fits(model):
            raise IndexUnavailable(
                f"model {version} of the last link run has other comparison levels than this "
                "version of Testigo: run `testigo link`"
            )
        files = index_files.ensure(engine, directory, link_run_id)
        if files is not None:
            return Index.open(
                files,
                model,
                auto=settings.link_auto_threshold,
                review=settings.link_review_threshold,
            )
        if link_state.stamp(directory) == link_run_id:  # not replaced: unusable
            raise IndexUnavailable("the link state is of an older format: run `testigo link`")
    raise IndexUnavailable("the link state keeps changing: try again when `testigo link` ends")


class IndexHolder:
    def __init__(self, engine: Engine, settings: Settings) -> None:
        self._engine = engine
        self._settings = settings
        self._index: Index | None = None
        self._error: str | None = None
        self._lock = threading.Lock()
        self._loading = False
        self._checked = 0.0

    @property
    def index(self) -> Index | None:
        self._refresh_if_stale()
        return self._index

    @property
    def problem(self) -> str | None:
        if self._index is not None:
            return None
        return self._error or "loading the model and index"

    def load(self) -> None:
        """Load the latest link state with the model it was scored with; on failure keep the
        index there was, and say why."""
        started = time.perf_counter()
        try:
            index = open_index(self._engine, self._settings)
            with self._lock:
                previous, self._index = self._index, index
                self._error = None
            del previous  # its mappings close when the last check using it ends
            log.info(
                "index.loaded",
                profiles=len(index.rows),
                link_run=index.link_run_id,
                model=index.model_version,
                seconds=round(time.perf_counter() - started, 2),
            )
        except IndexUnavailable as exc:
            self._error = str(exc)
        except Exception as exc:  # the API keeps answering; /readyz says what went wrong
            self._error = f"index failed to load: {exc.__class__.__name__}: {exc}"
            log.error("index.failed", error=str(exc))
        finally:
            self._loading = False

    def start(self) -> threading.Thread:
        self._loading = True
        self._checked = time.monotonic()
        thread = threading.Thread(target=self.load, name="index-loader", daemon=True)
        thread.start()
        return thread

    def _refresh_if_stale(self) -> None:
        now = time.monotonic()
        if self._loading or now - self._checked < RECHECK_SECONDS:
            return
        with self._lock:
            if self._loading or now - self._checked < RECHECK_SECONDS:
                return
            self._checked = now
            current = self._index.link_run_id if self._index is not None else None
            if link_state.stamp(self._settings.link_state_dir) in (None, current):
                return
            log.info("index.newer_state", loaded=current)
        self.start()
