// The responder page's map: the route from the unit to the incident, both ends marked, fitted to the phone.
import { api } from "./api.js";
import { el } from "./dom.js";
import { layers, loadBoundaries, map } from "./geomap.js";
import { t } from "./i18n.js";

function pin(className, text) {
  return L.divIcon({ className: "", iconSize: [26, 26], iconAnchor: [13, 13], html: el("div", { class: className, text }) });
}

async function drawRoute() {
  const data = await api(`${window.location.pathname}?format=json`);
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
  map.fitBounds(bounds, { padding: [24, 24], maxZoom: 16, animate: false });
}

await Promise.all([drawRoute(), loadBoundaries({ fit: false })]);
map.getContainer().dataset.ready = "true";
