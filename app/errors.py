"""One error hierarchy; HTTP mapping lives in app/main.py. Messages tell the user what to do."""

from __future__ import annotations


def first_line(exc: object) -> str:
    """An exception's message as one line (its first non-blank one): what a user is shown of a
    failure, on the command line or in a run summary; the rest goes to the debug log."""
    return next((line.strip() for line in str(exc).splitlines() if line.strip()), "")


class TestigoError(Exception):
    status = 500
    # Seconds a client should wait before asking again (sent as Retry-After); None: not sent.
    retry_after: int | None = None

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


class BadRequest(TestigoError):
    status = 422


class Unauthorised(TestigoError):
    status = 401


class Forbidden(TestigoError):
    status = 403


class NotFound(TestigoError):
    status = 404


class TooLarge(TestigoError):
    status = 413


class TooManyRequests(TestigoError):
    status = 429


class NotReady(TestigoError):
    """Not ready yet, or the database does not answer: worth trying again shortly."""

    status = 503
    retry_after = 5
