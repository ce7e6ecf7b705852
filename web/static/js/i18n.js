// UI text in the page's language, embedded by base.html as JSON (see web/i18n.py).
const TEXT = JSON.parse(document.getElementById("ui-text")?.textContent || "{}");

/** The text for `key`; a missing key shows itself, as in the templates. */
export function t(key) {
  return TEXT[key] ?? key;
}
