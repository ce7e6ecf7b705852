// The coverage gap of a unit type: the roads farther than T minutes from every available unit of that type,
// over the area beyond T (the service-area complement within the kabupaten, from the coverage API).
// Reloaded on every change; the server answers 304 (same ETag) until the available units move or change.
import { byId, el, replace } from "./dom.js";
import { layers, map } from "./geomap.js";
import { format } from "./i18n.js";
import { onChange } from "./live.js";
import { query } from "./api.js";

let chosen = null; // {unit_type, minutes} once the dispatcher asked for a gap
let drawnTag = null;

function summary(p) {
  return format("gap_summary", { km: (p.gap_length_m / 1000).toFixed(0), pct: (100 * p.gap_share).toFixed(0), n: p.units });
}

async function geojson(url) {
  const response = await fetch(url, { headers: { Accept: "application/geo+json" } });
  const body = await response.json();
  if (!response.ok) throw new Error(body.detail || body.error);
  return { body, etag: response.headers.get("ETag") };
}

async function reloadGap() {
  const asked = chosen;
  if (!asked) return;
  const [roads, area] = await Promise.all([
    geojson(`/api/v1/console/gap${query(asked)}`),
    geojson(`/api/v1/coverage/gaps.geojson${query({ ...asked, mode: "live" })}`),
  ]);
  if (asked !== chosen) return; // hidden or asked again meanwhile
  const tag = `${JSON.stringify(chosen)} ${roads.etag} ${area.etag}`;
  if (tag === drawnTag) return;
  drawnTag = tag;
  // Emptied, not each drawing removed: a removed drawing stays in the group and comes back with it.
  layers.gap.clearLayers();
  L.featureGroup([
    L.geoJSON(area.body, { pane: "analysis", interactive: false,
      style: { stroke: false, fillColor: "#dc2626", fillOpacity: 0.12 } }),
    L.geoJSON(roads.body, { pane: "analysis", interactive: false, style: { color: "#dc2626", weight: 2.5, opacity: 0.75 } }),
  ]).addTo(layers.gap);
  const body = roads.body;
  if (!map.hasLayer(layers.gap)) layers.gap.addTo(map);
  byId("gap-status").textContent = summary(body.properties);
}

/**
 * Take the gap off the map until the dispatcher asks again: a gap asked for one call would hide the next
 * call's route previews under its red roads.
 */
export function hideGap() {
  if (!chosen) return;
  chosen = null;
  drawnTag = null;
  layers.gap.clearLayers();
  map.removeLayer(layers.gap);
  byId("gap-status").textContent = "";
}

export function initGap(unitTypes) {
  replace(byId("gap-type"), unitTypes.map((u) => el("option", { value: u.code, text: u.name })));
  byId("gap-form").addEventListener("submit", (event) => {
    event.preventDefault();
    chosen = { unit_type: byId("gap-type").value, minutes: byId("gap-minutes").value };
    byId("gap-status").textContent = "…";
    reloadGap().catch((error) => { byId("gap-status").textContent = error.message; });
  });
  onChange(reloadGap);
}
