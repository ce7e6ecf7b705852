"""The API's OpenAPI document as the tests read it: every operation, with the roles it admits."""

from __future__ import annotations

from functools import cache
from typing import Any


@cache
def document() -> dict[str, Any]:
    """The document as an app serves it (made once per test session)."""
    from web import create_app

    return create_app({"TESTING": True}).test_client().get("/api/v1/openapi.json").get_json()


def operations() -> list[tuple[str, str, tuple[str, ...], dict[str, Any]]]:
    """Every operation: method, path, the roles it admits (admin among them; none: public), the operation."""
    return [
        (method, path, tuple(_roles(operation)), operation)
        for path, methods in document()["paths"].items()
        for method, operation in methods.items()
    ]


def _roles(operation: dict[str, Any]) -> list[str]:
    requirements = operation.get("security") or [{}]
    roles: list[str] = requirements[0].get("session", [])
    return roles
