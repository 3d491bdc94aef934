"""Property-based API testing with Schemathesis: every operation of the OpenAPI document, with
generated valid and invalid inputs, against the app on linked SFP and SAT 69-B data (SQLite and
PostgreSQL), called with an auditor key so the authorised code paths run.

No input may produce a server error. Answers must also match the document (status codes,
content types, response schemas), except for the known gaps below (ERROR_STATUSES, STREAMED),
which are the document's faults, not the answers'; any other mismatch fails."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import Case, Response
from schemathesis.checks import (
    CheckContext,
    CheckFunction,
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.specs.openapi.schemas import OpenApiSchema

from app import keys
from app.db import make_engine
from app.main import create_app
from app.settings import Settings
from tests.app.test_check_api import linked  # noqa: F401  (the module-scoped fixture)

pytestmark = pytest.mark.slow

# Where the OpenAPI document does not (yet) describe what the API rightly answers:
# - errors: every error is {"detail": "<message>"} (422 adds "errors"), but the document only
#   declares FastAPI's default 422 body (HTTPValidationError: `detail` is an array), and none
#   of the 400 / 401 / 403 / 404 / 413 / 503 answers the routes give;
# - GET /v1/export/entities streams application/x-ndjson or text/csv, declared as JSON.
ERROR_STATUSES = frozenset({400, 401, 403, 404, 413, 422, 503})
STREAMED = {"/v1/export/entities": ("application/x-ndjson", "text/csv")}
AnyCase = Case[Any]


def status_documented_or_known_error(
    ctx: CheckContext, response: Response, case: AnyCase
) -> bool | None:
    if response.status_code in ERROR_STATUSES:
        return None
    result: bool | None = status_code_conformance(ctx, response, case)
    return result


def content_type_documented_or_streamed(
    ctx: CheckContext, response: Response, case: AnyCase
) -> bool | None:
    media = response.headers.get("content-type", [""])[0].split(";")[0].strip()
    if media in STREAMED.get(case.operation.path, ()):
        return None
    result: bool | None = content_type_conformance(ctx, response, case)
    return result


def body_matches_schema_or_is_an_error(
    ctx: CheckContext, response: Response, case: AnyCase
) -> bool | None:
    if response.status_code not in ERROR_STATUSES:
        result: bool | None = response_schema_conformance(ctx, response, case)
        return result
    body = response.json()
    assert isinstance(body, dict) and isinstance(body.get("detail"), str) and body["detail"], (
        f"an error must say what went wrong in `detail`: {response.text[:300]}"
    )
    assert "Traceback" not in response.text
    return True


CHECKS: list[CheckFunction] = [
    not_a_server_error,
    status_documented_or_known_error,
    content_type_documented_or_streamed,
    body_matches_schema_or_is_an_error,
]


@pytest.fixture(scope="module")
def api_schema(linked: Settings) -> OpenApiSchema:  # noqa: F811
    app = create_app(linked, load_index=False)
    app.state.index.load()
    assert app.state.index.index is not None, app.state.index.problem
    return schemathesis.openapi.from_asgi("/openapi.json", app)


@pytest.fixture(scope="module")
def auditor(linked: Settings) -> dict[str, str]:  # noqa: F811
    engine = make_engine(linked)
    try:
        _, key = keys.create(engine, role="auditor", name="schemathesis")
    finally:
        engine.dispose()
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture(autouse=True)
def _node_id_for_schemathesis(request: pytest.FixtureRequest) -> None:
    # Schemathesis 4's fixture-loaded schemas read and rewrite `node._nodeid`, which pytest 9.2
    # no longer has (the id moved to `node._id`); it only names the per-operation subtests.
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_server_error_and_documented_answers(case: AnyCase, auditor: dict[str, str]) -> None:
    response = case.call(headers=auditor)
    case.validate_response(response, checks=CHECKS, headers=auditor)
