// Agency tickets in the console: the incident detail's section (forward to the category's agencies or any
// other with one click, each ticket's state and its link for the agency), and the bar of overdue tickets with
// their escalations (re-send, phoned, note). Self-contained: incidents.js and console.js only call in here.
import { chime } from "./alerts.js";
import { api } from "./api.js";
import { agencies, agencyName } from "./catalog.js";
import { byId, el, errorNote, fmtDuration, fmtTime, replace } from "./dom.js";
import { format, t } from "./i18n.js";

const INTERVAL_MS = 10_000;
let routes = null; // category → its agencies (report-categories), asked once

// The agencies themselves come with the console's catalogue (catalog.js).
async function catalogue() {
  if (!routes) {
    const categories = await api("/api/v1/report-categories");
    routes = new Map(categories.items.map((c) => [c.category, c.agencies.map((a) => a.agency)]));
  }
  return { routes, agencies };
}

function linkBox(link) {
  return el("div", { class: "responder-link" },
    el("label", { text: t("ticket_link") }),
    el("input", { type: "text", readOnly: true, value: link, dataset: { testid: "ticket-link" } }));
}

// A complaint (priority 3) can also go to SP4N-LAPOR!, once; the answer names the outbox file.
function laporButton(ticket, error) {
  const button = el("button", { type: "button", class: "small secondary", text: t("ticket_lapor"), dataset: { testid: "lapor" },
    on: { click: async () => {
      button.disabled = true;
      try {
        const { reference } = await api(`/api/v1/tickets/${ticket.id}/lapor`, { method: "POST" });
        button.replaceWith(el("span", { class: "hint", text: ` · ${format("ticket_lapor_done", { reference })}` }));
      } catch (e) { error.textContent = e.message; button.disabled = false; }
    } } });
  return button;
}

function ticketItem(ticket, error) {
  return el("li", { dataset: { ticket: ticket.id, agency: ticket.agency.code, status: ticket.status } },
    el("strong", { text: agencyName(ticket.agency.code) }),
    el("span", { text: ` · ${t(`ticket_status_${ticket.status}`)} · ${fmtTime(ticket.sent_at)}` }),
    ticket.resolution ? el("span", { class: "hint", text: ` · ${ticket.resolution}` }) : null,
    ticket.return_reason ? el("span", { class: "warning", text: ` · ${ticket.return_reason}` }) : null,
    ticket.incident.priority === 3 && ticket.status !== "returned" ? [" ", laporButton(ticket, error)] : null);
}

async function drawSection(section, incident) {
  const [{ routes: byCategory, agencies: all }, tickets] = await Promise.all([
    catalogue(), api(`/api/v1/tickets?incident_id=${incident.id}`)]);
  const live = new Set(tickets.items.filter((k) => k.status !== "returned").map((k) => k.agency.code));
  const suggested = (byCategory.get(incident.category) || []).filter((code) => !live.has(code));
  const error = el("span", { class: "error" });
  const result = el("div");
  const forward = async (code) => {
    try {
      const ticket = await api(`/api/v1/incidents/${incident.id}/tickets`, { method: "POST", body: { agency: code } });
      await drawSection(section, incident);
      section.append(linkBox(ticket.link));
    } catch (e) { error.textContent = e.message; }
  };
  const button = (code) => el("button", { type: "button", class: "small", text: agencyName(code),
    dataset: { testid: `forward-${code}` }, on: { click: () => forward(code) } });
  const others = el("select", { dataset: { testid: "forward-other" } },
    el("option", { value: "", text: t("ticket_forward") }),
    all.filter((a) => !live.has(a.code)).map((a) => el("option", { value: a.code, text: agencyName(a.code) })));
  others.addEventListener("change", () => others.value && forward(others.value));
  replace(section,
    el("h4", { text: t("tickets_heading") }),
    el("ul", { class: "tickets" }, tickets.items.map((ticket) => ticketItem(ticket, error))),
    incident.status === "open" && incident.handoff === null ? [
      suggested.length ? el("p", {}, el("span", { class: "hint", text: `${t("ticket_forward_suggested")}: ` }), suggested.map(button)) : null,
      others] : null,
    error, result);
}

/** The tickets section of an incident's detail; it fills itself. */
export function ticketSection(incident) {
  const section = el("section", { class: "incident-tickets", dataset: { testid: "incident-tickets" } });
  drawSection(section, incident).catch((e) => section.append(errorNote(e.message)));
  return section;
}

const resentLinks = new Map(); // ticket → the new link a re-send made, shown until the ticket is no longer late

async function escalate(alert, how) {
  const note = how === "noted" ? window.prompt(t("ticket_escalate_noted")) : null;
  if (how === "noted" && !note) return;
  const ticket = await api(`/api/v1/tickets/${alert.ticket_id}/escalate`, { method: "POST", body: { how, note } });
  if (how === "resent") resentLinks.set(alert.ticket_id, ticket.link);
  await loadTicketAlerts();
}

async function seeReturn(alert) {
  await api(`/api/v1/tickets/${alert.ticket_id}/return-seen`, { method: "POST" });
  await loadTicketAlerts();
}

// A returned report is 112's again: the dispatcher opens it to forward it elsewhere, then says they saw it.
function returnedItem(alert, open) {
  const error = el("span", { class: "error" });
  const seen = el("button", { type: "button", class: "small", text: t("ticket_return_seen"), dataset: { testid: "return-seen" },
    on: { click: () => seeReturn(alert).catch((e) => { error.textContent = e.message; }) } });
  return el("li", { class: "new", dataset: { ticket: alert.ticket_id, phase: alert.phase } },
    el("button", { type: "button", class: "link", text: `#${alert.incident_id}`, title: t("ticket_return_open"),
      on: { click: () => open(alert.incident_id) } }),
    el("span", { text: ` ${agencyName(alert.agency.code)} ${format("ticket_returned_alert", { ago: fmtDuration(alert.over_s), reason: alert.return_reason })} ` }),
    seen, error);
}

function alertItem(alert, open) {
  if (alert.phase === "returned") return returnedItem(alert, open);
  const error = el("span", { class: "error" });
  const act = (how) => el("button", { type: "button", class: "small", text: t(`ticket_escalate_${how}`),
    dataset: { testid: `escalate-${how}` },
    on: { click: () => escalate(alert, how).catch((e) => { error.textContent = e.message; }) } });
  return el("li", { class: alert.escalations ? "seen" : "new", dataset: { ticket: alert.ticket_id, phase: alert.phase } },
    el("button", { type: "button", class: "link", text: `#${alert.incident_id}`, on: { click: () => open(alert.incident_id) } }),
    el("span", { text: ` ${agencyName(alert.agency.code)} · ${t(`opd_overdue_${alert.phase}`)} · ${format("over_by", { time: fmtDuration(alert.over_s) })} ` }),
    alert.escalations ? el("span", { class: "hint", text: format("ticket_escalated", { n: alert.escalations }) }) : null,
    ["resent", "phoned", "noted"].map(act), error,
    resentLinks.has(alert.ticket_id) ? linkBox(resentLinks.get(alert.ticket_id)) : null);
}

let openIncident = () => {};
const heardReturns = new Set(); // returned tickets that already sounded

/** Ask for the overdue tickets now and redraw their bar. */
export async function loadTicketAlerts() {
  await catalogue();
  const { items } = await api("/api/v1/tickets/overdue");
  const returned = items.filter((a) => a.phase === "returned" && !heardReturns.has(a.ticket_id));
  for (const alert of returned) heardReturns.add(alert.ticket_id);
  if (returned.length) chime();
  const bar = byId("ticket-alerts");
  replace(bar, el("h2", { text: format("ticket_alerts_heading", { n: items.length }) }),
    el("ul", {}, items.map((a) => alertItem(a, openIncident))));
  bar.hidden = !items.length;
}

/** Show the overdue tickets above the console's tabs and keep them current; `open(id)` opens an incident. */
export function initTicketAlerts({ open }) {
  openIncident = open;
  const bar = el("section", { class: "alerts", id: "ticket-alerts", dataset: { testid: "ticket-alerts" }, hidden: true });
  byId("alerts").after(bar);
  const tick = () => loadTicketAlerts().catch((error) => console.warn(error)).finally(() => setTimeout(tick, INTERVAL_MS));
  tick();
}
