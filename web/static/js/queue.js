// The officer's queue shows new tickets without a tap: it reloads each minute, but only while it is on screen
// and the officer has not focused a link or field (a timed reload that cannot be held fails WCAG 2.2.1, which
// is why this is not a <meta http-equiv="refresh">).
const PERIOD_MS = 60_000;

setInterval(() => {
  if (document.visibilityState === "visible" && document.activeElement === document.body) location.reload();
}, PERIOD_MS);
