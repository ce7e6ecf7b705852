// Recommendations for an incident: per required unit type the top 3 available units with ETA and road
// distance, a one-click assign, and then the responder link ready to copy and as a QR code.
import { api, query } from "./api.js";
import { el, fmtDistance, fmtDuration, replace } from "./dom.js";
import { unitTypeName } from "./catalog.js";
import { t } from "./i18n.js";
import { refresh } from "./live.js";

const TOP = 3;

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
      container.querySelector(".error").textContent = error.message;
    }
  });
  return el("li", { dataset: { unit: unit.call_sign } },
    el("span", { class: "what" }, el("strong", { text: unit.call_sign }), " ",
      el("span", { class: "hint", text: `${fmtDuration(unit.eta_s)} · ${fmtDistance(unit.distance_m)}` })),
    assign);
}

function notProposed(units) {
  if (!units.length) return null;
  return el("details", {}, el("summary", { class: "hint", text: `${t("not_proposed")} (${units.length})` }),
    el("ul", { class: "hint" }, units.map((u) => el("li", {
      text: `${u.call_sign} · ${fmtDuration(u.eta_s)} · ${t(`reason_${u.reason}`, u.reason)}${u.detail ? ` (${u.detail})` : ""}` }))));
}

function requirement(incidentId, need, container) {
  const title = `${unitTypeName(need.unit_type)} × ${need.count}${need.optional ? ` (${t("optional")})` : ""}`;
  return el("section", { class: "card", dataset: { unitType: need.unit_type } },
    el("h3", { text: title }),
    need.assigned.length ? el("p", { class: "hint", text: `${t("assigned")}: ${need.assigned.length}` }) : null,
    need.proposed.length
      ? el("ol", { class: "candidates" }, need.proposed.slice(0, TOP).map((u) => candidate(incidentId, u, container)))
      : el("p", { class: "warning", text: t("no_unit_available") }),
    notProposed(need.not_proposed));
}

/** Fetch and show the recommendations of an incident in `container` (keeping responder links shown). */
export async function showRecommendations(incidentId, container) {
  const rec = await api(`/api/v1/incidents/${incidentId}/recommendations`);
  const links = container.querySelector(".links") || el("div", { class: "links" });
  replace(container,
    el("h2", { text: `${t("recommendations")} · #${incidentId}` }),
    rec.handoff ? el("p", { class: "warning", text: `${t("handoff")}: ${rec.handoff}` }) : null,
    rec.requirements.length ? rec.requirements.map((need) => requirement(incidentId, need, container))
      : el("p", { class: "hint", text: t("no_requirements") }),
    el("p", { class: "error", attrs: { role: "alert" } }),
    links);
  container.hidden = false;
}
