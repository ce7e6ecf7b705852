// The Folium-built map of the page (registered by /maps/<name>.js as window.geo112Map) and the boundary
// layers every map shares: desa, kecamatan and the Kota Mojokerto enclave, from the geography API.
import { api } from "./api.js";
import { addBasemap } from "./basemap.js";
import { el } from "./dom.js";

const registry = window.geo112Map;
if (!registry) throw new Error("the map script (/maps/<name>.js) did not load");

export const map = registry.map;
export const layers = registry.layers;
export const basemap = addBasemap(map, registry.basemap);

// Over the vector base map, which draws the desa and kecamatan outlines under the roads, these layers only
// answer hover (the desa's name); over a raster base map or none, they draw the outlines themselves.
const DRAWN = {
  desa: { pane: "boundaries", color: "#6b7280", weight: 0.6, fillColor: "#e5e7eb", fillOpacity: 0.35 },
  kecamatan: { pane: "boundaries", color: "#1f2937", weight: 2, fill: false, interactive: false },
};
const STYLE = {
  ...(basemap ? {
    desa: { pane: "boundaries", stroke: false, fillColor: "#ffffff", fillOpacity: 0 },
    kecamatan: { pane: "boundaries", stroke: false, fill: false, interactive: false },
  } : DRAWN),
  enclave: { pane: "boundaries", color: "#7c3aed", weight: 2.5, dashArray: "6 4", fillColor: "#7c3aed", fillOpacity: 0.12 },
  region: { pane: "boundaries", color: "#9a3412", weight: 1.5, dashArray: "2 4", fillColor: "#fed7aa", fillOpacity: basemap ? 0.15 : 0.25 },
};

// Chromium makes an SVG shape focusable once it has focus listeners, which Leaflet adds to every shape with a
// tooltip: hundreds of desa outlines would fill the Tab order. Their names show on hover; the keyboard finds
// a desa with the place search.
function named(layer, ...lines) {
  layer.bindTooltip(tooltip(...lines), { sticky: true, direction: "top", offset: [0, -8] });
  layer.on("add", () => layer.getElement()?.setAttribute("tabindex", "-1"));
}

function tooltip(...lines) {
  return el("div", { class: "map-tip" }, lines.filter(Boolean).map((line, i) => el(i ? "div" : "strong", { text: line })));
}

/**
 * Load the boundaries into their layer groups (those the map has) and fit the map to the kabupaten.
 * Returns the bounds of the kecamatan layer.
 */
// A map legend: a title and [colour, label] swatches, bottom right (the planner maps' classes and markers).
export function addLegend(title, entries) {
  const legend = L.control({ position: "bottomright" });
  legend.onAdd = () => el("div", { class: "map-legend", dataset: { testid: "map-legend" } },
    el("strong", { text: title }),
    entries.map(([colour, label]) => el("div", {},
      el("i", { class: "swatch", attrs: { style: `background:${colour}` } }), el("span", { text: label }))));
  return legend.addTo(map);
}

export async function loadBoundaries({ fit = true } = {}) {
  const [desa, kecamatan, jurisdiction] = await Promise.all([
    layers.desa ? api("/api/v1/desa.geojson?simplify=15") : null,
    api("/api/v1/kecamatan.geojson?simplify=30"),
    layers.enclave || layers.regions ? api("/api/v1/jurisdiction.geojson?simplify=150") : null,
  ]);
  if (desa) {
    L.geoJSON(desa, {
      style: STYLE.desa,
      onEachFeature: (f, layer) => named(layer,
        `${f.properties.kind === "kelurahan" ? "Kel." : "Desa"} ${f.properties.name}`, `Kec. ${f.properties.kecamatan_name}`),
    }).addTo(layers.desa);
  }
  const kecamatanLayer = L.geoJSON(kecamatan, { style: STYLE.kecamatan }).addTo(layers.kecamatan || map);
  if (jurisdiction) {
    const only = (keep) => ({ ...jurisdiction, features: jurisdiction.features.filter(keep) });
    if (layers.enclave) {
      L.geoJSON(only((f) => f.properties.enclave), {
        style: STYLE.enclave,
        onEachFeature: (f, layer) => named(layer, f.properties.name, f.properties.call_centre),
      }).addTo(layers.enclave);
    }
    // The neighbouring kabupaten/kota, named, instead of a grey field: calls there go to their own 112.
    if (layers.regions) {
      L.geoJSON(only((f) => !f.properties.served && !f.properties.enclave), {
        style: STYLE.region,
        onEachFeature: (f, layer) => named(layer, f.properties.name, f.properties.call_centre),
      }).addTo(layers.regions);
    }
  }
  const bounds = kecamatanLayer.getBounds();
  if (fit && bounds.isValid()) map.fitBounds(bounds, { padding: [10, 10], animate: false });
  return bounds;
}
