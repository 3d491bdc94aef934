"""The API documentation a person reads (/docs, /openapi.json) in their language.

What was chosen: the route docstrings stay the English source of each operation's description
(they are what a developer edits beside the code), and the Spanish is in the gettext catalogue
with every other text. This module is both ends of that:
- `extract`, a Babel extractor (`babel.cfg` maps `app/routes/` and `app/main.py` to it), gives
  the catalogue what FastAPI will publish: each route's summary (FastAPI's, from the function's
  name, or its `summary=`), its docstring as FastAPI cleans it, every `description="..."` given
  to a parameter or to the app, beside the ordinary `_()` / `N_()` markers of those files;
- `localised` returns the schema with those texts translated.
`/openapi.json` answers in the reader's language, negotiated like a page (`?lang=`, the
`testigo_lang` cookie, Accept-Language, then `TESTIGO_LANGUAGE`: Spanish by default), so the
Swagger UI at /docs reads in Spanish for an officer's browser. `app.openapi()` itself stays
English, the source: tools that read the schema from Python get the same text as before.
Paths, parameter names, schemas and codes are never translated."""

from __future__ import annotations

import ast
import copy
import inspect
from collections.abc import Collection, Iterator, Mapping
from typing import IO, Any

from babel.messages.extract import extract_python

from matching.explain import N_, Translator

# The answers' descriptions: FastAPI's own, and those of `app.schemas.errors` (kept there, beside
# the statuses they describe; repeated here for the catalogue, and tests/test_catalogue.py fails
# when one there changes and not here).
RESPONSES = (
    N_("Successful Response"),
    N_("Validation Error"),
    N_("The body could not be read (not JSON, or not UTF-8)"),
    N_("No API key, or an unknown or revoked one"),
    N_("The key's role may not do this"),
    N_("Nothing by that id"),
    N_("Too many records in one request"),
    N_("Invalid input: the message says which field and why"),
    N_("Too many failed API key attempts from this address: wait `Retry-After` seconds"),
    N_("Not ready (no linked index yet) or the database is unavailable"),
)
HTTP_METHODS = {"get", "post", "put", "patch", "delete", "head", "options", "api_route"}
# (line, function, message, comments), as Babel's extractors yield them.
Extracted = tuple[Any, ...]


def _summary(function: ast.FunctionDef | ast.AsyncFunctionDef, call: ast.Call) -> str:
    for keyword in call.keywords:
        if keyword.arg == "summary" and isinstance(keyword.value, ast.Constant):
            return str(keyword.value.value)
    # FastAPI's own: the function's name, words capitalised (fastapi.routing.APIRoute).
    return function.name.replace("_", " ").title()


def _hidden(tree: ast.AST) -> bool:
    """Whether the file's router keeps its routes out of the schema (the pages, /docs)."""
    return any(
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "APIRouter"
        and any(
            k.arg == "include_in_schema"
            and isinstance(k.value, ast.Constant)
            and k.value.value is False
            for k in node.keywords
        )
        for node in ast.walk(tree)
    )


def _routes(tree: ast.AST) -> Iterator[tuple[int, str]]:
    if _hidden(tree):
        return
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for decorator in node.decorator_list:
            if (
                isinstance(decorator, ast.Call)
                and isinstance(decorator.func, ast.Attribute)
                and decorator.func.attr in HTTP_METHODS
            ):
                included = not any(
                    k.arg == "include_in_schema"
                    and isinstance(k.value, ast.Constant)
                    and k.value.value is False
                    for k in decorator.keywords
                )
                if included:
                    yield node.lineno, _summary(node, decorator)
                    doc = ast.get_docstring(node, clean=False)
                    if doc:
                        # FastAPI: inspect.cleandoc, cut at a form feed.
                        yield node.lineno, inspect.cleandoc(doc).split("\f")[0]


def _descriptions(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """`description="..."` given to a call (a parameter, the app) or in a dict (a route's
    `responses={200: {"description": ...}}`)."""
    for node in ast.walk(tree):
        given: list[ast.expr] = []
        if isinstance(node, ast.Call):
            given = [k.value for k in node.keywords if k.arg == "description"]
        elif isinstance(node, ast.Dict):
            given = [
                v
                for k, v in zip(node.keys, node.values, strict=True)
                if isinstance(k, ast.Constant) and k.value == "description"
            ]
        for expression in given:
            try:
                value = ast.literal_eval(expression)  # adjacent literals are one
            except ValueError:
                continue
            if isinstance(value, str) and value:
                yield expression.lineno, value


def extract(
    fileobj: IO[bytes],
    keywords: Mapping[str, Any],
    comment_tags: Collection[str],
    options: Any,
) -> Iterator[Extracted]:
    """Babel extractor: the file's `_()` / `N_()` messages, then the texts FastAPI publishes."""
    yield from extract_python(fileobj, keywords, comment_tags, options)
    fileobj.seek(0)
    tree = ast.parse(fileobj.read())
    for lineno, text in (*_routes(tree), *_descriptions(tree)):
        yield lineno, "gettext", text, []


def localised(schema: dict[str, Any], tr: Translator) -> dict[str, Any]:
    """A copy of `schema` whose texts for people are in `tr`'s language."""
    out = copy.deepcopy(schema)
    info = out.get("info", {})
    if info.get("description"):
        info["description"] = tr.gettext(info["description"])
    for operations in out.get("paths", {}).values():
        for operation in operations.values():
            for key in ("summary", "description"):
                if operation.get(key):
                    operation[key] = tr.gettext(operation[key])
            for parameter in operation.get("parameters", []):
                if parameter.get("description"):
                    parameter["description"] = tr.gettext(parameter["description"])
            for response in operation.get("responses", {}).values():
                if response.get("description"):
                    response["description"] = tr.gettext(response["description"])
    return out


def texts(schema: Mapping[str, Any]) -> Iterator[str]:
    """Every text `localised` translates (the catalogue test asks each to be translated)."""
    if schema.get("info", {}).get("description"):
        yield schema["info"]["description"]
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            for key in ("summary", "description"):
                if operation.get(key):
                    yield operation[key]
            for parameter in operation.get("parameters", []):
                if parameter.get("description"):
                    yield parameter["description"]
            for response in operation.get("responses", {}).values():
                if response.get("description"):
                    yield response["description"]
