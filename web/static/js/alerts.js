// Overdue alerts: the phases running over their targets, as the server computes them (every worker the
// same), shown above the tabs of every console, with a tone for each new one. A dispatcher acknowledges an
// alert (who did stays in the audit trail); a unit that did not acknowledge its assignment can be replaced
// by the next proposal with one click.
import { api } from "./api.js";
import { categoryName, unitTypeName } from "./catalog.js";
import { byId, el, fmtDuration, replace } from "./dom.js";
import { format, t } from "./i18n.js";
import { refresh } from "./live.js";

// Time passes without any change to poll for: alerts are asked for this often as well as after changes.
const INTERVAL_MS = 10_000;
const heard = new Set(); // alerts that already sounded
let onOverdue = () => {};
let onOpen = () => {};
let audio = null;

function key(alert) {
  return `${alert.incident_id}/${alert.phase}/${alert.assignment_id ?? ""}`;
}

// A short two-tone chime. Browsers keep a page's sound off until its first click or key press (the autoplay
// rule), and a console is reloaded at every shift change: while the sound is off a banner says so, and the
// dispatcher's first key or click anywhere turns it on. docs/dispatch.md says how to allow it for good on the
// console workstations (browser policy).
function initSound() {
  audio = new AudioContext();
  const banner = byId("sound-off");
  const show = () => { banner.hidden = audio.state === "running"; };
  audio.addEventListener("statechange", show);
  const wake = () => {
    if (audio.state !== "running") audio.resume().catch((error) => console.warn("alert tone unavailable", error));
  };
  // On the click, not the press: the banner goes when the sound comes on, and a banner gone between a mouse's
  // press and release moved the page under the pointer (the click landed on what moved up: a lost hang-up).
  // The press already gave the page its user activation, so the click may resume the sound.
  for (const type of ["click", "keydown"]) document.addEventListener(type, wake, { capture: true });
  show();
}

/** The alert tone (silent until the page may play sound; the banner says so). */
export function chime() {
  if (audio?.state !== "running") return; // the banner is showing (or this page plays no sound)
  try {
    for (const [i, hz] of [880, 660].entries()) {
      const tone = audio.createOscillator();
      const gain = audio.createGain();
      tone.frequency.value = hz;
      gain.gain.value = 0.15;
      tone.connect(gain).connect(audio.destination);
      tone.start(audio.currentTime + i * 0.25);
      tone.stop(audio.currentTime + i * 0.25 + 0.2);
    }
    document.body.dataset.chimes = String(Number(document.body.dataset.chimes || 0) + 1);
  } catch (error) {
    console.warn("alert tone unavailable", error);
  }
}

async function acknowledge(alert) {
  await api("/api/v1/alerts/acknowledge", { method: "POST",
    body: { incident_id: alert.incident_id, phase: alert.phase, assignment_id: alert.assignment_id } });
  await loadAlerts();
}

// The silent unit is replaced by the best other unit of its type, both or neither: with no other unit free,
// nothing changes and the silent unit stays assigned (the app says so; the dispatcher decides).
async function sendNext(alert) {
  try {
    await api(`/api/v1/assignments/${alert.assignment_id}/replace`, { method: "POST", body: { note: t("no_acknowledgement") } });
  } catch (error) {
    if (error.body?.reason === "no_other_unit") throw new Error(format("no_next_unit_kept", { type: unitTypeName(alert.unit_type), unit: alert.call_sign }));
    throw error;
  }
  refresh();
}

function alertItem(alert) {
  const error = el("span", { class: "error" });
  const act = (label, action, testid) => el("button", { type: "button", class: "small", text: label, dataset: { testid },
    on: { click: (event) => { event.target.disabled = true; action(alert).catch((e) => { error.textContent = e.message; event.target.disabled = false; }); } } });
  const what = alert.call_sign ? `${alert.call_sign}: ${t(`timer_${alert.phase}`)}` : t(`timer_${alert.phase}`);
  return el("li", { class: alert.acknowledged_by ? "seen" : "new", dataset: { incident: alert.incident_id, phase: alert.phase } },
    el("button", { type: "button", class: "link", text: `#${alert.incident_id}`, on: { click: () => onOpen(alert.incident_id) } }),
    el("span", { text: ` ${categoryName(alert.category)} · ${what} · ${format("over_by", { time: fmtDuration(alert.over_s) })} ` }),
    alert.acknowledged_by
      ? el("span", { class: "hint", text: format("seen_by", { name: alert.acknowledged_by }) })
      : act(t("acknowledge_alert"), acknowledge, "acknowledge"),
    alert.phase === "acknowledge" ? act(t("send_next_unit"), sendNext, "send-next") : null,
    error);
}

// The bar stays small however many alerts a shift has: a summary by kind, the few most overdue unseen ones,
// and the rest (and those already seen) folded into a list that scrolls, so the intake form stays in view.
const SHOWN = 3;

function summary(unseen) {
  const counts = new Map();
  for (const alert of unseen) counts.set(alert.phase, (counts.get(alert.phase) ?? 0) + 1);
  return [...counts].map(([phase, n]) => `${n} ${t(`timer_${phase}`)}`).join(" · ");
}

function drawBar(bar, alerts) {
  const byOverdue = (a, b) => b.over_s - a.over_s;
  const unseen = alerts.filter((a) => !a.acknowledged_by).sort(byOverdue);
  const rest = [...unseen.slice(SHOWN), ...alerts.filter((a) => a.acknowledged_by).sort(byOverdue)];
  const open = bar.querySelector("details.more")?.open ?? false;
  replace(bar,
    el("h2", {}, format("alerts_heading", { n: unseen.length }), " ",
      el("span", { class: "hint", dataset: { testid: "alerts-summary" }, text: summary(unseen) })),
    el("ul", {}, unseen.slice(0, SHOWN).map(alertItem)),
    rest.length ? el("details", { class: "more", open },
      el("summary", { text: format("alerts_more", { n: rest.length }) }),
      el("ul", {}, rest.map(alertItem))) : null);
}

/** Ask for the alerts now and redraw the bar. */
export async function loadAlerts() {
  const { alerts } = await api("/api/v1/alerts");
  const fresh = alerts.filter((a) => !a.acknowledged_by && !heard.has(key(a)));
  for (const alert of fresh) heard.add(key(alert));
  if (fresh.length) chime();
  const bar = byId("alerts");
  drawBar(bar, alerts);
  bar.hidden = !alerts.length;
  bar.classList.toggle("unseen", alerts.some((a) => !a.acknowledged_by));
  onOverdue(new Set(alerts.map((a) => a.incident_id)));
}

/**
 * Show alerts and keep them current; `overdue(ids)` gets the incidents with an alert after each load,
 * `open(id)` opens an incident.
 */
export function initAlerts({ overdue, open }) {
  onOverdue = overdue;
  onOpen = open;
  initSound();
  const tick = () => loadAlerts().catch((error) => console.warn(error)).finally(() => setTimeout(tick, INTERVAL_MS));
  tick();
}
