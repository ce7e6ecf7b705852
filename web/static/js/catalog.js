// Names of incident categories and unit types, loaded once from the dispatch API.
import { api } from "./api.js";
import { t } from "./i18n.js";

const names = { category: new Map(), unitType: new Map() };
export let categories = [];

export async function loadCatalog() {
  const [matrix, types] = await Promise.all([api("/api/v1/category-matrix"), api("/api/v1/unit-types")]);
  categories = matrix.items.map((c) => ({ ...c, code: c.category }));
  for (const c of categories) names.category.set(c.code, c.name);
  for (const u of types.items) names.unitType.set(u.code, u.name);
  return { categories, unitTypes: types.items };
}

export function categoryName(code) {
  return names.category.get(code) || code;
}

export function unitTypeName(code) {
  return names.unitType.get(code) || t(`type_${code}`);
}
