// An agency's ticket page (officer or link): the report's place on the map, over the boundaries and the base
// map. The page works without it (the navigation links and the buttons are plain HTML).
import { el } from "./dom.js";
import { layers, loadBoundaries, map } from "./geomap.js";
import { t } from "./i18n.js";

const box = map.getContainer();
const [lon, lat] = [Number(box.dataset.lon), Number(box.dataset.lat)];
const icon = L.divIcon({ className: "", iconSize: [22, 20], iconAnchor: [11, 10],
  html: el("div", { class: `incident-icon p${box.dataset.priority}` }) });
L.marker([lat, lon], { icon, title: t("layer_incident") }).addTo(layers.incident);
await loadBoundaries({ fit: false });
map.invalidateSize({ animate: false });
map.setView([lat, lon], 16, { animate: false });
box.dataset.ready = "true";
