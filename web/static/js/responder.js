// The responder page: the route from the unit to the incident on the map, both ends marked, and the status
// buttons. A press is sent in the background and the page updates in place (status, ETA, buttons, route);
// without JavaScript the buttons are a plain form. The route and ETA follow the unit's position every 30 s.
// "Selesai" asks once more, inline: it ends the crew's part in the incident.
import { api } from "./api.js";
import { el, replace } from "./dom.js";
import { basemap, layers, loadBoundaries, map } from "./geomap.js";
import { format, t } from "./i18n.js";

const FOLLOW_MS = 30_000;
const page = `${window.location.pathname}?format=json`;

function pin(className, text) {
  return L.divIcon({ className: "", iconSize: [26, 26], iconAnchor: [13, 13], html: el("div", { class: className, text }) });
}

function drawRoute(data, { fit }) {
  for (const key of ["incident", "route", "unit"]) layers[key].clearLayers();
  const [lon, lat] = data.incident.location.coordinates;
  L.marker([lat, lon], { icon: pin(`incident-icon p${data.incident.priority}`, ""), title: t("layer_incident") }).addTo(layers.incident);
  let bounds = L.latLngBounds([[lat, lon]]);
  if (data.route) {
    const line = L.geoJSON(data.route, { style: { color: "#b71c1c", weight: 6, opacity: 0.85 } }).addTo(layers.route);
    bounds = bounds.extend(line.getBounds());
    const [ulon, ulat] = data.route.geometry.coordinates[0];
    L.marker([ulat, ulon], { icon: pin(`unit-icon status-${data.unit.status}`, data.unit.call_sign.slice(0, 3)), title: data.unit.call_sign })
      .addTo(layers.unit);
  }
  if (fit) map.fitBounds(bounds, { padding: [24, 24], maxZoom: 16, animate: false });
}

function showEta(data) {
  const eta = document.querySelector("[data-testid=eta]");
  if (!eta) return;
  replace(eta, data.eta_s === null || data.eta_s === undefined
    ? el("strong", { text: "ETA –" })
    : [el("strong", { text: `${Math.round(data.eta_s / 60)} min` }), " ", el("span", { text: `${(data.distance_m / 1000).toFixed(1)} km` })]);
}

function showDestination(data) {
  const line = document.querySelector("[data-testid=destination]");
  line.hidden = !data.destination;
  line.textContent = data.destination ? format("heading_to", { name: data.destination }) : "";
}

function showStatus(data) {
  const pill = document.querySelector("[data-testid=unit-status]");
  pill.className = `status status-${data.unit.status}`;
  pill.textContent = t(`status_${data.unit.status}`);
}

function showActions(form, data) {
  if (!data.actions.length) {
    form.replaceWith(el("p", { class: "done", text: t(data.incident.closed ? "responder_closed" : "assignment_ended") }));
    return;
  }
  replace(form, data.actions.map((action) => el("button", {
    type: "submit", name: "action", value: action, class: `action action-${action}`, text: t(`action_${action}`) })));
}

function show(form, data, { fit = false } = {}) {
  showStatus(data);
  showEta(data);
  showDestination(data);
  if (form?.isConnected) showActions(form, data);
  drawRoute(data, { fit });
}

// Ask before "Selesai": the buttons give way to the question until it is answered.
function confirmCleared(form, callSign) {
  return new Promise((resolve) => {
    const buttons = [...form.children];
    const answer = (yes) => { replace(form, buttons); resolve(yes); };
    replace(form,
      el("p", { class: "warning confirm-question", text: format("cleared_confirm", { unit: callSign }) }),
      el("button", { type: "button", class: "action action-cleared", text: t("cleared_confirm_yes"), on: { click: () => answer(true) } }),
      el("button", { type: "button", class: "action secondary", text: t("cancel"), on: { click: () => answer(false) } }));
  });
}

function wire(form, callSign) {
  const note = el("p", { class: "error", attrs: { role: "alert" } });
  form.after(note);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const action = event.submitter?.value;
    if (!action || (action === "cleared" && !(await confirmCleared(form, callSign)))) return;
    for (const button of form.querySelectorAll("button")) button.disabled = true;
    note.textContent = "";
    try {
      // (form.action would be the button named "action")
      await api(form.getAttribute("action"), { method: "POST", body: { action } });
      show(form, await api(page));
    } catch (error) {
      note.textContent = error.message;
      for (const button of form.querySelectorAll("button")) button.disabled = false;
    }
  });
}

const form = document.querySelector("form.actions");
const [first] = await Promise.all([api(page), basemap ? null : loadBoundaries({ fit: false })]);
show(form, first, { fit: true });
if (form) wire(form, first.unit.call_sign);
// A missed follow-up is only a stale ETA until the next one; the page keeps what it shows.
setInterval(() => api(page).then((data) => show(form, data)).catch((error) => console.warn("follow", error)), FOLLOW_MS);
map.getContainer().dataset.ready = "true";
