// Keyboard first: a whole call, from place to assignment, without the mouse. The map's markers leave the
// Tab order (the incident list and unit board reach the same things), the focus moves on to the next step
// (place chosen → category, saved → first proposal, assigned → its responder link), and a few keys, listed
// in the panel that "?" opens, jump to where a dispatcher starts.
import { byId, el, replace } from "./dom.js";
import { t } from "./i18n.js";

// Markers are reached from the lists, not by walking hundreds of them with Tab.
L.Marker.mergeOptions({ keyboard: false });

function typing(event) {
  const target = event.target;
  return target.isContentEditable || ["INPUT", "SELECT", "TEXTAREA"].includes(target.tagName);
}

/**
 * Wire the console's shortcuts. `actions` maps each to a function: `newCall`, `search`, `tab(name)`.
 * Each entry: the keys shown, whether it works while typing, the test of a keydown, the action.
 */
export function initShortcuts({ newCall, search, tab }) {
  const shortcuts = [
    { keys: "F2 · Alt+N", text: "shortcut_new_call", anywhere: true,
      match: (e) => e.key === "F2" || (e.altKey && e.code === "KeyN"), run: newCall },
    { keys: "/", text: "shortcut_search", match: (e) => e.key === "/", run: search },
    { keys: "Alt+1", text: "tab_intake", anywhere: true, match: (e) => e.altKey && e.code === "Digit1", run: () => tab("intake") },
    { keys: "Alt+2", text: "tab_incidents", anywhere: true, match: (e) => e.altKey && e.code === "Digit2", run: () => tab("incidents") },
    { keys: "Alt+3", text: "tab_units", anywhere: true, match: (e) => e.altKey && e.code === "Digit3", run: () => tab("units") },
    { keys: "?", text: "shortcut_list", match: (e) => e.key === "?", run: () => toggleList() },
  ];
  const panel = byId("shortcuts");
  const toggleList = () => {
    panel.open = !panel.open;
    if (!panel.open) return;
    panel.querySelector("summary").focus();
    panel.scrollIntoView({ block: "end" });
  };
  replace(panel.querySelector("dl"), shortcuts.flatMap((s) => [el("dt", {}, el("kbd", { text: s.keys })), el("dd", { text: t(s.text) })]),
    el("dt", {}, el("kbd", { text: "↑ ↓ Enter" })), el("dd", { text: t("shortcut_results") }),
    el("dt", {}, el("kbd", { text: "Esc" })), el("dd", { text: t("shortcut_escape") }));
  document.addEventListener("keydown", (event) => {
    const shortcut = shortcuts.find((s) => s.match(event));
    if (!shortcut || (!shortcut.anywhere && typing(event))) return;
    event.preventDefault();
    shortcut.run();
  });
}
