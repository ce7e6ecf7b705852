"""Signed, expiring link tokens: what the responder, caller and ticket links share.

A token is a dict of claims plus its expiry (``exp``, a Unix time), signed with the app's secret (itsdangerous,
a salt per kind of link, so one kind is never taken for another). A tampered token is refused (403), an expired
one is gone (410); what the claims name is each link's own business.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer

from geo112.errors import Forbidden, Gone


def sign(
    secret: str, salt: str, claims: dict[str, Any], ttl_s: float, now: float | None = None
) -> tuple[str, datetime]:
    """Sign ``claims`` valid for ``ttl_s`` seconds from ``now`` (a Unix time; default the current time).

    Returns the token and when it expires (UTC).
    """
    expires = int((time.time() if now is None else now) + ttl_s)
    return URLSafeSerializer(secret, salt=salt).dumps({**claims, "exp": expires}), datetime.fromtimestamp(expires, UTC)


def unsign(
    secret: str, salt: str, token: str, keys: set[str], what: str, ask: str, now: float | None = None
) -> dict[str, Any]:
    """The claims of a valid token holding at least ``keys``.

    Raises
    ------
    Forbidden
        (403, reason ``invalid``) For a token altered, signed with another key or of another kind:
        "this <what> link is not valid".
    Gone
        (410, reason ``expired``) For an expired token: "... ask <ask> for a new one", with ``expired_at``.
    """
    try:
        claims = URLSafeSerializer(secret, salt=salt).loads(token)
    except BadSignature:
        raise Forbidden(f"this {what} link is not valid", reason="invalid") from None
    if not isinstance(claims, dict) or not keys | {"exp"} <= claims.keys():
        raise Forbidden(f"this {what} link is not valid", reason="invalid")
    if (time.time() if now is None else now) >= claims["exp"]:
        raise Gone(f"this {what} link has expired; ask {ask} for a new one", reason="expired",
                   expired_at=datetime.fromtimestamp(claims["exp"], UTC).isoformat())  # fmt: skip
    return claims
