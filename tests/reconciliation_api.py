"""The Reconciliation Service API 0.2's official JSON Schemas (tests/fixtures/
reconciliation_api_0.2, see its README), to validate answers and the batches tests send."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT4, DRAFT202012

SCHEMAS = Path(__file__).resolve().parent / "fixtures" / "reconciliation_api_0.2"
SWAGGER = "http://swagger.io/v2/schema.json"


def _load(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
    return loaded


@cache
def _registry() -> Registry:
    resources = [
        # "$schema": "http://json-schema.org/schema#" names no draft: read as the current one.
        (schema["$id"], DRAFT202012.create_resource(schema))
        for schema in (_load(p.name) for p in SCHEMAS.glob("*.json") if "swagger" not in p.name)
    ]
    swagger = DRAFT4.create_resource(_load("swagger-2.0-security-definitions.json"))
    return Registry().with_resources([*resources, (SWAGGER, swagger)])


def validate(instance: Any, name: str) -> None:
    """Raise jsonschema.ValidationError unless `instance` is valid against schema `name`
    (e.g. "manifest", "reconciliation-result-batch")."""
    Draft202012Validator(_load(f"{name}.json"), registry=_registry()).validate(instance)
