"""Responder links: ``/r/<token>`` shows the route, ETA and incident to the crew, without logging in, and
takes their button presses (acknowledged, en route, on scene, transporting, cleared).

The token is the credential, so these routes are exempt from the session's CSRF check: a forged request
would have to know the token itself.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from geo112.dispatch import responder
from geo112.dispatch.schemas import ResponderStatus
from geo112.errors import ServiceUnavailable
from geo112.store.models import Assignment
from web.api import blueprint, body
from web.auth import csrf
from web.db import get_session
from web.fleet import fleet

bp = blueprint("responder", url_prefix="/r")
csrf.exempt(bp)


def _route(assignment: Assignment) -> dict[str, Any] | None:
    """The route from the unit to where it drives now as GeoJSON, or None when it cannot be had now."""
    try:
        routed = fleet()
    except ServiceUnavailable as exc:
        current_app.logger.warning("no route for assignment %s: %s", assignment.id, exc.detail)
        return None
    return responder.route(get_session(), assignment, routed)


def _wants_json() -> bool:
    return request.args.get("format") == "json" or request.accept_mimetypes.best == "application/json"


@bp.get("/<token>")
def page(token: str) -> ResponseReturnValue:
    """The responder page (HTML), or its data with ``?format=json`` / ``Accept: application/json``."""
    session = get_session()
    assignment = responder.resolve(session, current_app.config["SECRET_KEY"], token)
    # A closed incident's page is a read-only record: no route to drive, no buttons.
    closed = assignment.incident.status == "closed"
    data = responder.view(session, assignment, None if closed else _route(assignment))
    if _wants_json():
        return jsonify(data)
    return render_template("responder/page.html", data=data, token=token)


@bp.post("/<token>/status")
def press(token: str) -> ResponseReturnValue:
    """A button press: JSON ``{"action": ...}`` answers JSON; a form post returns to the page."""
    session = get_session()
    assignment = responder.resolve(session, current_app.config["SECRET_KEY"], token)
    from_form = request.mimetype != "application/json"
    action = request.form.get("action") if from_form else body(ResponderStatus).action
    responder.act(session, assignment, action or "")
    if from_form:
        return redirect(url_for(".page", token=token), 303)
    return jsonify(responder.view(session, assignment, None))
