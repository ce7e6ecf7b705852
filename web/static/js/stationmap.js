// The admin's stations page: the stations on a map, where a click places the new station and fills in its
// longitude and latitude (typed coordinates move its marker too).
import { api } from "./api.js";
import { layers, loadBoundaries, map } from "./geomap.js";

// The map was made before the admin page's style gave its box a height: measure it again before fitting.
map.invalidateSize();
const form = document.querySelector("[data-testid=station-add]");
const { lon, lat } = form.elements;
const marker = L.circleMarker([0, 0], { radius: 9, color: "#c2410c", weight: 3, fillOpacity: 0.6 });

function place(latlng) {
  marker.setLatLng(latlng).addTo(layers.new_station);
}

map.on("click", (event) => {
  lon.value = event.latlng.lng.toFixed(6);
  lat.value = event.latlng.lat.toFixed(6);
  place(event.latlng);
});
form.addEventListener("change", (event) => {
  if (event.target !== lon && event.target !== lat) return;
  if (lon.value !== "" && lat.value !== "") place([Number(lat.value), Number(lon.value)]);
});

const [stations] = await Promise.all([api("/api/v1/stations?limit=500"), loadBoundaries()]);
for (const s of stations.items) {
  const [x, y] = s.location.coordinates;
  L.circleMarker([y, x], { radius: 5, color: "#1d4ed8", weight: 1, fillOpacity: 0.8 })
    .bindTooltip(`${s.code} · ${s.name}`).addTo(layers.stations);
}
map.getContainer().dataset.ready = "true";
