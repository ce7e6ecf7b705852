// The dispatcher console: wires the map, call intake, incident list, unit board and live refresh.
import { loadBoundaries } from "./geomap.js";
import { initIntake } from "./intake.js";
import { initTabs } from "./tabs.js";

initTabs();
initIntake(async () => {});
loadBoundaries();
