// The dispatcher console: wires the map, call intake, recommendations, incident list, unit board,
// coverage gap and live refresh.
import { initAlerts, loadAlerts } from "./alerts.js";
import { api } from "./api.js";
import { loadCatalog } from "./catalog.js";
import { byId, el, replace } from "./dom.js";
import { initFleet, loadUnits } from "./fleet.js";
import { initGap } from "./gap.js";
import { loadBoundaries, map } from "./geomap.js";
import { initIncidents, loadIncidents, select, setOverdue } from "./incidents.js";
import { initIntake } from "./intake.js";
import { loadMoveUp } from "./moveup.js";
import { onChange, refresh, startLive } from "./live.js";
import { reloadRecommendations, showRecommendations } from "./recommend.js";
import { initTabs } from "./tabs.js";
import { initTicketAlerts } from "./tickets.js";

function fillCategories(categories) {
  const select = byId("category");
  replace(select, categories.map((c) => el("option", { value: c.code, text: c.name, dataset: { priority: c.default_priority } })));
  const priority = () => { byId("priority").value = select.selectedOptions[0]?.dataset.priority || "2"; };
  select.addEventListener("change", priority);
  // "reset" fires before the fields are reset: set the priority after it.
  byId("intake").addEventListener("reset", () => setTimeout(priority));
  priority();
}

// After saving, the panel shows the recommendations in place of the form until the next call.
function showIntake(intake) {
  byId("intake").hidden = !intake;
  byId("new-call").hidden = intake;
  byId("recommendations").hidden = intake;
}

async function saveIncident(body) {
  const incident = await api("/api/v1/incidents", { method: "POST", body });
  await showRecommendations(incident.id, byId("recommendations"));
  showIntake(false);
  refresh();
}

byId("new-call").addEventListener("click", () => { showIntake(true); byId("place-search").focus(); });

initTabs();
document.querySelector('[data-tab="units"]').addEventListener("click", loadMoveUp);
// A call that joined an open incident: that incident opens, the panel ready for the next call.
initIntake(saveIncident, (id) => { refresh(); return select(id); });
initIncidents();
initFleet(select);
onChange(loadIncidents);
onChange(loadUnits);
onChange(reloadRecommendations);
onChange(loadAlerts);
onChange(loadMoveUp);
const catalog = loadCatalog().then(({ categories, unitTypes }) => {
  fillCategories(categories);
  initGap(unitTypes);
  initAlerts({ overdue: setOverdue, open: select });
  initTicketAlerts({ open: select });
});
// Categories name the incidents, so the first live load waits for them.
await Promise.all([loadBoundaries(), catalog.then(startLive)]);
map.getContainer().dataset.ready = "true";
