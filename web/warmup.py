"""What a new worker prepares before it takes requests (gunicorn's ``post_worker_init``, web.gunicorn_config).

A worker's first move-up question otherwise pays for everything a process computes once: the road network,
the travel-time rows of every unit (its fleet listener's first sync), the desa index, the stations' rows
within each type's threshold (issue 33: 2.3 s for ambulances). Computed here, the first question costs what
any later one does; asked while nothing has moved, it is an answer from the cache.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from flask import Flask

from geo112.config import name_os_thread
from geo112.errors import ServiceUnavailable
from geo112.network import RoutedFleet
from geo112.planning import moveup
from geo112.store.db import session_factory
from web.db import settings
from web.fleet import fleet

#: Longest wait for the fleet listener's first sync (the units' rows): past it, requests compute what is left.
LISTENER_WAIT_S = 20.0
#: Longest wait for move-up's warm-up before the worker takes requests; it goes on in the background past it.
#: Mojokerto's takes 1-4 s; a province's graph (36x, 2,000 units) took minutes a type, longer than gunicorn's
#: worker timeout, and such a worker never served.
MOVEUP_WAIT_S = 30.0
#: What a worker logs when every type's move-up is proposed (a benchmark waits for it).
MOVEUP_WARMED = "move-up warmed up"


def warm_up(app: Flask, alive: Callable[[], object] = lambda: None, moveup_wait_s: float = MOVEUP_WAIT_S) -> None:
    """Load the road network, wait for the units' rows and propose the move-up of every fielded unit type at
    the configured level.

    ``alive`` is called every second or so (gunicorn's ``worker.notify``: a worker silent for its timeout
    during a long warm-up would be killed and started again, warming up again). Move-up is proposed in a thread
    of its own, waited for at most ``moveup_wait_s``: past it the worker serves, and the thread goes on. A
    failure is logged, not raised: a worker that cannot warm up still serves (the question that failed answers
    503 with its cause), where a worker that fails to boot would be restarted in a loop.
    """
    started = time.perf_counter()
    with app.app_context():
        try:
            routed = fleet()
            deadline = time.monotonic() + LISTENER_WAIT_S
            while routed.listener is not None and not routed.listener.wait_connected(1.0):
                alive()
                if time.monotonic() > deadline:
                    break
        except ServiceUnavailable as exc:
            app.logger.warning("worker not warmed up: %s", exc)
            return
        except Exception:
            app.logger.exception("worker not warmed up")
            return
    proposing = threading.Thread(target=_propose_moveups, args=(app, routed), name="moveup-warm-up", daemon=True)
    proposing.start()
    deadline = time.monotonic() + moveup_wait_s
    while proposing.is_alive() and time.monotonic() < deadline:
        proposing.join(min(1.0, max(deadline - time.monotonic(), 0.0)))
        alive()
    waited = (time.perf_counter() - started) * 1000
    if proposing.is_alive():
        app.logger.warning("worker serving after %.0f ms; move-up still warming up in the background", waited)
    else:
        app.logger.info("worker warmed up in %.0f ms", waited)


def _propose_moveups(app: Flask, routed: RoutedFleet) -> None:
    """Propose every fielded type's move-up once, so that its cache holds the answer (see :func:`warm_up`)."""
    name_os_thread()
    started = time.perf_counter()
    with app.app_context():
        try:
            with session_factory(settings().database_url)() as session:
                for code in moveup.fielded_types(session):
                    moveup.relocations(session, routed, code, level=settings().moveup_level)
            app.logger.info("%s in %.0f ms", MOVEUP_WARMED, (time.perf_counter() - started) * 1000)
        except Exception:
            app.logger.exception("move-up not warmed up")
