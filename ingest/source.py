"""Where ingest bytes come from: a local file, every file in a directory, or an http(s) URL.

A URL is streamed to a file in the cache (never held in memory), with retries and a conditional
GET: when the server answers 304 to the previous ETag / Last-Modified, nothing is re-ingested.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import structlog

from app.errors import Unavailable

log = structlog.get_logger(__name__)

CHUNK = 1 << 20


class SourceError(Unavailable):
    """A source that cannot be fetched or opened; the message says what to check."""


@dataclass(slots=True)
class LocalFile:
    path: Path
    origin: str  # as the user gave it (path or URL)
    sha256: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    retrieved_at: datetime | None = None
    not_modified: bool = False  # the server said 304: the previous copy is current


@dataclass(slots=True)
class Validators:
    """What a previous fetch of the same URL returned, for a conditional GET."""

    etag: str | None = None
    last_modified: str | None = None


def is_url(location: str) -> bool:
    return location.startswith(("http://", "https://"))


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def local_files(location: str, patterns: Iterable[str] | None = None) -> list[LocalFile]:
    """A path (file or directory) as the files to read, sorted so runs are repeatable."""
    path = Path(location)
    if not path.exists():
        raise SourceError(f"{location}: no such file or directory")
    if path.is_dir():
        globs = list(patterns or ["*"])
        found = sorted({p for g in globs for p in path.rglob(g) if p.is_file()})
        if not found:
            raise SourceError(
                f"{location}: the directory holds no readable files ({', '.join(globs)})"
            )
        return [LocalFile(path=p, origin=str(p)) for p in found]
    return [LocalFile(path=path, origin=location)]


def fetch(
    url: str,
    cache_dir: Path,
    *,
    previous: Validators | None = None,
    timeout: float = 60.0,
    retries: int = 3,
    client: httpx.Client | None = None,
) -> LocalFile:
    """Download `url` into `cache_dir`, streaming, retrying transient failures with backoff."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    target = cache_dir / hashlib.sha256(url.encode()).hexdigest()[:24]
    headers: dict[str, str] = {}
    if previous is not None and target.exists():
        if previous.etag:
            headers["If-None-Match"] = previous.etag
        if previous.last_modified:
            headers["If-Modified-Since"] = previous.last_modified
    own_client = client is None
    http = client or httpx.Client(timeout=timeout, follow_redirects=True)
    try:
        last_error: Exception | None = None
        for attempt in range(retries + 1):
            try:
                return _fetch_once(http, url, target, headers)
            except (httpx.TransportError, _Retryable) as exc:
                last_error = exc
                log.warning("fetch.retry", url=url, attempt=attempt + 1, error=str(exc))
                if attempt < retries:
                    time.sleep(min(2**attempt * 0.5, 10))
        raise SourceError(f"{url}: could not fetch after {retries + 1} attempts: {last_error}")
    finally:
        if own_client:
            http.close()


class _Retryable(Exception):
    pass


def _fetch_once(http: httpx.Client, url: str, target: Path, headers: dict[str, str]) -> LocalFile:
    partial = target.with_suffix(".part")
    with http.stream("GET", url, headers=headers) as response:
        if response.status_code == 304:
            return LocalFile(
                path=target,
                origin=url,
                sha256=sha256_of(target),
                etag=headers.get("If-None-Match"),
                last_modified=headers.get("If-Modified-Since"),
                retrieved_at=datetime.now(UTC),
                not_modified=True,
            )
        if response.status_code >= 500 or response.status_code == 429:
            raise _Retryable(f"HTTP {response.status_code}")
        if response.status_code >= 400:
            raise SourceError(f"{url}: the server answered HTTP {response.status_code}")
        digest = hashlib.sha256()
        with partial.open("wb") as out:
            for chunk in response.iter_bytes(CHUNK):
                digest.update(chunk)
                out.write(chunk)
        # Only a complete download replaces the cached copy.
        partial.replace(target)
        return LocalFile(
            path=target,
            origin=url,
            sha256=digest.hexdigest(),
            etag=response.headers.get("ETag"),
            last_modified=response.headers.get("Last-Modified"),
            retrieved_at=datetime.now(UTC),
        )
