// Recommendations for an incident: per required unit type the top 3 available units with ETA and road
// distance, a one-click assign, and then the responder link ready to copy and as a QR code. An open panel
// follows every change (a unit assigned elsewhere or changing status leaves the proposals at once).
import { api, query } from "./api.js";
import { whatsappShare } from "./calls.js";
import { el, errorNote, fmtDistance, fmtDuration, redrawWhenIdle, replace } from "./dom.js";
import { unitTypeName } from "./catalog.js";
import { layers } from "./geomap.js";
import { hideGap } from "./gap.js";
import { format, t } from "./i18n.js";
import { refresh } from "./live.js";
import { showCosts } from "./moveup.js";
import { qrImage } from "./qr.js";

const TOP = 3;
// Panel element → what it shows: {incidentId, rec (the answer), shown (it as JSON), error: {text, announce}
// of a refused assignment}. Each draw stores a new object, so a reload overtaken by a draw can tell.
const panels = new Map();

function responderLink(assignment) {
  const url = new URL(assignment.responder_url, window.location.origin).href;
  const input = el("input", { value: url, readOnly: true, attrs: { "aria-label": t("responder_link"), "data-testid": "responder-url" } });
  const copy = el("button", { type: "button", class: "small secondary", text: t("copy"), on: { click: async () => {
    input.select();
    try { await navigator.clipboard.writeText(url); copy.textContent = t("copied"); } catch { document.execCommand("copy"); }
  } } });
  return el("div", { class: "responder-link", dataset: { unit: assignment.call_sign } },
    el("strong", { text: `${t("responder_link")} · ${assignment.call_sign}` }),
    el("div", { class: "row" }, input, copy, whatsappShare(url)),
    qrImage(url, `QR ${assignment.call_sign}`));
}

/** Why an assignment failed: on a 409, which incident holds the unit or which status it is in. */
function refusal(error, unit) {
  const { incident_id: incident, unit_status: status } = error.body || {};
  if (incident) return format("assign_held", { unit: unit.call_sign, incident });
  if (status) return format("assign_unavailable", { unit: unit.call_sign, status: t(`status_${status}`) });
  return error.message;
}

/** Why a proposal stands where it does against the closest unit (the answer's `why`). */
function why(unit) {
  if (!unit.why) return "";
  // A unit at the same post as the first one is as near: "+0 s" would read as a fault.
  const key = unit.why === "slower" && unit.behind_s < 1 ? "why_as_near" : `why_${unit.why}`;
  const text = format(key, { unit: unit.closest_call_sign, time: fmtDuration(unit.behind_s) });
  return ` · ${text}`;
}

/** GEO112_DISPATCH_POLICY=closest+moveup: the relocations that follow sending the type's first proposal. */
function movesAfter(need) {
  const [first] = need.proposed;
  if (!first || !need.moveup_after?.length) return null;
  const moves = need.moveup_after.map((m) => `${m.call_sign} → ${m.station}`).join(", ");
  return el("p", { class: "hint moveup-after", dataset: { testid: "moveup-after" },
    text: format("moveup_after_dispatch", { unit: first.call_sign, moves }) });
}

function candidate(incidentId, unit, container) {
  const assign = el("button", { type: "button", class: "small", text: t("assign"), dataset: { assign: unit.call_sign } });
  assign.addEventListener("click", async () => {
    assign.disabled = true;
    // Another 112's incident takes our unit only as mutual aid, with the reason the dispatcher chose.
    const aid = panels.get(container).mutualAid;
    const body = aid ? { unit_id: unit.unit_id, mutual_aid: true, mutual_aid_reason: aid } : { unit_id: unit.unit_id };
    try {
      const assignment = await api(`/api/v1/incidents/${incidentId}/assignments`, { method: "POST", body });
      await showRecommendations(incidentId, container);
      const link = responderLink(assignment);
      container.querySelector(".links").append(link);
      link.querySelector("button").focus(); // the link is the next thing to pass on
      refresh();
    } catch (error) {
      assign.disabled = false;
      // On a 409 the unit was taken or changed meanwhile: show what is available now, with the reason.
      const rec = error.status === 409 ? await recommendations(incidentId) : panels.get(container).rec;
      draw(container, incidentId, rec, { text: refusal(error, unit), announce: true });
    }
  });
  return el("li", { dataset: { unit: unit.call_sign, unitId: unit.unit_id },
    on: { mouseenter: () => highlight(unit.call_sign, true), mouseleave: () => highlight(unit.call_sign, false) } },
    el("span", { class: "what" }, el("strong", { text: unit.call_sign }), " ",
      el("span", { class: "hint", text: `${fmtDuration(unit.eta_s)} · ${fmtDistance(unit.distance_m)}${why(unit)}` }),
      el("span", { class: "cost hint" })),
    assign);
}

// Route previews: the road route of every proposed unit to the incident on the map, its call sign and ETA
// at the unit's end; hovering a proposal brings its route forward. Redrawn only when the proposals change.
const PREVIEW = { color: "#1d4ed8", weight: 4, opacity: 0.55, className: "route-preview" };
const HIGHLIGHT = { weight: 8, opacity: 0.95 };
const previews = new Map(); // call sign → its route line
let previewed = ""; // the incident and units the previews show

async function previewRoutes(incidentId, rec) {
  const open = rec.requirements.filter((need) => need.assigned.length < need.count);
  const ids = open.flatMap((need) => need.proposed.slice(0, TOP).map((u) => u.unit_id));
  const key = `${incidentId}:${ids.join(",")}`;
  if (!layers.proposals || key === previewed) return;
  previewed = key;
  const routes = ids.length ? await api(`/api/v1/incidents/${incidentId}/routes${query({ units: ids.join(",") })}`) : { features: [] };
  if (previewed !== key) return; // newer proposals were drawn meanwhile
  hideGap();
  layers.proposals.clearLayers();
  previews.clear();
  for (const route of routes.features) {
    const { call_sign: sign, eta_s: eta } = route.properties;
    const line = L.geoJSON(route, { style: PREVIEW, interactive: false }).addTo(layers.proposals);
    const [lon, lat] = route.geometry.coordinates[0];
    L.circleMarker([lat, lon], { radius: 7, color: "#fff", weight: 2, fillColor: PREVIEW.color, fillOpacity: 1 })
      .bindTooltip(`${sign} · ${fmtDuration(eta)}`, { permanent: true, direction: "right", className: "eta-label" })
      .addTo(layers.proposals);
    previews.set(sign, line);
  }
}

function highlight(callSign, on) {
  const line = previews.get(callSign);
  if (!line) return;
  line.setStyle(on ? HIGHLIGHT : PREVIEW);
  if (on) line.bringToFront();
}

// Why a unit is not proposed, in the page's words (the API's `detail` is English): its status and the
// incident holding it, how old its position is, or the note a dispatcher left on an out-of-service unit.
function whyNot(u) {
  const status = u.status ? t(`status_${u.status}`) : "";
  switch (u.reason) {
    case "assigned_here": return status;
    case "busy": return u.held_for ? format("busy_for", { status, incident: u.held_for }) : status;
    case "out_of_service": return u.detail ?? "";
    case "stale_position": return u.position_age_s === null ? "" : format("position_age", { time: fmtDuration(u.position_age_s) });
    default: return "";
  }
}

function notProposed(units, open) {
  if (!units.length) return null;
  const line = (u) => {
    const because = whyNot(u);
    return `${u.call_sign} · ${fmtDuration(u.eta_s)} · ${t(`reason_${u.reason}`, u.reason)}${because ? ` (${because})` : ""}`;
  };
  return el("details", { open }, el("summary", { class: "hint", text: `${t("not_proposed")} (${units.length})` }),
    el("ul", { class: "hint" }, units.map((u) => el("li", { text: line(u) }))));
}

// A requirement met (as many units assigned as it asks for) names its units and offers no more proposals; a
// further unit of the type is still one click away under "more" (a large incident may want it).
function requirement(incidentId, need, container, openDetails) {
  const title = `${unitTypeName(need.unit_type)} × ${need.count}${need.optional ? ` (${t("optional")})` : ""}`;
  const met = need.assigned.length >= need.count;
  const proposals = need.proposed.length
    ? el("ol", { class: "candidates" }, need.proposed.slice(0, TOP).map((u) => candidate(incidentId, u, container)))
    : el("p", { class: "warning", text: format("no_unit_free", { type: unitTypeName(need.unit_type) }) });
  // Said before the proposals: the best unit still misses the on-scene target, and by how much.
  const late = !met && need.late_by_s
    ? el("p", { class: "warning", dataset: { testid: "target-missed" }, text: format("target_missed", {
      target: fmtDuration(need.target_s), late: fmtDuration(need.late_by_s), unit: need.proposed[0].call_sign }) })
    : null;
  return el("section", { class: `card${met ? " met" : ""}`, dataset: { unitType: need.unit_type, met: met ? "true" : "false" } },
    el("h3", { text: title }),
    late,
    need.assigned.length
      ? el("p", { class: met ? "done" : "hint", dataset: { testid: "assigned-units" },
        text: `${t(met ? "requirement_met" : "assigned")}: ${need.assigned_call_signs.join(", ")}` })
      : null,
    met ? el("details", { class: "more-units" }, el("summary", { class: "hint", text: t("another_unit") }), proposals) : proposals,
    met ? null : movesAfter(need),
    notProposed(need.not_proposed, openDetails.includes(need.unit_type)));
}

// Our units cannot meet a need in time (or at all): the nearest neighbouring 112 to ask, with the call as a
// CAP alert to send them (their system imports it, as ours does theirs).
function askNeighbour(incidentId, neighbour) {
  return el("section", { class: "card warning mutual-aid-ask", dataset: { testid: "ask-neighbour" } },
    el("strong", { text: format("ask_neighbour", { name: neighbour.call_centre }) }), " ",
    el("a", { href: `/api/v1/incidents/${incidentId}/cap.xml`, text: t("cap_download"), attrs: { download: `112-${incidentId}.cap.xml` } }));
}

const AID_REASONS = ["nearest_unit", "requested_by_neighbour", "other"];

// Handed over, awaiting the other 112's answer (a declined hand-off comes back with the button).
function handedOff(name) {
  return el("p", { class: "done", dataset: { testid: "handoff-done" }, text: format("handoff_done", { name }) });
}

/**
 * The choice a call of another 112 asks for: hand it over (one click, with a reason), or send our units as
 * mutual aid (a reason first; only then are the proposals assignable).
 */
function handoffCard(incidentId, rec, container, mutualAid) {
  const name = rec.handoff;
  if (!rec.handoff_code) return el("p", { class: "warning", dataset: { testid: "outside-province" }, text: t("outside_province") });
  if (rec.handoff_pending) return handedOff(name);
  const reason = el("input", { value: format("handoff_reason_default", { name: rec.jurisdiction_name || name }),
    attrs: { "aria-label": t("handoff_reason"), maxlength: "500" } });
  const note = el("p", { class: "hint", attrs: { role: "status" } });
  const button = el("button", { type: "button", class: "handoff", text: format("handoff_button", { name }),
    dataset: { testid: "handoff-button" } });
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      await api(`/api/v1/incidents/${incidentId}/handoff`, { method: "POST", body: { reason: reason.value } });
      replace(card, handedOff(name));
      refresh();
    } catch (error) {
      button.disabled = false;
      note.textContent = error.message;
    }
  });
  const aidReason = el("select", { attrs: { "aria-label": t("mutual_aid") } }, AID_REASONS.map((r) =>
    el("option", { value: r, text: format(`mutual_aid_reason_${r}`, { name }), attrs: r === mutualAid ? { selected: "" } : {} })));
  const aidOn = el("input", { type: "checkbox", checked: Boolean(mutualAid), dataset: { testid: "mutual-aid" } });
  const chooseAid = () => {
    const panel = panels.get(container);
    draw(container, incidentId, panel.rec, null, aidOn.checked ? aidReason.value : null);
  };
  aidOn.addEventListener("change", chooseAid);
  aidReason.addEventListener("change", () => { if (aidOn.checked) chooseAid(); });
  const card = el("section", { class: "card handoff-card", dataset: { testid: "handoff-card" } },
    el("h3", { text: format("handoff_belongs", { name }) }),
    el("label", {}, t("handoff_reason"), reason), button, note,
    el("details", { open: Boolean(mutualAid) }, el("summary", { text: t("mutual_aid") }),
      el("label", {}, t("handoff_reason"), aidReason),
      el("label", { class: "inline" }, aidOn, ` ${t("mutual_aid_send")}`)));
  return card;
}

function recommendations(incidentId) {
  return api(`/api/v1/incidents/${incidentId}/recommendations`);
}

// Draw `rec` in `container`; the responder links, the open "not proposed" lists and the mutual aid choice of
// the same incident stay. Another 112's incident shows the hand-off first; its proposals only as mutual aid.
function draw(container, incidentId, rec, error = null, mutualAid = undefined) {
  const previous = panels.get(container);
  const same = previous?.incidentId === incidentId;
  const links = (same && container.querySelector(".links")) || el("div", { class: "links" });
  const openDetails = same ? [...container.querySelectorAll("[data-unit-type] details[open]")].map((d) => d.closest("[data-unit-type]").dataset.unitType) : [];
  const aid = mutualAid !== undefined ? mutualAid : (same ? previous.mutualAid : null);
  panels.set(container, { incidentId, rec, shown: JSON.stringify(rec), error, mutualAid: aid });
  const proposals = rec.requirements.length
    ? rec.requirements.map((need) => requirement(incidentId, need, container, openDetails))
    : el("p", { class: "hint", text: t("no_requirements") });
  replace(container,
    el("h2", { text: `${t("recommendations")} · #${incidentId}`, dataset: { incident: incidentId } }),
    errorNote(error?.text ?? "", { announce: error?.announce }),
    rec.handoff ? handoffCard(incidentId, rec, container, aid) : null,
    rec.mutual_aid ? askNeighbour(incidentId, rec.mutual_aid) : null,
    rec.handoff && aid ? el("p", { class: "hint", text: format("mutual_aid_on", { name: rec.handoff }) }) : null,
    !rec.handoff || aid ? proposals : null,
    links);
  if (error) error.announce = false; // read out once; later redraws show it quietly
  // A preview that fails leaves the proposals as they are: they do not need it.
  previewRoutes(incidentId, rec).catch((e) => console.warn("route preview", e));
  showCosts(container, rec).catch((e) => console.warn("coverage cost", e));
}

// Fetch the recommendations again and, when they changed, redraw once the dispatcher's focus has left the
// panel; a draw meanwhile (its answer is as new) makes the reload give up.
async function reload(container) {
  const panel = panels.get(container);
  const rec = await recommendations(panel.incidentId);
  if (panels.get(container) !== panel || JSON.stringify(rec) === panel.shown) return;
  redrawWhenIdle(container, () => { if (panels.get(container) === panel) draw(container, panel.incidentId, rec, panel.error); });
}

/** Reload the shown recommendations panels (a live-refresh listener). */
export async function reloadRecommendations() {
  await Promise.all([...panels.keys()].filter((container) => !container.hidden).map((container) => reload(container)));
}

/** Fetch and show the recommendations of an incident in `container` (keeping its responder links shown). */
export async function showRecommendations(incidentId, container) {
  draw(container, incidentId, await recommendations(incidentId));
  container.hidden = false;
}
