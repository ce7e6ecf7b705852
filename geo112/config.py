"""Settings of geo112, read from the environment in one place.

Every setting has a documented default so that a fresh checkout runs as it is:

``GEO112_DATABASE_URL``
    SQLAlchemy URL of the PostGIS database; default the local PostgreSQL, database ``geo112``.
``GEO112_DATA_DIR``
    Directory holding the read-only inputs (``kab_mojokerto/raw``, ``osm``, ``facts``); default
    ``../shared/geodata`` beside the checkout when present.
``GEO112_REGION``
    The region pack this 112 serves (:mod:`geo112.region`): a directory holding ``region.toml``, or the name
    of one under ``geodata/``; default ``kab_mojokerto``.
``GEO112_CACHE_DIR``
    Where generated artefacts (compiled road graphs) go; default ``.cache`` in the checkout.
``GEO112_OSM_FILE``
    The OSM extract the road graph is built from; default the region pack's (``[roads] osm``; Mojokerto's is
    the synthetic network in the data dir).
``GEO112_AVL_STALE_S``
    A unit position (AVL) older than this many seconds is stale and the unit is not proposed; default 600.
``GEO112_UNIT_ROW_LIMIT_S``
    A unit's travel-time row holds the road nodes it reaches within this many seconds (:class:`RoutedFleet
    <geo112.network.RoutedFleet>`); a unit farther from an incident is ranked by a hierarchy query instead,
    and coverage beyond it is searched afresh; default 7200, the longest threshold a planner may ask for
    (``geo112.planning.thresholds.MAX_MINUTES``), which holds a regency whole; a province's deployment sets
    about 1800-3600 (the longest phase target, on scene, is 30 minutes; docs/performance.md, unit rows).
``GEO112_UNIT_ROW_BEYOND``
    Of the units of a type beyond the rows' bound from an incident, this many (the nearest as the crow flies)
    are ranked by hierarchy queries; the others are not ranked (``beyond_bound`` in a recommendation); default
    20. A regency within the bound has none.
``GEO112_RESPONDER_LINK_TTL_S``
    How long a responder link stays valid after the assignment; default 12 hours.
``GEO112_SAME_CALLER_WINDOW_S``
    A call from a number that rang about an open incident this many seconds ago may be about the same
    incident, wherever it is placed; default 600 (the radius and window of places are per category).
``GEO112_CALLER_LINK_TTL_S``
    How long a caller location link stays valid; default 30 minutes.
``GEO112_TICKET_LINK_TTL_S``
    How long an agency's ticket link (for agencies without accounts) stays valid after it is made; default
    7 days (an agency's deadline to be done is up to 3 days: docs/agencies.md).
``GEO112_LAPOR_OUTBOX``
    The directory complaints for SP4N-LAPOR! are written to (:class:`geo112.agencies.lapor.FileOutbox`);
    default ``instance/lapor-outbox`` in the checkout.
``GEO112_SMS_GATEWAY``
    The gateway text messages go through (:data:`geo112.dispatch.sms.GATEWAYS`); default ``outbox``.
``GEO112_MOVEUP_LEVEL``
    Below this share of the population covered by a unit type (at its first threshold), the console proposes
    relocations (move-up); default 0.8.
``GEO112_DISPATCH_POLICY``
    How the console's proposals are made (:data:`DISPATCH_POLICIES`): ``closest`` (default), or
    ``closest+moveup``, the one policy the simulator showed to answer fewer calls late on the demo fleet: the
    closest unit, with the relocations that follow sending it (:mod:`geo112.dispatch.policy`).
``GEO112_REDIS_URL``
    The Redis every worker shares state in (login limits); default the local ``redis://127.0.0.1:6379/0``.
``GEO112_CAP_SENDER``
    This call centre's sender id in CAP alerts (unique among the 112s it exchanges with); default the region
    pack's ``cap_sender`` (Mojokerto's: ``112.mojokertokab.go.id``).
``GEO112_RATELIMIT_PREFIX``
    Prefix of the limiter's keys in Redis, so that two deployments on one Redis count apart; default ``geo112``.
``GEO112_SECRET_KEY``
    Signs sessions, responder and caller links; default a random key the web app keeps in
    ``instance/secret_key``.
``GEO112_SECURE_COOKIES``
    ``1`` marks the session cookie Secure (served over HTTPS); default off.
``GEO112_TILE_URL``
    A raster tile layer on the app's own origin (e.g. ``/raster/{z}/{x}/{y}.png``) instead of the app's vector
    tiles; default none.
``GEO112_SERVER_TIMING``
    ``1`` sends each answer's cost back in a ``Server-Timing`` header (the load test reads it); default off.
``GEO112_PROXY_HOPS``
    How many reverse proxies stand in front of the app (``scripts/proxy.sh``'s nginx: 1); the app takes the
    client's address, scheme and host from that many ``X-Forwarded-*`` entries and no more, so a client
    cannot name its own address; default 0 (serving directly).
``GEO112_PBX_TOKEN``
    The shared token the phone system (``scripts/sip.sh``'s Kamailio, or another PBX) sends as
    ``Authorization: Bearer …`` with its call events (docs/telephony.md); default none: call events are refused.
``GEO112_PBX_CONTROL_URL``
    Where geo112 asks the phone system to end a call an operator hangs up from the console: JSON-RPC over HTTP
    with the same token (``scripts/sip.sh`` prints its Kamailio's, ``http://127.0.0.1:<port>/RPC``); default
    none: calls are hung up on the phone.
``GEO112_WATCH_CALLS``
    A number with this many calls closed as prank or silent within ``GEO112_WATCH_WINDOW_S`` goes on the watch
    list; default 3.
``GEO112_WATCH_WINDOW_S``
    The window those calls are counted in; default 7 days.
``GEO112_WATCH_LISTED_S``
    How long a number stays listed (unless a supervisor lifts it); default 24 hours.
``GEO112_WATCH_POLICY``
    What the phone system does with a call from a listed number: ``ring`` (it still rings, flagged on the
    pop, after the other waiting calls) or ``reject`` (answered with ``GEO112_WATCH_REJECT_STATUS``); the call
    is recorded either way; default ``ring``.
``GEO112_WATCH_REJECT_STATUS``
    The SIP status a rejected call is answered with; default 603 (Decline).

Defaults that functions repeat in their signatures are named here once (:data:`SLIVER_TOLERANCE_M`,
:data:`AVL_STALE_S`, :data:`MOVEUP_LEVEL`), and so is the call centre's time zone, :data:`WIB`.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/geo112"
#: The region pack served when ``GEO112_REGION`` is not set (:mod:`geo112.region`).
DEFAULT_REGION = REPO_ROOT / "geodata" / "kab_mojokerto"
#: A point farther than this (metres) from every desa is "outside"; nearer, it sits in a sliver between polygons.
SLIVER_TOLERANCE_M = 150.0
#: A unit position (AVL) older than this many seconds is stale.
AVL_STALE_S = 600.0
#: A unit's row holds the road nodes it reaches within this many seconds (``GEO112_UNIT_ROW_LIMIT_S``).
UNIT_ROW_LIMIT_S = 7200.0
#: Units beyond the rows' bound ranked per question (``GEO112_UNIT_ROW_BEYOND``): a hierarchy query each.
UNIT_ROW_BEYOND = 20
#: Below this share of the population covered by a unit type, relocations (move-up) are proposed.
MOVEUP_LEVEL = 0.8
#: Dispatch policies the console may rank by: the simulator's that do not lose against closest idle
#: (docs/coverage.md; MEXCLP dispatch is not offered, it answered more calls late).
DISPATCH_POLICIES = ("closest", "closest+moveup")
#: Western Indonesian Time (UTC+7, no daylight saving), the call centre's local time: local dates, hours of the
#: day and the offsets of the times it sends out.
WIB = ZoneInfo("Asia/Jakarta")


def _default_data_dir() -> Path:
    shared = REPO_ROOT.parent / "shared" / "geodata"
    return shared if shared.is_dir() else REPO_ROOT / "data"


def _pack_cap_sender(region: Path = DEFAULT_REGION) -> str:
    from geo112.region import load_region

    return load_region(region).cap_sender


@dataclass(frozen=True)
class Settings:
    """Resolved settings; build one with :func:`get_settings` or pass values in tests."""

    database_url: str = DEFAULT_DATABASE_URL
    data_dir: Path = field(default_factory=_default_data_dir)
    cache_dir: Path = REPO_ROOT / ".cache"
    osm_file: Path | None = None
    region: Path = DEFAULT_REGION
    sliver_tolerance_m: float = SLIVER_TOLERANCE_M
    avl_stale_s: float = AVL_STALE_S
    unit_row_limit_s: float = UNIT_ROW_LIMIT_S
    unit_row_beyond: int = UNIT_ROW_BEYOND
    responder_link_ttl_s: float = 12 * 3600.0
    same_caller_window_s: float = 600.0
    caller_link_ttl_s: float = 1800.0
    ticket_link_ttl_s: float = 7 * 24 * 3600.0
    lapor_outbox: Path = REPO_ROOT / "instance" / "lapor-outbox"
    sms_gateway: str = "outbox"
    moveup_level: float = MOVEUP_LEVEL
    dispatch_policy: str = "closest"
    redis_url: str = "redis://127.0.0.1:6379/0"
    ratelimit_prefix: str = "geo112"
    cap_sender: str = field(default_factory=_pack_cap_sender)
    secret_key: str | None = field(default=None, repr=False)
    secure_cookies: bool = False
    tile_url: str | None = None
    server_timing: bool = False
    proxy_hops: int = 0
    pbx_token: str | None = field(default=None, repr=False)
    pbx_control_url: str | None = None
    watch_calls: int = 3
    watch_window_s: float = 7 * 24 * 3600.0
    watch_listed_s: float = 24 * 3600.0
    watch_policy: str = "ring"
    watch_reject_status: int = 603

    @functools.cached_property
    def osm_path(self) -> Path:
        """The OSM extract to build the road graph from (found once: every dispatch request asks for it)."""
        from geo112.region import load_region

        return self.osm_file or load_region(self.region).osm_path(self.data_dir)

    @property
    def osm_is_synthetic(self) -> bool:
        """True when the road graph comes from the synthetic network, which the UI must say."""
        return "synthetic" in self.osm_path.name


#: Threads each native library may start per call (OpenMP: pykdtree's snapping; BLAS: numpy and scipy). One:
#: the web app answers many requests on its threads and workers already, and an OpenMP query that waits for
#: a second core another process holds took 10x as long (issue 33); the environment may say otherwise.
NATIVE_THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS")


def limit_native_threads(threads: int = 1) -> None:
    """Set how many threads native libraries start, unless the environment set it already.

    The variables must be set before the libraries load (OpenMP reads them once, for every thread to come),
    so this runs when :mod:`geo112` is imported (the app, the CLI, the tests) and first thing in a benchmark;
    libraries loaded already are limited through threadpoolctl as well.

    Parameters
    ----------
    threads
        Threads per library.
    """
    for name in NATIVE_THREAD_VARIABLES:
        os.environ.setdefault(name, str(threads))
    from threadpoolctl import threadpool_limits

    threadpool_limits(int(os.environ["OMP_NUM_THREADS"]))


#: ``prctl`` option that names the calling thread (Linux, ``<linux/prctl.h>``).
_PR_SET_NAME = 15


def name_os_thread() -> None:
    """Give the calling thread its Python name in the operating system too (Linux keeps 15 bytes of it).

    Why: ``top -H -p <worker>`` and ``/proc/<pid>/task/*/comm`` then tell a worker's listeners from its serving
    threads, which Python's thread names do not reach (``benchmarks/load_test.py`` counts CPU by them). Where
    there is no ``prctl``, nothing happens.
    """
    with contextlib.suppress(OSError, AttributeError, TypeError):  # TypeError: Windows has no CDLL(None)
        ctypes.CDLL(None).prctl(_PR_SET_NAME, threading.current_thread().name.encode()[:15])


def get_settings(**overrides: object) -> Settings:
    """Read settings from the environment, then apply explicit overrides.

    Parameters
    ----------
    **overrides
        Field values that win over the environment (tests and the web app's config use this).

    Returns
    -------
    Settings
    """
    env: dict[str, object] = {}
    if url := os.environ.get("GEO112_DATABASE_URL"):
        env["database_url"] = url
    if data := os.environ.get("GEO112_DATA_DIR"):
        env["data_dir"] = Path(data)
    if cache := os.environ.get("GEO112_CACHE_DIR"):
        env["cache_dir"] = Path(cache)
    if osm := os.environ.get("GEO112_OSM_FILE"):
        env["osm_file"] = Path(osm)
    if outbox := os.environ.get("GEO112_LAPOR_OUTBOX"):
        env["lapor_outbox"] = Path(outbox)
    if region := os.environ.get("GEO112_REGION"):
        env["region"] = region
    for name, var in (
        ("redis_url", "GEO112_REDIS_URL"),
        ("ratelimit_prefix", "GEO112_RATELIMIT_PREFIX"),
        ("cap_sender", "GEO112_CAP_SENDER"),
        ("sms_gateway", "GEO112_SMS_GATEWAY"),
        ("secret_key", "GEO112_SECRET_KEY"),
        ("tile_url", "GEO112_TILE_URL"),
        ("dispatch_policy", "GEO112_DISPATCH_POLICY"),
        ("pbx_token", "GEO112_PBX_TOKEN"),
        ("pbx_control_url", "GEO112_PBX_CONTROL_URL"),
        ("watch_policy", "GEO112_WATCH_POLICY"),
    ):
        if value := os.environ.get(var):
            env[name] = value
    for name, var in (
        ("avl_stale_s", "GEO112_AVL_STALE_S"),
        ("unit_row_limit_s", "GEO112_UNIT_ROW_LIMIT_S"),
        ("responder_link_ttl_s", "GEO112_RESPONDER_LINK_TTL_S"),
        ("same_caller_window_s", "GEO112_SAME_CALLER_WINDOW_S"),
        ("caller_link_ttl_s", "GEO112_CALLER_LINK_TTL_S"),
        ("ticket_link_ttl_s", "GEO112_TICKET_LINK_TTL_S"),
        ("moveup_level", "GEO112_MOVEUP_LEVEL"),
        ("watch_window_s", "GEO112_WATCH_WINDOW_S"),
        ("watch_listed_s", "GEO112_WATCH_LISTED_S"),
    ):
        if value := os.environ.get(var):
            env[name] = float(value)
    for name, var in (
        ("proxy_hops", "GEO112_PROXY_HOPS"),
        ("unit_row_beyond", "GEO112_UNIT_ROW_BEYOND"),
        ("watch_calls", "GEO112_WATCH_CALLS"),
        ("watch_reject_status", "GEO112_WATCH_REJECT_STATUS"),
    ):
        if value := os.environ.get(var):
            env[name] = int(value)
    for name, var in (("secure_cookies", "GEO112_SECURE_COOKIES"), ("server_timing", "GEO112_SERVER_TIMING")):
        if value := os.environ.get(var):
            env[name] = value == "1"
    env.update({k: v for k, v in overrides.items() if v is not None})
    if env.get("dispatch_policy", "closest") not in DISPATCH_POLICIES:
        raise ValueError(f"GEO112_DISPATCH_POLICY must be one of {', '.join(DISPATCH_POLICIES)}, "
                         f"got {str(env['dispatch_policy'])[:30]!r}")  # fmt: skip
    from geo112.region import resolve_pack

    env["region"] = resolve_pack(env.get("region"))  # type: ignore[arg-type]
    if "cap_sender" not in env:
        env["cap_sender"] = _pack_cap_sender(env["region"])  # type: ignore[arg-type]
    return Settings(**env)  # type: ignore[arg-type]
