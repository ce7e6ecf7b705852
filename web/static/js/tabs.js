// Sidebar tabs: buttons with data-tab show the panel #tab-<name>.
export function initTabs(root = document) {
  const buttons = [...root.querySelectorAll("[role=tab][data-tab]")];
  const show = (name) => {
    for (const button of buttons) {
      const selected = button.dataset.tab === name;
      button.setAttribute("aria-selected", String(selected));
      document.getElementById(`tab-${button.dataset.tab}`).hidden = !selected;
    }
  };
  for (const button of buttons) button.addEventListener("click", () => show(button.dataset.tab));
  return show;
}
