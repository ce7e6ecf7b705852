"""User-interface text in Bahasa Indonesia (the dispatchers' language) and English.

The language comes from ``?lang=`` (remembered in the session); Indonesian
is the default. Templates call ``t("key")``; a missing key shows the key itself, which tests catch. The texts live in
``web/messages.toml``; ``{call_centre}`` and ``{enclave}`` in a text are the region pack's (:mod:`geo112.region`),
and templates see the pack as ``region``.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from flask import Flask, request, session

from web.db import region

LANGUAGES = ("id", "en")
#: Every UI text by key and language, from ``web/messages.toml`` (data, not code: translators edit it alone).
TEXT: dict[str, dict[str, str]] = tomllib.loads((Path(__file__).parent / "messages.toml").read_text(encoding="utf-8"))


def language() -> str:
    """The language of this request."""
    chosen = request.args.get("lang")
    if chosen in LANGUAGES:
        session["lang"] = chosen
        return chosen
    # Not the browser's preference: the centre's PCs often run English browsers, and the shift speaks Indonesian.
    return session.get("lang") or "id"


def _regional(text: str) -> str:
    """A text with the region pack's names in place of ``{call_centre}`` and ``{enclave}``."""
    if "{" not in text:
        return text
    pack = region()
    enclaves = " / ".join(e.name for e in pack.enclaves) or "Enklave"
    return text.replace("{call_centre}", pack.call_centre).replace("{enclave}", enclaves)


def translate(key: str) -> str:
    """The text for ``key`` in the request's language."""
    entry = TEXT.get(key)
    return _regional(entry.get(language(), entry["id"])) if entry else key


def ui_texts() -> dict[str, str]:
    """Every text in the request's language, for the pages' scripts (embedded as JSON)."""
    lang = language()
    return {key: _regional(entry.get(lang, entry["id"])) for key, entry in TEXT.items()}


def init_app(app: Flask) -> None:
    """Make ``t()``, ``ui_texts()`` and ``lang`` available in templates."""
    app.jinja_env.globals["t"] = translate
    app.jinja_env.globals["ui_texts"] = ui_texts
    app.context_processor(lambda: {"lang": language(), "region": region()})
