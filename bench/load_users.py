"""The users bench/load.py sends: a locustfile, run by `locust --headless` in a process of its
own (locust patches the standard library with gevent, which the orchestrating process, with its
threads and child processes, must not be).

What to send comes from the JSON plan named by $LOAD_PLAN (written by bench/load.py): the keys,
a fixed seeded list of each kind of request, the mix (weights of check, match and entity) and
the rate of each user (0: a closed loop, the next request as soon as an answer comes back;
otherwise locust's `constant_throughput`). Every request is appended to the plan's log as one
CSV line, `start,kind,status,ms,retry_after`, so bench/load.py computes every figure from
what was seen (status 0: no answer, the connection failed) rather than from locust's
aggregates."""

from __future__ import annotations

import itertools
import json
import os
from typing import Any, TextIO

from locust import FastHttpUser, constant, constant_throughput, events

PLAN: dict[str, Any] = json.loads(open(os.environ["LOAD_PLAN"], encoding="utf-8").read())  # noqa: SIM115
_LOG: TextIO = open(PLAN["log"], "a", encoding="utf-8", buffering=1 << 16)  # noqa: SIM115
# Greenlets of one process share these: each request takes the next item of its kind, so a run
# sends the plan's sequence whatever the number of users.
_NEXT = {kind: itertools.count() for kind in ("check", "match", "entity")}


def _item(kind: str, items: list[Any]) -> Any:
    return items[next(_NEXT[kind]) % len(items)]


def _logged(
    name: str,
    response_time: float,
    response: Any = None,
    exception: BaseException | None = None,
    start_time: float | None = None,
    **_: Any,
) -> None:
    status = getattr(response, "status_code", 0) or 0
    if exception is not None and status in (200, 201):
        status = 0  # locust reports a failed read of the body as an exception
    headers = getattr(response, "headers", None) or {}
    retry = 1 if headers.get("Retry-After") else 0
    _LOG.write(f"{start_time or 0:.4f},{name},{status},{response_time:.3f},{retry}\n")


def _close(**_: Any) -> None:
    _LOG.close()


events.request.add_listener(_logged)  # type: ignore[no-untyped-call]
events.quitting.add_listener(_close)  # type: ignore[no-untyped-call]


class Officer(FastHttpUser):
    wait_time = (
        constant_throughput(PLAN["rate_per_user"]) if PLAN["rate_per_user"] > 0 else constant(0)
    )
    # Plenty: a check that waits longer than this has failed anyway.
    network_timeout = 30.0
    connection_timeout = 10.0

    def on_start(self) -> None:
        self.officer = {"Authorization": f"Bearer {PLAN['officer_key']}"}
        self.auditor = {"Authorization": f"Bearer {PLAN['auditor_key']}"}

    def check(self) -> None:
        params = _item("check", PLAN["checks"])
        self.client.get("/v1/check", params=params, headers=self.officer, name="check")

    def match(self) -> None:
        body = {"records": _item("match", PLAN["matches"])}
        self.client.post("/v1/match", json=body, headers=self.auditor, name="match")

    def entity(self) -> None:
        entity_id = _item("entity", PLAN["entities"])
        self.client.get(f"/v1/entities/{entity_id}", headers=self.auditor, name="entity")


# The mix as locust weighs a list: each task as many times as its weight.
Officer.tasks = [
    task
    for kind, task in (
        ("check", Officer.check),
        ("match", Officer.match),
        ("entity", Officer.entity),
    )
    for _ in range(PLAN["mix"][kind])
]
