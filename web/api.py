"""Shared pieces of the dispatch API blueprints: roles, request bodies, pages, the actor."""

from __future__ import annotations

from typing import Any, TypeVar

from flask import Blueprint, current_app, request
from pydantic import BaseModel
from werkzeug.exceptions import RequestEntityTooLarge

from geo112.dispatch.schemas import parse
from geo112.errors import InvalidInput
from web.auth import current_user
from web.params import int_arg

#: Who may do what (admins may do everything: see :func:`web.auth.require_role`).
DISPATCH = ("dispatcher",)
READ = ("dispatcher", "planner")
PLAN = ("planner",)
ADMIN = ("admin",)
MAX_PAGE = 500

M = TypeVar("M", bound=BaseModel)


def body(model: type[M]) -> M:
    """Validate the JSON body against a schema (400 when not JSON, 413 when too large, 422 when invalid)."""
    # A body without Content-Length (chunked) is cut at MAX_CONTENT_LENGTH by werkzeug without a word, and
    # would then read as "not JSON": say what happened instead.
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if request.content_length is None and limit is not None and len(request.get_data(cache=True)) >= limit:
        raise RequestEntityTooLarge(f"the body is larger than {limit} bytes")
    if not request.is_json:
        return parse(model, None)
    try:
        data = current_app.json.loads(request.get_data(cache=True))
    except ValueError as exc:  # JSONDecodeError, bad UTF-8, too deep a nesting (web.jsonio)
        raise InvalidInput(f"the body is not valid JSON ({str(exc)[:120]}); send a JSON object") from None
    return parse(model, data)


def actor() -> str:
    """The logged-in user's name, recorded in the audit trail."""
    user = current_user()
    return user.username if user is not None else "anonymous"


def page() -> tuple[int, int]:
    """Return ``(limit, offset)`` from the query string."""
    return int_arg("limit", 50, 1, MAX_PAGE), int_arg("offset", 0, 0, 10**7)


def paginated(items: list[Any], total: int, limit: int, offset: int) -> dict[str, Any]:
    """Wrap one page of items with the total and the paging parameters."""
    return {"items": items, "total": total, "limit": limit, "offset": offset}


def blueprint(name: str, url_prefix: str = "/api/v1") -> Blueprint:
    """Return an API blueprint (error answers never commit: see :mod:`web.db`)."""
    return Blueprint(name, __name__, url_prefix=url_prefix)
