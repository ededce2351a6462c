// The debrief: grade, outcome, the player's timeline over the metrics, the expert path, the share card.
import {PAGE_MARKER, chartOptions, toSeries} from "/static/dashboard.js";
import {api, copyText, el, formatDuration, formatT, replaceChildren, sessionIdFromPath} from "/static/util.js";

const sessionId = sessionIdFromPath();
const $ = (id) => document.getElementById(id);
const COLOURS = ["#58a6ff", "#3fb950", "#d29922", "#bc8cff", "#39c5cf", "#ff7b72"];

const OUTCOME_WORDS = {
  resolved: "Resolved: users are served and the root cause is gone.",
  mitigated: "Mitigated: users are served, but the root cause is still there.",
  unresolved: "Unresolved: users are still affected.",
  failed: "Failed: an action caused damage the drill cannot recover from.",
};
const END_REASONS = {
  "end": "you ended the drill",
  "all-objectives": "every objective was met",
  "trap": "a fatal action ended it",
  "exit": "you logged out",
  "time-limit": "the time ran out",
};

let highlight = null; // the timeline entry being hovered: its marker is drawn bold, labelled
const plots = [];

function when(t) {
  return t === null || t === undefined ? "never" : `${formatDuration(t)} after the page`;
}

function paragraphs(text) {
  return (text || "").trim().split(/\n\s*\n/).map((block) => el("p", {}, block.split(/\s+/).join(" ")));
}

function renderHero(r) {
  $("title").textContent = r.title;
  document.title = `Debrief: ${r.title} · pagerdrill`;
  const difficulty = $("difficulty");
  difficulty.textContent = r.difficulty || "";
  difficulty.className = `badge ${r.difficulty || ""}`;
  difficulty.hidden = !r.difficulty;
  const grade = $("grade");
  grade.textContent = r.score.grade;
  grade.className = `grade big ${r.score.grade.charAt(0)}`;
  grade.setAttribute("aria-label", `Grade ${r.score.grade}`);
  $("score").textContent = String(r.score.total);
  const outcome = $("outcome");
  outcome.textContent = r.outcome;
  outcome.className = `badge ${r.outcome}`;
  const reason = END_REASONS[r.end_reason] ? ` The drill ended because ${END_REASONS[r.end_reason]}.` : "";
  $("outcome-text").textContent = (OUTCOME_WORDS[r.outcome] || r.outcome) + reason;
  const destructive = r.traps.filter((t) => t.destructive).length;
  const numbers = [
    ["Time to mitigate", r.time_to_mitigate === null ? "never" : formatDuration(r.time_to_mitigate),
     r.time_to_mitigate === null ? "bad" : "good"],
    ["Time to resolve", r.time_to_resolve === null ? "never" : formatDuration(r.time_to_resolve),
     r.time_to_resolve === null ? "bad" : "good"],
    ["User impact", formatDuration(r.user_impact), r.user_impact > 0 ? "bad" : "good"],
    ["Drill length", formatDuration(r.duration), ""],
    ["Hints used", `${r.hints_used}/${r.hints_total}`, ""],
    ["Destructive actions", String(destructive), destructive ? "bad" : "good"],
  ];
  replaceChildren($("numbers"), numbers.map(([label, value, tone]) =>
    el("div", {class: tone}, el("dt", {}, label), el("dd", {}, value))));
}

/** Everything that happened, in time order: commands, objectives met, traps. */
function timelineEntries(r) {
  const entries = r.timeline.map((e) => ({
    t: e.t, text: e.input, kind: e.game_command ? "game" : e.exit_status ? "failed" : "command",
    status: e.exit_status,
  }));
  for (const o of r.objectives) {
    if (o.met_at !== null && o.met_at !== undefined) {
      entries.push({t: o.met_at, text: `✓ ${o.kind}: ${o.description}`, kind: "objective"});
    }
  }
  for (const trap of r.traps) entries.push({t: trap.t, text: `⚠ ${trap.description}`, kind: "trap"});
  return entries.sort((a, b) => a.t - b.t);
}

function markerColour(entry) {
  if (entry.kind === "trap") return "#f85149";
  if (entry.kind === "objective") return "#3fb950";
  if (entry.kind === "game") return "#a371f7";
  return "rgba(201, 209, 217, 0.28)";
}

function renderOverlay(r, entries) {
  const markers = () => [PAGE_MARKER, ...entries.map((e) => ({
    x: e.t / 60,
    colour: e === highlight ? "#ffd33d" : markerColour(e),
    width: e === highlight ? 2 : 1,
    label: e === highlight ? e.text.slice(0, 48) : null,
  }))];
  // One x range for every chart: the drill, with some of the history before the page.
  const drill = Math.max(r.duration / 60, 0.5);
  const firstPoint = Math.min(0, ...r.metrics.filter((m) => m.points.length).map((m) => m.points[0][0] / 60));
  const span = {from: Math.max(firstPoint, -Math.max(1, drill * 0.35)), to: drill};
  const charts = $("charts");
  replaceChildren(charts);
  if (!r.metrics.length) charts.appendChild(el("p", {class: "dim"}, "This system has no metrics."));
  r.metrics.forEach((metric, i) => {
    const plotBox = el("div", {class: "chart-plot"});
    const figure = el("figure", {class: "chart", "aria-label": metric.title},
      el("figcaption", {class: "chart-head"}, el("span", {}, metric.title)), plotBox);
    charts.appendChild(figure);
    const options = chartOptions(metric, {
      width: Math.max(plotBox.clientWidth, 200),
      height: 130,
      colour: COLOURS[i % COLOURS.length],
      markers,
      from: span.from,
      to: span.to,
    });
    plots.push({plot: new window.uPlot(options, toSeries(metric.points), plotBox), box: plotBox});
  });
  new ResizeObserver(() => {
    for (const {plot, box} of plots) {
      const width = Math.max(box.clientWidth, 200);
      if (width !== plot.width) plot.setSize({width, height: 130});
    }
  }).observe(charts);

  const list = $("timeline");
  replaceChildren(list, entries.map((e) => {
    const item = el("li", {class: e.kind, tabindex: "0"},
      el("span", {class: "t"}, formatT(e.t)),
      el("span", {class: "cmd"}, e.text,
        e.kind === "failed" ? el("span", {class: "status", title: "exit status"}, `[${e.status}]`) : null));
    const on = () => { highlight = e; redrawPlots(); };
    const off = () => { if (highlight === e) { highlight = null; redrawPlots(); } };
    item.addEventListener("mouseenter", on);
    item.addEventListener("focus", on);
    item.addEventListener("mouseleave", off);
    item.addEventListener("blur", off);
    return item;
  }));
  if (!entries.length) list.appendChild(el("li", {class: "dim"}, el("span"), el("span", {}, "You ran no commands.")));
}

function redrawPlots() {
  for (const {plot} of plots) plot.redraw(false, false);
}

function renderExpert(r) {
  replaceChildren($("expert"), r.expert_path.map((step) =>
    el("li", {}, el("code", {}, step.command), el("div", {class: "why"}, step.why))));
  replaceChildren($("summary"), paragraphs(r.summary));
  replaceChildren($("takeaway"), r.takeaway.trim());
}

function renderObjectives(r) {
  replaceChildren($("objectives"), r.objectives.map((o) => {
    let detail = o.met_at !== null && o.met_at !== undefined ? `met ${formatT(o.met_at)}` : "not met";
    if (o.lost_at && o.lost_at.length) detail += `, lost ${o.lost_at.map(formatT).join(", ")}`;
    if (o.met_at !== null && !o.met) detail += " (not holding at the end)";
    return el("li", {class: o.met ? "met" : "missed"},
      el("span", {class: "mark", "aria-label": o.met ? "met" : "not met"}, o.met ? "✓" : "✗"),
      el("span", {class: "kind"}, o.kind), o.description, el("span", {class: "when"}, detail));
  }));
}

function renderDiagnosis(r) {
  const d = r.diagnosis;
  if (!d) {
    replaceChildren($("diagnosis"), el("div", {class: "diagnosis-box wrong"},
      el("p", {}, "You did not declare a root cause (the Diagnose button in the war room).")));
    return;
  }
  const tries = d.first_try ? "first try" : `${d.attempts} attempt${d.attempts === 1 ? "" : "s"}`;
  replaceChildren($("diagnosis"), el("div", {class: `diagnosis-box ${d.correct ? "right" : "wrong"}`},
    el("p", {}, el("strong", {}, d.correct ? "Right" : "Wrong"), ` (${tries}): you declared `,
      el("em", {}, d.text)),
    d.correct ? null : el("p", {}, "The root cause: ", el("strong", {}, d.right_answer)),
    d.explanation ? el("p", {class: "dim"}, d.explanation) : null));
}

function renderTraps(r) {
  if (!r.traps.length) {
    replaceChildren($("traps"), el("li", {}, "None: nothing you did made things worse."));
    return;
  }
  replaceChildren($("traps"), r.traps.map((trap) =>
    el("li", {class: trap.destructive ? "destructive" : ""},
      el("span", {class: "t"}, formatT(trap.t)),
      trap.destructive ? el("span", {class: "badge critical"}, "destructive") : null,
      trap.fatal ? el("span", {class: "badge critical"}, "fatal") : null,
      " ", el("strong", {}, trap.description), ": ", trap.consequence)));
}

function renderScore(r) {
  const rows = r.score.parts.map((p) => el("tr", {},
    el("td", {}, p.label),
    el("td", {class: "points"}, p.max_points ? `${p.points}/${p.max_points}` : String(p.points)),
    el("td", {}, p.detail)));
  rows.push(el("tr", {class: "total"}, el("td", {}, el("strong", {}, "Total")),
    el("td", {class: "points"}, el("strong", {}, `${r.score.total}/100`)),
    el("td", {}, `grade ${r.score.grade}`)));
  replaceChildren($("score-parts"), rows);
}

function wireShare(r) {
  const box = $("share");
  box.value = r.share;
  box.rows = Math.min(12, Math.max(4, r.share.split("\n").length + 1));
  $("copy-share").addEventListener("click", async () => {
    const ok = await copyText(box.value, box);
    $("copy-status").textContent = ok ? "Copied to the clipboard." : "Select the text and copy it.";
  });
  const again = $("play-again");
  again.addEventListener("click", async () => {
    again.disabled = true;
    try {
      const created = await api("/api/sessions", {method: "POST", body: {scenario: r.scenario_id}});
      location.assign(created.url);
    } catch (err) {
      $("again-error").textContent = err.message;
      again.disabled = false;
    }
  });
}

async function load() {
  const status = $("status");
  let report;
  try {
    report = await api(`/api/sessions/${encodeURIComponent(sessionId)}/debrief`);
  } catch (err) {
    status.classList.add("error");
    if (err.status === 409) {
      replaceChildren(status, "This drill is still running. ",
        el("a", {href: `/play/${encodeURIComponent(sessionId)}`}, "Back to the war room"));
    } else if (err.status === 404) {
      replaceChildren(status, "This drill does not exist here, or it belongs to another player. ",
        el("a", {href: "/"}, "Back to the catalog"));
    } else {
      status.textContent = `Could not load the debrief: ${err.message}`;
    }
    $("title").textContent = "Debrief";
    return;
  }
  status.hidden = true;
  $("report").hidden = false;
  renderHero(report);
  renderExpert(report);
  renderOverlay(report, timelineEntries(report));
  renderObjectives(report);
  renderDiagnosis(report);
  renderTraps(report);
  renderScore(report);
  wireShare(report);
}

load();
