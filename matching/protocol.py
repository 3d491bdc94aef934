"""The answers of the reconciliation service (W3C Reconciliation Service API 0.2) as typed
models: the manifest, query candidates, suggest, property proposals and data extension
(`reconcile.py`, `extension.py`). Field names are the protocol's, camelCase included, since
OpenRefine reads them as they are; the API returns these objects as its `response_model`."""

from __future__ import annotations

from pydantic import BaseModel, Field, RootModel


class TypeRef(BaseModel):
    id: str
    name: str


class TypeOut(TypeRef):
    """A type as the type suggest lists it; the narrower types name `firm` as broader."""

    broader: list[TypeRef] | None = None


class Service(BaseModel):
    service_url: str
    service_path: str


class Preview(BaseModel):
    url: str
    width: int
    height: int


class Extend(BaseModel):
    propose_properties: Service
    property_settings: list[dict[str, str]]


class Manifest(BaseModel):
    """The service manifest OpenRefine reads when the service is added."""

    versions: list[str]
    name: str
    identifierSpace: str
    schemaSpace: str
    documentation: str
    serviceVersion: str
    defaultTypes: list[TypeRef]
    batchSize: int
    view: dict[str, str]
    preview: Preview
    suggest: dict[str, Service] = Field(description="entity, property and type suggest")
    extend: Extend
    authentication: dict[str, str]


class Feature(BaseModel):
    id: str
    value: bool | float


class Candidate(BaseModel):
    id: str
    name: str
    description: str
    score: float = Field(description="0-100")
    match: bool = Field(description="Sure enough for OpenRefine to accept without asking")
    type: list[TypeRef]
    features: list[Feature]


class QueryAnswer(BaseModel):
    result: list[Candidate]


class BatchAnswer(RootModel[dict[str, QueryAnswer]]):
    """The candidates for each query of a batch, under the query's own key (q0, q1...)."""


class EntitySuggestion(BaseModel):
    id: str
    name: str
    description: str
    notable: list[TypeRef]


class EntitySuggestions(BaseModel):
    result: list[EntitySuggestion]


class PropertyOut(BaseModel):
    id: str
    name: str
    description: str


class PropertySuggestions(BaseModel):
    result: list[PropertyOut]


class TypeSuggestions(BaseModel):
    result: list[TypeOut]


class Proposal(BaseModel):
    """The properties data extension can fetch for a type."""

    type: str
    properties: list[PropertyOut]
    limit: int | None = Field(default=None, description="As asked; absent when not asked")


class Column(BaseModel):
    id: str
    name: str


class Extended(BaseModel):
    """A data extension answer: a column per property, and for each firm asked each property's
    values ({"str": ...}, {"int": ...}, or {} for none)."""

    meta: list[Column]
    rows: dict[str, dict[str, list[dict[str, str | int]]]]
