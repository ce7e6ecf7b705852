// The caller's location page: ask the phone for its position (at once, and again on the button), post it,
// and say in the caller's language what happened; a phone that gives none says why, and 112 is told.
import { byId } from "./dom.js";
import { format, t } from "./i18n.js";

const page = byId("caller");
const status = byId("caller-status");
const button = byId("share-location");
// Geolocation error codes → the reason 112 is told.
const FAILURES = { 1: "denied", 2: "unavailable", 3: "timeout" };

function say(text, kind = "") {
  status.textContent = text;
  status.className = kind;
}

async function post(url, body) {
  const answer = await fetch(url, { method: "POST", headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify(body) });
  const data = await answer.json().catch(() => ({}));
  return { ok: answer.ok, data };
}

async function sent(position) {
  const { latitude: lat, longitude: lon, accuracy } = position.coords;
  say(t("caller_sending"));
  try {
    const { ok, data } = await post(page.dataset.post, { lat, lon, accuracy_m: Math.max(accuracy, 1) });
    if (!ok) { say(t(`caller_error_${data.reason}`, data.detail || t("caller_error_other")), "error"); return; }
    // Help is said to be on its way only when a unit is (a caller may answer before one is sent).
    const sentKey = data.units_sent > 0 ? "caller_sent" : "caller_sent_no_unit";
    say(format(data.low_accuracy ? "caller_sent_rough" : sentKey, { m: Math.round(data.accuracy_m) }),
      data.low_accuracy ? "warning" : "done");
    button.textContent = t("caller_share_again");
  } catch (error) {
    say(t("caller_offline"), "error");
  } finally {
    button.disabled = false;
  }
}

function refused(error) {
  const reason = FAILURES[error.code] || "unavailable";
  say(t(`caller_failed_${reason}`), "error");
  button.disabled = false;
  post(page.dataset.failed, { reason }).catch(() => {});
}

function ask() {
  if (!("geolocation" in navigator)) {
    say(t("caller_failed_unsupported"), "error");
    post(page.dataset.failed, { reason: "unsupported" }).catch(() => {});
    return;
  }
  button.disabled = true;
  say(t("caller_asking"));
  navigator.geolocation.getCurrentPosition(sent, refused, { enableHighAccuracy: true, timeout: 20_000, maximumAge: 0 });
}

button.addEventListener("click", ask);
ask();
