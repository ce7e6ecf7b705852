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

from collections.abc import Callable
from dataclasses import dataclass

import folium
from branca.element import Figure, MacroElement
from flask import Blueprint, Flask, Response, current_app, url_for
from jinja2 import Template

from web.db import region
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
    # An agency's ticket (officer's page or link): where the report is.
    "ticket": (*_BOUNDARIES, Overlay("incident", "layer_incident")),
}
# Panes keep the stacking stable however layers are toggled: boundaries under analyses under markers.
PANES = (("boundaries", 350), ("analysis", 390))


class _Registry(MacroElement):
    """Publishes the map and its layer groups as ``window.geo112Map`` for the page's modules."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            window.geo112Map = {
                map: {{ this._parent.get_name() }},
                basemap: {{ this.basemap|tojson }},
                layers: { {%- for key, group in this.groups %}{{ key|tojson }}: {{ group.get_name() }},{% endfor -%} },
            };
        {% endmacro %}
        """
    )

    def __init__(self, groups: list[tuple[str, folium.FeatureGroup]], basemap: dict[str, str] | None) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # branca's MacroElement has no annotations
        self._name = "Geo112Registry"
        self.groups = groups
        self.basemap = basemap


#: The vector tiles every map draws unless a raster ``tile_url`` replaces them (see :mod:`web.tiles`).
VECTOR_TILES = "/tiles/base/{z}/{x}/{y}.pbf"


def build_map(
    name: str, label: Callable[[str], str], tile_url: str | None = None, synthetic_roads: bool = False
) -> folium.Map:
    """Build the Folium map ``name`` (a key of :data:`MAPS`) with empty, named layer groups.

    Parameters
    ----------
    name
        Which map: a key of :data:`MAPS` (``console``, ``planner``, ``responder``, ``analytics``, ``ticket``).
    label
        Turns a UI text key into the layer name shown in the layer control (the request's language).
    tile_url
        An optional same-origin raster tile URL template, drawn instead of the vector base map.
    synthetic_roads
        The road network is synthetic: the base map's attribution says so.

    Returns
    -------
    folium.Map
        With the ids ``map_<name>`` (the page's ``<div>``) and ``feature_group_<key>`` fixed, so the
        script is the same on every render.
    """
    # The region pack's centre; pages fit the map to the kecamatan layer once it has loaded.
    fmap = folium.Map(location=region().centre, zoom_start=11, tiles=None, control_scale=True)
    fmap._id = name
    # Folium gives the zoom range to its tile layer only; the map itself needs it (markercluster, overzoom).
    fmap.options.update(min_zoom=9, max_zoom=19)
    # Folium would link Leaflet, jQuery, Bootstrap and Font Awesome from CDNs; the pages link the local
    # Leaflet themselves (web/assets.py) and use nothing else.
    fmap.default_js, fmap.default_css = [], []
    if tile_url:
        folium.TileLayer(tiles=tile_url, attr="geo112", name=label("layer_tiles"), max_zoom=19).add_to(fmap)
    for pane, z_index in PANES:
        folium.map.CustomPane(pane, z_index=z_index, pointer_events=True).add_to(fmap)
    groups = []
    for overlay in MAPS[name]:
        group = folium.FeatureGroup(name=label(overlay.label), show=overlay.shown)
        group._id = overlay.key
        group.add_to(fmap)
        groups.append((overlay.key, group))
    folium.LayerControl(collapsed=True).add_to(fmap)
    attribution = label("basemap_synthetic" if synthetic_roads else "basemap_osm")
    _Registry(groups, None if tile_url else {"tiles": VECTOR_TILES, "attribution": attribution}).add_to(fmap)
    return fmap


def map_script(fmap: folium.Map) -> str:
    """The JavaScript Folium generates for ``fmap``, without the HTML around it."""
    root = fmap.get_root()
    assert isinstance(root, Figure)
    root.render()
    return str(root.script.render())


@bp.get("/maps/<any(console, planner, responder, analytics, ticket):name>.js")
def script(name: str) -> Response:
    """The map script of a page, in the request's language."""
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
