"""/docs: Swagger UI over /openapi.json, as FastAPI serves it, but with its start-up script in
a static file, so that the page's Content-Security-Policy needs no inline script
(`app/security_headers.py`). Swagger UI itself comes from jsDelivr, pinned to major version 5
as in FastAPI's own page."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from app.security_headers import DOCS_CDN

router = APIRouter(include_in_schema=False)
SWAGGER = f"{DOCS_CDN}/npm/swagger-ui-dist@5"

PAGE = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Testigo API</title>
<link rel="stylesheet" href="{SWAGGER}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="{SWAGGER}/swagger-ui-bundle.js"></script>
<script src="/static/docs.js"></script>
</body>
</html>
"""


@router.get("/docs")
async def docs() -> HTMLResponse:
    return HTMLResponse(PAGE)
