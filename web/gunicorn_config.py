"""gunicorn settings of geo112 (``gunicorn -c python:web.gunicorn_config "web:create_app()"``).

Every gunicorn geo112 starts reads this: the logs redact responder tokens, no instance opens gunicorn's
default control socket (one path per user, which a second instance on the machine would take over; a
process that needs one names its own with ``--control-socket``), the master loads the road network once for
all its workers, and each worker warms up before it takes requests (:mod:`web.warmup`).
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
    ``MALLOC_ARENA_MAX`` in the environment, read by glibc itself, wins. (A fixed mmap threshold, which
    would give every large array back when freed, made move-up's proposals twice as slow: each array then
    costs its page faults again; the freed heap is given back once, after the warm-up, instead.)
    """
    library = ctypes.util.find_library("c")
    if "MALLOC_ARENA_MAX" not in os.environ and library:
        ctypes.CDLL(library).mallopt(-8, arenas)  # -8: M_ARENA_MAX


_limit_malloc_arenas()


def when_ready(server: object) -> None:
    """Load the road network in the master, before any worker is forked, so that the workers share its pages
    (copy-on-write: nothing writes to the engine's arrays). A province's engine is ~0.8 GB: once per machine,
    not once per worker; a worker restarted after a crash finds it loaded. On failure each worker loads the
    network itself, as before, and answers 503 with the cause if it cannot."""
    from geo112.config import get_settings
    from geo112.network import network_for

    try:
        network_for(get_settings())
    except Exception as exc:  # a master that cannot preload still serves
        server.log.warning("road network not loaded before the workers: %s", exc)  # type: ignore[attr-defined]


def post_worker_init(worker: object) -> None:
    """Warm a new worker up before it takes requests (:func:`web.warmup.warm_up`: the road network, the units'
    rows and the move-up of every fielded type), so that no dispatcher's question pays for it."""
    from web.warmup import warm_up

    warm_up(worker.wsgi, worker.notify)  # type: ignore[attr-defined]
    _give_back_freed_memory()


def _give_back_freed_memory() -> None:
    """Return to the system the heap pages freed during the warm-up (glibc's ``malloc_trim``).

    The warm-up's passing arrays (units' rows searched or copied from other workers, coverage) leave freed
    blocks in the middle of the heap, which glibc gives back only from its top: ~10 MB a worker
    (docs/performance.md, worker memory).
    """
    library = ctypes.util.find_library("c")
    if library:
        ctypes.CDLL(library).malloc_trim(0)


logger_class = "web.logging.GunicornLogger"
control_socket_disable = True
