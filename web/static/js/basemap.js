// The base map: the app's own vector tiles (/tiles/base/{z}/{x}/{y}.pbf, cut by PostGIS) drawn on canvas by
// protomaps-leaflet, whose labeller keeps labels from colliding across tiles. Paint order is the stacking:
// water and boundaries first, then road casings, then road fills; labels last.
const P = window.protomapsL;

// Road classes from the top: [fill, casing, width at z10, width at z16]. The toll road and arterials carry
// colour; local streets are white and only appear (in the tiles) once they can be read.
const ROADS = [
  [["motorway", "motorway_link"], "#f97316", "#9a3412", 2.6, 9],
  [["trunk", "trunk_link", "primary", "primary_link"], "#facc15", "#a16207", 2.2, 8],
  [["secondary", "secondary_link", "busway"], "#fef08a", "#a16207", 1.6, 7],
  [["tertiary", "tertiary_link"], "#ffffff", "#9ca3af", 1.0, 6],
  [["unclassified", "road", "residential", "living_street", "service"], "#ffffff", "#b8b8b8", 0.5, 4.5],
];
const FACILITY_COLOURS = {
  hospital: "#dc2626", puskesmas: "#db2777", fire_station: "#ea580c", police: "#1d4ed8",
  bpbd: "#0f766e", satpol_pp: "#4d7c0f", pmi: "#b91c1c", other: "#6b7280",
};
const LAND = "#f3f1ec";
const HALO = "rgba(255,255,255,0.9)";

const byClass = (classes) => (z, f) => classes.includes(f.props.class);
const widths = (low, high) => P.linear([[10, low], [16, high]]);

function roadRules() {
  const casings = ROADS.map(([classes, , casing, low, high]) => ({
    dataLayer: "roads", filter: byClass(classes),
    symbolizer: new P.LineSymbolizer({ color: casing, width: widths(low + 1, high + 2), lineCap: "round" }),
  }));
  const fills = ROADS.map(([classes, fill, , low, high]) => ({
    dataLayer: "roads", filter: byClass(classes),
    symbolizer: new P.LineSymbolizer({ color: fill, width: widths(low, high), lineCap: "round" }),
  }));
  return [...casings, ...fills];
}

const PAINT_RULES = [
  { dataLayer: "water", symbolizer: new P.LineSymbolizer({
    color: "#60a5fa", width: (z, f) => (f.props.kind === "Sungai" ? 1.5 : 0.6) * Math.max(1, z - 11) }) },
  { dataLayer: "boundaries", filter: (z, f) => f.props.kind === "desa" || f.props.kind === "kelurahan",
    symbolizer: new P.LineSymbolizer({ color: "#9ca3af", width: 0.7, dash: [3, 2] }) },
  { dataLayer: "boundaries", filter: (z, f) => f.props.kind === "kecamatan",
    symbolizer: new P.LineSymbolizer({ color: "#4b5563", width: widths(1, 2.2), dash: [6, 3] }) },
  { dataLayer: "boundaries", filter: (z, f) => f.props.kind === "kabupaten",
    symbolizer: new P.LineSymbolizer({ color: "#7c2d12", width: widths(1.6, 3.2) }) },
  ...roadRules(),
  { dataLayer: "facilities", symbolizer: new P.CircleSymbolizer({
    radius: 4, fill: (z, f) => FACILITY_COLOURS[f.props.kind] || FACILITY_COLOURS.other, stroke: "#fff", width: 1.5 }) },
];

const text = (size, fill, extra = {}) => ({ fill, stroke: HALO, width: 3, fontFamily: "sans-serif", fontSize: size, ...extra });

const LABEL_RULES = [
  { dataLayer: "places", filter: (z, f) => f.props.kind === "kabupaten",
    symbolizer: new P.CenteredTextSymbolizer(text(14, "#7c2d12", { fontWeight: 700, textTransform: "uppercase" })) },
  { dataLayer: "places", filter: (z, f) => f.props.kind === "kecamatan",
    symbolizer: new P.CenteredTextSymbolizer(text(13, "#1f2937", { fontWeight: 700, textTransform: "uppercase" })) },
  { dataLayer: "facilities", minzoom: 14,
    symbolizer: new P.OffsetTextSymbolizer(text(11, "#111827", { offsetX: 6, offsetY: 4, maxLineChars: 18 })) },
  { dataLayer: "roads", minzoom: 14, filter: (z, f) => Boolean(f.props.name),
    symbolizer: new P.LineLabelSymbolizer(text(11, "#374151")) },
  { dataLayer: "places", filter: (z, f) => f.props.kind === "desa" || f.props.kind === "kelurahan",
    symbolizer: new P.CenteredTextSymbolizer(text(11, "#57534e", { fontStyle: "italic" })) },
  { dataLayer: "water", minzoom: 13, filter: (z, f) => Boolean(f.props.name),
    symbolizer: new P.LineLabelSymbolizer(text(10, "#1d4ed8", { fontStyle: "italic" })) },
];

/**
 * Add the vector base map under the overlays of `map`, when the page's map script asks for it
 * (`basemap` is null when GEO112_TILE_URL draws a raster layer instead). Returns the layer.
 */
export function addBasemap(map, basemap) {
  if (!basemap || !P) return null;
  const layer = P.leafletLayer({
    url: basemap.tiles,
    attribution: basemap.attribution,
    paintRules: PAINT_RULES,
    labelRules: LABEL_RULES,
    backgroundColor: LAND,
    // The server cuts z0..16 at 256 px (levelDiff 0); beyond z16 the last tiles are drawn larger.
    levelDiff: 0,
    maxDataZoom: 16,
  });
  return layer.addTo(map);
}
