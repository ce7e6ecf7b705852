"""Each API operation declared once: one decorator on its view says the method, the path, the roles, the
response model and its status; the view's typed ``json`` and ``query`` parameters say the request's models,
and its docstring the summary. From that one declaration follow the Flask rule, the role check, validation
of the body and the query string, serialisation of the response model and the operation's OpenAPI entry.

The validation and the document are spectree's (on pydantic; see docs/architecture.md for why spectree).
What stays geo112's own: errors keep their ``{"error", "detail"}`` bodies (a body that is not a JSON object
is a 400, invalid fields a 422 listing each, a bad query parameter a 400 naming it), roles are checked before
anything is read, CSRF and the JSON-depth guard run as for every request.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from functools import wraps
from types import FunctionType
from typing import Any, TypeVar, get_type_hints

from flask import Blueprint, current_app, jsonify, make_response, request
from pydantic import BaseModel, ValidationError
from spectree import Response, SecurityScheme, SecuritySchemeData, SpecTree
from spectree.models import InType, SecureType
from spectree.plugins.flask_plugin import FlaskPlugin
from werkzeug.exceptions import RequestEntityTooLarge

from geo112.dispatch.schemas import Error, parse, unprocessable
from geo112.errors import InvalidInput
from geo112.region import current_region
from web.auth import PBX_ROLE, current_user, require_role
from web.params import query_error

#: Who may do what (admins may do everything: see :func:`web.auth.require_role`); PUBLIC needs no login.
DISPATCH = ("dispatcher",)
READ = ("dispatcher", "planner")
PLAN = ("planner",)
ADMIN = ("admin",)
PBX = (PBX_ROLE,)
PUBLIC: tuple[str, ...] = ()
ERRORS = {
    400: "malformed request or query parameter",
    401: "not logged in",
    403: "role not allowed",
    404: "not found",
    409: "conflict with the current state",
    413: "request body over 1 MiB",
    422: "invalid fields",
    429: "too many requests",
    503: "road network or database unavailable",
}
F = TypeVar("F", bound=Callable[..., Any])
M = TypeVar("M", bound=BaseModel)


#: Per endpoint: the body's model, the query's model, and whether it reads a body of another kind (CAP XML).
_declared: dict[str, tuple[type[BaseModel] | None, type[BaseModel] | None, bool]] = {}


def _before(req: Any, resp: Any, error: Exception | None, instance: Any, adapter: Any) -> None:
    """Answer a request spectree found invalid the way every geo112 error is answered."""
    body_model, query_model, raw = _declared.get(req.endpoint, (None, None, False))
    if body_model is not None and req.method not in ("GET", "DELETE"):
        _checked_body(body_model)
    elif not raw and raw_body().strip() not in (b"", b"{}"):
        # An operation that takes no body would silently ignore one: say so, nothing was read.
        raise InvalidInput("this operation takes no body; see /api/v1/openapi.json")
    if not isinstance(error, ValidationError):
        return
    if query_model is not None and error.title == query_model.__name__:
        raise query_error(error)
    raise unprocessable(error)


def raw_body() -> bytes:
    """The request's body; 413 when it is larger than ``MAX_CONTENT_LENGTH``, chunked or not."""
    # A body without Content-Length (chunked) is cut at MAX_CONTENT_LENGTH by werkzeug without a word, and
    # would then read as malformed: say what happened instead.
    data = request.get_data(cache=True)
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if request.content_length is None and limit is not None and len(data) >= limit:
        raise RequestEntityTooLarge(f"the body is larger than {limit} bytes")
    return data


def _checked_body(model: type[BaseModel]) -> dict[str, Any]:
    """The JSON object of the body; refuse one that is too large (413) or not a JSON object (400)."""
    data = raw_body()
    if request.is_json:
        try:
            data = current_app.json.loads(data)
        except ValueError as exc:  # JSONDecodeError, bad UTF-8, too deep a nesting (web.jsonio)
            raise InvalidInput(f"the body is not valid JSON ({str(exc)[:120]}); send a JSON object") from None
    if not isinstance(data, dict):  # bytes when not JSON at all
        raise InvalidInput(f"send a JSON object ({model.__name__}); see /api/v1/openapi.json")
    return data


def body(model: type[M]) -> M:
    """The body validated as an operation's is, for the one route that takes JSON or a form (the responder's
    button press, which is a page's form too)."""
    return parse(model, _checked_body(model))


class _Plugin(FlaskPlugin):
    """spectree's Flask plugin, checking answers against their response models only where the app says
    (``GEO112_CHECK_RESPONSES``: on in tests, off when serving).

    Why: a view builds its answer from the response model already (``model_validate``); spectree's check parses
    the JSON written from it and validates it again, ~0.6 ms per dispatch request, ~1 ms per list page
    (docs/performance.md). The tests keep the check, so a model that drifts from its views still fails them.
    Unchecked, the answer is the view's as Flask makes it, byte for byte what spectree would send for a status
    without a model (which unpacks the answer and builds it again: ~2 % of a dispatch request's CPU).
    """

    def validate_response(
        self, resp: Any, resp_model: Response | None, skip_validation: bool, force_resp_serialize: bool
    ) -> Any:
        """spectree's answer, checked against its response model only where the app checks responses."""
        if not current_app.config["GEO112_CHECK_RESPONSES"]:
            return make_response(resp), None
        return super().validate_response(resp, resp_model, skip_validation, force_resp_serialize)


spec = SpecTree(
    "flask",
    backend=_Plugin,
    mode="strict",
    title=f"geo112 API · {current_region().call_centre}",
    version="1",
    description="Call Center 112: dispatch, coverage and analytics. Errors are {error, detail}. The roles that "
    "may call an operation are its security requirement's list (admins may call every one).",
    annotations=False,
    validation_error_status=422,
    validation_error_model=Error,
    naming_strategy=lambda model: model.__name__,
    nested_naming_strategy=lambda _parent, child: child,
    before=_before,
    security_schemes=[
        SecurityScheme(
            name="session", data=SecuritySchemeData(type=SecureType.API_KEY, name="session", field_in=InType.COOKIE)
        )
    ],
)


def _plain(value: Any) -> Any:
    """A view's answer as data Flask's JSON encoder takes: response models dumped, one level deep."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, dict):
        return {k: _plain(v) if isinstance(v, (BaseModel, list)) else v for k, v in value.items()}
    if isinstance(value, list) and value and isinstance(value[0], BaseModel):
        return [v.model_dump(mode="json") for v in value]
    return value


def _serialised(view: F, takes: tuple[str, ...]) -> F:
    """The view, given the validated ``json``/``query`` it asks for, its response models turned into JSON."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        result = view(*args, **kwargs, **{name: getattr(request.context, name) for name in takes})  # type: ignore[attr-defined]
        answer, rest = (result[0], result[1:]) if isinstance(result, tuple) else (result, ())
        if isinstance(answer, (BaseModel, dict, list)):
            return (jsonify(_plain(answer)), *rest) if rest else jsonify(_plain(answer))
        return result

    return wrapped  # type: ignore[return-value]


def _errors(rule: str, method: str, roles: tuple[str, ...] | None, has_body: bool) -> list[int]:
    codes = [400, 429, 503]
    if roles:
        codes += [401, 403]
    if "<" in rule:
        codes.append(404)
    if method != "get":
        codes.append(409)
    if has_body:
        codes += [413, 422]
    return sorted(codes)


def _request_models(view: Callable[..., Any]) -> dict[str, Any]:
    """The models of the view's ``json`` and ``query`` parameters (its other annotations are not read)."""
    inner = inspect.unwrap(view)
    proxy = FunctionType(inner.__code__, inner.__globals__, closure=inner.__closure__)
    proxy.__annotations__ = {k: v for k, v in inner.__annotations__.items() if k in ("json", "query")}
    return get_type_hints(proxy)


class ApiBlueprint(Blueprint):
    """A blueprint whose API operations are each one :meth:`operation` declaration."""

    def operation(
        self,
        method: str,
        rule: str,
        *,
        roles: tuple[str, ...],
        response: type[BaseModel] | None = None,
        status: int = 200,
        media_type: str = "application/json",
        raw_body: bool = False,
    ) -> Callable[[F], F]:
        """Declare an API operation on the decorated view.

        Parameters
        ----------
        method
            HTTP method, lower case.
        rule
            The Flask rule under the blueprint's prefix.
        roles
            Who may call it (admins always may); :data:`PUBLIC` for no login.
        response
            The model of the success answer (the view returns an instance, or a dict/list holding them), or None
            when the answer is not described by a model (GeoJSON, CSV, XML, PDF, or a dict without a model yet).
        status
            The success status.
        media_type
            What a success answer is, for the document when it is not JSON.
        raw_body
            The view reads a body that is not JSON itself (:func:`raw_body`); any other operation without a body
            model refuses a body.

        Returns
        -------
        The decorator; the view is registered and returned unchanged.
        """

        def decorator(view: F) -> F:
            hints = _request_models(view)
            body, query = hints.get("json"), hints.get("query")
            _declared[f"{self.name}.{view.__name__}"] = (body, query, raw_body)
            codes: dict[str, Any] = {f"HTTP_{status}": (response, media_type) if response else None}
            codes |= {f"HTTP_{c}": (Error, ERRORS[c]) for c in _errors(rule, method, roles or None, body is not None)}
            validated = spec.validate(
                json=body,
                query=query,
                resp=Response(**codes),
                tags=(self.name,),
                security={"session": list(dict.fromkeys((*roles, "admin")))} if roles else None,
                operation_id=f"{self.name}.{view.__name__}",
            )(_serialised(view, tuple(name for name in ("json", "query") if name in hints)))
            served = require_role(*roles)(validated) if roles else validated
            self.add_url_rule(rule, endpoint=view.__name__, view_func=served, methods=[method.upper()])
            return view

        return decorator


def document() -> dict[str, Any]:
    """The OpenAPI document of every declared operation (spectree's, made once per process)."""
    document: dict[str, Any] = spec.spec
    return document


def actor() -> str:
    """The logged-in user's name, recorded in the audit trail."""
    user = current_user()
    return user.username if user is not None else "anonymous"


def paginated(items: list[Any], total: int, limit: int, offset: int) -> dict[str, Any]:
    """Wrap one page of items with the total and the paging parameters."""
    return {"items": items, "total": total, "limit": limit, "offset": offset}


def blueprint(name: str, url_prefix: str = "/api/v1") -> ApiBlueprint:
    """Return an API blueprint (error answers never commit: see :mod:`web.db`)."""
    return ApiBlueprint(name, __name__, url_prefix=url_prefix)


bp = blueprint("api")


@bp.operation("get", "/openapi.json", roles=PUBLIC)
def openapi_json() -> dict[str, Any]:
    """The OpenAPI document of this API (public, like any API description)."""
    return document()
