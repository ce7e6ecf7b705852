// The planners' coverage page.
import { loadBoundaries } from "./geomap.js";

loadBoundaries();
