"""gunicorn settings of geo112 (``gunicorn -c python:web.gunicorn_config "web:create_app()"``).

Every gunicorn geo112 starts reads this: the logs redact responder tokens, no instance opens gunicorn's
default control socket (one path per user, which a second instance on the machine would take over; a
process that needs one names its own with ``--control-socket``), and each worker warms up before it takes
requests (:mod:`web.warmup`).
"""

import ctypes
import ctypes.util
import os

from geo112.config import limit_native_threads

# Before any worker loads numpy or pykdtree: OpenMP reads its thread count once (geo112.config).
limit_native_threads()


def _limit_malloc_arenas(arenas: int = 2) -> None:
    """Let glibc's malloc keep at most ``arenas`` arenas in each worker (its default: 8 per core).

    Each thread that allocates gets an arena of its own, and memory freed there stays with it: a worker's
    threads and its fleet listener, each computing units' rows for a moment, left a worker 30-40 MB larger
    (docs/performance.md, worker memory). Set in the master, so every forked worker inherits it;
    ``MALLOC_ARENA_MAX`` in the environment, read by glibc itself, wins.
    """
    library = ctypes.util.find_library("c")
    if "MALLOC_ARENA_MAX" not in os.environ and library:
        ctypes.CDLL(library).mallopt(-8, arenas)  # -8: M_ARENA_MAX


_limit_malloc_arenas()


def post_worker_init(worker: object) -> None:
    """Warm a new worker up before it takes requests (:func:`web.warmup.warm_up`: the road network, the units'
    rows and the move-up of every fielded type), so that no dispatcher's question pays for it."""
    from web.warmup import warm_up  # in the worker: the master imports no numpy (see limit_native_threads)

    warm_up(worker.wsgi, worker.notify)  # type: ignore[attr-defined]


logger_class = "web.logging.GunicornLogger"
control_socket_disable = True
