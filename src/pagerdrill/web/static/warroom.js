// The war room: draws the session from GET /api/sessions/{id}, then follows the WebSocket.
import {ArchitectureMap} from "/static/archmap.js";
import {Dashboards} from "/static/dashboard.js";
import {EditorPane} from "/static/editor.js";
import {AlertFeed, Channel, Objectives, renderPage} from "/static/panels.js";
import {openTerminal} from "/static/terminal.js";
import {api, el, formatDuration, formatT, replaceChildren, sessionIdFromPath} from "/static/util.js";

const TICK_MS = 5000;
const MAX_EXTRAPOLATION_S = 15; // the clock runs ahead of the server this far at most
const sessionId = sessionIdFromPath();

const $ = (id) => document.getElementById(id);

let socket = null;
let reconnectAttempt = 0;
let reconnectTimer = null;
let finished = false;
let fatal = false;
let terminal;
let editor;
let candidates = [];
let diagnosis = null;
const clock = {t: 0, impact: 0, served: true, speed: 1, at: performance.now(), shown: 0};

const dashboards = new Dashboards($("dashboards"));
const objectives = new Objectives($("objectives"), $("objectives-count"));
const alerts = new AlertFeed($("alerts"), $("alerts-count"));
const channel = new Channel($("chat"));
const archmap = new ArchitectureMap($("archmap"), $("map-summary"));

// -- connection ---------------------------------------------------------------------

function send(message) {
  if (!socket || socket.readyState !== WebSocket.OPEN || finished) return false;
  socket.send(JSON.stringify(message));
  return true;
}

function setConnection(kind, text) {
  $("connection").className = `connection ${kind}`;
  $("connection-text").textContent = text;
}

function banner(text, tone = "", link = null) {
  const box = $("banner");
  if (!text) {
    box.hidden = true;
    return;
  }
  replaceChildren(box, text, link ? [" ", el("a", {href: link.href}, link.text)] : null);
  box.className = `banner ${tone}`;
  box.hidden = false;
}

let bannerTimer = null;
function flashBanner(text, tone = "", ms = 6000) {
  banner(text, tone);
  clearTimeout(bannerTimer);
  bannerTimer = setTimeout(() => { if (!finished && !fatal) banner(""); }, ms);
}

async function load() {
  let state;
  try {
    state = await api(`/api/sessions/${encodeURIComponent(sessionId)}`);
  } catch (err) {
    if (err.status === 404 || err.status === 403) {
      fatal = true;
      setConnection("down", "no such drill");
      banner("This drill does not exist here, or it belongs to another player.", "error",
        {href: "/", text: "Back to the catalog"});
      terminal.disc.enabled = false;
      return;
    }
    setConnection("down", err.status ? "server error" : "offline");
    scheduleReconnect(err.status ? `the server answered: ${err.message}` : err.message);
    return;
  }
  drawAll(state);
  if (state.finished) {
    finish(state.debrief_url, false);
    return;
  }
  connect();
}

function connect() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const ws = new WebSocket(`${scheme}://${location.host}/ws/${encodeURIComponent(sessionId)}`);
  socket = ws;
  setConnection("", "connecting");
  ws.addEventListener("open", () => {
    if (socket !== ws) return;
    reconnectAttempt = 0;
    setConnection("live", "live");
    if (!finished && !fatal) banner("");
    terminal.disc.setOnline(true);
    sendTick();
  });
  ws.addEventListener("message", (event) => {
    if (socket !== ws) return;
    let message;
    try { message = JSON.parse(event.data); } catch { return; }
    handle(message);
  });
  ws.addEventListener("close", (event) => {
    if (socket !== ws) return;
    socket = null;
    terminal.disc.setOnline(false);
    if (finished || fatal) return;
    setConnection("down", "disconnected");
    if (editor.isOpen) {
      // With no socket left the server quits the editor without saving: say so.
      editor.close();
      channel.add(clock.shown, "pagerdrill",
        "The connection dropped while the editor was open: the file was not saved.", "system bad");
    }
    scheduleReconnect(event.reason); // e.g. the server's "cross-origin WebSocket refused"
  });
}

function scheduleReconnect(reason) {
  clearTimeout(reconnectTimer);
  const delay = Math.min(15000, 500 * 2 ** reconnectAttempt) * (0.8 + Math.random() * 0.4);
  reconnectAttempt += 1;
  const seconds = Math.max(1, Math.round(delay / 1000));
  banner(`Connection lost${reason ? ` (${reason})` : ""}: trying again in ${seconds}s… Your drill is saved on the server.`);
  reconnectTimer = setTimeout(load, delay);
}

function sendTick() {
  if (document.visibilityState === "visible") send({type: "tick"});
}

// -- messages -----------------------------------------------------------------------

function handle(m) {
  const disc = terminal.disc;
  switch (m.type) {
    case "batch": (m.messages || []).forEach(handle); break;
    case "output": disc.output(m.data); break;
    case "prompt": disc.showPrompt(m.prompt, Boolean(m.continuation)); break;
    case "completions": disc.completions(m.line, m.matches || []); break;
    case "event": handleEvent(m.event); break;
    case "metrics": dashboards.append(m.points || {}); break;
    case "state": applyState(m); break;
    case "game": gameReply(m.command, m.output); break;
    case "editor": editor.open(m.path, m.content); break;
    case "ended": finish(m.debrief_url, true); break;
    case "error":
      flashBanner(m.message, "error", 8000);
      disc.failed();
      break;
    default: break;
  }
}

function handleEvent(e) {
  if (!e) return;
  switch (e.kind) {
    case "alert":
      alerts.update(e);
      break;
    case "chat":
      channel.add(e.t, e.author, e.text);
      break;
    case "objective":
      objectives.update(e);
      channel.add(e.t, "pagerdrill",
        `${e.met ? "✓ Objective met" : "✗ Objective lost"} (${e.objective_kind}): ${e.description}`,
        `system ${e.met ? "good" : "bad"}`);
      break;
    case "trap":
      channel.add(e.t, "pagerdrill", `⚠ ${e.description}: ${e.consequence}`, "system bad");
      flashBanner(`⚠ ${e.description}: ${e.consequence}`, "error", 10000);
      break;
    case "ended":
      channel.add(e.t, "pagerdrill", `Drill over: ${e.outcome} (${e.reason}).`, "system");
      break;
    default: break;
  }
}

function applyState(s) {
  if (typeof s.t === "number") setClock(s.t, s.impact_s, s.users_served, s.speed);
  if (s.architecture !== undefined) archmap.render(s.architecture);
  if (Array.isArray(s.objectives)) objectives.render(s.objectives);
  if (Array.isArray(s.alerts)) alerts.render(s.alerts, true);
  if (s.hints) setHints(s.hints);
  if (s.diagnosis !== undefined) setDiagnosis(s.diagnosis);
  if (s.finished && !finished) {
    finished = true;
    terminal.disc.enabled = false;
    document.body.classList.add("finished");
  }
}

function gameReply(command, output) {
  const text = (output || "").replace(/\n+$/, "");
  if (!text) return;
  const verb = (command || "").split(" ")[0];
  if (verb === "hint") {
    channel.add(clock.shown, "pagerdrill", text, "system hint");
  } else if (verb === "diagnose") {
    const result = $("diagnose-result");
    result.textContent = text;
    result.className = "diagnose-result";
    channel.add(clock.shown, "pagerdrill", text, "system");
  } else {
    channel.add(clock.shown, "pagerdrill", text, "system");
  }
}

// -- drawing ------------------------------------------------------------------------

function drawAll(s) {
  finished = Boolean(s.finished);
  document.body.classList.toggle("finished", finished);
  $("scenario-title").textContent = s.scenario.title;
  const difficulty = $("scenario-difficulty");
  difficulty.textContent = s.scenario.difficulty;
  difficulty.className = `badge ${s.scenario.difficulty}`;
  document.title = `${s.page.severity ? s.page.severity.toUpperCase() + ": " : ""}${s.scenario.title} · pagerdrill`;
  renderPage(s.page);
  objectives.render(s.objectives || []);
  alerts.render(s.alerts || []);
  channel.render(s.chat || []);
  dashboards.render(s.metrics || []);
  archmap.render(s.architecture);
  candidates = s.candidates || [];
  setHints(s.hints || {used: 0, total: 0, given: []});
  setDiagnosis(s.diagnosis || null);
  clock.shown = 0;
  setClock(s.t, s.impact_s, s.users_served, s.speed);

  // The terminal: everything it showed, then the line the player was typing (a reconnect).
  const disc = terminal.disc;
  const typing = disc.busy ? "" : disc.text();
  const history = disc.history;
  terminal.clear();
  if (Array.isArray(s.history)) disc.setHistory(s.history);
  else if (history.length) disc.setHistory(history); // a reconnect: this page's own
  else disc.setHistory(inputsFrom(s.terminal || "", s.continuation ? "" : s.prompt || ""));
  disc.replay(s.terminal || "", s.prompt || "", Boolean(s.continuation));
  disc.enabled = !finished;
  if (typing) disc.insert(typing);
}

/** A reload: the lines typed at the shell's prompt, read back from what the terminal showed. */
function inputsFrom(text, prompt) {
  if (!prompt) return [];
  return text.split("\n").filter((line) => line.startsWith(prompt)).map((line) => line.slice(prompt.length));
}

function setHints(h) {
  const button = $("hint-button");
  button.textContent = h.total ? `Hint ${h.used}/${h.total}` : "Hint";
  button.disabled = finished || (h.total > 0 && h.used >= h.total);
  button.title = h.used >= h.total ? "No more hints" : "Take the next hint (it costs points)";
}

function setDiagnosis(d) {
  diagnosis = d;
  const button = $("diagnose-button");
  button.textContent = d ? (d.correct ? "Diagnosed ✓" : "Diagnose again…") : "Diagnose…";
  const result = $("diagnose-result");
  if (d && result.textContent) result.className = `diagnose-result ${d.correct ? "good" : "bad"}`;
}

function setClock(t, impact, served, speed) {
  clock.t = t;
  clock.impact = impact ?? clock.impact;
  clock.served = served ?? clock.served;
  clock.speed = speed ?? clock.speed;
  clock.at = performance.now();
  drawClock();
}

function drawClock() {
  const running = !finished && socket && socket.readyState === WebSocket.OPEN &&
    document.visibilityState === "visible";
  const elapsed = running ? Math.min(MAX_EXTRAPOLATION_S, (performance.now() - clock.at) / 1000) * clock.speed : 0;
  let t = clock.t + elapsed;
  // Never tick backwards by a little (a server update slightly behind the interpolation).
  if (t < clock.shown && clock.shown - t < 3) t = clock.shown;
  clock.shown = t;
  $("clock").textContent = formatT(t);
  const impact = clock.impact + (clock.served ? 0 : Math.max(0, t - clock.t));
  const box = $("impact");
  box.classList.toggle("served", clock.served);
  $("impact-value").textContent = clock.served
    ? (impact ? `${formatDuration(impact)} · served` : "none")
    : `${formatDuration(impact)} ▲`;
  box.title = clock.served
    ? `Users are served again (${formatDuration(impact)} of impact in total)`
    : `Users have not been served for ${formatDuration(impact)} so far, and counting`;
}

function finish(url, navigate) {
  finished = true;
  document.body.classList.add("finished");
  terminal.disc.enabled = false;
  setConnection("", "drill over");
  clearTimeout(reconnectTimer);
  const target = url || `/debrief/${encodeURIComponent(sessionId)}`;
  if (navigate) {
    banner("The drill is over. Opening the debrief…", "ok", {href: target, text: "Go now"});
    if (socket) socket.close();
    setTimeout(() => location.assign(target), 1200);
  } else {
    banner("This drill is over.", "ok", {href: target, text: "See the debrief"});
  }
}

// -- buttons and dialogs ------------------------------------------------------------

function wireControls() {
  $("hint-button").addEventListener("click", () => {
    if (!send({type: "game", command: "hint"})) flashBanner("Not connected yet.");
  });

  const diagnoseDialog = $("diagnose-dialog");
  $("diagnose-button").addEventListener("click", () => {
    const list = $("candidates");
    replaceChildren(list, candidates.map((c, i) => el("label", {},
      el("input", {type: "radio", name: "candidate", value: String(c.number), required: true,
                   checked: diagnosis && diagnosis.number === c.number ? true : (i === 0 && !diagnosis)}),
      el("span", {class: "n"}, `${c.number}.`),
      el("span", {}, c.text))));
    if (!candidates.length) replaceChildren(list, el("p", {class: "empty"}, "No candidates."));
    diagnoseDialog.showModal();
    const checked = list.querySelector("input:checked") || list.querySelector("input");
    if (checked) checked.focus();
  });
  $("diagnose-cancel").addEventListener("click", () => diagnoseDialog.close());
  $("diagnose-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const chosen = $("diagnose-form").querySelector("input[name=candidate]:checked");
    if (!chosen) return;
    const result = $("diagnose-result");
    if (send({type: "game", command: `diagnose ${chosen.value}`})) {
      result.textContent = "Checking…";
      result.className = "diagnose-result";
    } else {
      result.textContent = "Not connected: try again in a moment.";
    }
  });
  diagnoseDialog.addEventListener("close", () => terminal.focus());

  const endDialog = $("end-dialog");
  $("end-button").addEventListener("click", () => {
    endDialog.showModal();
    $("end-cancel").focus();
  });
  $("end-cancel").addEventListener("click", () => endDialog.close());
  $("end-form").addEventListener("submit", (event) => {
    event.preventDefault();
    if (send({type: "game", command: "end"})) endDialog.close();
    else flashBanner("Not connected: the drill cannot end right now.", "error");
  });
  endDialog.addEventListener("close", () => { if (!finished) terminal.focus(); });
}

function boot() {
  terminal = openTerminal($("terminal"), {send, notify: (text) => flashBanner(text)});
  editor = new EditorPane({send, done: () => terminal.focus()});
  wireControls();
  document.querySelector(".skip-link").addEventListener("click", (event) => {
    event.preventDefault();
    terminal.focus();
  });
  setInterval(() => { if (!finished) sendTick(); }, TICK_MS);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") sendTick();
  });
  setInterval(drawClock, 250);
  terminal.focus();
  load();
}

boot();
