// The planner pages' charts: Vega-Lite specs built by the API (geo112/analytics/charts.py) and drawn by
// vega-embed, which the app serves itself. Each chart goes into the element whose data-chart names it.
import { expressionInterpreter } from "/assets/vega-interpreter/vega-interpreter.js";
import { t } from "./i18n.js";

// The interpreter evaluates chart expressions without `new Function`, which the pages' CSP forbids.
const OPTIONS = {
  renderer: "svg",
  ast: true,
  expr: expressionInterpreter,
  actions: { export: true, source: false, compiled: false, editor: false },
};

export async function drawCharts(specs) {
  const i18n = { SVG_ACTION: t("chart_save_svg"), PNG_ACTION: t("chart_save_png") };
  await Promise.all(Object.entries(specs).map(async ([name, spec]) => {
    const box = document.querySelector(`[data-chart="${name}"]`);
    if (!box) return;
    await vegaEmbed(box, spec, { ...OPTIONS, i18n });
    box.dataset.rendered = "true";
  }));
}
