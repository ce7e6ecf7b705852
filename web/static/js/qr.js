// QR codes of links (a responder's, a caller's), drawn by the app. The link is posted, never put in an
// image's URL: it is a credential, and URLs end up in logs.
import { el } from "./dom.js";

const CSRF = () => document.querySelector('meta[name="csrf-token"]')?.content || "";

/** An <img> that shows the QR code of `text` once the app has drawn it. */
export function qrImage(text, alt, className) {
  const img = el("img", { alt, class: className });
  fetch("/console/qr.svg", {
    method: "POST", credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": CSRF() },
    body: JSON.stringify({ text }),
  }).then((answer) => (answer.ok ? answer.blob() : null))
    .then((svg) => { if (svg) img.src = URL.createObjectURL(svg); })
    .catch(() => {});  // offline: the link itself is shown beside it
  return img;
}
