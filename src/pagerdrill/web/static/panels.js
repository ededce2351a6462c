// The war room's text panels: the page, objectives, the alert feed and the incident channel.
import {authorColour, el, formatT, replaceChildren} from "/static/util.js";

export function renderPage(page) {
  document.getElementById("page-title").textContent = page.title;
  document.getElementById("page-text").textContent = page.text;
  const severity = document.getElementById("page-severity");
  severity.textContent = page.severity;
  severity.className = `badge ${page.severity}`;
  document.getElementById("page-source").textContent = page.source ? `via ${page.source}` : "";
}

const KIND_ORDER = {mitigate: 0, resolve: 1, prevent: 2};

export class Objectives {
  constructor(list, counter) {
    this.list = list;
    this.counter = counter;
    this.items = [];
  }

  /** The whole list (on load, and in every state message); a met one that is not met now is lost. */
  render(objectives) {
    const before = new Map(this.items.map((o) => [o.id, o]));
    this.items = objectives.map((o) => {
      const old = before.get(o.id);
      return {...o, lost: !o.met && Boolean(old && (old.met || old.lost))};
    });
    this.draw();
  }

  /** An objective event: met, or (met false) a met one regressed. */
  update(event) {
    const item = this.items.find((o) => o.id === event.objective_id);
    if (!item) return;
    item.met = event.met;
    item.lost = !event.met;
    if (event.met) item.met_at = event.t;
    this.draw();
  }

  draw() {
    // Every state message (each tick) renders the list: touch the DOM only on a change.
    const key = JSON.stringify(this.items);
    if (key === this.drawn) return;
    this.drawn = key;
    const sorted = [...this.items].sort((a, b) => (KIND_ORDER[a.kind] ?? 9) - (KIND_ORDER[b.kind] ?? 9));
    replaceChildren(this.list, sorted.map((o) => el("li", {class: o.met ? "met" : o.lost ? "lost" : ""},
      el("span", {class: "mark", "aria-label": o.met ? "met" : "not met"}, o.met ? "✓" : o.lost ? "✗" : "○"),
      el("span", {class: "kind"}, o.kind),
      el("span", {class: "desc"}, o.description,
        o.met && o.met_at !== null && o.met_at !== undefined
          ? el("span", {class: "when"}, formatT(o.met_at)) : null))));
    if (!this.items.length) replaceChildren(this.list, el("li", {class: "empty"}, "No objectives."));
    const met = this.items.filter((o) => o.met).length;
    this.counter.textContent = `${met}/${this.items.length} met`;
  }
}

function alertRank(a) {
  if (a.state === "firing") return 0;
  if (a.state === "pending") return 1;
  if (a.state === "resolved") return 2;
  return 3;
}

export class AlertFeed {
  constructor(list, counter) {
    this.list = list;
    this.counter = counter;
    this.alerts = new Map();
    this.flashing = new Map(); // name -> until when (performance.now()) its row flashes
  }

  /** The whole feed (on load, and in every state message); changed alerts flash. */
  render(alerts, flash = false) {
    const before = this.alerts;
    this.alerts = new Map();
    const changed = new Set();
    for (const raw of alerts) {
      // The world keeps a resolved alert as "inactive" with its resolved_at time.
      const resolved = raw.state === "inactive" && raw.resolved_at !== null && raw.resolved_at !== undefined;
      const a = {...raw, state: resolved ? "resolved" : raw.state};
      this.alerts.set(a.name, a);
      const old = before.get(a.name);
      if (flash && (!old || old.state !== a.state)) changed.add(a.name);
    }
    this.draw(changed);
  }

  flashUntil(names) {
    const until = performance.now() + 1600;
    for (const name of names) this.flashing.set(name, until);
  }

  /** An alert event: {t, name, severity, summary, state}. */
  update(event) {
    const known = this.alerts.get(event.name) || {fired_at: null, resolved_at: null};
    const next = {...known, name: event.name, severity: event.severity, summary: event.summary,
                  state: event.state};
    if (event.state === "firing") {
      next.fired_at = event.t;
      next.resolved_at = null;
    } else if (event.state === "resolved") {
      next.resolved_at = event.t;
    }
    this.alerts.set(event.name, next);
    this.draw(new Set([event.name]));
  }

  draw(flash) {
    const shown = [...this.alerts.values()]
      .filter((a) => a.state !== "inactive" || a.fired_at !== null)
      .sort((a, b) => alertRank(a) - alertRank(b) ||
        ((b.resolved_at ?? b.fired_at ?? 0) - (a.resolved_at ?? a.fired_at ?? 0)));
    // Every state message (each tick) renders the feed: touch the DOM (and the screen
    // reader's live region) only when something changed.
    this.flashUntil(flash);
    const now = performance.now();
    const lit = new Set(shown.filter((a) => (this.flashing.get(a.name) || 0) > now).map((a) => a.name));
    const key = JSON.stringify([shown, [...lit]]);
    if (key === this.drawn) return;
    this.drawn = key;
    replaceChildren(this.list, shown.map((a) => {
      const times = [];
      if (a.fired_at !== null && a.fired_at !== undefined) times.push(`fired ${formatT(a.fired_at)}`);
      if (a.state === "resolved" && a.resolved_at !== null && a.resolved_at !== undefined) {
        times.push(`resolved ${formatT(a.resolved_at)}`);
      }
      return el("li", {class: `${a.state} ${a.severity}${lit.has(a.name) ? " flash" : ""}`},
        el("div", {class: "alert-row"},
          el("span", {class: `badge ${a.state}`}, a.state),
          el("span", {class: "alert-name"}, a.name)),
        el("div", {class: "alert-summary"}, a.summary),
        el("div", {class: "alert-row"},
          el("span", {class: `severity ${a.severity}`}, a.severity),
          el("span", {class: "alert-times"}, times.join(" · "))));
    }));
    if (!shown.length) replaceChildren(this.list, el("li", {class: "empty"}, "No alerts."));
    const firing = [...this.alerts.values()].filter((a) => a.state === "firing").length;
    this.counter.textContent = firing ? `${firing} firing` : "all clear";
  }
}

export class Channel {
  constructor(list) {
    this.list = list;
  }

  render(messages) {
    replaceChildren(this.list);
    for (const m of messages) this.add(m.t, m.author, m.text, "", false);
    if (!messages.length) {
      this.list.appendChild(el("li", {class: "empty placeholder"}, "No messages yet: your teammates will post here."));
    }
  }

  /** One message; `tone` is "" (a person), or "system" plus "hint"/"good"/"bad". */
  add(t, author, text, tone = "", fresh = true) {
    for (const old of this.list.querySelectorAll(".placeholder")) old.remove();
    const stick = this.list.scrollHeight - this.list.scrollTop - this.list.clientHeight < 40;
    const name = el("span", {class: "author"}, author);
    if (!tone) name.style.color = authorColour(author);
    this.list.appendChild(el("li", {class: `${tone}${fresh ? " new" : ""}`},
      el("span", {class: "t"}, t === null || t === undefined ? "" : formatT(t)),
      el("div", {}, name, el("span", {class: "text"}, text))));
    if (stick || !fresh) this.list.scrollTop = this.list.scrollHeight;
  }
}
