"""Telephony endpoints: the phone system's call events, the operator's calls and screen pop, the one-key class,
the supervisor's live board and the watch list."""

from __future__ import annotations

from typing import Any

from geo112.dispatch import board, schemas, telephony, watchlist
from geo112.dispatch.incidents import mask_caller
from geo112.dispatch.pbx import PbxControl
from web.api import ADMIN, DISPATCH, PBX, READ, actor, blueprint
from web.auth import current_user
from web.db import get_session, settings

bp = blueprint("telephony")
API = "/telephony"


def _sees_numbers() -> bool:
    """Whether the current user sees callers' numbers (dispatchers and admins)."""
    user = current_user()
    return user is not None and user.role in (*DISPATCH, "admin")


def audit_free(listing: Any) -> dict[str, Any]:
    """A listing as a plain dict."""
    return schemas.WatchListing.model_validate(listing).model_dump(mode="json")


@bp.operation("post", f"{API}/events", roles=PBX, response=schemas.CallEventAnswer)
def events(json: schemas.CallEvent) -> schemas.CallEventAnswer:
    """A call event from the phone system (contract version 1, docs/telephony.md); for ``ringing`` the answer
    names the phones to ring, or the SIP status to reject a listed number with."""
    return telephony.handle_event(get_session(), json, settings())


@bp.operation("get", f"{API}/mine", roles=DISPATCH, response=schemas.PhoneCalls)
def mine() -> schemas.PhoneCalls:
    """The calls ringing my phone, the one I am on, and mine that ended without a class (the console polls it)."""
    rows = telephony.my_calls(get_session(), actor())
    return schemas.PhoneCalls(items=[telephony.shown(c) for c in rows])


@bp.operation("get", f"{API}/calls/<int:call_id>/pop", roles=DISPATCH, response=schemas.ScreenPop)
def pop(call_id: int) -> schemas.ScreenPop:
    """The screen pop of a call: number, history, open incidents, last positions, duplicates, watch list."""
    return telephony.screen_pop(get_session(), call_id, settings())


@bp.operation("post", f"{API}/calls/<int:call_id>/classify", roles=DISPATCH, response=schemas.PhoneCall)
def classify(call_id: int, json: schemas.CallClassify) -> schemas.PhoneCall:
    """Class an answered call with one key; prank and silent count towards the watch list."""
    call = telephony.classify(get_session(), call_id, json, actor(), settings())
    return telephony.shown(call)


@bp.operation("post", f"{API}/calls/<int:call_id>/hangup", roles=DISPATCH, response=schemas.PhoneCall)
def hang_up(call_id: int) -> schemas.PhoneCall:
    """End my answered call from the console: the phone system sends the BYEs (503 when it cannot: hang up on
    the phone); a supervisor (admin) may end any operator's call."""
    env = settings()
    control = PbxControl(env.pbx_control_url, env.pbx_token or "") if env.pbx_control_url else None
    user = current_user()
    supervisor = user is not None and user.role == "admin"
    return telephony.shown(telephony.hang_up(get_session(), call_id, actor(), control, supervisor))


@bp.operation("get", f"{API}/board", roles=READ, response=schemas.CallBoard)
def live_board() -> dict[str, Any]:
    """The supervisor's live view: ringing now, operators, today's counts, answer times, calls to call back
    (numbers masked but for dispatchers)."""
    answer = board.call_board(get_session())
    if not _sees_numbers():
        for key in ("ringing", "call_back"):
            answer[key] = [mask_caller(call) for call in answer[key]]
    return answer


@bp.operation("get", f"{API}/watch-list", roles=READ, response=schemas.WatchList)
def watch_list() -> dict[str, Any]:
    """The numbers on the watch list now (masked but for dispatchers)."""
    items = [audit_free(w) for w in watchlist.listed(get_session())]
    if not _sees_numbers():
        items = [w | {"number": mask_caller({"caller_phone": w["number"]})["caller_phone"]} for w in items]
    return {"items": items}


@bp.operation("post", f"{API}/watch-list/<int:listing_id>/lift", roles=ADMIN, response=schemas.WatchListing)
def lift(listing_id: int, json: schemas.WatchLift) -> schemas.WatchListing:
    """A supervisor lifts a listing; who and why go into the audit trail."""
    return schemas.WatchListing.model_validate(watchlist.lift(get_session(), listing_id, json.reason, actor()))
