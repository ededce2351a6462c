// The architecture map: components in columns, links as lines, each node coloured by health.
import {el, replaceChildren} from "/static/util.js";

const SVG = "http://www.w3.org/2000/svg";
const NODE_W = 150;
const NODE_H = 46;
const LABEL_CHARS = 24;
const COL_GAP = 44;
const ROW_GAP = 14;
const PAD = 8;

function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

function clip(text, max) {
  return text.length > max ? text.slice(0, max - 1) + "…" : text;
}

/** A label on at most two lines of `width` characters, cut with an ellipsis. */
function wrap(text, width) {
  if (text.length <= width) return [text];
  const words = text.split(" ");
  let first = "";
  while (words.length && (first ? first.length + 1 : 0) + words[0].length <= width) {
    first += (first ? " " : "") + words.shift();
  }
  if (!first) return [clip(text, width)];
  return [first, clip(words.join(" "), width)];
}

/**
 * Node positions: columns left to right, or (`vertical`) top to bottom, which fits a
 * narrow panel better. Returns {place, width, height}.
 */
function layout(components, vertical) {
  const columns = new Map();
  for (const c of components) {
    const key = Number(c.column) || 0;
    if (!columns.has(key)) columns.set(key, []);
    columns.get(key).push(c);
  }
  const order = [...columns.keys()].sort((a, b) => a - b);
  const widest = Math.max(...order.map((k) => columns.get(k).length));
  // Along the flow: one step per column; across it: the components of a column.
  const step = vertical ? NODE_H + ROW_GAP : NODE_W + COL_GAP;
  const across = vertical ? NODE_W + ROW_GAP : NODE_H + ROW_GAP;
  const along = PAD * 2 + (order.length - 1) * step + (vertical ? NODE_H : NODE_W);
  const breadth = PAD * 2 + widest * across - ROW_GAP;
  const place = new Map();
  order.forEach((key, ci) => {
    const list = columns.get(key);
    const span = list.length * across - ROW_GAP;
    const first = PAD + (breadth - 2 * PAD - span) / 2;
    list.forEach((c, ri) => {
      const a = PAD + ci * step;
      const b = first + ri * across;
      place.set(c.id, {c, ci, x: vertical ? b : a, y: vertical ? a : b});
    });
  });
  return vertical ? {place, width: breadth, height: along} : {place, width: along, height: breadth};
}

/** Draws `architecture` ({components, links} or null) into `container`; returns a summary. */
export function renderArchitecture(container, architecture) {
  if (!architecture || !architecture.components || !architecture.components.length) {
    replaceChildren(container, el("p", {class: "empty"}, "No architecture map for this system."));
    return "";
  }
  // The orientation that draws the boxes larger in this panel.
  const boxW = Math.max(container.clientWidth, 1);
  const boxH = Math.max(container.clientHeight, 1);
  const fit = (l) => Math.min(boxW / l.width, boxH / l.height);
  const across = layout(architecture.components, false);
  const down = layout(architecture.components, true);
  const vertical = fit(down) > fit(across);
  const {place, width, height} = vertical ? down : across;

  const root = svg("svg", {viewBox: `0 0 ${width} ${height}`, role: "img",
                           preserveAspectRatio: "xMidYMid meet"});
  const unhealthy = architecture.components.filter((c) => !c.healthy);
  root.appendChild(svg("title", {}, unhealthy.length
    ? `Architecture: ${unhealthy.map((c) => c.label).join(", ")} unhealthy`
    : "Architecture: every component healthy"));

  const links = svg("g", {class: "links"});
  for (const [a, b] of architecture.links || []) {
    const from = place.get(a);
    const to = place.get(b);
    if (!from || !to) continue;
    const bad = !from.c.healthy || !to.c.healthy;
    const [x1, y1, x2, y2] = edge(from, to, vertical);
    links.appendChild(svg("line", {x1, y1, x2, y2, class: bad ? "bad" : "ok"}));
  }
  root.appendChild(links);

  for (const {c, x, y} of place.values()) {
    const g = svg("g", {class: `node ${c.healthy ? "healthy" : "unhealthy"}`});
    g.appendChild(svg("title", {}, `${c.label} (${c.kind}): ${c.healthy ? "healthy" : "UNHEALTHY"}`));
    g.appendChild(svg("rect", {x, y, width: NODE_W, height: NODE_H, rx: 5}));
    g.appendChild(svg("text", {x: x + 8, y: y + 13, class: "kind"},
      clip(`${c.healthy ? "●" : "✖"} ${c.kind}`, 20)));
    const lines = wrap(c.label, LABEL_CHARS);
    lines.forEach((line, i) => {
      g.appendChild(svg("text", {x: x + 8, y: y + (lines.length > 1 ? 26 + i * 13 : 32), class: "label"}, line));
    });
    root.appendChild(g);
  }
  replaceChildren(container, root);
  return unhealthy.length ? `${unhealthy.length} unhealthy` : "all healthy";
}

/** A link's end points: box edge to box edge along the flow, or side by side within a column. */
function edge(from, to, vertical) {
  const cx = (p) => p.x + NODE_W / 2;
  const cy = (p) => p.y + NODE_H / 2;
  if (from.ci === to.ci) {
    if (vertical) {
      const [l, r] = from.x < to.x ? [from, to] : [to, from];
      return [l.x + NODE_W, cy(l), r.x, cy(r)];
    }
    const [t, b] = from.y < to.y ? [from, to] : [to, from];
    return [cx(t), t.y + NODE_H, cx(b), b.y];
  }
  const [first, second] = from.ci < to.ci ? [from, to] : [to, from];
  if (vertical) return [cx(first), first.y + NODE_H, cx(second), second.y];
  return [first.x + NODE_W, cy(first), second.x, cy(second)];
}

export class ArchitectureMap {
  constructor(container, summary) {
    this.container = container;
    this.summary = summary;
    this.last = null;
    this.size = "";
    this.data = null;
    // The orientation depends on the panel's shape: draw again when it changes.
    new ResizeObserver(() => {
      if (this.last !== null && this.size !== this.currentSize()) this.render(this.data);
    }).observe(container);
  }

  currentSize() {
    return `${Math.round(this.container.clientWidth / 40)}x${Math.round(this.container.clientHeight / 40)}`;
  }

  render(architecture) {
    const key = JSON.stringify(architecture);
    if (key === this.last && this.size === this.currentSize()) return; // unchanged
    this.last = key;
    this.size = this.currentSize();
    this.data = architecture;
    this.summary.textContent = renderArchitecture(this.container, architecture);
    // No map for this system: the dashboards get the whole column.
    const panel = this.container.closest(".panel");
    if (panel) panel.hidden = !(architecture && architecture.components && architecture.components.length);
  }
}
