// Small helpers shared by the three pages. Everything the server sends is data,
// so elements are built with textContent and attributes, never innerHTML.

/** An element: el("div", {class: "x", title: "y"}, "text", child, ...). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on") && typeof value === "function") {
      node.addEventListener(key.slice(2), value);
    } else node.setAttribute(key, value === true ? "" : String(value));
  }
  append(node, children);
  return node;
}

/** Appends strings (as text nodes), nodes and nested arrays of them. */
export function append(node, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(node, child);
    else if (child instanceof Node) node.appendChild(child);
    else node.appendChild(document.createTextNode(String(child)));
  }
  return node;
}

/** Replaces a node's children. */
export function replaceChildren(node, ...children) {
  node.replaceChildren();
  return append(node, children);
}

export class ApiError extends Error {
  constructor(status, message, retryAfter) {
    super(message);
    this.status = status;
    this.retryAfter = retryAfter;
  }
}

/** fetch() a JSON API; a 4xx/5xx becomes an ApiError carrying the server's {"error"} text. */
export async function api(path, {method = "GET", body} = {}) {
  const init = {method, credentials: "same-origin", headers: {Accept: "application/json"}};
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (err) {
    throw new ApiError(0, `the server cannot be reached: ${err.message}`);
  }
  let data = null;
  const type = response.headers.get("Content-Type") || "";
  if (type.includes("json")) {
    try { data = await response.json(); } catch { data = null; }
  }
  if (!response.ok) {
    const message = data && typeof data.error === "string"
      ? data.error : `${response.status} ${response.statusText}`;
    throw new ApiError(response.status, message, response.headers.get("Retry-After"));
  }
  return data;
}

/** A time since the page as the game shows it: +04:10, +1:02:03, -00:30 (as format_t). */
export function formatT(seconds) {
  const sign = seconds < 0 ? "-" : "+";
  const total = Math.trunc(Math.abs(seconds));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const secs = total % 60;
  const two = (n) => String(n).padStart(2, "0");
  return hours ? `${sign}${hours}:${two(minutes)}:${two(secs)}` : `${sign}${two(minutes)}:${two(secs)}`;
}

/** 45s, 12m05s, 1h02m (as format_duration). */
export function formatDuration(seconds) {
  const total = Math.trunc(seconds);
  if (total < 60) return `${total}s`;
  if (total < 3600) return `${Math.floor(total / 60)}m${String(total % 60).padStart(2, "0")}s`;
  return `${Math.floor(total / 3600)}h${String(Math.floor((total % 3600) / 60)).padStart(2, "0")}m`;
}

const BYTE_UNITS = {B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3};
const PREFIXES = ["B", "KiB", "MiB", "GiB", "TiB"];

/** A gauge reading with its unit, byte units scaled (as the game's format_value). */
export function formatValue(value, unit) {
  if (value === null || value === undefined || Number.isNaN(value)) return "–";
  if (unit in BYTE_UNITS) {
    value *= BYTE_UNITS[unit];
    let step = 0;
    while (Math.abs(value) >= 1024 && step < PREFIXES.length - 1) {
      value /= 1024;
      step += 1;
    }
    unit = PREFIXES[step];
  }
  const number = Math.abs(value) >= 100 ? value.toFixed(0) : value.toFixed(1);
  return unit === "%" ? `${number}%` : `${number} ${unit}`.trimEnd();
}

/** Copies text, with a fallback for pages without the async clipboard (plain http). */
export async function copyText(text, fallbackField) {
  if (navigator.clipboard && window.isSecureContext) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch { /* fall through */ }
  }
  if (fallbackField) {
    fallbackField.focus();
    fallbackField.select();
    try { return document.execCommand("copy"); } catch { return false; }
  }
  return false;
}

/** A stable colour for a chat author, from a small palette that reads on the dark theme. */
export function authorColour(name) {
  const palette = ["#7aa2f7", "#9ece6a", "#e0af68", "#bb9af7", "#7dcfff", "#f7768e", "#73daca", "#ff9e64"];
  let hash = 0;
  for (const ch of name) hash = (hash * 31 + ch.codePointAt(0)) >>> 0;
  return palette[hash % palette.length];
}

/** The session id from /play/{id} or /debrief/{id}. */
export function sessionIdFromPath() {
  const parts = location.pathname.split("/").filter(Boolean);
  return decodeURIComponent(parts[parts.length - 1] || "");
}
