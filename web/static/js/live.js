// Live refresh: poll the change cursor and call the listeners when anything changed anywhere (another
// dispatcher, a responder link, an AVL fix). Polling every 2 s keeps every layer within the 5 s promise.
import { api } from "./api.js";
import { byId } from "./dom.js";
import { t } from "./i18n.js";

const INTERVAL_MS = 2000;
const listeners = [];
const reconnected = [];
let connected = true;
let cursor = null;
let timer = null;

/** Call `listener()` when the server answers again after a lost connection. */
export function onReconnect(listener) {
  reconnected.push(listener);
}

/** Call `listener()` (may be async) after every change, and once at start. */
export function onChange(listener) {
  listeners.push(listener);
}

// The small pill says the state; the banner over the map makes a lost connection impossible to miss.
function showStatus(ok) {
  const status = byId("live-status");
  if (status) {
    status.textContent = ok ? `● ${t("live_ok")}` : t("live_lost");
    status.classList.toggle("lost", !ok);
  }
  const banner = byId("offline-banner");
  if (banner) banner.hidden = ok;
  if (ok && !connected) for (const listener of reconnected) listener();
  connected = ok;
}

/** Reload now (after the page itself changed something), without waiting for the next poll. */
export async function refresh() {
  await Promise.all(listeners.map((listener) => Promise.resolve(listener()).catch((error) => console.warn(error))));
}

async function poll() {
  try {
    const answer = await api("/api/v1/console/changes");
    showStatus(true);
    if (answer.cursor !== cursor) {
      cursor = answer.cursor;
      await refresh();
    }
  } catch (error) {
    showStatus(false);
  } finally {
    timer = setTimeout(poll, INTERVAL_MS);
  }
}

/** Start polling (the first poll loads everything). */
export function startLive() {
  if (timer === null) poll();
  window.addEventListener("offline", () => showStatus(false));
}
