// The planners' incident analytics: a heat map of incidents on a grid, counts by desa/kecamatan/category,
// response intervals (median, 90th percentile) and threshold compliance, from /api/v1/analytics. Whenever the
// figures include synthetic history the page says so; with no real incidents it offers the synthetic ones.
import { drawCharts } from "./charts.js";
import { api, query } from "./api.js";
import { categoryName, loadCatalog, unitTypeName } from "./catalog.js";
import { byId, el, fmtDuration, replace } from "./dom.js";
import { addLegend, layers, loadBoundaries, map } from "./geomap.js";
import { t } from "./i18n.js";

const API = "/api/v1/analytics";
const EXPORTS = ["counts_kecamatan", "counts_desa", "counts_category", "intervals", "compliance", "heatmap",
  "calls_by_day", "calls_by_month", "calls_by_hour", "calls_kecamatan", "answer_times"];
const number = (n) => (n === null || n === undefined ? "–" : Math.round(n).toLocaleString("id-ID"));
const percent = (share) => (share === null || share === undefined ? "–" : `${(100 * share).toFixed(0)}%`);

function filters() {
  return {
    start: byId("analytics-start").value, end: byId("analytics-end").value,
    category: byId("analytics-category").value,
    include_synthetic: byId("analytics-include-synthetic").checked ? "true" : "false",
  };
}

// Yellow → red with the count, relative to the busiest cell.
function heatColour(ratio) {
  return `hsl(${Math.round(50 - 50 * ratio)}, 90%, ${Math.round(60 - 20 * ratio)}%)`;
}

let heatLegend = null;

// The legend's classes are shares of the busiest cell, labelled with the counts they stand for.
function drawHeatLegend(grid) {
  heatLegend?.remove();
  const area = (grid.cell_m / 1000) ** 2;
  heatLegend = addLegend(`${t("analytics_incidents")} / ${area.toLocaleString("id-ID")} km²`,
    [1, 0.5, 0.1].map((ratio) => [heatColour(ratio), `${Math.max(1, Math.round(ratio * grid.max))}`]));
}

function drawHeat(grid) {
  layers.heat.clearLayers();
  drawHeatLegend(grid);
  for (const cell of grid.cells) {
    const [south, west, north, east] = cell.bounds;
    const ratio = cell.count / grid.max;
    L.rectangle([[south, west], [north, east]], {
      pane: "analysis", stroke: false, fillColor: heatColour(ratio), fillOpacity: 0.25 + 0.5 * ratio,
    }).bindTooltip(el("span", { text: `${cell.count} ${t("analytics_incidents").toLowerCase()}` })).addTo(layers.heat);
  }
}

function drawSummary(summary) {
  byId("analytics-synthetic").hidden = !summary.synthetic_included;
  const offer = !summary.filters.include_synthetic && summary.synthetic_available > 0;
  byId("analytics-note").textContent = summary.incidents === 0
    ? (offer ? `${t("analytics_only_synthetic")} ${number(summary.synthetic_available)}` : t("analytics_empty")) : "";
  replace(byId("analytics-summary"),
    el("dt", { text: t("analytics_incidents") }), el("dd", { text: number(summary.incidents) }),
    el("dt", { text: t("analytics_synthetic") }), el("dd", { text: number(summary.synthetic) }));
}

function drawIntervals(rows) {
  replace(byId("analytics-intervals"), rows.map((r) => el("tr", { dataset: { interval: r.interval } },
    el("td", { text: t(`interval_${r.interval}`) }), el("td", { class: "num", text: number(r.n) }),
    el("td", { class: "num", text: fmtDuration(r.median_s) }), el("td", { class: "num", text: fmtDuration(r.p90_s) }))));
}

function drawCompliance(rows) {
  replace(byId("analytics-compliance"), rows.map((r) => el("tr", { title: r.label },
    el("td", { text: unitTypeName(r.unit_type) }), el("td", { class: "num", text: `${r.minutes} min` }),
    el("td", { class: "num", text: number(r.n) }), el("td", { class: "num", text: percent(r.travel_share) }),
    el("td", { class: "num", text: percent(r.response_share) }))));
}

function drawCounts(by, rows) {
  const label = (r) => (by === "category" ? categoryName(r.code) : r.name || r.code || "–");
  replace(byId("analytics-counts"), rows.map((r) => el("tr", { dataset: { code: r.code ?? "" } },
    el("td", { text: by === "desa" && r.kecamatan ? `${label(r)} (${r.kecamatan})` : label(r) }),
    el("td", { class: "num", text: number(r.count) }), el("td", { class: "num", text: number(r.synthetic) }))));
}

// Calls from the phone system, stacked by class (the operator's, or what became of an unclassed call).
function classChart(rows, x, title) {
  const values = rows.map((r) => ({ ...r, class: t(`call_class_${r.class}`, t(`board_outcome_${r.class}`, r.class)) }));
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json", title, width: "container", height: 180,
    data: { values }, mark: "bar",
    encoding: { x: { field: x, type: "ordinal", title: null }, y: { field: "calls", type: "quantitative", title: t("analytics_calls") },
      color: { field: "class", type: "nominal", title: null } },
  };
}

function drawCallRecap(recap) {
  replace(byId("analytics-call-kecamatan"), recap.real_reports_by_kecamatan.map((r) => el("tr", {},
    el("td", { text: r.kecamatan }), el("td", { class: "num", text: number(r.calls) }))));
  replace(byId("analytics-answer-times"), recap.answer_times.map((r) => el("tr", { dataset: { operator: r.operator } },
    el("td", { text: r.operator }), el("td", { class: "num", text: number(r.answered) }),
    el("td", { class: "num", text: fmtDuration(r.median_answer_s) }), el("td", { class: "num", text: fmtDuration(r.p90_answer_s) }),
    el("td", { class: "num", text: percent(r.within_15s) }), el("td", { class: "num", text: percent(r.within_20s) }))));
  return {
    phone_calls_by_period: classChart(recap.by_class, "period", t("analytics_calls_by_period")),
    phone_calls_by_hour: classChart(recap.by_hour, "hour", t("analytics_calls_by_hour")),
  };
}

// The report's link: the filters' period, and the latest kept simulation run when asked (its Simulasi section).
function reportLink(params) {
  const simulation = byId("analytics-report-simulation").checked ? { simulation: "latest" } : {};
  byId("analytics-report").href = `${API}/report.pdf${query({ ...params, ...simulation })}`;
}

function drawExports(params) {
  reportLink(params);
  replace(byId("analytics-exports"), EXPORTS.map((table, i) => [i ? " · " : null,
    el("a", { href: `${API}/export.csv${query({ ...params, table })}`, text: t(`export_${table}`), attrs: { download: "" } })]));
}

async function show() {
  const params = filters();
  const by = byId("analytics-by").value;
  try {
    const [summary, counts, intervals, compliance, heat] = await Promise.all([
      api(`${API}/summary${query(params)}`), api(`${API}/counts${query({ ...params, by })}`),
      api(`${API}/intervals${query(params)}`), api(`${API}/compliance${query(params)}`),
      api(`${API}/heatmap${query(params)}`),
    ]);
    const { charts } = await api(`${API}/charts${query(params)}`);
    const recap = await api(`${API}/calls${query({ ...params, period: byId("analytics-call-period").value })}`);
    await drawCharts({ ...charts, ...drawCallRecap(recap) });
    drawSummary(summary);
    drawCounts(by, counts.rows);
    drawIntervals(intervals.rows);
    drawCompliance(compliance.rows);
    drawHeat(heat);
    drawExports(params);
  } catch (error) {
    byId("analytics-note").textContent = error.message;
  }
}

async function init() {
  await loadBoundaries();
  const { categories } = await loadCatalog();
  byId("analytics-category").append(...categories.map((c) => el("option", { value: c.code, text: c.name })));
  // With no real incident at all, start on the synthetic history (and say so) rather than on an empty page.
  const everything = await api(`${API}/summary`);
  byId("analytics-include-synthetic").checked = everything.incidents === 0 && everything.synthetic_available > 0;
  byId("analytics-form").addEventListener("submit", (event) => { event.preventDefault(); show(); });
  byId("analytics-by").addEventListener("change", show);
  byId("analytics-call-period").addEventListener("change", show);
  byId("analytics-report-simulation").addEventListener("change", () => reportLink(filters()));
  await show();
  map.getContainer().dataset.ready = "true";
}

init();
