"""Leaflet maps built with Folium and served as external scripts.

Folium renders a map as inline ``<script>``, which the CSP (``script-src 'self'``) refuses. So a page holds
only the map's ``<div>``; the script Folium generates is served from ``/maps/<name>.js`` and registers the map
and its empty layer groups as ``window.geo112Map``. The page's own ES modules then fill those layers from the
JSON API and keep them live. The map scripts hold no data, so they need no login.

The base map is the app's own vector tiles (:mod:`web.tiles`), drawn by ``static/js/basemap.js``; the map
script tells it where they are (``geo112Map.basemap``). ``GEO112_TILE_URL`` puts a raster layer there
instead; it must be on the app's own origin (e.g. ``/raster/{z}/{x}/{y}.png`` behind the same reverse proxy):
the CSP admits images from nowhere else, and the call centre must work offline.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, Flask, Response, current_app, url_for

from web.i18n import language, translate

bp = Blueprint("maps", __name__)


@dataclass(frozen=True)
class Overlay:
    """A layer group of a map: ``key`` names it in ``geo112Map.layers``; ``label`` is a UI text key."""

    key: str
    label: str
    shown: bool = True


_BOUNDARIES = (
    Overlay("desa", "layer_desa"),
    Overlay("kecamatan", "layer_kecamatan"),
    Overlay("enclave", "layer_enclave"),
    Overlay("regions", "layer_regions"),
)
MAPS: dict[str, tuple[Overlay, ...]] = {
    "console": (
        *_BOUNDARIES,
        Overlay("gap", "layer_gap", shown=False),
        Overlay("proposals", "layer_proposals"),
        Overlay("incidents", "layer_incidents"),
        Overlay("units", "layer_units"),
        Overlay("intake", "layer_intake"),
    ),
    "planner": (*_BOUNDARIES, Overlay("coverage", "layer_coverage"), Overlay("stations", "layer_stations")),
    # A responder on mobile data gets the route and its ends: the vector base map draws the boundaries (without
    # it, the kecamatan only, straight on the map), not the hover-only desa and neighbours' layers (1 MB).
    "responder": (
        Overlay("route", "layer_route"),
        Overlay("incident", "layer_incident"),
        Overlay("unit", "layer_unit"),
    ),
    "analytics": (*_BOUNDARIES, Overlay("heat", "layer_heat")),
    # The admin's stations: where they are, and where a new one goes (a click).
    "admin": (*_BOUNDARIES, Overlay("stations", "layer_stations"), Overlay("new_station", "layer_new_station")),
    # An agency's ticket (officer's page or link): where the report is.
    "ticket": (*_BOUNDARIES, Overlay("incident", "layer_incident")),
}
# Panes keep the stacking stable however layers are toggled: boundaries under analyses under markers.
PANES = (("boundaries", 350), ("analysis", 390))


@bp.get("/maps/<any(console, planner, responder, analytics, ticket, admin):name>.js")
def script(name: str) -> Response:
    """The map script of a page, in the request's language."""
    from web.map_script import build_map, map_script  # Folium (and pandas, which it imports): ~75 MB

    config = current_app.config
    fmap = build_map(name, translate, config.get("GEO112_TILE_URL"), config["GEO112_SETTINGS"].osm_is_synthetic)
    body = map_script(fmap)
    response = Response(body, mimetype="text/javascript")
    response.headers["Content-Language"] = language()
    response.headers["Cache-Control"] = "no-cache"
    return response


def map_div(name: str) -> str:
    """The id of the ``<div>`` the map ``name`` draws into (templates put it in the page)."""
    return f"map_{name}"


def init_app(app: Flask) -> None:
    """Register the blueprint and the ``map_div``/``map_script_url`` template helpers."""
    app.register_blueprint(bp)
    app.jinja_env.globals["map_div"] = map_div
    app.jinja_env.globals["map_script_url"] = lambda name: url_for("maps.script", name=name)
