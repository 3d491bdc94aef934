"""The real-time index, built in the background at start-up so the process answers /healthz at
once and /readyz only when the model and index are loaded."""

from __future__ import annotations

import threading
import time

import structlog
from sqlalchemy import Engine

from app.settings import Settings
from matching.model import load_latest
from matching.score import Index

log = structlog.get_logger(__name__)


class IndexHolder:
    def __init__(self, engine: Engine, settings: Settings) -> None:
        self._engine = engine
        self._settings = settings
        self._index: Index | None = None
        self._error: str | None = None
        self._lock = threading.Lock()

    @property
    def index(self) -> Index | None:
        return self._index

    @property
    def problem(self) -> str | None:
        if self._index is not None:
            return None
        return self._error or "loading the model and index"

    def load(self) -> None:
        started = time.perf_counter()
        try:
            model = load_latest(self._settings.model_dir)
            if model is None:
                self._error = "no trained model yet: run `testigo link`"
                return
            index = Index.build(self._engine, model)
            with self._lock:
                self._index = index
                self._error = None
            log.info(
                "index.loaded",
                profiles=len(index.rows),
                model=index.model_version,
                seconds=round(time.perf_counter() - started, 2),
            )
        except Exception as exc:  # the API keeps answering; /readyz says what went wrong
            self._error = f"index failed to load: {exc.__class__.__name__}: {exc}"
            log.error("index.failed", error=str(exc))

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self.load, name="index-loader", daemon=True)
        thread.start()
        return thread
