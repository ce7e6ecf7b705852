// The planners' coverage page: for a unit type, a threshold T and a basis (units at their stations, or the
// available units now), a desa choropleth and the gap on the map, a sortable table by kecamatan, exports,
// what-if scenarios (click the map) and station siting. Everything comes from /api/v1/coverage.
import { drawCharts } from "./charts.js";
import { api, ApiError, query } from "./api.js";
import { loadCatalog } from "./catalog.js";
import { byId, el, replace } from "./dom.js";
import { addLegend, layers, loadBoundaries, map } from "./geomap.js";
import { t } from "./i18n.js";

const percent = (share) => (share === null || share === undefined ? "–" : `${(100 * share).toFixed(0)}%`);
const number = (n) => (n === null || n === undefined ? "–" : Math.round(n).toLocaleString("id-ID"));
const state = {
  params: null, rows: [], sort: { key: "uncovered_population", desc: true }, point: null,
  desa: [], desaSort: { key: "share", desc: false }, stations: [], units: [],
};
const GAP_COLOUR = "#450a0a";
const SITE_COLOURS = { new: "#c2410c", fixed: "#1d4ed8" };
let pointMarker = null;

// Red (nothing covered) to green (all covered); grey for a desa without roads.
function shareColour(share) {
  if (share === null || share === undefined) return "#9ca3af";
  return `hsl(${Math.round(120 * share)}, 70%, 42%)`;
}

function tip(...lines) {
  return el("div", { class: "map-tip" }, lines.map((line, i) => el(i ? "div" : "strong", { text: line })));
}

function drawDesa(collection, colour, describe) {
  return L.geoJSON(collection, {
    pane: "analysis",
    style: (f) => ({ color: "#374151", weight: 0.4, fillColor: colour(f.properties), fillOpacity: 0.55 }),
    onEachFeature: (f, layer) => layer.bindTooltip(tip(f.properties.name, ...describe(f.properties)), { sticky: true }),
  });
}

// Nulls (a desa without roads) sort last whichever the direction.
function sorted(rows, { key, desc }) {
  const rank = (v) => (v === null || v === undefined ? Infinity : v);
  return [...rows].sort((a, b) => {
    const [x, y] = [rank(a[key]), rank(b[key])];
    if (x === Infinity || y === Infinity) return (x === Infinity) - (y === Infinity);
    return (x < y ? -1 : x > y ? 1 : 0) * (desc ? -1 : 1);
  });
}

function drawDesaTable() {
  const needle = byId("desa-filter").value.trim().toLowerCase();
  const rows = state.desa.filter((r) => !needle || `${r.name} ${r.kecamatan}`.toLowerCase().includes(needle));
  replace(byId("desa-rows"), sorted(rows, state.desaSort).map((r) => el("tr", { dataset: { desa: r.code } },
    el("td", { text: r.name }), el("td", { text: r.kecamatan }), el("td", { class: "num", text: number(r.population) }),
    el("td", { class: "num", text: percent(r.share) }), el("td", { class: "num", text: percent(r.share_double) }),
    el("td", { class: "num", text: percent(r.share_expected) }))));
}

// What the map's colours mean: the coverage classes, a desa without roads, the gap, the siting markers.
function showLegend() {
  addLegend(`${t("legend_title")}: ${t("covered")}`, [
    ...[1, 0.75, 0.5, 0.25, 0].map((share) => [shareColour(share), percent(share)]),
    [shareColour(null), t("legend_no_roads")], [GAP_COLOUR, t("legend_gap")],
    [SITE_COLOURS.new, t("legend_new_site")], [SITE_COLOURS.fixed, t("legend_existing_site")],
  ]);
}

function drawTable() {
  const rows = sorted(state.rows, state.sort);
  replace(byId("coverage-rows"), rows.map((r) => el("tr", { dataset: { kecamatan: r.code } },
    el("td", { text: r.name }), el("td", { class: "num", text: number(r.population) }),
    el("td", { class: "num", text: number(r.uncovered_population) }), el("td", { class: "num", text: percent(r.covered) }),
    el("td", { class: "num", text: percent(r.double) }), el("td", { class: "num", text: percent(r.expected) }))));
}

function figures(box, totals) {
  replace(box, el("dt", { text: t("population") }), el("dd", { text: number(totals.population) }),
    el("dt", { text: t("covered") }), el("dd", { text: `${number(totals.covered_population)} (${percent(totals.covered)})` }),
    el("dt", { text: t("double_coverage") }), el("dd", { text: percent(totals.double) }),
    el("dt", { text: t("expected_coverage") }), el("dd", { text: percent(totals.expected) }));
  box.hidden = false;
}

async function show(params) {
  state.params = params;
  byId("coverage-note").textContent = "…";
  try {
    const q = query(params);
    const [summary, desa, gap] = await Promise.all([api(`/api/v1/coverage/summary${q}`),
      api(`/api/v1/coverage/desa.geojson${q}`), api(`/api/v1/coverage/gaps.geojson${q}`)]);
    byId("coverage-empty").hidden = true;
    layers.coverage.clearLayers();
    drawDesa(desa, (p) => shareColour(p.share), (p) => [`${t("covered")}: ${percent(p.share)}`,
      `${t("population")}: ${number(p.population)}`]).addTo(layers.coverage);
    L.geoJSON(gap, { pane: "analysis", interactive: false, style: { stroke: false, fillColor: GAP_COLOUR, fillOpacity: 0.35 } })
      .addTo(layers.coverage);
    figures(byId("coverage-summary"), summary.totals);
    state.rows = summary.kecamatan;
    state.desa = desa.features.map((f) => f.properties);
    drawTable();
    drawDesaTable();
    for (const link of byId("coverage-exports").querySelectorAll("a")) {
      const level = link.dataset.level ? `&level=${link.dataset.level}` : "";
      link.href = `/api/v1/coverage/export.${link.dataset.format}${q}${level}`;
    }
    byId("coverage-note").textContent = `${summary.totals.available} / ${summary.totals.sources} ${t("units_count")}, T = ${summary.minutes} min`;
  } catch (error) {
    byId("coverage-note").textContent = error.message;
    byId("coverage-empty").hidden = !(error instanceof ApiError && error.status === 404);
  }
}

// What-if moves and removals concern the stations that hold units of the chosen type, not all 69.
function listStations() {
  const type = byId("coverage-type").value;
  const holding = new Set(state.units.filter((u) => u.unit_type === type).map((u) => u.station_id));
  replace(byId("whatif-station"), state.stations.filter((s) => holding.has(s.id))
    .map((s) => el("option", { value: s.id, text: s.name })));
}

function currentParams() {
  return { type: byId("coverage-type").value, minutes: byId("coverage-minutes").value, mode: byId("coverage-mode").value };
}

async function runWhatif(event) {
  event.preventDefault();
  const action = byId("whatif-action").value;
  const change = { action };
  if (action !== "add") change.station_id = Number(byId("whatif-station").value);
  if (action !== "remove") {
    if (!state.point) { byId("whatif-point").textContent = t("whatif_hint"); return; }
    Object.assign(change, state.point);
  }
  if (action === "add") change.count = Number(byId("whatif-count").value);
  const { type, minutes, mode } = currentParams();
  const box = byId("whatif-result");
  try {
    const result = await api("/api/v1/coverage/whatif", { method: "POST",
      body: { unit_type: type, minutes: Number(minutes), mode, changes: [change] } });
    const [b, a] = [result.before.totals, result.after.totals];
    replace(box, el("dt", { text: t("before") }), el("dd", { text: `${number(b.covered_population)} (${percent(b.covered)})` }),
      el("dt", { text: t("after") }), el("dd", { text: `${number(a.covered_population)} (${percent(a.covered)})` }),
      el("dt", { text: "Δ" }), el("dd", { text: number(result.delta.covered_population) }));
    drawCharts({ whatif_reach: result.chart });
    layers.coverage.clearLayers();
    drawDesa(result.desa, (p) => (p.delta_population > 0 ? "#15803d" : p.delta_population < 0 ? "#b91c1c" : shareColour(p.share)),
      (p) => [`${t("before")}: ${percent(p.share_before)}`, `${t("after")}: ${percent(p.share)}`, `Δ ${number(p.delta_population)}`])
      .addTo(layers.coverage);
  } catch (error) {
    replace(box, el("dd", { text: error.message }));
  }
  box.hidden = false;
}

async function runSiting(event) {
  event.preventDefault();
  const candidates = [...byId("siting-form").querySelectorAll("input[name=candidates]:checked")].map((c) => c.value);
  const { type, minutes } = currentParams();
  byId("siting-note").textContent = "…";
  try {
    const result = await api("/api/v1/coverage/siting", { method: "POST", body: { unit_type: type, minutes: Number(minutes),
      method: byId("siting-method").value, p: Number(byId("siting-p").value), candidates } });
    // New sites first: they are the answer; the fixed ones are context.
    const sites = [...result.new_sites, ...result.fixed];
    replace(byId("siting-rows"), sites.map((s) => el("tr", { dataset: { role: s.role } },
      el("td", { text: s.role === "new" ? "+" : "•" }), el("td", { text: s.name }), el("td", { text: s.kecamatan }),
      el("td", { class: "num", text: number(s.population_only_here) }))));
    layers.stations.clearLayers();
    for (const s of sites) {
      const isNew = s.role === "new";
      const lines = isNew ? [s.kecamatan, `${t("only_here")}: ${number(s.population_only_here)}`] : [s.kecamatan];
      L.circleMarker([s.lat, s.lon], { radius: isNew ? 11 : 7, color: SITE_COLOURS[isNew ? "new" : "fixed"], fillOpacity: 0.8 })
        .bindTooltip(tip(s.name, ...lines), { permanent: isNew }).addTo(layers.stations);
    }
    byId("siting-note").textContent = `${t("before")}: ${percent(result.before.share)} → ${t("after")}: ${percent(result.after.share)}`
      + ` (${result.runtime_s} s${result.time_limited ? ", time limit" : ""})`;
  } catch (error) {
    byId("siting-note").textContent = error.message;
  }
}

function placePoint(event) {
  state.point = { lon: Number(event.latlng.lng.toFixed(6)), lat: Number(event.latlng.lat.toFixed(6)) };
  pointMarker?.remove();
  pointMarker = L.circleMarker(event.latlng, { radius: 7, color: "#7c3aed", fillOpacity: 0.9 }).addTo(map);
  byId("whatif-point").textContent = `${state.point.lat}, ${state.point.lon}`;
}

async function init() {
  await loadBoundaries();
  const [{ unitTypes }, stations, units] = await Promise.all([loadCatalog(), api("/api/v1/stations?limit=500"),
    api("/api/v1/units?limit=500")]);
  replace(byId("coverage-type"), unitTypes.map((u) => el("option", { value: u.code, text: u.name })));
  state.stations = stations.items;
  state.units = units.items;
  listStations();
  byId("coverage-type").addEventListener("change", listStations);
  byId("coverage-form").addEventListener("submit", (event) => { event.preventDefault(); show(currentParams()); });
  for (const th of document.querySelectorAll("th[data-sort]")) {
    th.addEventListener("click", () => {
      const key = th.dataset.sort;
      state.sort = { key, desc: state.sort.key === key ? !state.sort.desc : key !== "name" };
      drawTable();
    });
  }
  for (const th of document.querySelectorAll("th[data-desa-sort]")) {
    th.addEventListener("click", () => {
      const key = th.dataset.desaSort;
      state.desaSort = { key, desc: state.desaSort.key === key ? !state.desaSort.desc : false };
      drawDesaTable();
    });
  }
  byId("desa-filter").addEventListener("input", drawDesaTable);
  showLegend();
  byId("whatif-form").addEventListener("submit", runWhatif);
  byId("siting-form").addEventListener("submit", runSiting);
  map.on("click", placePoint);
  await show(currentParams());
  map.getContainer().dataset.ready = "true";
  // The charts cover every unit type at once, so they are drawn once, after the map is usable.
  const { charts } = await api("/api/v1/coverage/charts");
  await drawCharts(charts);
}

init();
