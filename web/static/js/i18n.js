// UI text in the page's language, embedded by base.html as JSON (see web/i18n.py).
const TEXT = JSON.parse(document.getElementById("ui-text")?.textContent || "{}");

/** The text for `key`; when missing, `fallback` or (as in the templates) the key itself. */
export function t(key, fallback) {
  return TEXT[key] ?? fallback ?? key;
}

/** The text for `key` with its `{name}` placeholders filled from `values`. */
export function format(key, values) {
  return t(key).replace(/\{(\w+)\}/g, (placeholder, name) => (name in values ? String(values[name]) : placeholder));
}
