"""One error hierarchy; HTTP mapping lives in app/main.py. Messages tell the user what to do."""

from __future__ import annotations


class TestigoError(Exception):
    status = 500

    def __init__(self, detail: str, status: int | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        if status is not None:
            self.status = status


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


class NotReady(TestigoError):
    status = 503
