// The catalog: every scenario as a card, today's challenge, the player's name and device link.
import {api, copyText, el, replaceChildren} from "/static/util.js";

const statusBox = document.getElementById("status");

function showStatus(message, isError = false) {
  statusBox.hidden = !message;
  statusBox.textContent = message || "";
  statusBox.classList.toggle("error", isError);
}

function gradeBadge(grade) {
  return grade
    ? el("span", {class: `grade ${grade.charAt(0)}`, title: `Your best grade: ${grade}`}, grade)
    : el("span", {class: "dim"}, "not played yet");
}

/** Starts a drill and goes to its war room; the button shows progress and errors. */
async function start(button, body, errorSlot) {
  button.disabled = true;
  const label = button.textContent;
  button.textContent = "Starting…";
  errorSlot.textContent = "";
  try {
    const created = await api("/api/sessions", {method: "POST", body});
    location.assign(created.url);
  } catch (err) {
    errorSlot.textContent = err.message;
    button.disabled = false;
    button.textContent = label;
  }
}

function scenarioCard(scenario) {
  const errorSlot = el("p", {class: "error", role: "alert"});
  const headingId = `scenario-${scenario.id}`;
  const play = el("button", {class: "primary", type: "button", "aria-describedby": headingId}, "Play");
  play.addEventListener("click", () => start(play, {scenario: scenario.id}, errorSlot));
  return el("li", {},
    el("article", {class: "card", "aria-labelledby": headingId},
      el("h3", {id: headingId}, scenario.title),
      el("div", {class: "meta"},
        el("span", {class: `badge ${scenario.difficulty}`}, scenario.difficulty),
        el("span", {}, `~${scenario.estimated_minutes} min`),
        el("span", {class: "mono"}, scenario.id)),
      el("p", {class: "teaser"}, scenario.teaser),
      el("div", {class: "foot"},
        el("span", {class: "best"}, "Best:", gradeBadge(scenario.best_grade)),
        play),
      errorSlot));
}

function dailyCard(daily, scenario) {
  const errorSlot = el("p", {class: "error", role: "alert"});
  const play = el("button", {class: "primary", type: "button"},
    daily.played ? "Play again (practice)" : "Play today's challenge");
  play.addEventListener("click", () => start(play, {daily: true}, errorSlot));
  return el("article", {class: "card"},
    el("div", {class: "meta"},
      el("span", {class: "date"}, daily.number ? `#${daily.number} · ${daily.date}` : daily.date),
      el("span", {class: `badge ${daily.difficulty}`}, daily.difficulty),
      scenario ? el("span", {}, `~${scenario.estimated_minutes} min`) : null),
    el("h3", {}, daily.title),
    scenario ? el("p", {class: "teaser"}, scenario.teaser) : null,
    el("p", {class: "dim"},
      "The same incident, same seed, for everyone today: compare grades with the share card."),
    el("div", {class: "foot"},
      el("span", {class: "best"}, daily.played ? "Your grade today:" : "Not played yet",
        daily.played ? gradeBadge(daily.grade) : null),
      play),
    errorSlot);
}

function renderPlayer(player) {
  const nameInput = document.getElementById("player-name");
  nameInput.value = player.name || "";
  const link = document.getElementById("device-link");
  link.value = player.device_link ? new URL(player.device_link, location.origin).href : "";
}

function wirePlayerForm() {
  const form = document.getElementById("name-form");
  const input = document.getElementById("player-name");
  const status = document.getElementById("name-status");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const name = input.value.trim();
    if (!name) {
      status.textContent = "Type a name first (1-40 characters).";
      return;
    }
    status.textContent = "Saving…";
    try {
      const saved = await api("/api/player", {method: "POST", body: {name}});
      input.value = saved.name;
      status.textContent = "Saved.";
    } catch (err) {
      status.textContent = err.message;
    }
  });
  const copy = document.getElementById("copy-device");
  const link = document.getElementById("device-link");
  const deviceStatus = document.getElementById("device-status");
  copy.addEventListener("click", async () => {
    deviceStatus.textContent = (await copyText(link.value, link)) ? "Copied." : "Select the link and copy it.";
  });
}

async function load() {
  wirePlayerForm();
  let catalog;
  try {
    catalog = await api("/api/catalog");
  } catch (err) {
    showStatus(`Could not load the incidents: ${err.message}`, true);
    return;
  }
  showStatus("");
  renderPlayer(catalog.player);
  if (catalog.daily) {
    const scenario = catalog.scenarios.find((s) => s.id === catalog.daily.scenario);
    replaceChildren(document.getElementById("daily"), dailyCard(catalog.daily, scenario));
    document.getElementById("daily-section").hidden = false;
  }
  replaceChildren(document.getElementById("scenarios"), catalog.scenarios.map(scenarioCard));
  if (!catalog.scenarios.length) showStatus("No scenarios are installed.");
}

load();
