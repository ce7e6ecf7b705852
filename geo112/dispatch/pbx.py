"""Ending a call in the phone system from the console: JSON-RPC 2.0 over HTTP to the PBX (docs/telephony.md).

The events flow from the PBX to geo112; this is the one step the other way. Kamailio (``scripts/sip.sh``)
answers it with its dialog module on a loopback port, behind the PBX token: ``dlg.dlg_list`` finds the call's
dialog by its Call-ID, ``dlg.end_dlg`` ends it with a BYE to each side. Another PBX takes the same two methods
through a small adapter, or gets a client of its own here.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import requests

from geo112.errors import Conflict, ServiceUnavailable

#: Seconds to wait for the PBX; the operator is waiting on the button.
TIMEOUT_S = 2.0
#: Seconds to wait for an answered call's ACK before it can be ended.
CONFIRM_WAIT_S = 1.0
#: Kamailio's dialog states (dialog module): answered and acknowledged; ended (listed until its BYEs' replies).
CONFIRMED, ENDED = 4, 5
#: The JSON-RPC error code Kamailio answers for a dialog it does not hold.
NOT_FOUND = 404

log = logging.getLogger(__name__)


class PbxControl:
    """The PBX's JSON-RPC endpoint (``GEO112_PBX_CONTROL_URL``) and the token it expects."""

    def __init__(self, url: str, token: str) -> None:
        self.url, self.token = url, token

    def _call(self, method: str, params: list[Any]) -> tuple[Any, int | None]:
        """The method's result, or None and the JSON-RPC error's code."""
        body = {"jsonrpc": "2.0", "method": method, "params": params, "id": 1}
        try:
            answer = requests.post(
                self.url, json=body, headers={"Authorization": f"Bearer {self.token}"}, timeout=TIMEOUT_S
            )
            document = answer.json() if answer.headers.get("Content-Type", "").startswith("application/json") else None
        except (requests.RequestException, ValueError) as exc:
            log.warning("the PBX did not answer %s: %s", method, exc.__class__.__name__)
            raise ServiceUnavailable(f"the phone system did not answer ({exc.__class__.__name__})") from None
        if not isinstance(document, dict) or ("result" not in document and "error" not in document):
            # A refusal before JSON-RPC (Kamailio's guard: a wrong token, a method it does not take) is plain text.
            log.warning("the PBX refused %s: HTTP %s", method, answer.status_code)
            raise ServiceUnavailable(f"the phone system refused the hang-up (HTTP {answer.status_code})")
        error = document.get("error")
        if isinstance(error, dict):
            return None, int(error.get("code", 0))
        return document["result"], None

    def _dialogs(self, sip_call_id: str) -> list[dict[str, Any]]:
        """The PBX's dialogs of a Call-ID that have not ended (one, or none)."""
        found, error = self._call("dlg.dlg_list", [sip_call_id])
        if error is not None:
            raise ServiceUnavailable(f"the phone system could not list the call (error {error})")
        dialogs = found if isinstance(found, list) else [found] if found else []
        return [d for d in dialogs if d.get("state") != ENDED]

    def end_call(self, sip_call_id: str) -> None:
        """End the call's dialog: a BYE to the caller and one to the operator's phone.

        Raises
        ------
        Conflict
            When the PBX does not hold the call (reason ``unknown_to_pbx``: it ended, or the PBX was restarted
            and forgot it; the phone still hangs it up), or the caller's phone has not acknowledged the answer
            within :data:`CONFIRM_WAIT_S` (``connecting``).
        ServiceUnavailable
            When the PBX cannot be reached or refuses.
        """
        deadline = time.monotonic() + CONFIRM_WAIT_S
        dialogs = self._dialogs(sip_call_id)
        while any(d.get("state") != CONFIRMED for d in dialogs):
            # Answered (the 200 OK, which told geo112) but not yet acknowledged by the caller's phone: Kamailio
            # ends only confirmed dialogs, so wait a moment for the ACK.
            if time.monotonic() > deadline:
                raise Conflict("the call is still being connected: hang up again in a moment", reason="connecting")
            time.sleep(0.05)
            dialogs = self._dialogs(sip_call_id)
        if not dialogs:
            raise Conflict("the phone system does not hold this call any more: hang up on the phone",
                           reason="unknown_to_pbx")  # fmt: skip
        for dialog in dialogs:
            _, error = self._call("dlg.end_dlg", [dialog["h_entry"], dialog["h_id"]])
            if error not in (None, NOT_FOUND):  # not found: it ended meanwhile
                raise ServiceUnavailable(f"the phone system did not end the call (error {error})")
