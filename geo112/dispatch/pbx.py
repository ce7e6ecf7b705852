"""Ending a call in the phone system from the console: JSON-RPC 2.0 over HTTP to the PBX (docs/telephony.md).

The events flow from the PBX to geo112; this is the one step the other way. Kamailio (``scripts/sip.sh``)
answers it with its dialog module on a loopback port, behind the PBX token: ``dlg.dlg_list`` finds the call's
dialog by its Call-ID, ``dlg.end_dlg`` ends it with a BYE to each side. Another PBX takes the same two methods
through a small adapter, or gets a client of its own here.
"""

from __future__ import annotations

import time
from typing import Any

import requests

from geo112.errors import Conflict, ServiceUnavailable

#: Seconds to wait for the PBX; the operator is waiting on the button.
TIMEOUT_S = 2.0
#: Seconds to wait for an answered call's ACK before it can be ended.
CONFIRM_WAIT_S = 1.0
#: Kamailio's state of a dialog answered and acknowledged (dialog module: 3 answered, not yet ACKed; 5 ended).
CONFIRMED = 4


class PbxControl:
    """The PBX's JSON-RPC endpoint (``GEO112_PBX_CONTROL_URL``) and the token it expects."""

    def __init__(self, url: str, token: str) -> None:
        self.url, self.token = url, token

    def _call(self, method: str, params: list[Any]) -> Any:
        body = {"jsonrpc": "2.0", "method": method, "params": params, "id": 1}
        try:
            answer = requests.post(
                self.url, json=body, headers={"Authorization": f"Bearer {self.token}"}, timeout=TIMEOUT_S
            )
            answer.raise_for_status()
            document = answer.json()
        except (requests.RequestException, ValueError) as exc:
            raise ServiceUnavailable(f"the phone system did not take the hang-up ({exc.__class__.__name__})") from None
        if not isinstance(document, dict) or "error" in document:
            raise ServiceUnavailable(f"the phone system refused {method}: {str(document)[:200]}")
        return document.get("result")

    def end_call(self, sip_call_id: str) -> bool:
        """End the call's dialog (a BYE to the caller and to the operator's phone); False when the PBX has no
        dialog of that Call-ID any more (it ended before).

        Raises
        ------
        Conflict
            When the caller's phone has not acknowledged the answer within :data:`CONFIRM_WAIT_S`.
        ServiceUnavailable
            When the PBX cannot be reached, refuses, or still holds the call afterwards.
        """
        deadline = time.monotonic() + CONFIRM_WAIT_S
        while (dialogs := self._dialogs(sip_call_id)) and not all(d.get("state") == CONFIRMED for d in dialogs):
            # Answered (the 200 OK, which told geo112) but not yet acknowledged by the caller's phone: Kamailio
            # ends only confirmed dialogs, so wait a moment for the ACK.
            if time.monotonic() > deadline:
                raise Conflict("the call is still being connected: hang up again in a moment", reason="connecting")
            time.sleep(0.05)
        for dialog in dialogs:
            self._call("dlg.end_dlg", [dialog["h_entry"], dialog["h_id"]])
        if any(d.get("state") == CONFIRMED for d in self._dialogs(sip_call_id)):
            raise ServiceUnavailable("the phone system did not end the call: hang up on the phone")
        return bool(dialogs)

    def _dialogs(self, sip_call_id: str) -> list[dict[str, Any]]:
        """The PBX's dialogs of a Call-ID (one, or none once it ended)."""
        found = self._call("dlg.dlg_list", [sip_call_id])
        return found if isinstance(found, list) else [found] if found else []
