// Building DOM nodes without HTML strings: every text goes in as a text node, so nothing a caller or
// dispatcher typed can become markup (the one rule for showing user text in geo112's pages).

/**
 * Create an element. `props`: `class`, `text`, `title`, `dataset` {k: v}, `attrs` {name: value},
 * `on` {event: handler}; other keys are set as properties (value, type, disabled, href …).
 * Children may be nodes, strings (become text nodes), null/false (skipped) or arrays of these.
 */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = String(value);
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key === "attrs") for (const [name, v] of Object.entries(value)) node.setAttribute(name, v);
    else if (key === "on") for (const [event, handler] of Object.entries(value)) node.addEventListener(event, handler);
    else node[key] = value;
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(node, child);
    else node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replace the children of `node`. */
export function replace(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}

/**
 * An inline error message near the control it is about, its text set as text. `announce` gives it
 * `role="alert"`, so screen readers read it out once when it appears; a redraw showing it again leaves it out.
 */
export function errorNote(text, { announce = false, id } = {}) {
  return el("p", { class: "error", text, id, attrs: announce ? { role: "alert" } : {} });
}

export function byId(id) {
  return document.getElementById(id);
}

/** "12 min", "45 s" from seconds. */
export function fmtDuration(seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "–";
  // Rounded first, so that 59.6 s reads "1 min", never "60 s".
  if (Math.round(seconds) < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  return `${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} min`;
}

/** "850 m", "12.4 km" from metres. */
export function fmtDistance(metres) {
  if (metres === null || metres === undefined || !Number.isFinite(metres)) return "–";
  return metres < 1000 ? `${Math.round(metres)} m` : `${(metres / 1000).toFixed(1)} km`;
}

/** Local clock time of an ISO timestamp, "14:05:09". */
export function fmtTime(iso) {
  if (!iso) return "–";
  return new Date(iso).toLocaleTimeString("en-GB", { hour12: false });
}

/** Time since an ISO timestamp, "3 min". */
export function fmtAge(iso, now = Date.now()) {
  if (!iso) return "–";
  return fmtDuration(Math.max(0, (now - new Date(iso).getTime()) / 1000));
}

const deferred = new WeakMap();

/**
 * Run `draw()` now, or, while the user is working inside `container` (a focused select, input or button),
 * once the focus leaves it: a live refresh must not close a dropdown under the dispatcher's cursor.
 */
export function redrawWhenIdle(container, draw) {
  if (!container.contains(document.activeElement) || document.activeElement === document.body) {
    draw();
    return;
  }
  if (!deferred.has(container)) {
    container.addEventListener("focusout", () => setTimeout(() => {
      if (container.contains(document.activeElement)) return;
      const pending = deferred.get(container);
      deferred.set(container, null);
      pending?.();
    }));
  }
  deferred.set(container, draw);
}
