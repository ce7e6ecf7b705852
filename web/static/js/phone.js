// The phone: a call ringing this operator's phone pops up with its number and what 112 knows of it (history,
// open incidents, last positions, possible duplicates, watch list) before they speak; once answered, one key
// classes it. D: darurat (the intake opens with the number and the ring time), I: informasi, P: prank,
// S: silent, W: salah sambung (wrong number), T: tes. Joining an open incident is the intake's Gabungkan.
// H hangs the call up from the console (the phone system sends the BYEs; docs/telephony.md).
// The panel asks for the operator's calls twice a second: a ring shows within a second (docs/performance.md).
import { api } from "./api.js";
import { callerNote, candidateItem } from "./calls.js";
import { byId, el, fmtTime, replace } from "./dom.js";
import { format, t } from "./i18n.js";

const INTERVAL_MS = 500;
export const KEYS = { d: "darurat", i: "informasi", p: "prank", s: "silent", w: "salah_sambung", t: "tes" };
const HANG_UP_KEY = "h";
const NOTICE_MS = 8000;
const pops = new Map(); // call id → its pop (asked once per call)
const offered = new Set(); // answered calls whose pop already took the focus
const ending = new Set(); // calls whose hang-up is under way (a held key asks once)
let notice = null; // the last refusal, shown across the redraws for NOTICE_MS
let rendered = ""; // the panel's markup as last drawn
let calls = [];
let handlers = null;

function classable(call) {
  return call.answered_at !== null && call.classification === null;
}

function popDetails(pop) {
  if (!pop) return [el("p", { class: "hint", text: t("phone_loading") })];
  const parts = [callerNote(pop.history) || el("p", { class: "hint", dataset: { testid: "caller-history" }, text: t("phone_first_call") })];
  if (pop.open_incidents.length) {
    parts.push(el("p", { class: "warning", dataset: { testid: "open-incidents" },
      text: format("phone_open_incidents", { ids: pop.open_incidents.map((id) => `#${id}`).join(", ") }) }));
  }
  if (pop.last_positions.length) {
    parts.push(el("p", { class: "hint", text: format("phone_last_position", {
      time: fmtTime(pop.last_positions[0].at), lat: pop.last_positions[0].lat.toFixed(5),
      lon: pop.last_positions[0].lon.toFixed(5) }) }));
  }
  if (pop.duplicates.length) {
    parts.push(el("h4", { text: t("possible_duplicates") }),
      el("ul", { class: "duplicates" }, pop.duplicates.map((c) => candidateItem(c, (id) => handlers.join(id)))));
  }
  return parts;
}

function keyButton(call, key) {
  const button = el("button", { type: "button", class: "small", dataset: { key },
    text: `${key.toUpperCase()} · ${t(`call_class_${KEYS[key]}`)}` });
  button.addEventListener("click", () => classify(call, KEYS[key]));
  return button;
}

function hangUpButton(call) {
  const button = el("button", { type: "button", class: "small", dataset: { testid: "hang-up" },
    text: `${HANG_UP_KEY.toUpperCase()} · ${t("phone_hang_up")}` });
  button.addEventListener("click", () => hangUp(call));
  return button;
}

function callCard(call) {
  const ringing = call.state === "ringing";
  const since = Math.max(0, Math.round((Date.now() - Date.parse(call.received_at)) / 1000));
  const head = el("p", { class: "phone-head" },
    el("strong", { dataset: { testid: "phone-number" }, text: call.caller_phone || t("caller_unknown") }), " ",
    el("span", { class: "badge", text: t(`phone_state_${call.state}`) }),
    el("span", { class: "hint", text: ` ${ringing ? format("phone_since", { time: fmtTime(call.received_at), s: since })
      : format("phone_since_time", { time: fmtTime(call.received_at) })}` }),
    call.classification ? " " : null,
    call.classification ? el("span", { class: "badge", dataset: { testid: "call-class" }, text: t(`call_class_${call.classification}`) }) : null,
    call.watch_listed ? el("span", { class: "badge warning", dataset: { testid: "watch-flag" }, text: t("phone_watch_listed") }) : null);
  const card = el("article", { class: `card phone-call ${ringing ? "ringing" : ""}`, attrs: { tabindex: "-1" },
    dataset: { call: call.id, state: call.state } },
    head, ...popDetails(pops.get(call.id)));
  if (classable(call)) {
    card.append(
      el("label", { class: "inline" }, t("phone_note"), " ",
        el("input", { class: "phone-note", maxLength: 4000, dataset: { call: call.id } })),
      el("div", { class: "row phone-keys", dataset: { testid: "phone-keys" } }, Object.keys(KEYS).map((k) => keyButton(call, k))));
  }
  if (call.state === "answered") card.append(el("div", { class: "row" }, hangUpButton(call)));
  return card;
}

// Someone typing in a field keeps the focus. The place search, where the cursor waits between calls, gives it
// up to a call just answered even with text in it: a stray key there had kept the call's keys typing letters.
function typing() {
  const active = document.activeElement;
  return ["INPUT", "TEXTAREA"].includes(active?.tagName) && active.value !== "" && active.id !== "place-search";
}

// The pop of a call just answered takes the focus, so its one key works at once; the focus stays on the pop
// (or its note) across the redraws. A panel whose markup would not change is left as it is: a redraw between a
// mouse's press and release would swallow a click on its buttons.
function render() {
  const panel = byId("phone");
  const shown = notice && Date.now() < notice.until
    ? [el("p", { class: notice.kind, role: notice.kind === "error" ? "alert" : "status", dataset: { testid: "phone-notice" }, text: notice.text })] : [];
  const nodes = [...shown, ...calls.map(callCard)];
  const markup = nodes.map((n) => n.outerHTML).join("");
  if (markup === rendered) return;
  rendered = markup;
  const notes = new Map([...panel.querySelectorAll("input.phone-note")].map((i) => [i.dataset.call, i.value]));
  const onNote = document.activeElement?.classList.contains("phone-note") ? document.activeElement.dataset.call : null;
  const onCard = panel.contains(document.activeElement) ? document.activeElement.closest("article")?.dataset.call : null;
  replace(panel, nodes);
  for (const input of panel.querySelectorAll("input.phone-note")) {
    input.value = notes.get(input.dataset.call) || "";
    if (input.dataset.call === onNote) input.focus();
  }
  const answered = calls.find((c) => classable(c) && !offered.has(c.id));
  const focus = onNote ? null : (onCard ?? (answered && !typing() ? String(answered.id) : null));
  if (answered) offered.add(answered.id);
  if (focus) panel.querySelector(`article[data-call="${focus}"]`)?.focus();
  panel.hidden = calls.length === 0 && shown.length === 0;
}

async function classify(call, classification) {
  const note = byId("phone").querySelector(`input.phone-note[data-call="${call.id}"]`)?.value.trim() || null;
  try {
    const classed = await api(`/api/v1/telephony/calls/${call.id}/classify`, { method: "POST", body: { classification, note } });
    if (classification === "darurat") handlers.emergency(call);
    // A caller still on the line stays, to be hung up (H); an ended call is done.
    calls = classed.state === "answered" ? calls.map((c) => (c.id === call.id ? classed : c)) : calls.filter((c) => c.id !== call.id);
    render();
  } catch (error) {
    showNotice(error.message);
  }
}

// A hang-up's refusal said in the console's language, by its reason (the server's sentence is English).
const HANG_UP_REFUSALS = { connecting: "hang_up_connecting", unknown_to_pbx: "hang_up_unknown", ended: "hang_up_ended",
  not_answered: "hang_up_not_answered" };

function showNotice(text, kind = "error") {
  notice = { text, kind, until: Date.now() + NOTICE_MS };
  render();
}

function hangUpRefused(error) {
  const reason = HANG_UP_REFUSALS[error.body?.reason];
  if (reason) return t(reason);
  return error.status === 503 || error.status === 0 ? t("hang_up_unavailable") : error.message;
}

async function hangUp(call) {
  if (ending.has(call.id)) return;
  ending.add(call.id);
  try {
    const ended = await api(`/api/v1/telephony/calls/${call.id}/hangup`, { method: "POST" });
    calls = ended.classification ? calls.filter((c) => c.id !== call.id) : calls.map((c) => (c.id === call.id ? ended : c));
    showNotice(t("hang_up_done"), "hint");
  } catch (error) {
    showNotice(hangUpRefused(error));
  } finally {
    ending.delete(call.id);
  }
}

async function poll() {
  try {
    calls = (await api("/api/v1/telephony/mine")).items;
    const missing = calls.filter((c) => !pops.has(c.id));
    render();
    if (missing.length) {
      await Promise.all(missing.map(async (c) => pops.set(c.id, await api(`/api/v1/telephony/calls/${c.id}/pop`))));
      render();
    }
  } catch (error) {
    console.warn(error);
  } finally {
    setTimeout(poll, INTERVAL_MS);
  }
}

// One key classes the call being taken (the first one answered and not classed), unless a field is in use;
// H hangs up the call the operator is on.
function onKey(event) {
  if (event.ctrlKey || event.altKey || event.metaKey || event.repeat) return;
  if (event.target.isContentEditable || event.target.closest("input, textarea, select")) return;
  const talking = calls.find((c) => c.state === "answered");
  if (event.key.toLowerCase() === HANG_UP_KEY && talking) {
    event.preventDefault();
    hangUp(talking);
    return;
  }
  const classification = KEYS[event.key.toLowerCase()];
  const call = calls.find(classable);
  if (!classification || !call) return;
  event.preventDefault();
  classify(call, classification);
}

/**
 * Start the phone panel; `emergency(call)` opens the intake for a call classed darurat, `join(incidentId)`
 * attaches the call being taken to an open incident.
 */
export function initPhone(onEmergency, onJoin) {
  handlers = { emergency: onEmergency, join: onJoin };
  document.addEventListener("keydown", onKey);
  poll();
}

/** The call being taken (answered, not yet classed), for the intake's Gabungkan. */
export function currentCall() {
  return calls.find((c) => c.answered_at !== null) || null;
}
