// The admin pages: each form with data-api sends its fields as JSON to that API operation, then the page reloads
// to show the change (and the audit trail's new event); an error stays on the page with the API's message.
import { api } from "./api.js";
import { t } from "./i18n.js";

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
    show(`${t("admin_failed")}: ${error.message}`, "warning");
    button.disabled = false;
  }
}

document.addEventListener("submit", submit);
const saved = sessionStorage.getItem(MESSAGE_KEY);
if (saved) {
  sessionStorage.removeItem(MESSAGE_KEY);
  show(saved, "ok");
}
