"""A worker imports what dispatch needs: planning and reporting libraries load when first used (issue 33)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

#: Libraries only planners' and reports' requests (or data loads) use (with their size in a worker, measured
#: 2026-12-07).
PLANNING_ONLY = (
    "pandas",  # 57 MB, through Folium and Altair
    "geopandas",  # coverage exports
    "pyproj",  # through geopandas
    "weasyprint",  # the PDF report
    "vl_convert",  # the report's charts
    "altair",  # charts
    "folium",  # map scripts
    "pulp",  # siting
    "highspy",  # through PuLP
    "networkx",  # compiling a graph
    "scipy.stats",  # the simulation
    "xmlschema",  # validating a CAP alert
    "capvalidator",
    "qrcode",  # a responder link's QR code
    "scipy.ndimage",  # service areas (with scipy.special: ~8 MB)
    "scipy.special",
    "scipy.spatial",  # the simulation (~10 MB; the desa index finds nodes with pykdtree, as routing does)
    "pooch",  # checking a data file's digest (~12 MB with what it imports)
    "tqdm",  # building a road graph's progress bars
)
#: A worker's start: the app as gunicorn builds it.
APP = "from web import create_app\ncreate_app()"


def _imported_by(code: str) -> set[str]:
    """The modules of :data:`PLANNING_ONLY` a fresh interpreter holds after running ``code``."""
    check = f"{code}\nimport json, sys\nprint(json.dumps([m for m in {list(PLANNING_ONLY)!r} if m in sys.modules]))"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    done = subprocess.run([sys.executable, "-c", check], env=env, capture_output=True, text=True, check=True)
    return set(json.loads(done.stdout.splitlines()[-1]))


def test_create_app_imports_no_planning_library() -> None:
    assert _imported_by(APP) == set()


def test_the_check_sees_a_library_a_view_loads() -> None:
    # The lazy imports are real imports: the first charts request would load Altair and pandas.
    assert {"altair", "pandas"} <= _imported_by(f"{APP}\nimport geo112.analytics.charts")
