// JSON requests to the app's API, with the CSRF token on every state-changing request.
import { t } from "./i18n.js";

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.detail || body?.error || `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

function csrfToken() {
  return document.querySelector('meta[name="csrf-token"]')?.content || "";
}

/** Fetch `path` and return its JSON; `body` is sent as JSON. Throws ApiError on an error status. */
export async function api(path, { method = "GET", body, signal } = {}) {
  const headers = { Accept: "application/json" };
  if (method !== "GET") headers["X-CSRFToken"] = csrfToken();
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(path, {
      method, headers, signal, credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    if (error.name === "AbortError") throw error;
    // No answer at all (the network or the server is down): say so in the UI's language, not "Failed to fetch".
    throw new ApiError(0, { error: "offline", detail: t(method === "GET" ? "offline_read" : "offline_write") });
  }
  const data = response.status === 204 ? null : await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

const RETRY_MAX_MS = 15_000;

/**
 * Call `load` until it succeeds, waiting 1, 2, 4… up to 15 s between tries: a page opened during a server
 * blip (a restart, a failover, a lost connection) fills in when the server is back instead of staying
 * blank. An answer that is not the server's trouble (4xx) is not retried.
 */
export async function untilLoaded(load) {
  for (let wait = 1000; ; wait = Math.min(wait * 2, RETRY_MAX_MS)) {
    try {
      return await load();
    } catch (error) {
      if (error.status >= 400 && error.status < 500) throw error;
      console.warn("retrying", error);
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}

/** A query string from an object, skipping empty values. */
export function query(params) {
  const entries = Object.entries(params).filter(([, v]) => v !== undefined && v !== null && v !== "");
  return entries.length ? `?${new URLSearchParams(entries)}` : "";
}
