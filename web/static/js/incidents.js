// Incidents: markers by priority and phase, the incident list, and one incident's detail with its phase
// timestamps, assignments and audit timeline. Caller text is shown with textContent only.
import { api, query } from "./api.js";
import { byId, el, fmtDistance, fmtTime, replace } from "./dom.js";
import { categoryName } from "./catalog.js";
import { layers, map } from "./geomap.js";
import { t } from "./i18n.js";
import { showRecommendations } from "./recommend.js";

const PHASES = ["received", "dispatched", "en_route", "on_scene", "cleared", "closed"];
const markers = new Map();
let incidents = [];
let selected = null;

/** The latest phase an incident has reached. */
export function phase(incident) {
  return [...PHASES].reverse().find((p) => incident.phases[p]) || "received";
}

function place(incident) {
  return [incident.desa?.name, incident.kecamatan?.name && `Kec. ${incident.kecamatan.name}`].filter(Boolean).join(", ")
    || t("outside");
}

function icon(incident) {
  return L.divIcon({ className: "", iconSize: [22, 22], iconAnchor: [11, 11], popupAnchor: [0, -12],
    html: el("div", { class: `incident-icon p${incident.priority} ${phase(incident)}` }, el("span", { text: incident.priority })) });
}

function popup(incident) {
  return el("div", { class: "popup", dataset: { incident: incident.id } },
    el("h4", { text: `#${incident.id} ${categoryName(incident.category)}` }),
    el("p", { text: `${t("priority")} ${incident.priority} · ${t(`phase_${phase(incident)}`)}` }),
    el("p", { text: place(incident) }),
    incident.address ? el("p", { text: incident.address }) : null,
    incident.caller_name || incident.caller_phone
      ? el("p", { text: [incident.caller_name, incident.caller_phone].filter(Boolean).join(" · ") }) : null,
    incident.description ? el("p", { class: "notes", text: incident.description }) : null,
    el("button", { type: "button", class: "small", text: t("details"), on: { click: () => select(incident.id) } }));
}

function drawMarkers() {
  const seen = new Set();
  for (const incident of incidents.filter((i) => i.status === "open")) {
    seen.add(incident.id);
    const [lon, lat] = incident.location.coordinates;
    let marker = markers.get(incident.id);
    if (!marker) {
      marker = L.marker([lat, lon], { title: `#${incident.id}` }).addTo(layers.incidents);
      markers.set(incident.id, marker);
    }
    marker.setLatLng([lat, lon]).setIcon(icon(incident)).bindPopup(popup(incident));
  }
  for (const [id, marker] of markers) {
    if (!seen.has(id)) { marker.remove(); markers.delete(id); }
  }
}

function listItem(incident) {
  return el("li", {},
    el("button", { type: "button", class: `p${incident.priority}`, attrs: { "aria-current": String(incident.id === selected) },
      dataset: { incident: incident.id }, on: { click: () => select(incident.id) } },
      el("strong", { text: `#${incident.id}` }),
      el("span", { text: `${categoryName(incident.category)} · ${place(incident)}` }),
      el("span", { class: `status status-${incident.status}`, text: t(`phase_${phase(incident)}`) }),
      incident.description ? el("span", { class: "notes", text: incident.description }) : null));
}

function drawList() {
  replace(byId("incident-list"), incidents.map(listItem));
  const open = incidents.filter((i) => i.status === "open").length;
  byId("incident-count").textContent = open ? String(open) : "";
}

function phaseTable(incident) {
  return el("dl", { class: "located" }, PHASES.map((p) => [el("dt", { text: t(`phase_${p}`) }), el("dd", { text: fmtTime(incident.phases[p]) })]));
}

function timelineList(events) {
  return el("ol", {}, events.map((event) => el("li", {},
    el("time", { text: fmtTime(event.at) }), el("span", { text: `${t(`event_${event.action}`, event.action)} · ${event.actor}` }))));
}

async function drawDetail() {
  const detail = byId("incident-detail");
  if (selected === null) { replace(detail); return; }
  const [incident, timeline] = await Promise.all([
    api(`/api/v1/incidents/${selected}`), api(`/api/v1/incidents/${selected}/timeline`)]);
  replace(detail,
    el("h3", { text: `#${incident.id} ${categoryName(incident.category)}` }),
    el("p", { text: place(incident) }),
    incident.road_distance_m !== null ? el("p", { class: "hint", text: `${t("road_distance")}: ${fmtDistance(incident.road_distance_m)}` }) : null,
    incident.handoff ? el("p", { class: "warning", text: `${t("handoff")}: ${incident.handoff}` }) : null,
    incident.description ? el("p", { class: "notes", text: incident.description }) : null,
    phaseTable(incident),
    incident.status === "open"
      ? el("button", { type: "button", class: "secondary", text: t("recommend"), on: { click: () => showRecommendations(incident.id, detail) } })
      : null,
    el("h4", { text: t("timeline") }),
    timelineList(timeline.events));
}

/** Open an incident: list tab, its detail, the map on it. */
export function select(id) {
  selected = id;
  document.querySelector('[data-tab="incidents"]').click();
  const incident = incidents.find((i) => i.id === id);
  if (incident) map.panTo([...incident.location.coordinates].reverse());
  drawList();
  return drawDetail();
}

/** Reload incidents (open ones, or all recent ones) and redraw the layer, list and detail. */
export async function loadIncidents() {
  const showClosed = byId("incidents-closed").checked;
  incidents = (await api(`/api/v1/incidents${query({ status: showClosed ? null : "open", limit: 200 })}`)).items;
  drawMarkers();
  drawList();
  await drawDetail();
}

export function initIncidents() {
  byId("incidents-closed").addEventListener("change", loadIncidents);
}
