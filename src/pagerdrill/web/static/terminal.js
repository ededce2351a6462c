// The xterm.js terminal of the war room, driven by the line discipline.
import {LineDiscipline} from "/static/linedisc.js";

const THEME = {
  background: "#0a0d12",
  foreground: "#d6dde6",
  cursor: "#58a6ff",
  cursorAccent: "#0a0d12",
  selectionBackground: "#264f78",
  black: "#484f58",
  red: "#ff7b72",
  green: "#3fb950",
  yellow: "#d29922",
  blue: "#58a6ff",
  magenta: "#bc8cff",
  cyan: "#39c5cf",
  white: "#b1bac4",
  brightBlack: "#6e7681",
  brightRed: "#ffa198",
  brightGreen: "#56d364",
  brightYellow: "#e3b341",
  brightBlue: "#79c0ff",
  brightMagenta: "#d2a8ff",
  brightCyan: "#56d4dd",
  brightWhite: "#f0f6fc",
};

/**
 * Opens the terminal in `host`. `send` delivers protocol messages (false when not connected).
 * Returns {term, disc, focus()}.
 */
export function openTerminal(host, {send, notify}) {
  const term = new window.Terminal({
    cursorBlink: true,
    fontFamily: getComputedStyle(document.documentElement).getPropertyValue("--mono").trim() || "monospace",
    fontSize: 13,
    lineHeight: 1.15,
    scrollback: 5000,
    theme: THEME,
    allowProposedApi: false,
    macOptionIsMeta: true,
  });
  const fit = new window.FitAddon.FitAddon();
  term.loadAddon(fit);
  term.open(host);
  term.write("\x1b[?2004h"); // bracketed paste: a multi-line paste arrives marked as one

  const disc = new LineDiscipline({
    write: (data) => term.write(data),
    cols: () => term.cols,
    send,
    notify,
  });

  term.attachCustomKeyEventHandler((event) => {
    if (event.type !== "keydown") return true;
    const key = event.key.toLowerCase();
    // Shift-Tab leaves the terminal (Tab itself completes): keyboard-only play.
    if (event.key === "Tab" && event.shiftKey) return false;
    // Copy a selection with Ctrl-C / Ctrl-Shift-C / Cmd-C; paste with Ctrl-V / Ctrl-Shift-V.
    if ((event.ctrlKey || event.metaKey) && key === "c" && (event.shiftKey || event.metaKey || term.hasSelection())) {
      return false;
    }
    if ((event.ctrlKey || event.metaKey) && key === "v") return false;
    return true;
  });
  term.onData((data) => disc.feed(data));

  const refit = () => {
    if (!host.offsetWidth || !host.offsetHeight) return;
    const cols = term.cols;
    try { fit.fit(); } catch { return; }
    if (term.cols !== cols) disc.resized();
  };
  new ResizeObserver(() => requestAnimationFrame(refit)).observe(host);
  refit();

  return {
    term,
    disc,
    focus: () => term.focus(),
    /** Clears everything (a reconnect redraws from the server's state). */
    clear: () => {
      term.reset();
      term.write("\x1b[?2004h");
      disc.reset();
    },
  };
}
