// The admin pages: each form with data-api sends its fields as JSON to that API operation, then the page reloads
// to show the change (and the audit trail's new event); an error stays on the page with the API's message.
import { api } from "./api.js";
import { format, t } from "./i18n.js";

const MESSAGE_KEY = "geo112.admin.message";

/** "ambulance:1, fire_truck:2?" → [{unit_type, count, optional}] (a trailing "?" marks an optional unit). */
function requirements(text) {
  return text.split(",").map((part) => part.trim()).filter(Boolean).map((part) => {
    const optional = part.endsWith("?");
    const [unitType, count = "1"] = part.replace(/\?$/, "").split(":").map((s) => s.trim());
    return { unit_type: unitType, count: Number(count), optional };
  });
}

/** A field's value as its data-type says; undefined leaves it out of the body. */
function value(field) {
  const raw = field.value.trim();
  switch (field.dataset.type) {
    case "int":
    case "float": return raw === "" ? undefined : Number(raw);
    case "bool": return raw === "true";
    case "nullable": return raw === "" ? null : raw;
    case "requirements": return requirements(raw);
    default: return raw === "" ? undefined : raw;
  }
}

function body(form) {
  const data = {};
  for (const field of form.querySelectorAll("input[name], select[name]")) {
    const v = value(field);
    if (v !== undefined) data[field.name] = v;
  }
  return data;
}

/** The API's refusal in the page's language: its reason's text when there is one (with the body's values). */
function explain(error) {
  const reason = error.body?.reason;
  if (reason && t(`admin_error_${reason}`, "")) return format(`admin_error_${reason}`, error.body);
  return error.status === 422 ? `${t("admin_error_invalid")} (${error.message})` : error.message;
}

/** A form whose row is picked from a list (a unit, a station): the pick fills its fields and names its API path. */
function pick(select) {
  const form = select.form;
  const option = select.selectedOptions[0];
  form.dataset.api = option.value ? select.dataset.picks.replace("{id}", option.value) : "";
  const fields = option.value ? JSON.parse(option.dataset.fields) : {};
  for (const [name, v] of Object.entries(fields)) {
    if (form.elements[name]) form.elements[name].value = v;
  }
}

function show(text, kind) {
  const box = document.querySelector(".admin-message");
  box.textContent = text;
  box.className = `admin-message ${kind}`;
  box.hidden = false;
}

async function submit(event) {
  const form = event.target.closest("form.admin-form");
  if (!form) return;
  event.preventDefault();
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    await api(form.dataset.api, { method: form.dataset.method, body: body(form) });
    sessionStorage.setItem(MESSAGE_KEY, t("admin_saved"));
    window.location.reload();
  } catch (error) {
    show(`${t("admin_failed")}: ${explain(error)}`, "warning");
    button.disabled = false;
  }
}

document.addEventListener("submit", submit);
document.addEventListener("change", (event) => {
  if (event.target.matches("select[data-picks]")) pick(event.target);
});
const saved = sessionStorage.getItem(MESSAGE_KEY);
if (saved) {
  sessionStorage.removeItem(MESSAGE_KEY);
  show(saved, "ok");
}
