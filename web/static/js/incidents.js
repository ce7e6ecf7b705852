// Incidents: markers by priority and phase, the incident list, and one incident's detail with its phase
// timestamps, assignments and audit timeline. Caller text is shown with textContent only.
import { api, query } from "./api.js";
import { callerLinkSection, callsSection } from "./calls.js";
import { byId, el, fmtDistance, fmtDuration, fmtTime, redrawWhenIdle, replace } from "./dom.js";
import { categoryName } from "./catalog.js";
import { layers, map } from "./geomap.js";
import { format, t } from "./i18n.js";
import { refresh } from "./live.js";
import { showRecommendations } from "./recommend.js";
import { ticketSection } from "./tickets.js";

const PHASES = ["received", "dispatched", "en_route", "on_scene", "cleared", "closed"];
// How an incident can be closed: the API's list, embedded by the console page (web/console.py).
const DISPOSITIONS = JSON.parse(byId("dispositions")?.textContent || "[]");
const markers = new Map();
const circles = new Map(); // incident id → the accuracy circle of the position the caller's phone gave
let incidents = [];
let selected = null;
let overdue = new Set(); // incidents with an alert: listed first

/** The latest phase an incident has reached. */
export function phase(incident) {
  return [...PHASES].reverse().find((p) => incident.phases[p]) || "received";
}

// Another 112's incident has no desa of ours: it is named by its kabupaten/kota, not "outside the area".
function place(incident) {
  return [incident.desa?.name, incident.kecamatan?.name && `Kec. ${incident.kecamatan.name}`].filter(Boolean).join(", ")
    || incident.jurisdiction?.name || incident.handoff || t("outside");
}

function icon(incident) {
  const label = String(incident.id);
  const width = Math.max(22, 8 + 7 * label.length);
  return L.divIcon({ className: "", iconSize: [width, 20], iconAnchor: [width / 2, 10], popupAnchor: [0, -12],
    html: el("div", { class: `incident-icon p${incident.priority} ${phase(incident)}`, attrs: { title: `#${label} · P${incident.priority}` } },
      el("span", { text: label })) });
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

function drawAccuracy(located) {
  const ids = new Set(located.map((i) => i.id));
  for (const [id, circle] of circles) if (!ids.has(id)) { circle.remove(); circles.delete(id); }
  for (const incident of located) {
    const centre = [...incident.location.coordinates].reverse();
    const circle = circles.get(incident.id) ?? L.circle(centre, { className: "caller-accuracy", interactive: false }).addTo(layers.incidents);
    circles.set(incident.id, circle.setLatLng(centre).setRadius(incident.caller_accuracy_m));
  }
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
    marker.getElement()?.setAttribute("data-incident", incident.id);
  }
  for (const [id, marker] of markers) {
    if (!seen.has(id)) { marker.remove(); markers.delete(id); }
  }
  drawAccuracy(incidents.filter((i) => i.status === "open" && i.caller_accuracy_m));
}

function listItem(incident) {
  return el("li", { class: overdue.has(incident.id) ? "overdue" : null, dataset: { overdue: String(overdue.has(incident.id)) } },
    el("button", { type: "button", class: `p${incident.priority}`, attrs: { "aria-current": String(incident.id === selected) },
      dataset: { incident: incident.id }, on: { click: () => select(incident.id) } },
      el("strong", { text: `#${incident.id}` }),
      el("span", { text: `${categoryName(incident.category)} · ${place(incident)}` }),
      el("span", { class: `status status-${incident.status}`, text: t(`phase_${phase(incident)}`) }),
      incident.description ? el("span", { class: "notes", text: incident.description }) : null));
}

function drawList() {
  // Overdue first; otherwise as loaded (newest first): the sort is stable.
  const ordered = [...incidents].sort((a, b) => Number(overdue.has(b.id)) - Number(overdue.has(a.id)));
  replace(byId("incident-list"), ordered.map(listItem));
  const open = incidents.filter((i) => i.status === "open").length;
  byId("incident-count").textContent = open ? String(open) : "";
}

function phaseTable(incident) {
  return el("dl", { class: "located" }, PHASES.map((p) => [el("dt", { text: t(`phase_${p}`) }), el("dd", { text: fmtTime(incident.phases[p]) })]));
}

// What an edit changed, by field: the priority and category from → to, the others named (caller text is not
// repeated in the timeline; the detail shows it).
const EDITED = { caller_name: "caller_name", caller_phone: "caller_phone", description: "notes", address: "address", geom: "location" };

function edited(before, after) {
  return Object.keys(after).map((field) => {
    if (JSON.stringify(before[field]) === JSON.stringify(after[field])) return null;
    if (field === "priority") return `${t("priority")} ${before.priority} → ${after.priority}`;
    if (field === "category_code") return `${t("category")}: ${categoryName(before.category_code)} → ${categoryName(after.category_code)}`;
    return EDITED[field] ? t(EDITED[field]) : null;
  }).filter(Boolean).join(", ");
}

/** What an audit event changed, in words: "AMB-03: Tersedia → Ditugaskan", "Prioritas 2 → 1", a disposition. */
// A unit sent to another call centre's incident says so, for whom and why.
function mutualAid(after, incident) {
  const name = incident?.handoff || incident?.jurisdiction?.name || t("outside");
  const reason = after.mutual_aid_reason ? format(`mutual_aid_reason_${after.mutual_aid_reason}`, { name }) : null;
  return [format("mutual_aid_for", { name }), reason].filter(Boolean).join(": ");
}

export function change(event, incident) {
  const before = event.before || {}, after = event.after || {};
  const unit = event.unit_call_sign || "";
  switch (event.action) {
    case "unit.status": return `${unit}: ${t(`status_${before.status}`)} → ${t(`status_${after.status}`)}`;
    case "assignment.created": return [unit, after.eta_s ? `ETA ${fmtDuration(after.eta_s)}` : null,
      after.mutual_aid ? mutualAid(after, incident) : null].filter(Boolean).join(" · ");
    case "assignment.acknowledged": case "assignment.link_reissued": return unit;
    case "incident.updated": return edited(before, after);
    case "incident.closed": return t(`disposition_${after.disposition}`);
    case "incident.merged": return after.merged_into ? format("merged_into", { id: after.merged_into })
      : format("merged_from", { id: after.merged_from });
    case "incident.caller_located": return `±${Math.round(after.accuracy_m)} m`;
    case "incident.caller_location_failed": return t(`failure_${after.reason}`);
    case "incident.call_added": return [after.caller_name, after.caller_phone].filter(Boolean).join(" · ");
    default: return "";
  }
}

function timelineList(events, incident) {
  return el("ol", { class: "timeline" }, events.map((event) => el("li", {},
    el("time", { text: fmtTime(event.at) }), " ",
    el("strong", { text: t(`event_${event.action}`) }),
    change(event, incident) ? el("span", { class: "change", text: ` ${change(event, incident)}` }) : null,
    el("span", { class: "hint", text: ` · ${event.actor}` }))));
}

function closeForm(incident) {
  // No disposition is chosen for the dispatcher: closing asks for one.
  const disposition = el("select", { attrs: { "aria-label": t("disposition"), required: "" } },
    el("option", { value: "", text: t("choose_disposition") }),
    DISPOSITIONS.map((d) => el("option", { value: d, text: t(`disposition_${d}`) })));
  const error = el("p", { class: "error", attrs: { role: "alert" } });
  // Closing asks once more, inline (the console opens no dialogs): the incident and the disposition named.
  const question = el("p", { class: "warning", attrs: { role: "status" } });
  const confirm = el("button", { type: "submit", class: "confirm", text: t("close_confirm_yes") });
  const cancel = el("button", { type: "button", class: "secondary", text: t("cancel") });
  const ask = el("div", { class: "row confirm-close", hidden: true }, question, confirm, cancel);
  const start = el("button", { type: "button", class: "secondary", text: t("close_incident") });
  const asking = (on) => { ask.hidden = !on; start.hidden = on; disposition.disabled = on; };
  start.addEventListener("click", () => {
    error.textContent = disposition.value ? "" : t("choose_disposition_first");
    if (!disposition.value) { disposition.focus(); return; }
    question.textContent = format("close_confirm", { id: incident.id, disposition: t(`disposition_${disposition.value}`) });
    asking(true);
    confirm.focus();
  });
  cancel.addEventListener("click", () => asking(false));
  const form = el("form", { class: "row close-form" }, el("label", {}, t("disposition"), disposition), start, ask, error);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (ask.hidden) return; // Enter in the select: the question comes first
    try {
      await api(`/api/v1/incidents/${incident.id}/close`, { method: "POST", body: { disposition: disposition.value } });
      document.activeElement.blur(); // done here: let the live refresh redraw the detail
      refresh();
    } catch (failure) {
      error.textContent = failure.message;
    }
  });
  return form;
}

let drawnDetail = null; // the data the detail shows, to skip redraws when nothing of it changed

// The detail is drawn in two parts around the proposals, so they open right under the button that asks for
// them and not below a long timeline: the summary and actions above, the calls and timeline below.
async function drawDetail() {
  const detail = byId("incident-detail");
  if (selected === null) { replace(byId("incident-summary")); replace(byId("incident-history")); drawnDetail = null; return; }
  const [incident, timeline, calls] = await Promise.all([api(`/api/v1/incidents/${selected}`),
    api(`/api/v1/incidents/${selected}/timeline`), api(`/api/v1/incidents/${selected}/calls`)]);
  const data = JSON.stringify([incident, timeline, calls]);
  if (data === drawnDetail) return;
  redrawWhenIdle(detail, () => { drawnDetail = data; showDetail(incident, timeline, calls.items); });
}

async function recommend(incident) {
  const panel = byId("incident-recommendations");
  await showRecommendations(incident.id, panel);
  panel.scrollIntoView({ block: "nearest" });
}

function showDetail(incident, timeline, calls) {
  replace(byId("incident-summary"),
    el("h3", { text: `#${incident.id} ${categoryName(incident.category)}` }),
    el("p", { text: place(incident) }),
    incident.road_distance_m !== null ? el("p", { class: "hint", text: `${t("road_distance")}: ${fmtDistance(incident.road_distance_m)}` }) : null,
    incident.handoff ? el("p", { class: "warning", text: format("handoff_belongs", { name: incident.handoff }) }) : null,
    incident.description ? el("p", { class: "notes", text: incident.description }) : null,
    phaseTable(incident),
    incident.status === "open"
      ? el("button", { type: "button", class: "secondary", text: t("recommend"), on: { click: () => recommend(incident) } })
      : null,
    incident.status === "open" ? closeForm(incident) : el("p", { text: `${t("disposition")}: ${t(`disposition_${incident.disposition}`)}` }));
  replace(byId("incident-history"),
    incident.status === "open" ? callerLinkSection(incident) : null,
    callsSection(incident, calls, (id) => { refresh(); select(id); }),
    ticketSection(incident),
    el("h4", { text: t("timeline") }),
    timelineList(timeline.events, incident));
}

/** The incidents with an overdue phase (alerts.js), listed first. */
export function setOverdue(ids) {
  const changed = ids.size !== overdue.size || [...ids].some((id) => !overdue.has(id));
  overdue = ids;
  if (changed) drawList();
}

// Opening an incident brings the map to it, close enough to see its streets (never further out than it was).
const DETAIL_ZOOM = 14;

/** Open an incident: list tab, its detail (scrolled into view), the map on it. */
export async function select(id) {
  if (id !== selected) replace(byId("incident-recommendations")).hidden = true;
  selected = id;
  document.querySelector('[data-tab="incidents"]').click();
  drawList();
  await drawDetail();
  const incident = incidents.find((i) => i.id === id) ?? await api(`/api/v1/incidents/${id}`);
  map.setView([...incident.location.coordinates].reverse(), Math.max(map.getZoom(), DETAIL_ZOOM));
  byId("incident-detail").scrollIntoView({ block: "start" });
}

/** The hand-offs waiting for the other 112's answer, with the two answers a dispatcher records. */
function handoffItem(handoff) {
  const answer = (outcome) => el("button", { type: "button", class: "small secondary", text: t(`handoff_${outcome}`),
    dataset: { answer: outcome }, on: { click: async () => {
      await api(`/api/v1/handoffs/${handoff.id}/answer`, { method: "POST", body: { outcome } });
      refresh();
    } } });
  return el("li", { dataset: { handoff: handoff.id } },
    el("button", { type: "button", class: "link", text: `#${handoff.incident_id}`, on: { click: () => select(handoff.incident_id) } }),
    el("span", { text: ` → ${handoff.to_name} · ${fmtTime(handoff.created_at)}` }),
    answer("accepted"), answer("declined"));
}

async function drawHandoffs() {
  const pending = (await api("/api/v1/handoffs?status=pending")).items;
  replace(byId("handoff-list"), pending.map(handoffItem));
  byId("handoffs").hidden = !pending.length;
}

/** Reload incidents (open ones, or all recent ones) and redraw the layer, list, hand-offs and detail. */
export async function loadIncidents() {
  const showClosed = byId("incidents-closed").checked;
  incidents = (await api(`/api/v1/incidents${query({ status: showClosed ? null : "open", limit: 200 })}`)).items;
  drawMarkers();
  drawList();
  await Promise.all([drawDetail(), drawHandoffs()]);
}

// At the regency's zoom the numbered labels of nearby incidents overlap into an unreadable heap: below street
// zoom the markers are small dots (the colour still says the priority) and the numbers come back when zoomed in.
const LABEL_ZOOM = 12;

export function initIncidents() {
  byId("incidents-closed").addEventListener("change", loadIncidents);
  const labels = () => map.getContainer().classList.toggle("incidents-far", map.getZoom() < LABEL_ZOOM);
  map.on("zoomend", labels);
  labels();
}
