"""Benchmark: from the caller's INVITE to the screen pop in the operator's console, ``--calls`` calls at once.

Real parts end to end: the app under gunicorn (2 workers, 4 threads, as ``scripts/demo.sh`` runs it), the
project's Kamailio (``scripts/sip.sh``), baresip phones (``tests/softphone.py``: one operator phone, seated at
the operator's desk, and one phone per caller) and the operator's console in Debian's Chromium. Each round
dials ``--calls`` callers back to back, so that they all ring at once, and records per call:

- *ringing recorded*: from the dial command to the call's ring time in the database (the ``ringing`` event:
  INVITE → Kamailio → HTTP → geo112 → committed), the same-run peer of the pop;
- *pop*: from the dial command to the number appearing in the console (a ``MutationObserver`` in the page,
  same clock), which adds the console's poll (``web/static/js/phone.js``: every 0.5 s) and the page's fetch.

Then every caller hangs up and the next round starts; a first round warms the workers up and is not
counted. Medians of the rounds' p50 and p95 in ms. Target: pop
p95 ≤ 1000 ms with 10 calls ringing (issue 27). Makes its own database (``GEO112_BENCH_DSN`` or
``…/geo112_bench_sip``: dropped and created) and uses loopback ports from ``--port`` on.

    python benchmarks/bench_sip_pop.py [--calls 10] [--rounds 5] [--port 15000]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.timing import median_percentiles
from geo112.accounts.users import create_user
from geo112.config import REPO_ROOT, get_settings
from geo112.dispatch.telephony import seat_operator
from geo112.ingest.boundaries import load_geography
from geo112.ingest.fleet import load_demo
from geo112.store import migrate
from geo112.store.db import session_factory
from geo112.store.models import Call
from tests.conftest import recreate_database
from tests.softphone import Softphone

DSN = os.environ.get("GEO112_BENCH_DSN", "postgresql+psycopg://postgres@127.0.0.1:5432/geo112_bench_sip")
TOKEN = "bench-sip-pop-token-112"
USER, PASSWORD = "bench-operator", "bench-password-112"
# Each number's first appearance in the pop panel, on the page's clock (Date.now(): the same as time.time()).
OBSERVER = """() => {
  window.popSeen = {};
  new MutationObserver(() => {
    for (const n of document.querySelectorAll('#phone [data-testid="phone-number"]')) {
      if (!(n.textContent in window.popSeen)) window.popSeen[n.textContent] = Date.now();
    }
  }).observe(document.getElementById('phone'), { childList: true, subtree: true });
}"""


def _database() -> None:
    settings = get_settings()
    recreate_database(DSN)
    migrate.upgrade(DSN)
    with session_factory(DSN).begin() as session:
        load_geography(session, settings.data_dir)
        load_demo(session, settings.data_dir)
        create_user(session, USER, PASSWORD, "dispatcher")
        seat_operator(session, USER, "op1")


def _wait(condition: object, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise TimeoutError("timed out")
        time.sleep(0.05)


def _ring_times(numbers: list[str]) -> dict[str, float]:
    with session_factory(DSN)() as session:
        rows = session.execute(select(Call.caller_phone, Call.received_at).where(Call.caller_phone.in_(numbers)))
        return {number: at.timestamp() for number, at in rows}


def _round(page: object, callers: list[Softphone]) -> tuple[list[float], list[float]]:
    page.evaluate(OBSERVER)  # type: ignore[attr-defined]
    dialled: dict[str, float] = {}
    for caller in callers:
        dialled[caller.user] = time.time()
        caller.dial()
    numbers = list(dialled)
    count = "() => Object.keys(window.popSeen).length"
    _wait(lambda: page.evaluate(count) >= len(numbers))  # type: ignore[attr-defined]
    seen = page.evaluate("() => window.popSeen")  # type: ignore[attr-defined]
    rang = _ring_times(numbers)
    pops = [(seen[n] / 1000 - dialled[n]) * 1000 for n in numbers]
    rings = [(rang[n] - dialled[n]) * 1000 for n in numbers]
    for caller in callers:
        caller.hang_up()
    _wait(lambda: page.locator("#phone article.phone-call").count() == 0)  # type: ignore[attr-defined]
    with session_factory(DSN).begin() as session:  # the next round's calls are new numbers' first calls again
        session.execute(Call.__table__.delete().where(Call.caller_phone.in_(numbers)))
    return pops, rings


def main() -> None:
    """Set up, run the rounds, print the medians of the rounds' p50/p95."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--port", type=int, default=15000)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    _database()
    app_port, sip_port = args.port, args.port + 60
    work = Path(tempfile.mkdtemp(prefix="bench-sip-"))
    env = os.environ | {"GEO112_DATABASE_URL": DSN, "GEO112_PBX_TOKEN": TOKEN, "GEO112_RUN_DIR": str(work),
                        "GEO112_SIP_PORT": str(sip_port), "PYTHONPATH": str(REPO_ROOT),
                        "GEO112_SIP_EVENTS_URL": f"http://127.0.0.1:{app_port}/api/v1/telephony/events"}  # fmt: skip
    app = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "python:web.gunicorn_config", "--bind", f"127.0.0.1:{app_port}",
         "--workers", "2", "--threads", "4", "web:create_app()"],
        env=env, cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    sip = [str(REPO_ROOT / "scripts" / "sip.sh")]
    phones: list[Softphone] = []
    try:
        subprocess.run(["bash", *sip, "start"], env=env, check=True)
        operator = Softphone(
            "op1",
            sip_port,
            sip_port + 2,
            sip_port + 4,
            work,
            register=True,
            rtp_ports=(sip_port + 2000, sip_port + 2000 + 4 * args.calls),
        ).start()
        phones.append(operator)
        callers = [
            Softphone(f"0812000{i:05d}", sip_port, sip_port + 10 + 4 * i, sip_port + 12 + 4 * i, work).start()
            for i in range(args.calls)
        ]
        phones += callers
        _wait(operator.registered)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
            context = browser.new_context(base_url=f"http://127.0.0.1:{app_port}")
            _wait(lambda: _answers(context))
            token = context.request.get("/api/v1/auth/csrf").json()["csrf_token"]
            login = {"username": USER, "password": PASSWORD}
            assert context.request.post("/api/v1/auth/login", data=login, headers={"X-CSRFToken": token}).ok
            page = context.new_page()
            page.goto("/console")
            page.wait_for_selector("#phone", state="attached")
            _round(page, callers)  # warm-up: each worker's first events and the page's first pops are not counted
            results = [_round(page, callers) for _ in range(args.rounds)]
            browser.close()
    finally:
        for softphone in phones:
            softphone.stop()
        subprocess.run(["bash", *sip, "stop"], env=env, check=False)
        app.terminate()  # gunicorn's master stops its workers (graceful_timeout of web.gunicorn_config)
        app.wait(60)
    pop50, pop95 = median_percentiles([r[0] for r in results])
    ring50, ring95 = median_percentiles([r[1] for r in results])
    print(f"{args.calls} calls ringing at once, {args.rounds} rounds (medians of the rounds' p50 / p95, ms):")
    print(f"  INVITE -> ringing recorded in geo112   p50 {ring50:7.1f}  p95 {ring95:7.1f}")
    print(f"  INVITE -> pop in the console           p50 {pop50:7.1f}  p95 {pop95:7.1f}   (target p95 <= 1000)")
    print("key presses for a prank call: answer (phone), P, hang up (phone) = 3")


def _answers(context: object) -> bool:
    try:
        return bool(context.request.get("/healthz").ok)  # type: ignore[attr-defined]
    except Exception:  # the server is still starting
        return False


if __name__ == "__main__":
    main()
