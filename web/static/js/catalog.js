// Names of incident categories, unit types and agencies, loaded once from the dispatch API.
import { api } from "./api.js";
import { t } from "./i18n.js";

const names = { category: new Map(), unitType: new Map(), agency: new Map() };
export let categories = [];
export let agencies = [];

export async function loadCatalog() {
  const [matrix, types, agencyList] = await Promise.all([
    api("/api/v1/category-matrix"), api("/api/v1/unit-types"), api("/api/v1/agencies")]);
  agencies = agencyList.items;
  categories = matrix.items.map((c) => ({ ...c, code: c.category }));
  for (const c of categories) names.category.set(c.code, c.name);
  for (const u of types.items) names.unitType.set(u.code, u.name);
  for (const a of agencies) names.agency.set(a.code, a.name);
  return { categories, unitTypes: types.items };
}

/** An agency's short name as dispatchers say it ("Dinkes", "Satpol-PP"); one an admin added, its name; never its code. */
export function agencyName(code) {
  return t(`agency_${code}`, names.agency.get(code) || code);
}

export function categoryName(code) {
  return names.category.get(code) || code;
}

export function unitTypeName(code) {
  return names.unitType.get(code) || t(`type_${code}`);
}
