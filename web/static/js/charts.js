// The planner pages' charts: Vega-Lite specs built by the API (geo112/analytics/charts.py) and drawn by
// vega-embed, which the app serves itself. Each chart goes into the element whose data-chart names it.
import { expressionInterpreter } from "/assets/vega-interpreter/vega-interpreter.js";
import { t } from "./i18n.js";

// The interpreter evaluates chart expressions without `new Function`, which the pages' CSP forbids.
// A screen reader names a chart by its title (the SVG's description, see below) and reads its axes and legend;
// the marks' containers have no name to give, so they stay out of the accessibility tree (axe: svg-img-alt).
const OPTIONS = {
  renderer: "svg",
  ast: true,
  expr: expressionInterpreter,
  actions: { export: true, source: false, compiled: false, editor: false },
  config: { mark: { aria: false } },
};

const titleText = (title) => (typeof title === "object" && title !== null ? title.text : title);

export async function drawCharts(specs) {
  const i18n = { SVG_ACTION: t("chart_save_svg"), PNG_ACTION: t("chart_save_png") };
  await Promise.all(Object.entries(specs).map(async ([name, spec]) => {
    const box = document.querySelector(`[data-chart="${name}"]`);
    if (!box) return;
    await vegaEmbed(box, { description: titleText(spec.title), ...spec }, { ...OPTIONS, i18n });
    // vega-embed's menu button is an icon only: name it for screen readers.
    box.querySelector("details > summary")?.setAttribute("aria-label", t("chart_actions"));
    box.dataset.rendered = "true";
  }));
}
