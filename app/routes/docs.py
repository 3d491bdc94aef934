"""The API documentation, served whole by Testigo: Swagger UI at /docs with its script and
style from the `fastapi-offline` package, never from a CDN (no ReDoc: its standalone build
still fetches its logo from the internet). Government networks are often closed; FastAPI's own
page fetches its assets from the internet and stays blank there. The page carries no inline
script (the start-up code is /static/docs.js), so it keeps working under `script-src 'self'`.

/openapi.json is served here too, in the reader's language (app/openapi_text.py)."""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse

from app import i18n, openapi_text

ASSETS = Path(fastapi_offline.__file__).parent / "static"
ASSETS_URL = "/static/docs"

router = APIRouter(include_in_schema=False)

_SWAGGER = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Testigo API</title>
<link rel="icon" href="{ASSETS_URL}/favicon.png">
<link rel="stylesheet" href="{ASSETS_URL}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui" data-openapi="/openapi.json"></div>
<script src="{ASSETS_URL}/swagger-ui-bundle.js"></script>
<script src="/static/docs.js"></script>
</body>
</html>
"""


@router.get("/docs", response_class=HTMLResponse)
def swagger_ui() -> HTMLResponse:
    return HTMLResponse(_SWAGGER)


@router.get("/openapi.json")
def openapi_schema(request: Request) -> JSONResponse:
    """The OpenAPI schema with its descriptions in the reader's language, made once per
    language (the schema does not change while the process runs)."""
    lang = i18n.language(request)
    made: dict[str, dict[str, object]] = request.app.state.__dict__.setdefault("openapi", {})
    if lang not in made:
        made[lang] = openapi_text.localised(request.app.openapi(), i18n.translations(lang))
    answer = JSONResponse(made[lang])
    answer.headers["Vary"] = "Accept-Language, Cookie"
    i18n.remember(request, answer)
    return answer
