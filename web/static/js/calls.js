// Calls: while a call is taken, the open incidents it may be about (one click and the call joins one) and
// what 112 knows of the caller's number; in an incident's detail, its calls and merging it into another.
// Caller text is shown with textContent only.
import { api } from "./api.js";
import { categoryName } from "./catalog.js";
import { el, errorNote, fmtDistance, fmtTime, replace } from "./dom.js";
import { format, t } from "./i18n.js";
import { qrImage } from "./qr.js";

let asked = 0;
// Beyond this accuracy (metres) the caller's position is rough (geo112.dispatch.caller_location.LOW_ACCURACY_M).
const ROUGH_M = 200;

export function callerNote(caller) {
  if (!caller?.calls) return null;
  const doubtful = caller.prank + caller.ghost_call;
  return el("p", { class: doubtful ? "warning" : "hint", dataset: { testid: "caller-history" },
    text: format("caller_history", { calls: caller.calls, prank: caller.prank, ghost: caller.ghost_call,
      last: fmtTime(caller.last_call_at) }) });
}

export function candidateItem(candidate, join) {
  const facts = [
    categoryName(candidate.category),
    candidate.distance_m !== null ? fmtDistance(candidate.distance_m) : null,
    candidate.desa,
    format("last_call", { time: fmtTime(candidate.last_call_at) }),
    format("call_count", { n: candidate.calls }),
  ].filter(Boolean).join(" · ");
  const button = el("button", { type: "button", class: "small", text: t("join_call") });
  button.addEventListener("click", async () => { button.disabled = true; await join(candidate.incident_id).finally(() => { button.disabled = false; }); });
  return el("li", { dataset: { incident: candidate.incident_id } },
    el("strong", { text: `#${candidate.incident_id}` }), " ",
    candidate.same_caller ? el("span", { class: "badge", text: t("same_caller") }) : null,
    el("span", { text: ` ${facts} ` }), button);
}

/**
 * Show in `panel` the open incidents a call at `point` ({lat, lon} or null) from `phone` may be about, and the
 * number's history; `join(incidentId)` attaches the call to one. An answer overtaken by a later question is
 * dropped.
 */
export async function showDuplicates(panel, point, phone, join) {
  const ask = ++asked;
  if (!point && !phone) { replace(panel).hidden = true; return; }
  // Posted: a caller's number never sits in a URL, which logs keep.
  const found = await api("/api/v1/calls/duplicates", {
    method: "POST", body: { lat: point?.lat, lon: point?.lon, caller_phone: phone || undefined },
  });
  if (ask !== asked) return;
  const items = found.candidates.map((c) => candidateItem(c, join));
  replace(panel, callerNote(found.caller),
    items.length ? [el("h4", { text: t("possible_duplicates") }), el("ul", { class: "duplicates" }, items)] : null);
  panel.hidden = !panel.childElementCount;
}

/** Forget the panel (the form was reset). */
export function clearDuplicates(panel) {
  asked += 1;
  replace(panel).hidden = true;
}

function callItem(call) {
  const who = [call.caller_name, call.caller_phone].filter(Boolean).join(" · ") || t("caller_unknown");
  return el("li", {},
    el("time", { text: fmtTime(call.received_at) }), " ", el("strong", { text: who }),
    call.description ? el("span", { class: "call-text", text: ` ${call.description}` }) : null,
    call.merged_from ? el("span", { class: "hint", text: ` · ${format("merged_from", { id: call.merged_from })}` }) : null,
    el("span", { class: "hint", text: ` · ${call.taken_by}` }));
}

function mergeForm(incident, onMerged) {
  const into = el("input", { type: "number", min: 1, attrs: { "aria-label": t("merge_into_id"), placeholder: "#" } });
  const error = el("p", { class: "error", attrs: { role: "alert" } });
  const form = el("form", { class: "row merge-form" },
    el("label", {}, t("merge_into"), into), el("button", { type: "submit", class: "secondary", text: t("merge") }), error);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const kept = await api(`/api/v1/incidents/${incident.id}/merge`, { method: "POST", body: { into: Number(into.value) } });
      document.activeElement.blur(); // done here: the detail may redraw (it waits while a field has focus)
      onMerged(kept.id);
    } catch (failure) {
      error.textContent = failure.message;
    }
  });
  return form;
}

/** An incident's calls, and (open) the form that merges it into another; `onMerged(id)` opens the one kept. */
export function callsSection(incident, calls, onMerged) {
  return el("section", { class: "calls", dataset: { testid: "calls" } },
    el("h4", { text: format("calls_heading", { n: calls.length }) }),
    el("ol", { class: "call-list" }, calls.map(callItem)),
    incident.merged_into ? el("p", { class: "warning", text: format("merged_into", { id: incident.merged_into }) }) : null,
    incident.status === "open" ? mergeForm(incident, onMerged) : null);
}

/** A WhatsApp share button for `text` (units and callers are reached on WhatsApp in practice). */
export function whatsappShare(text, href = `https://wa.me/?text=${encodeURIComponent(text)}`) {
  return el("a", { class: "button small secondary whatsapp", href, target: "_blank", text: t("share_whatsapp"),
    attrs: { rel: "noopener noreferrer", "data-testid": "whatsapp" } });
}

// The last caller link made per incident: the detail redraws on every change (the link's own event too),
// and must keep showing it.
const callerLinks = new Map();

function callerLinkShown(link) {
  return [
    el("label", {}, format("caller_link_label", { time: fmtTime(link.expires_at) }),
      el("input", { value: link.url, readOnly: true, attrs: { "data-testid": "caller-url" } })),
    el("div", { class: "row" }, whatsappShare(link.message, link.whatsapp_url),
      link.sms ? el("span", { class: "done", text: format("caller_link_sms_sent", { ref: link.sms }) }) : null),
    qrImage(link.url, `QR ${link.url}`, "qr"),
  ];
}

/** Ask the caller's phone for its position: the link (copy, QR, WhatsApp) and, with a caller phone, SMS. */
export function callerLinkSection(incident) {
  const out = el("div", { class: "caller-link" }, callerLinks.has(incident.id) ? callerLinkShown(callerLinks.get(incident.id)) : null);
  const ask = (sendSms) => async (event) => {
    event.target.disabled = true;
    try {
      const link = await api(`/api/v1/incidents/${incident.id}/caller-link`, { method: "POST", body: { send_sms: sendSms } });
      callerLinks.set(incident.id, link);
      replace(out, callerLinkShown(link));
    } catch (failure) {
      replace(out, errorNote(failure.message, { announce: true }));
    } finally {
      event.target.disabled = false;
    }
  };
  const located = incident.caller_accuracy_m !== null && incident.caller_accuracy_m !== undefined;
  return el("section", { class: "caller-location", dataset: { testid: "caller-location" } },
    located ? el("p", { class: incident.caller_accuracy_m > ROUGH_M ? "warning" : "done", dataset: { testid: "caller-accuracy" },
      text: format(incident.caller_accuracy_m > ROUGH_M ? "caller_accuracy_rough" : "caller_accuracy",
        { m: Math.round(incident.caller_accuracy_m), time: fmtTime(incident.caller_located_at) }) }) : null,
    el("div", { class: "row" },
      el("button", { type: "button", class: "secondary", text: t("caller_link_button"), dataset: { testid: "caller-link" }, on: { click: ask(false) } }),
      incident.caller_phone ? el("button", { type: "button", class: "secondary", text: t("caller_link_sms"), dataset: { testid: "caller-sms" }, on: { click: ask(true) } }) : null),
    out);
}
