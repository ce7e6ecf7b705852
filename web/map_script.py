"""The Folium side of :mod:`web.maps`: a page's map built with Folium and rendered as a script.

Imported by the map script view when it first runs, not with the app: Folium imports pandas, together some
75 MB a worker that only serves the dispatch API never needs.
"""

from __future__ import annotations

from collections.abc import Callable

import folium
from branca.element import Figure, MacroElement
from jinja2 import Template

from web.db import region
from web.maps import MAPS, PANES


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
