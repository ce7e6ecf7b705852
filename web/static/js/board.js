// The supervisor's view of the phones (console tab "Telepon"): calls ringing now and for how long, operators
// on a call or free, today's calls by class, the share answered within 15 s and 20 s (NFPA 1225: 90 % and
// 95 %), and the abandoned calls to call back. Reloaded on every change (each call event moves the live
// cursor); the ringing times tick every second in between.
import { api } from "./api.js";
import { byId, el, fmtTime, redrawWhenIdle, replace } from "./dom.js";
import { format, t } from "./i18n.js";

let board = null;
let listed = [];

const share = (value) => (value === null ? "–" : `${Math.round(value * 100)} %`);
const waited = (iso) => Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));

function callRow(call, extra) {
  return el("li", { dataset: { call: call.id } },
    el("strong", { text: call.caller_phone || t("caller_unknown") }), " ",
    call.watch_listed ? el("span", { class: "badge warning", text: t("phone_watch_listed") }) : null,
    el("span", { class: "hint", text: ` ${extra}` }));
}

function operatorRow(operator) {
  const classes = Object.entries(operator.classified_today).map(([k, n]) => `${t(`call_class_${k}`)} ${n}`).join(", ");
  return el("tr", { dataset: { operator: operator.username } },
    el("td", { text: operator.username }), el("td", { text: operator.extensions.join(", ") }),
    el("td", {}, el("span", { class: `badge ${operator.busy ? "warning" : "good"}`, text: t(operator.busy ? "board_busy" : "board_free") })),
    el("td", { text: String(operator.answered_today) }), el("td", { text: classes || "–" }));
}

function render() {
  const panel = byId("phone-board");
  if (!board || !panel) return;
  const counts = Object.entries(board.today_by_class).map(([k, n]) => `${t(`call_class_${k}`, t(`board_outcome_${k}`, k))}: ${n}`);
  replace(panel,
    el("h3", { text: t("board_ringing") }),
    el("ul", { dataset: { testid: "board-ringing" } }, board.ringing.map((c) => callRow(c, format("board_waiting", { s: waited(c.received_at) })))),
    el("p", { dataset: { testid: "board-today" }, text: format("board_today", { n: board.today_calls, s15: share(board.answered_within_15s), s20: share(board.answered_within_20s) }) }),
    el("p", { class: "hint", text: counts.join(" · ") || "–" }),
    el("h3", { text: t("board_operators") }),
    el("table", { class: "board" },
      el("thead", {}, el("tr", {}, ...["board_operator", "board_phones", "status", "board_answered", "board_classes"].map((k) => el("th", { text: t(k) })))),
      el("tbody", {}, board.operators.map(operatorRow))),
    el("h3", { text: t("board_call_back") }),
    el("ul", { dataset: { testid: "board-call-back" } }, board.call_back.map((c) => callRow(c, `${fmtTime(c.received_at)} · ${t(`board_outcome_${c.outcome}`)}`))));
}

// A supervisor (admin) lifts a listing with a reason, which the audit trail keeps.
function listingRow(listing) {
  const item = el("li", { dataset: { listing: listing.id } }, el("strong", { text: listing.number }),
    el("span", { class: "hint", text: ` ${format("watch_listed_until", { calls: listing.calls, until: fmtTime(listing.until) })} ` }));
  if (byId("watch-list").dataset.canLift === "true") {
    const reason = el("input", { class: "watch-reason", maxLength: 500, attrs: { "aria-label": t("watch_lift_reason") }, placeholder: t("watch_lift_reason") });
    const button = el("button", { type: "button", class: "small", text: t("watch_lift") });
    button.addEventListener("click", async () => {
      try {
        await api(`/api/v1/telephony/watch-list/${listing.id}/lift`, { method: "POST", body: { reason: reason.value.trim() } });
        button.blur(); // done here: the list may be redrawn
        await loadBoard();
      } catch (error) {
        item.append(el("p", { class: "error", role: "alert", text: error.message }));
      }
    });
    item.append(reason, " ", button);
  }
  return item;
}

/** Reload the board and the watch list (after any change). */
export async function loadBoard() {
  if (byId("tab-phones")?.hidden) return;
  [board, { items: listed }] = await Promise.all([api("/api/v1/telephony/board"), api("/api/v1/telephony/watch-list")]);
  render();
  // Not under a supervisor typing a reason: the list is redrawn once the focus has left it.
  const list = byId("watch-list");
  redrawWhenIdle(list, () => replace(list, listed.map(listingRow)));
}

/** Tick the ringing times every second while the tab is shown. */
export function initBoard() {
  setInterval(() => { if (!byId("tab-phones").hidden) render(); }, 1000);
}
