// Move-up: what sending each proposed unit costs its type's coverage (people it alone covers now), the
// cheaper of two near-equal proposals marked; and, when a type's coverage is below the level, relocations
// of available units to stations, each ordered with one click.
import { api, query } from "./api.js";
import { unitTypeName } from "./catalog.js";
import { byId, el, errorNote, replace } from "./dom.js";
import { format, t } from "./i18n.js";
import { refresh } from "./live.js";

// Two proposals this close in ETA are the same to the caller: the one that strips less cover is marked.
const SAME_ETA_S = 60;
const people = new Intl.NumberFormat("id-ID");

function markCheaper(section, proposed, costs) {
  const [fastest] = proposed;
  if (!fastest || costs.get(fastest.unit_id) === undefined) return;
  const near = proposed.filter((p) => p.eta_s - fastest.eta_s <= SAME_ETA_S && costs.get(p.unit_id) !== undefined);
  const cheapest = near.reduce((a, b) => (costs.get(b.unit_id) < costs.get(a.unit_id) ? b : a), fastest);
  if (cheapest === fastest) return;
  const item = section.querySelector(`li[data-unit-id="${cheapest.unit_id}"]`);
  item?.classList.add("cheaper");
  item?.querySelector(".cost")?.append(" ", el("span", { class: "badge good", text: t("cheaper_coverage") }));
}

/** Fill each shown proposal's coverage cost in `container` (recommendations `rec`), and mark the cheaper one. */
export async function showCosts(container, rec) {
  const ids = [...container.querySelectorAll("li[data-unit-id]")].map((li) => Number(li.dataset.unitId));
  if (!ids.length) return;
  const { items } = await api(`/api/v1/units/departure-cost${query({ units: ids.join(",") })}`);
  const costs = new Map(items.filter((c) => c.population_lost !== null).map((c) => [c.unit_id, c.population_lost]));
  for (const li of container.querySelectorAll("li[data-unit-id]")) {
    const lost = costs.get(Number(li.dataset.unitId));
    const cost = li.querySelector(".cost");
    if (cost && lost !== undefined) {
      cost.textContent = lost ? format("departure_cost", { n: people.format(lost) }) : t("departure_free");
    }
  }
  for (const need of rec.requirements) {
    const section = container.querySelector(`[data-unit-type="${need.unit_type}"]`);
    if (section) markCheaper(section, need.proposed.slice(0, 3), costs);
  }
}

function moveItem(move) {
  const error = el("span", { class: "error" });
  const order = el("button", { type: "button", class: "small", text: t("order_move"), dataset: { testid: "order-move" } });
  order.addEventListener("click", async () => {
    order.disabled = true;
    try {
      await api(`/api/v1/units/${move.unit_id}/relocate`, { method: "POST", body: { station_id: move.station_id } });
      refresh();
    } catch (failure) {
      error.textContent = failure.message;
      order.disabled = false;
    }
  });
  return el("li", { dataset: { unit: move.call_sign, station: move.station_id } },
    el("strong", { text: move.call_sign }), ` → ${move.station} · `,
    el("span", { text: format("move_gain", { n: people.format(move.net) }) }), " ", order, error);
}

function typeCard(item) {
  const share = (x) => `${Math.round(x * 100)}%`;
  return el("section", { class: "card moveup-type", dataset: { unitType: item.unit_type } },
    el("h3", { text: `${unitTypeName(item.unit_type)} · ${format("moveup_covered", { now: share(item.covered_share), minutes: item.minutes })}` }),
    item.kecamatan_without_cover.length
      ? el("p", { class: "warning", text: format("moveup_bare", { names: item.kecamatan_without_cover.join(", ") }) }) : null,
    item.moves.length
      ? [el("ol", { class: "moves" }, item.moves.map(moveItem)),
        el("p", { class: "hint", text: format("moveup_after", { after: share(item.covered_share_after) }) })]
      : el("p", { class: "hint", text: t("moveup_no_move") }));
}

/** Reload the relocation proposals (while the units tab is shown): one card per unit type below the level. */
export async function loadMoveUp() {
  const panel = byId("moveup");
  if (panel.closest("[role=tabpanel]")?.hidden) return; // asked again when the tab opens
  try {
    const { items } = await api("/api/v1/moveup");
    const below = items.filter((i) => i.below_level);
    replace(panel, el("h2", { text: t("moveup_heading") }),
      below.length ? below.map(typeCard) : el("p", { class: "hint", text: t("moveup_all_covered") }));
  } catch (failure) {
    replace(panel, el("h2", { text: t("moveup_heading") }), errorNote(failure.message));
  }
}
