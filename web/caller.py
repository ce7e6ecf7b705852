"""The caller's location page: ``/l/<token>`` opens on the caller's phone without logging in, asks the
browser for its position and posts it; the dispatcher's side makes and sends the link.

The token is the credential, so the caller's routes are exempt from the session's CSRF check. A link that is
not valid, expired or for a closed incident shows the caller why, in their language, with its status.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, render_template, url_for
from flask.typing import ResponseReturnValue

from geo112.dispatch import caller_location, schemas, sms
from geo112.dispatch.incidents import open_incident
from geo112.errors import Conflict, Forbidden, Gone
from web.api import DISPATCH, PUBLIC, actor, blueprint
from web.auth import csrf
from web.db import get_session, settings
from web.incidents import snapper

bp = blueprint("caller", url_prefix="/l")
csrf.exempt(bp)
links = blueprint("caller_links")


def _incident(token: str) -> int:
    return caller_location.verify(current_app.config["SECRET_KEY"], token)


@bp.get("/<token>")
def page(token: str) -> ResponseReturnValue:
    """The caller's page; a bad, expired or closed link renders the reason instead of the button."""
    try:
        open_incident(get_session(), _incident(token), lock=False)
    except (Forbidden, Gone, Conflict) as exc:  # each says why in ``reason``: invalid, expired, closed
        return render_template("caller/page.html", token=None, reason=exc.extra["reason"]), exc.status
    return render_template("caller/page.html", token=token, reason=None)


@bp.operation("post", "/<token>/position", roles=PUBLIC)
def position(token: str, json: schemas.CallerPosition) -> dict[str, Any]:
    """The caller's phone gives its position (the link's token is the credential): the incident moves there."""
    incident_id = _incident(token)
    return caller_location.receive(get_session(), incident_id, json, snapper(), settings().sliver_tolerance_m)


@bp.operation("post", "/<token>/failed", roles=PUBLIC)
def failure(token: str, json: schemas.CallerLocationFailure) -> dict[str, Any]:
    """The caller's phone gave no position (denied, timeout, unavailable, unsupported)."""
    caller_location.failed(get_session(), _incident(token), json)
    return {"recorded": True}


@links.operation("post", "/incidents/<int:incident_id>/caller-link", roles=DISPATCH, status=201)
def send(incident_id: int, json: schemas.CallerLinkCreate) -> tuple[dict[str, Any], int]:
    """A link that asks the caller's phone for its position (texted with ``send_sms``): 201 with the link, its
    QR code and WhatsApp links."""
    token, expires = caller_location.issue(current_app.config["SECRET_KEY"], incident_id, settings().caller_link_ttl_s)
    url = url_for("caller.page", token=token, _external=True)
    gateway = sms.gateway(settings().sms_gateway) if json.send_sms else None
    sent = caller_location.send_link(get_session(), incident_id, url, expires, actor(), gateway)
    return sent, 201
