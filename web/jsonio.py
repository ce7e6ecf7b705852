"""JSON request bodies that cannot take a worker down: a body nested too deeply is a 400, never a 500.

The standard library's decoder recurses once per nesting level, so ``"[" * 1000`` raises ``RecursionError``,
which is not the ``ValueError`` Flask expects from a bad body. The provider turns it into one, so every
``request.get_json`` (the API bodies, the login, the responder's button press) answers as for any malformed
JSON.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.json.provider import DefaultJSONProvider


class JsonProvider(DefaultJSONProvider):
    """Flask's JSON provider, whose ``loads`` refuses too deep a nesting with a ``ValueError``."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        """Decode JSON; a document nested beyond Python's recursion limit is a ``ValueError``."""
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("the JSON is nested too deeply") from None


def init_app(app: Flask) -> None:
    """Use :class:`JsonProvider` for the app's requests and answers."""
    app.json_provider_class = JsonProvider
    app.json = JsonProvider(app)
