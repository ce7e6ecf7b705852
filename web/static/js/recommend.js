// Recommendations for an incident: per required unit type the top 3 available units with ETA and road
// distance, a one-click assign, and then the responder link ready to copy and as a QR code. An open panel
// follows every change (a unit assigned elsewhere or changing status leaves the proposals at once).
import { api, query } from "./api.js";
import { el, errorNote, fmtDistance, fmtDuration, redrawWhenIdle, replace } from "./dom.js";
import { unitTypeName } from "./catalog.js";
import { format, t } from "./i18n.js";
import { refresh } from "./live.js";

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
    el("div", { class: "row" }, input, copy),
    el("img", { src: `/console/qr.svg${query({ text: url })}`, alt: `QR ${assignment.call_sign}` }));
}

/** Why an assignment failed: on a 409, which incident holds the unit or which status it is in. */
function refusal(error, unit) {
  const { incident_id: incident, unit_status: status } = error.body || {};
  if (incident) return format("assign_held", { unit: unit.call_sign, incident });
  if (status) return format("assign_unavailable", { unit: unit.call_sign, status: t(`status_${status}`) });
  return error.message;
}

function candidate(incidentId, unit, container) {
  const assign = el("button", { type: "button", class: "small", text: t("assign"), dataset: { assign: unit.call_sign } });
  assign.addEventListener("click", async () => {
    assign.disabled = true;
    try {
      const assignment = await api(`/api/v1/incidents/${incidentId}/assignments`, { method: "POST", body: { unit_id: unit.unit_id } });
      await showRecommendations(incidentId, container);
      container.querySelector(".links").append(responderLink(assignment));
      refresh();
    } catch (error) {
      assign.disabled = false;
      // On a 409 the unit was taken or changed meanwhile: show what is available now, with the reason.
      const rec = error.status === 409 ? await recommendations(incidentId) : panels.get(container).rec;
      draw(container, incidentId, rec, { text: refusal(error, unit), announce: true });
    }
  });
  return el("li", { dataset: { unit: unit.call_sign } },
    el("span", { class: "what" }, el("strong", { text: unit.call_sign }), " ",
      el("span", { class: "hint", text: `${fmtDuration(unit.eta_s)} · ${fmtDistance(unit.distance_m)}` })),
    assign);
}

function notProposed(units, open) {
  if (!units.length) return null;
  return el("details", { open }, el("summary", { class: "hint", text: `${t("not_proposed")} (${units.length})` }),
    el("ul", { class: "hint" }, units.map((u) => el("li", {
      text: `${u.call_sign} · ${fmtDuration(u.eta_s)} · ${t(`reason_${u.reason}`, u.reason)}${u.detail ? ` (${u.detail})` : ""}` }))));
}

function requirement(incidentId, need, container, openDetails) {
  const title = `${unitTypeName(need.unit_type)} × ${need.count}${need.optional ? ` (${t("optional")})` : ""}`;
  return el("section", { class: "card", dataset: { unitType: need.unit_type } },
    el("h3", { text: title }),
    need.assigned.length ? el("p", { class: "hint", text: `${t("assigned")}: ${need.assigned.length}` }) : null,
    need.proposed.length
      ? el("ol", { class: "candidates" }, need.proposed.slice(0, TOP).map((u) => candidate(incidentId, u, container)))
      : el("p", { class: "warning", text: t("no_unit_available") }),
    notProposed(need.not_proposed, openDetails.includes(need.unit_type)));
}

function recommendations(incidentId) {
  return api(`/api/v1/incidents/${incidentId}/recommendations`);
}

// Draw `rec` in `container`; the responder links and the open "not proposed" lists of the same incident stay.
function draw(container, incidentId, rec, error = null) {
  const same = panels.get(container)?.incidentId === incidentId;
  const links = (same && container.querySelector(".links")) || el("div", { class: "links" });
  const openDetails = same ? [...container.querySelectorAll("details[open]")].map((d) => d.closest("[data-unit-type]").dataset.unitType) : [];
  panels.set(container, { incidentId, rec, shown: JSON.stringify(rec), error });
  replace(container,
    el("h2", { text: `${t("recommendations")} · #${incidentId}` }),
    errorNote(error?.text ?? "", { announce: error?.announce }),
    rec.handoff ? el("p", { class: "warning", text: `${t("handoff")}: ${rec.handoff}` }) : null,
    rec.requirements.length ? rec.requirements.map((need) => requirement(incidentId, need, container, openDetails))
      : el("p", { class: "hint", text: t("no_requirements") }),
    links);
  if (error) error.announce = false; // read out once; later redraws show it quietly
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
