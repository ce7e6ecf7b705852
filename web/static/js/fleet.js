// Units: markers on the map (a shape and label per type, a colour per status) and the unit board
// (status, time in status, current incident, status change; filters by agency and type).
import { api } from "./api.js";
import { agencyName } from "./catalog.js";
import { byId, el, errorNote, fmtAge, fmtTime, redrawWhenIdle, replace } from "./dom.js";
import { layers } from "./geomap.js";
import { format, t } from "./i18n.js";
import { refresh } from "./live.js";

const TYPE_LABEL = { ambulance: "AMB", fire_truck: "PMK", rescue: "SAR", satpol_pp_patrol: "SPP", police_patrol: "POL" };
const markers = new Map(); // unit id → Leaflet marker
let units = [];
let onSelectIncident = () => {};
// Unit id → {text, announce}: why its last status change failed, shown under its control until the next try.
const refusals = new Map();
let drawnBoard = null; // the rows the board shows (see rowView)

export function typeLabel(type) {
  return TYPE_LABEL[type] || type.slice(0, 3).toUpperCase();
}

export function statusPill(status) {
  return el("span", { class: `status status-${status}`, text: t(`status_${status}`) });
}

// The icon carries the unit's call sign and status (a clustered marker has no element of its own to mark).
function icon(unit) {
  const classes = `unit-icon type-${unit.unit_type} status-${unit.status}${unit.stale ? " stale" : ""}`;
  return L.divIcon({ className: "", iconSize: [26, 26], iconAnchor: [13, 13], popupAnchor: [0, -12],
    html: el("div", { class: classes, text: typeLabel(unit.unit_type), dataset: { unit: unit.call_sign, status: unit.status } }) });
}

// Available units at one station share a point: they cluster (a count, the call signs on hover) and spread
// out on a click, so every one of them can be reached; only markers that nearly overlap cluster. A unit in
// any other status has a marker of its own, so that its change is seen at once.
const cluster = L.markerClusterGroup({
  maxClusterRadius: 22, showCoverageOnHover: false, spiderfyDistanceMultiplier: 1.8,
  iconCreateFunction: (group) => {
    const signs = group.getAllChildMarkers().map((m) => m.options.title);
    return L.divIcon({ className: "", iconSize: [30, 30],
      html: el("div", { class: "unit-cluster", text: signs.length, attrs: { title: signs.join(", ") }, dataset: { units: signs.join(" ") } }) });
  },
}).addTo(layers.units);

function popup(unit) {
  return el("div", { class: "popup" },
    el("h4", { text: unit.call_sign }),
    el("p", {}, statusPill(unit.status), " ", t("since"), " ", fmtTime(unit.status_at)),
    el("p", { text: `${t(`type_${unit.unit_type}`)} · ${agencyName(unit.agency)}` }),
    unit.incident_id ? el("p", { text: `${t("incident")} #${unit.incident_id}` }) : null,
    unit.stale ? el("p", { class: "error", text: t("position_stale") }) : null);
}

function drawMarkers() {
  const seen = new Set();
  for (const unit of units) {
    if (!unit.position) continue;
    seen.add(unit.id);
    const [lon, lat] = unit.position.coordinates;
    let marker = markers.get(unit.id);
    if (!marker) {
      marker = L.marker([lat, lon], { title: unit.call_sign, riseOnHover: true });
      markers.set(unit.id, marker);
    }
    const holder = unit.status === "available" ? cluster : layers.units;
    if (!holder.hasLayer(marker)) {
      cluster.removeLayer(marker);
      layers.units.removeLayer(marker);
      marker.addTo(holder);
    }
    marker.setLatLng([lat, lon]).setIcon(icon(unit)).bindPopup(popup(unit));
  }
  for (const [id, marker] of markers) {
    if (!seen.has(id)) { cluster.removeLayer(marker); layers.units.removeLayer(marker); markers.delete(id); }
  }
  cluster.refreshClusters();
}

async function changeStatus(unit, status) {
  await api(`/api/v1/units/${unit.id}/status`, { method: "POST", body: { status } });
  refresh();
}

/** Why a status change failed: on a 409, the status the unit is in now (someone else changed it meanwhile). */
function refusal(error, unit, status) {
  const current = error.body?.unit_status;
  return current
    ? format("status_refused", { unit: unit.call_sign, status: t(`status_${current}`), new: t(`status_${status}`) })
    : format("status_failed", { unit: unit.call_sign, detail: error.message });
}

function statusControl(unit) {
  const noteId = `status-note-${unit.id}`;
  const refused = refusals.get(unit.id);
  const note = errorNote(refused?.text ?? "", { id: noteId, announce: refused?.announce });
  if (refused) refused.announce = false; // read out once; later redraws show it quietly
  const select = el("select", { attrs: { "aria-label": `${t("change_status")} ${unit.call_sign}`, "aria-describedby": noteId } },
    el("option", { value: "", text: `${t("change_status")}…` }),
    unit.allowed.map((status) => el("option", { value: status, text: t(`status_${status}`) })));
  select.addEventListener("change", async () => {
    const status = select.value;
    if (!status) return;
    select.disabled = true;
    refusals.delete(unit.id);
    note.textContent = "";
    try {
      await changeStatus(unit, status);
    } catch (error) {
      refusals.set(unit.id, { text: refusal(error, unit, status), announce: true });
    } finally {
      select.disabled = false;
      select.blur(); // done here: let the live refresh redraw the board
      drawBoard();
    }
  });
  return [select, note];
}

function filtered() {
  const agency = byId("filter-agency").value;
  const type = byId("filter-type").value;
  return units.filter((u) => (!agency || u.agency === agency) && (!type || u.unit_type === type));
}

function boardRow(unit) {
  const incident = unit.incident_id
    ? el("button", { type: "button", class: "link", text: `#${unit.incident_id}`, on: { click: () => onSelectIncident(unit.incident_id) } })
    : "–";
  return el("tr", { dataset: { unit: unit.call_sign, status: unit.status } },
    el("td", {}, el("strong", { text: unit.call_sign }), el("div", { class: "hint", text: `${typeLabel(unit.unit_type)} · ${agencyName(unit.agency)}` })),
    el("td", {}, statusPill(unit.status),
      unit.relocating_to ? el("div", { class: "hint", text: format("relocating_to", { name: unit.relocating_to }) }) : null),
    el("td", { class: "age", dataset: { since: unit.status_at }, text: fmtAge(unit.status_at) }),
    el("td", {}, incident),
    el("td", {}, statusControl(unit)));
}

// What a row shows: an AVL fix alone does not redraw the board (nor read a refusal out again).
function rowView(unit) {
  return [unit.id, unit.call_sign, unit.unit_type, unit.agency, unit.status, unit.status_at, unit.incident_id, unit.allowed,
    unit.relocating_to,
    refusals.get(unit.id)?.text];
}

function drawBoard() {
  const board = byId("unit-board");
  redrawWhenIdle(board, () => {
    const shown = filtered();
    const view = JSON.stringify(shown.map(rowView));
    if (view === drawnBoard) return;
    drawnBoard = view;
    replace(board, shown.map(boardRow));
  });
}

function fillFilter(select, values, label) {
  const chosen = select.value;
  replace(select, el("option", { value: "", text: t("all") }),
    [...new Set(values)].sort().map((v) => el("option", { value: v, text: label(v) })));
  select.value = chosen;
}

/** Reload the units from the API and redraw the map layer and the board. */
export async function loadUnits() {
  units = (await api("/api/v1/units?limit=500")).items;
  fillFilter(byId("filter-agency"), units.map((u) => u.agency), agencyName);
  fillFilter(byId("filter-type"), units.map((u) => u.unit_type), (v) => t(`type_${v}`));
  drawMarkers();
  drawBoard();
}

/** Wire the board's filters; `selectIncident(id)` opens an incident from the board. */
export function initFleet(selectIncident) {
  onSelectIncident = selectIncident;
  byId("filter-agency").addEventListener("change", drawBoard);
  byId("filter-type").addEventListener("change", drawBoard);
  // Time in status ticks between refreshes.
  setInterval(() => {
    for (const cell of document.querySelectorAll("#unit-board td.age")) cell.textContent = fmtAge(cell.dataset.since);
  }, 5000);
}
