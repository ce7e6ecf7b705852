"""Third-party JavaScript/CSS served by the app itself, so that no page needs the internet.

The libraries come from npm at set-up (``web/package.json`` with its lockfile, installed by ``npm ci`` in
``scripts/install.sh``) into ``web/node_modules``, which is not committed. Only the distribution folders
listed in :data:`VENDOR` are reachable.
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

from flask import Blueprint, Flask, abort, current_app, send_from_directory
from flask.typing import ResponseReturnValue
from markupsafe import Markup

bp = Blueprint("assets", __name__, url_prefix="/assets")

# URL name → folder inside node_modules.
VENDOR = {
    # The accessibility checker, for the browser tests (tests/browser/test_accessibility.py); no page loads it.
    "axe-core": "axe-core",
    "leaflet": "leaflet/dist",
    "leaflet.markercluster": "leaflet.markercluster/dist",
    "protomaps-leaflet": "protomaps-leaflet/dist",
    "vega": "vega/build",
    "vega-lite": "vega-lite/build",
    "vega-embed": "vega-embed/build",
    "vega-interpreter": "vega-interpreter/build",
    "vega-util": "vega-util/build",
}
# Vega compiles chart expressions with `new Function` unless given its interpreter, an ES module that imports
# the bare name "vega-util": this import map resolves it to the served copy. The page's CSP admits the map by
# its hash (web/security.py), so that no script-src 'unsafe-eval' or 'unsafe-inline' is needed.
IMPORT_MAP = json.dumps({"imports": {"vega-util": "/assets/vega-util/index.js"}}, separators=(",", ":"))
IMPORT_MAP_HASH = "sha256-" + base64.b64encode(hashlib.sha256(IMPORT_MAP.encode()).digest()).decode()
# Vendored files are versioned by the lockfile, so browsers may keep them for a day.
MAX_AGE_S = 86400


def vendor_dir(app: Flask) -> Path:
    """Where npm installed the web app's libraries."""
    return Path(app.root_path) / "node_modules"


@bp.get("/<package>/<path:filename>")
def vendor(package: str, filename: str) -> ResponseReturnValue:
    """A file of a vendored library (``send_from_directory`` refuses paths that leave the folder)."""
    if package not in VENDOR:
        abort(404)
    return send_from_directory(vendor_dir(current_app) / VENDOR[package], filename, max_age=MAX_AGE_S)


def import_map() -> Markup:
    """The import map script element (its text is exactly what :data:`IMPORT_MAP_HASH` hashes)."""
    return Markup(f'<script type="importmap">{IMPORT_MAP}</script>')


def init_app(app: Flask) -> None:
    """Register the blueprint; say so at start-up when ``npm ci`` has not been run."""
    missing = [name for name, folder in VENDOR.items() if not (vendor_dir(app) / folder).is_dir()]
    if missing:
        app.logger.warning(
            "web assets missing (%s): run `npm ci` in web/ (scripts/install.sh does)", ", ".join(missing)
        )
    app.add_template_global(import_map)
    app.register_blueprint(bp)
