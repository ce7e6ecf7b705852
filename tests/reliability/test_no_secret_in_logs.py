"""No secret and no caller in any log: a whole dispatch flow through the front door (the proxy over HTTPS, then
gunicorn with its access log on), then every log is read: the app's JSON lines, gunicorn's access and error
logs, the proxy's access and error logs. None may hold a responder or caller link token, the caller's phone
number (however it is spelt) or name."""

from __future__ import annotations

import re
import time
import uuid
from pathlib import Path

import pytest

from geo112.config import Settings
from geo112.network import Network
from tests.reliability.harness import serve_process
from tests.reliability.test_front_door import log_in, proxy, proxy_env

PACET = (112.5339, -7.6965)


@pytest.fixture(scope="module")
def flow(
    served_database: str, settings: Settings, network: Network, tmp_path_factory: pytest.TempPathFactory
) -> tuple[list[Path], dict[str, str]]:
    """Run the flow; every log file and the secrets it used."""
    run_dir = tmp_path_factory.mktemp("logs")
    app_log = run_dir / "gunicorn.log"  # the app's JSON lines and gunicorn's access and error logs
    app_env = {"GEO112_PROXY_HOPS": "1", "GEO112_SECURE_COOKIES": "1"}
    with serve_process(served_database, settings.cache_dir, 2, 4, log=app_log, env=app_env) as (app, _):
        env = proxy_env(run_dir, app.removeprefix("http://"), plain=False)
        assert proxy("start", env).returncode == 0
        try:
            base = f"https://127.0.0.1:{env['GEO112_PROXY_PORT']}"
            secrets = _dispatch_flow(log_in(base, run_dir / "proxy" / "tls" / "cert.pem", "load-dispatcher-4"), base)
        finally:
            assert proxy("stop", env).returncode == 0
    time.sleep(0.5)
    return [app_log, *sorted((run_dir / "proxy" / "logs").glob("*.log"))], secrets


def _dispatch_flow(dispatcher, base: str) -> dict[str, str]:
    """A call with a caller, its duplicates, a unit with its responder link, the caller's location link."""
    phone = f"0812{uuid.uuid4().int % 10**8:08d}"
    spelt = f"+62 {phone[1:4]}-{phone[4:8]}-{phone[8:]}"
    name = f"Ibu Rahasia {uuid.uuid4().hex[:6]}"
    api = f"{base}/api/v1"
    incident = dispatcher.post(
        f"{api}/incidents",
        json={"category": "medis", "lon": PACET[0], "lat": PACET[1], "caller_phone": spelt, "caller_name": name},
        timeout=30,
    ).json()
    found = dispatcher.post(f"{api}/calls/duplicates", json={"caller_phone": phone, "lat": PACET[1], "lon": PACET[0]})
    assert found.status_code == 200, found.text
    proposed = dispatcher.get(f"{api}/incidents/{incident['id']}/recommendations", timeout=60).json()
    unit = proposed["requirements"][0]["proposed"][0]["unit_id"]
    assigned = dispatcher.post(f"{api}/incidents/{incident['id']}/assignments", json={"unit_id": unit}, timeout=30)
    responder_url = assigned.json()["responder_url"]
    token = responder_url.rsplit("/r/", 1)[1]
    assert dispatcher.post(f"{base}/console/qr.svg", json={"text": responder_url}, timeout=30).status_code == 200
    crew = f"{base}/r/{token}"
    assert dispatcher.get(f"{crew}?format=json", timeout=30).status_code == 200
    assert dispatcher.post(f"{crew}/status", json={"action": "acknowledged"}, timeout=30).status_code == 200
    link = dispatcher.post(f"{api}/incidents/{incident['id']}/caller-link", json={"send_sms": True}, timeout=30)
    assert link.status_code == 201, link.text
    caller_token = link.json()["url"].rsplit("/l/", 1)[1]
    assert dispatcher.get(f"{base}/l/{caller_token}", timeout=30).status_code == 200
    position = {"lon": PACET[0], "lat": PACET[1], "accuracy_m": 20}
    assert dispatcher.post(f"{base}/l/{caller_token}/position", json=position, timeout=30).status_code == 200
    # A client that puts what it should not into a URL: the logs still keep it out.
    dispatcher.get(f"{api}/incidents?phone={phone}&token={token}", timeout=30)
    return {"responder token": token, "caller token": caller_token, "phone": phone, "name": name}


def test_every_log_holds_no_token_no_number_and_no_name(flow: tuple[list[Path], dict[str, str]]) -> None:
    files, secrets = flow
    assert len(files) >= 3 and all(f.stat().st_size > 0 for f in files[:2]), files
    digits = secrets["phone"][1:]  # the number without its trunk 0, as +62 spellings carry it
    for path in files:
        text = path.read_text()
        for what, secret in secrets.items():
            assert secret not in text, f"{what} in {path.name}"
        assert digits not in re.sub(r"\D", "", text), f"the phone's digits in {path.name}"
    app_lines = files[0].read_text()
    assert "/r/<token>" in app_lines and "/l/<token>" in app_lines  # the flow's requests were logged
