// UI text in the page's language, embedded by base.html as JSON (see web/i18n.py).
const TEXT = JSON.parse(document.getElementById("ui-text")?.textContent || "{}");

/** The text for `key`; when missing, `fallback` or (as in the templates) the key itself. */
export function t(key, fallback) {
  return TEXT[key] ?? fallback ?? key;
}
