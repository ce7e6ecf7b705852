// Call intake: place the incident (map click, desa/street search, typed coordinates), show where it is at
// once, then save it (the dispatch flow continues in recommend.js).
import { api, query } from "./api.js";
import { clearDuplicates, showDuplicates } from "./calls.js";
import { byId, el, fmtDistance, fmtTime, replace } from "./dom.js";
import { layers, map } from "./geomap.js";
import { format, t } from "./i18n.js";
import { onReconnect } from "./live.js";

const form = byId("intake");
const located = byId("located");
const results = byId("place-results");
let point = null; // {lat, lon} of the call
let marker = null;
let placeRequest = 0;
let lookupFailed = false; // the last place lookup got no answer
let joinCall = null; // set by initIntake
let duplicateTimer = null;

function field(name) {
  return located.querySelector(`[data-field="${name}"]`);
}

function showError(message) {
  byId("intake-error").textContent = message || "";
}

/** Parse "lat, lon" or a number; Indonesian decimal commas are accepted when unambiguous. */
export function parseCoordinate(text) {
  const value = Number(String(text).trim().replace(/^(-?\d+),(\d+)$/, "$1.$2"));
  return String(text).trim() === "" || !Number.isFinite(value) ? null : value;
}

function showPlace(place) {
  const nearest = place.match === "nearest" ? ` (${t("nearest_desa")})` : "";
  field("desa").textContent = place.desa ? `${place.desa.name}${nearest}` : t("outside");
  field("kecamatan").textContent = place.kecamatan?.name || "–";
  field("jurisdiction").textContent = place.jurisdiction?.code ? place.jurisdiction.name : t("outside");
  field("road").textContent = place.road ? fmtDistance(place.road.distance_m) : "–";
  const handoff = byId("handoff");
  handoff.hidden = !place.handoff;
  handoff.textContent = !place.handoff ? ""
    : place.handoff_code ? format("handoff_belongs", { name: place.handoff }) : t("outside_province");
}

/** Put the call at lat/lon: move the marker, fill the coordinates, look up where it is. */
export async function setPoint(lat, lon, { pan = false } = {}) {
  point = { lat, lon };
  byId("lat").value = lat.toFixed(6);
  byId("lon").value = lon.toFixed(6);
  if (!marker) {
    marker = L.marker([lat, lon], { draggable: true, title: t("layer_intake") }).addTo(layers.intake);
    marker.on("dragend", () => { const p = marker.getLatLng(); setPoint(p.lat, p.lng); });
  } else {
    marker.setLatLng([lat, lon]);
  }
  if (pan) map.setView([lat, lon], Math.max(map.getZoom(), 14));
  showError("");
  for (const dd of located.querySelectorAll("dd")) dd.textContent = "…";
  const request = ++placeRequest;
  lookupFailed = false;
  checkDuplicates();
  try {
    const place = await api(`/api/v1/console/place${query({ lat, lon })}`);
    if (request === placeRequest) showPlace(place);
  } catch (error) {
    if (request !== placeRequest) return;
    for (const dd of located.querySelectorAll("dd")) dd.textContent = "–";
    showError(error.message);
    lookupFailed = true;
  }
}

// A lookup that failed during a server blip is made again as soon as the server answers.
onReconnect(() => {
  if (lookupFailed && point) setPoint(point.lat, point.lon);
});

export function currentPoint() {
  return point;
}

// Two coordinates in one text: decimal points with a comma, semicolon or space between ("-7.4722, 112.4336",
// as map apps copy them), or decimal commas with a semicolon or space between ("-7,4722; 112,4336"). A lone
// "-7,4722" is one number with a decimal comma, never a pair.
const PAIRS = [/^(-?\d+\.\d+)\s*[,; ]\s*(-?\d+\.\d+)$/, /^(-?\d+(?:,\d+)?)\s*[; ]\s*(-?\d+(?:,\d+)?)$/];

/** "-7.4722, 112.4336" (see PAIRS) as {lat, lon}; null for anything else. */
export function parsePair(text) {
  const match = PAIRS.map((pattern) => String(text).trim().match(pattern)).find(Boolean);
  return match ? { lat: Number(match[1].replace(",", ".")), lon: Number(match[2].replace(",", ".")) } : null;
}

// Jawa Timur lies south of the equator: a latitude of +7.5 with an East Java longitude is a lost minus sign.
function wrongSign(lat, lon) {
  return lat > 6 && lat < 9 && lon > 110 && lon < 115;
}

function typedCoordinates() {
  const lat = parseCoordinate(byId("lat").value);
  const lon = parseCoordinate(byId("lon").value);
  if (lat === null || lon === null || Math.abs(lat) > 90 || Math.abs(lon) > 180) {
    showError(t("bad_coordinates"));
    return;
  }
  if (wrongSign(lat, lon)) {
    showError(format("lat_sign_hint", { lat: (-lat).toFixed(4) }));
    return;
  }
  setPoint(lat, lon, { pan: true });
  byId("category").focus();
}

// A pasted "lat, lon" in either coordinate field fills both.
function splitPastedPair(event) {
  const pair = parsePair(event.target.value);
  if (!pair) return;
  byId("lat").value = pair.lat;
  byId("lon").value = pair.lon;
}

function resultItem(label, detail, lat, lon) {
  const choose = () => {
    replace(results);
    byId("place-search").value = label;
    setPoint(lat, lon, { pan: true });
    byId("category").focus(); // the next step of the call
  };
  return el("li", { attrs: { role: "option" } },
    el("button", { type: "button", on: { click: choose } }, el("strong", { text: label }), " ", el("span", { class: "hint", text: detail })));
}

let searchTimer = null;
let searchRequest = 0;
async function search(text) {
  const request = ++searchRequest;
  const pair = parsePair(text);
  if (pair) {
    const label = `${pair.lat}, ${pair.lon}`;
    replace(results, wrongSign(pair.lat, pair.lon)
      ? el("li", { class: "error", text: format("lat_sign_hint", { lat: (-pair.lat).toFixed(4) }) })
      : resultItem(label, t("coordinates"), pair.lat, pair.lon));
    return;
  }
  if (text.trim().length < 2) { replace(results); return; }
  const none = { results: [] };
  const [desa, streets, facilities] = await Promise.all([
    api(`/api/v1/desa${query({ q: text, limit: 6 })}`),
    api(`/api/v1/console/streets${query({ q: text, limit: 4 })}`).catch(() => none),
    api(`/api/v1/console/facilities${query({ q: text, limit: 4 })}`).catch(() => none),
  ]);
  if (request !== searchRequest) return; // a later keystroke's answer is on its way
  // Callers name their desa far more often than a post: a desa comes before a facility or street that
  // shares its name ("Trowulan" is the desa, not Polsek Trowulan), unless what was typed is exactly a name.
  const typed = text.trim().toLowerCase();
  const found = [
    ...desa.results.map((r) => [r.desa.name, resultItem(`${r.desa.kind === "kelurahan" ? "Kel." : "Desa"} ${r.desa.name}`,
      `Kec. ${r.kecamatan.name}`, r.lat, r.lon)]),
    ...facilities.results.map((r) => [r.name, resultItem(r.name, t(`facility_${r.kind}`, t("facility_other")), r.lat, r.lon)]),
    ...streets.results.map((r) => [r.name, resultItem(r.name, `${t("street")} · ${r.desa || ""}`, r.lat, r.lon)]),
  ];
  const exact = ([name]) => (name.toLowerCase() === typed ? 0 : 1);
  const items = found.sort((a, b) => exact(a) - exact(b)).map(([, item]) => item);
  replace(results, items.length ? items : el("li", { class: "hint", text: t("no_results") }));
}

// Arrow keys walk the results (focus moves to the chosen one), Enter takes the focused or the first one.
function searchKeys(event) {
  const options = [...results.querySelectorAll("li button")];
  const at = options.indexOf(document.activeElement);
  if (event.key === "ArrowDown" || event.key === "ArrowUp") {
    event.preventDefault();
    if (!options.length) return;
    const step = event.key === "ArrowDown" ? 1 : -1;
    const next = at < 0 ? (step > 0 ? 0 : options.length - 1) : at + step;
    if (next < 0) { byId("place-search").focus(); return; }
    options[Math.min(next, options.length - 1)].focus();
  } else if (event.key === "Enter" && event.target === byId("place-search")) {
    event.preventDefault();
    clearTimeout(searchTimer);
    const chooseFirst = () => results.querySelector("li button")?.click();
    if (options.length) chooseFirst();
    else search(event.target.value).then(chooseFirst).catch((err) => showError(err.message));
  } else if (event.key === "Escape") {
    replace(results);
    byId("place-search").focus();
  }
}

// The call from the phone system being taken (its id), or null for a call typed in.
let phoneCall = null;

// The call as the form holds it: who rang, what they said, where (also when it joins an incident).
function callFields() {
  return {
    caller_name: byId("caller-name").value.trim() || null,
    caller_phone: byId("caller-phone").value.trim() || null,
    description: byId("notes").value.trim() || null,
    phone_call: phoneCall,
  };
}

/** Take a call from the phone system: the form holds its number and ring time, and the incident takes the call. */
export function takePhoneCall(call) {
  phoneCall = call.id;
  byId("caller-phone").value = call.caller_phone || "";
  const info = byId("phone-call-info");
  info.textContent = format("phone_call_taken", { time: fmtTime(call.received_at) });
  info.hidden = false;
  checkDuplicates();
}

/** Attach the call being taken to an open incident (*Gabungkan*). */
export function joinIncident(incidentId) {
  return joinCall(incidentId);
}

// Possible duplicates are asked for once the typing pauses, for the point and the number as they are then.
function checkDuplicates() {
  clearTimeout(duplicateTimer);
  duplicateTimer = setTimeout(() => {
    showDuplicates(byId("duplicates"), point, byId("caller-phone").value.trim(), joinCall)
      .catch((error) => showError(error.message));
  }, 300);
}

/**
 * Wire the intake form; `onSave(body)` is called with the incident to create, `onJoined(incidentId)` after
 * the call joined an open incident instead (*Gabungkan*).
 */
export function initIntake(onSave, onJoined) {
  joinCall = async (incidentId) => {
    try {
      await api(`/api/v1/incidents/${incidentId}/calls`, { method: "POST", body: { ...callFields(), ...point } });
      form.reset();
      await onJoined(incidentId);
    } catch (error) {
      showError(error.message);
    }
  };
  byId("caller-phone").addEventListener("input", checkDuplicates);
  map.on("click", (event) => setPoint(event.latlng.lat, event.latlng.lng));
  byId("coords-go").addEventListener("click", typedCoordinates);
  for (const id of ["lat", "lon"]) {
    byId(id).addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); typedCoordinates(); } });
    byId(id).addEventListener("input", splitPastedPair);
  }
  byId("place-search").addEventListener("keydown", searchKeys);
  results.addEventListener("keydown", searchKeys);
  byId("place-search").addEventListener("input", (e) => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => search(e.target.value).catch((err) => showError(err.message)), 250);
  });
  form.addEventListener("reset", () => {
    point = null;
    phoneCall = null;
    byId("phone-call-info").hidden = true;
    if (marker) { marker.remove(); marker = null; }
    for (const dd of located.querySelectorAll("dd")) dd.textContent = "–";
    byId("handoff").hidden = true;
    clearTimeout(duplicateTimer);
    clearDuplicates(byId("duplicates"));
    replace(results);
    showError("");
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!point) { showError(t("need_location")); return; }
    const body = {
      lat: point.lat, lon: point.lon,
      category: byId("category").value,
      priority: Number(byId("priority").value),
      ...callFields(),
      address: byId("address").value.trim() || null,
    };
    const button = byId("intake-save");
    button.disabled = true;
    showError("");
    try {
      await onSave(body);
      form.reset(); // ready for the next call; the saved one is now on the map and in the list
    } catch (error) {
      showError(error.message);
    } finally {
      button.disabled = false;
    }
  });
}
