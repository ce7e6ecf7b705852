// The dispatcher console: wires the map, call intake, recommendations, incident list, unit board,
// coverage gap and live refresh.
import { initAlerts, loadAlerts } from "./alerts.js";
import { api, untilLoaded } from "./api.js";
import { initBoard, loadBoard } from "./board.js";
import { loadCatalog } from "./catalog.js";
import { byId, el, replace } from "./dom.js";
import { initFleet, loadUnits } from "./fleet.js";
import { hideGap, initGap } from "./gap.js";
import { basemap, loadBoundaries, map } from "./geomap.js";
import { initIncidents, loadIncidents, select, setOverdue } from "./incidents.js";
import { initIntake, joinIncident, takePhoneCall } from "./intake.js";
import { loadMoveUp } from "./moveup.js";
import { onChange, onReconnect, refresh, startLive } from "./live.js";
import { currentCall, initPhone } from "./phone.js";
import { reloadRecommendations, showRecommendations } from "./recommend.js";
import { initShortcuts } from "./shortcuts.js";
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
  byId("recommendations").querySelector("button[data-assign]")?.focus(); // Enter sends the best unit
  refresh();
}

// The next call: the intake form, empty, the focus in the place search.
function newCall() {
  showTab("intake");
  if (!byId("intake").hidden) byId("intake").reset();
  hideGap(); // the last call's gap would hide this one's route previews
  showIntake(true);
  byId("place-search").focus();
}

byId("new-call").addEventListener("click", newCall);

const showTab = initTabs();
initShortcuts({ newCall, search: () => { showTab("intake"); showIntake(true); byId("place-search").focus(); }, tab: showTab });
document.querySelector('[data-tab="units"]').addEventListener("click", loadMoveUp);
document.querySelector('[data-tab="phones"]').addEventListener("click", loadBoard);
initBoard();
// A call that joined an open incident: that incident opens, the panel ready for the next call.
initIntake(saveIncident, (id) => { refresh(); return select(id); });
initIncidents();
initFleet(select);
// A call classed darurat opens the intake with its number; joining from the pop is the intake's Gabungkan.
initPhone(
  (call) => { showTab("intake"); showIntake(true); takePhoneCall(call); byId("place-search").focus(); },
  (incidentId) => { takePhoneCall(currentCall()); return joinIncident(incidentId); },
);
onChange(loadIncidents);
onChange(loadUnits);
onChange(reloadRecommendations);
onChange(loadAlerts);
onChange(loadMoveUp);
onChange(loadBoard);
// Base map tiles that failed while the server was away are drawn again when it is back.
onReconnect(() => { basemap?.clearLayout(); basemap?.rerenderTiles(); });
const catalog = untilLoaded(loadCatalog).then(({ categories, unitTypes }) => {
  fillCategories(categories);
  initGap(unitTypes);
  initAlerts({ overdue: setOverdue, open: select });
  initTicketAlerts({ open: select });
});
// Categories name the incidents, so the first live load waits for them.
await Promise.all([untilLoaded(loadBoundaries), catalog.then(startLive)]);
map.getContainer().dataset.ready = "true";
if (document.activeElement === document.body) byId("place-search").focus(); // a call starts here
