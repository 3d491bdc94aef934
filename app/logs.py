"""Structured key-value logs on stderr, so stdout stays clean for --json output; no API key in
any log line, ours or the server's.

OpenRefine cannot send headers, so its key travels on the service URL (`?api_key=`) and would
be written in clear by uvicorn's access log, and by any of our lines that quote a URL. Both go
through `redact`: the value of an `api_key` parameter (however its name is cased or
percent-encoded, as Starlette decodes it) and anything shaped like a key."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog

REDACTED = "[redacted]"
# `api_key=` as a query parameter (also `api%5Fkey`, any case) up to the next separator; and a
# key itself (`tg_` and 43 URL-safe characters), e.g. in a quoted Authorization header. Entity
# ids (`tg_` and 12 hex digits) are too short to be taken for one.
_PARAM = re.compile(r"(api(?:_|%5f)key=)[^&\s\"'#]*", re.IGNORECASE)
_KEY = re.compile(r"tg_[A-Za-z0-9_-]{20,}")
UVICORN_LOGGERS = ("uvicorn.access", "uvicorn.error")


def redact(text: str) -> str:
    """`text` with every API key in it replaced by [redacted]."""
    if "tg_" not in text and "key" not in text.lower():  # the common case, without a regex
        return text
    return _KEY.sub(REDACTED, _PARAM.sub(rf"\1{REDACTED}", text))


def _redact_value(value: Any) -> Any:
    return redact(value) if isinstance(value, str) else value


class RedactKeys(logging.Filter):
    """A logging filter that rewrites a record's message, arguments and traceback text."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_redact_value(a) for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: _redact_value(v) for k, v in record.args.items()}
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        return True


def guard_server_logs() -> None:
    """Redact uvicorn's access and error logs. Called when the app is made, after uvicorn has
    configured its logging (in each worker); a logger's filter is kept once."""
    for name in UVICORN_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactKeys) for f in logger.filters):
            logger.addFilter(RedactKeys())


def _redact_event(
    _logger: Any, _method: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    return {k: _redact_value(v) for k, v in event.items()}


def _stderr_logger(*_args: Any) -> structlog.PrintLogger:
    # sys.stderr is looked up at each log call, not when logging is configured: a stream
    # captured at configure time (a test runner's, a closed pipe) must not outlive itself.
    return structlog.PrintLogger(file=sys.stderr)


# Libraries whose own logging is detail for `--verbose`: Splink logs each training step and
# warns of every parameter it could not estimate (~230 lines for the demo); what matters of it
# is said in the link summary's `training:` line.
CHATTY_LIBRARIES = ("splink",)


def configure(level: str = "INFO", *, verbose: bool = False) -> None:
    numeric = logging.getLevelName(level.upper())
    if not isinstance(numeric, int):
        numeric = logging.INFO
    if verbose:
        numeric = min(numeric, logging.INFO)
        logging.basicConfig(level=logging.INFO, format="%(name)s %(levelname)s %(message)s")
    for name in CHATTY_LIBRARIES:
        logging.getLogger(name).setLevel(logging.INFO if verbose else logging.ERROR)
    structlog.configure(
        processors=[
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            _redact_event,
            structlog.processors.KeyValueRenderer(key_order=["timestamp", "level", "event"]),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=_stderr_logger,
        cache_logger_on_first_use=False,
    )
