"""Request dependencies: settings, engine, the real-time index and the authenticated caller.

They are `async def` although the caller's key is looked up in the database: FastAPI runs a
plain `def` dependency on its thread pool, a thread hop per dependency per request that costs
more than the lookup itself (an indexed read of well under a millisecond)."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import Engine

from app import keys
from app.audit import AuditWriter
from app.errors import Forbidden, NotReady, Unauthorised
from app.index_holder import IndexHolder
from app.settings import Settings
from app.throttle import Throttle
from matching.score import Index


async def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


async def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_audit(request: Request) -> AuditWriter:
    writer: AuditWriter = request.app.state.audit
    return writer


async def get_index(request: Request) -> Index:
    holder: IndexHolder = request.app.state.index
    index = holder.index
    if index is None:
        raise NotReady(f"not ready: {holder.problem}")
    return index


def _presented_key(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return request.headers.get("x-api-key") or None


def verify_key(request: Request, key: str) -> keys.Caller | None:
    """The holder of `key`, or None; a client with too many failures is refused first
    (TooManyRequests, 429) without its key being looked up (app/throttle.py)."""
    throttle: Throttle = request.app.state.throttle
    client = request.client.host if request.client else "unknown"
    throttle.check(client)
    caller = keys.verify(request.app.state.engine, key)
    if caller is None:
        throttle.failed(client)
    return caller


async def get_caller(request: Request) -> keys.Caller:
    key = _presented_key(request)
    if key is None:
        raise Unauthorised("send an API key: 'Authorization: Bearer <key>' or 'X-API-Key: <key>'")
    caller = verify_key(request, key)
    if caller is None:
        raise Unauthorised("this API key is unknown or revoked")
    return caller


def allowed(action: str) -> Callable[..., Coroutine[Any, Any, keys.Caller]]:
    async def dependency(caller: Annotated[keys.Caller, Depends(get_caller)]) -> keys.Caller:
        if not caller.may(action):
            raise Forbidden(f"the {caller.role} role may not {action}")
        return caller

    return dependency


EngineDep = Annotated[Engine, Depends(get_engine)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
IndexDep = Annotated[Index, Depends(get_index)]
AuditDep = Annotated[AuditWriter, Depends(get_audit)]
