// The planners' coverage page: for a unit type and a threshold T, the area reached within T on the map and
// the population covered per kecamatan. The analyses come from /api/v1/coverage (the coverage API); until
// it answers, the page shows the boundaries and says that the analysis is not available yet.
import { api, ApiError, query } from "./api.js";
import { loadCatalog } from "./catalog.js";
import { byId, el, replace } from "./dom.js";
import { layers, loadBoundaries, map } from "./geomap.js";
import { t } from "./i18n.js";

let drawn = null;
const percent = (share) => (share === null || share === undefined ? "–" : `${(100 * share).toFixed(0)}%`);
const number = (n) => (n === null || n === undefined ? "–" : Math.round(n).toLocaleString("id-ID"));

function showEmpty(empty) {
  byId("coverage-empty").hidden = !empty;
  if (empty) { replace(byId("coverage-rows")); byId("coverage-summary").hidden = true; drawn?.remove(); }
}

function drawTable(rows) {
  replace(byId("coverage-rows"), rows.map((r) => el("tr", { dataset: { kecamatan: r.code } },
    el("td", { text: r.name }), el("td", { class: "num", text: number(r.population) }),
    el("td", { class: "num", text: number(r.covered_population) }), el("td", { class: "num", text: percent(r.share) }))));
}

function drawSummary(summary) {
  const box = byId("coverage-summary");
  replace(box, el("dt", { text: t("population") }), el("dd", { text: number(summary.population) }),
    el("dt", { text: t("covered") }), el("dd", { text: `${number(summary.covered_population)} (${percent(summary.share)})` }));
  box.hidden = false;
}

async function show(params) {
  try {
    const coverage = await api(`/api/v1/coverage${query(params)}`);
    showEmpty(false);
    drawn?.remove();
    drawn = L.geoJSON(coverage.area, { pane: "analysis", interactive: false, style: { color: "#15803d", weight: 1, fillOpacity: 0.25 } })
      .addTo(layers.coverage);
    drawSummary(coverage.summary);
    drawTable(coverage.kecamatan);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) showEmpty(true);
    else byId("coverage-note").textContent = error.message;
  }
}

async function init() {
  await loadBoundaries();
  const { unitTypes } = await loadCatalog();
  replace(byId("coverage-type"), unitTypes.map((u) => el("option", { value: u.code, text: u.name })));
  byId("coverage-form").addEventListener("submit", (event) => {
    event.preventDefault();
    show({ unit_type: byId("coverage-type").value, minutes: byId("coverage-minutes").value });
  });
  await show({ unit_type: byId("coverage-type").value, minutes: byId("coverage-minutes").value });
  map.getContainer().dataset.ready = "true";
}

init();
