// The planners' simulation: a year of calls replayed on the fleet with a dispatch policy, and a second one on
// the same calls (POST /api/v1/simulation); late arrivals per unit type and priority with 95 % intervals.
import { api } from "./api.js";
import { loadCatalog, unitTypeName } from "./catalog.js";
import { drawCharts } from "./charts.js";
import { byId, el, replace } from "./dom.js";
import { t } from "./i18n.js";

const pct = (x) => (x === null || x === undefined ? "–" : `${(100 * x).toFixed(1)}%`);
const interval = (i) => (i.low === null ? pct(i.mean) : `${pct(i.mean)} [${pct(i.low)}–${pct(i.high)}]`);
// A share's interval stays within 0–100 % (Student t over a few replications can reach past them).
const share = (i) => interval(i.low === null ? i : { ...i, low: Math.max(0, i.low), high: Math.min(1, i.high) });
const label = (policy) => t(`sim_policy_${policy.replace(/[-+]/g, "_")}`, policy);

async function run(event) {
  event.preventDefault();
  const policy = byId("sim-policy").value;
  const compare = byId("sim-compare").value || null;
  byId("sim-note").textContent = "…";
  try {
    const station = byId("sim-add-station").value;
    // A what-if: more units of a type at a station (a planned post too), on the same calls.
    const addUnits = station ? [{ station_id: Number(station), unit_type: byId("sim-add-type").value,
      units: Number(byId("sim-add-units").value) }] : [];
    const result = await api("/api/v1/simulation", { method: "POST", body: {
      policy, compare: compare === policy ? null : compare, add_units: addUnits,
      days: Number(byId("sim-days").value), replications: Number(byId("sim-replications").value) } });
    const names = Object.keys(result.policies);
    byId("sim-head-a").textContent = `${label(names[0])}: ${t("sim_late")}`;
    byId("sim-head-b").textContent = names[1] ? `${label(names[1])}: ${t("sim_late")}` : "";
    const second = names[1] ? result.policies[names[1]] : [];
    replace(byId("sim-rows"), result.policies[names[0]].map((row, i) => el("tr", {},
      el("td", { text: unitTypeName(row.unit_type) }), el("td", { class: "num", text: row.priority === "all" ? t("sim_all") : row.priority }),
      el("td", { class: "num", text: Math.round(row.requests.mean) }), el("td", { class: "num", text: share(row.late) }),
      el("td", { class: "num", text: second[i] ? share(second[i].late) : "" }))));
    await drawCharts({ simulation_late: result.chart });
    // The run is kept: the evaluation report prints it in its Simulasi section.
    const report = byId("sim-report");
    const synthetic = result.history.synthetic ? "&include_synthetic=true" : "";  // the history it was fitted on
    report.href = `/api/v1/analytics/report.pdf?simulation=${result.result_id}${synthetic}`;
    report.hidden = false;
    const c = result.comparison;
    byId("sim-note").textContent = c
      ? `${t("sim_difference")} (${label(names[1])} − ${label(names[0])}): ${interval(c.difference)}`
        + ` (${c.relative === null ? "–" : `${(100 * c.relative).toFixed(1)}%`}); ${result.calls_per_day} ${t("sim_per_day")}`
      : `${result.calls_per_day} ${t("sim_per_day")}`;
  } catch (error) {
    byId("sim-note").textContent = error.message;
  }
}

async function fillWhatIf() {
  const [{ unitTypes }, stations] = await Promise.all([loadCatalog(), api("/api/v1/stations?limit=500")]);
  replace(byId("sim-add-type"), unitTypes.map((u) => el("option", { value: u.code, text: unitTypeName(u.code) })));
  replace(byId("sim-add-station"), [el("option", { value: "", text: "–" }),
    ...stations.items.map((s) => el("option", { value: s.id, text: `${s.code} ${s.name}` }))]);
}

if (byId("sim-form")) {
  byId("sim-form").addEventListener("submit", run);
  fillWhatIf().catch((error) => { byId("sim-note").textContent = error.message; });
}
