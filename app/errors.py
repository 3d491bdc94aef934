"""One error hierarchy. Every failure Testigo means to report is a `TestigoError` carrying its
HTTP `status` and its command-line `exit_code`, so it is mapped once: to a response in
app/main.py (JSON for the API, the error page for a page) and to one line on stderr in
app/cli/base.py. Messages tell the user what to do next.

Exit codes follow one rule: 2 when what was asked is wrong (an option, a value, a missing
thing: asking again the same way cannot work), 1 when the work failed or cannot be done now.

The domain packages (`matching`, `ingest`) raise subclasses of these; the module is plain
Python, so they import it without importing FastAPI."""

from __future__ import annotations


def first_line(exc: object) -> str:
    """An exception's message as one line (its first non-blank one): what a user is shown of a
    failure, on the command line or in a run summary; the rest goes to the debug log."""
    return next((line.strip() for line in str(exc).splitlines() if line.strip()), "")


class TestigoError(Exception):
    """The root of every error Testigo reports. A subclass names its status and exit code in
    its header: `class Gone(TestigoError, status=410, exit_code=2): ...`."""

    status = 500
    exit_code = 1
    # Seconds a client should wait before asking again (sent as Retry-After); None: not sent.
    retry_after: int | None = None

    def __init_subclass__(
        cls, *, status: int | None = None, exit_code: int | None = None, **kwargs: object
    ) -> None:
        super().__init_subclass__(**kwargs)
        if status is not None:
            cls.status = status
        if exit_code is not None:
            cls.exit_code = exit_code

    def __init__(
        self, detail: str, status: int | None = None, *, retry_after: int | None = None
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        if status is not None:
            self.status = status
        if retry_after is not None:
            self.retry_after = retry_after

    @property
    def headers(self) -> dict[str, str] | None:
        return {"Retry-After": str(self.retry_after)} if self.retry_after is not None else None


class BadRequest(TestigoError, status=422, exit_code=2):
    """A value or an option that cannot be used; the message says what to send instead."""


class Unauthorised(TestigoError, status=401, exit_code=2): ...


class Forbidden(TestigoError, status=403, exit_code=2): ...


class NotFound(TestigoError, status=404, exit_code=2): ...


class TooLarge(TestigoError, status=413, exit_code=2): ...


class TooManyRequests(TestigoError, status=429, exit_code=1): ...


class NotReady(TestigoError, status=503, exit_code=1):
    """Not ready yet, or the database does not answer: worth trying again shortly."""

    retry_after = 5


class BadSetting(TestigoError, status=500, exit_code=2):
    """A TESTIGO_ setting that does not parse: the deployment, not the request, is wrong."""


class CannotStart(TestigoError, status=500, exit_code=2):
    """A run that cannot start at all (its configuration, or another run holding its lock),
    as opposed to one that ran and had failures (exit 1)."""


class BadData(TestigoError, status=422, exit_code=1):
    """Data from a source that cannot be read. An ingest reports it on the file or row and
    goes on; a run with such failures exits 1, as any run with failed files does."""


class Unavailable(TestigoError, status=502, exit_code=1):
    """Something outside Testigo (a source's server, a saved artefact) cannot be used now."""
