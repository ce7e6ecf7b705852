"""User-interface text in Bahasa Indonesia (the dispatchers' language) and English.

The language comes from ``?lang=`` (remembered in the session), then the browser's preference; Indonesian
is the default. Templates call ``t("key")``; a missing key shows the key itself, which tests catch.
"""

from __future__ import annotations

from flask import Flask, request, session

LANGUAGES = ("id", "en")

TEXT: dict[str, dict[str, str]] = {
    "login": {"id": "Masuk", "en": "Log in"},
    "logout": {"id": "Keluar", "en": "Log out"},
    "username": {"id": "Nama pengguna", "en": "Username"},
    "password": {"id": "Kata sandi", "en": "Password"},
    "login_failed": {"id": "Nama pengguna atau kata sandi salah.", "en": "Wrong username or password."},
    "synthetic_network": {
        "id": "Jaringan jalan SINTETIS (bukan OpenStreetMap): waktu tempuh hanya untuk demo.",
        "en": "SYNTHETIC road network (not OpenStreetMap): travel times are for demonstration only.",
    },
    "home": {"id": "Beranda", "en": "Home"},
}


def language() -> str:
    """The language of this request."""
    chosen = request.args.get("lang")
    if chosen in LANGUAGES:
        session["lang"] = chosen
        return chosen
    return session.get("lang") or request.accept_languages.best_match(LANGUAGES) or "id"


def translate(key: str) -> str:
    """The text for ``key`` in the request's language."""
    entry = TEXT.get(key)
    return entry.get(language(), entry["id"]) if entry else key


def init_app(app: Flask) -> None:
    """Make ``t()`` and ``lang`` available in templates."""
    app.jinja_env.globals["t"] = translate
    app.context_processor(lambda: {"lang": language()})
