// The terminal's line discipline: the browser edits the line, the server gets whole lines.
//
// This module knows nothing of xterm or WebSockets: it reads keystroke data (as xterm's
// onData gives it), writes terminal escape sequences through `write`, and sends protocol
// messages through `send`. While a command runs ("busy", from Enter until the next
// prompt) keystrokes are queued and replayed at the prompt, as a real tty would.

const CSI_FINAL = /[@-~]/;
const ANSI = /\x1b\[[0-?]*[ -\/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g;
const PASTE_START = "\x1b[200~";
const PASTE_END = "\x1b[201~";
const LITERAL_TAB = "\u0000tab"; // a tab inside a paste: text, not completion

/** Columns a code point takes in a terminal (wide East Asian/emoji 2, combining 0). */
function charWidth(cp) {
  if (cp < 32 || (cp >= 0x7f && cp < 0xa0)) return cp === 9 ? 1 : 0;
  if ((cp >= 0x300 && cp <= 0x36f) || (cp >= 0x200b && cp <= 0x200f) || cp === 0xfe0f) return 0;
  if ((cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf && cp !== 0x303f) ||
      (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) ||
      (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
      (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x1f300 && cp <= 0x1faff) ||
      (cp >= 0x20000 && cp <= 0x3fffd)) return 2;
  return 1;
}

/** Display width of text, escape sequences excluded. */
export function textWidth(text) {
  let width = 0;
  for (const ch of text.replace(ANSI, "")) width += charWidth(ch.codePointAt(0));
  return width;
}

/** `\n` line ends as a terminal wants them (`\r\n`), existing `\r\n` kept. */
export function toCrlf(text) {
  return text.replace(/\r?\n/g, "\r\n");
}

/** Splits keystroke data into keys: escape sequences, single characters, pastes. */
export function tokenize(data) {
  const tokens = [];
  let i = 0;
  while (i < data.length) {
    if (data.startsWith(PASTE_START, i)) {
      const end = data.indexOf(PASTE_END, i + PASTE_START.length);
      const stop = end < 0 ? data.length : end;
      tokens.push(...pasteTokens(data.slice(i + PASTE_START.length, stop)));
      i = end < 0 ? data.length : end + PASTE_END.length;
      continue;
    }
    const ch = data[i];
    if (ch === "\x1b" && i + 1 < data.length) {
      const next = data[i + 1];
      if (next === "[") {
        let j = i + 2;
        while (j < data.length && !CSI_FINAL.test(data[j])) j++;
        tokens.push(data.slice(i, j + 1));
        i = j + 1;
      } else if (next === "O") {
        tokens.push(data.slice(i, i + 3));
        i += 3;
      } else {
        tokens.push(data.slice(i, i + 2)); // Alt-<key>
        i += 2;
      }
      continue;
    }
    if (ch === "\n" && i > 0 && data[i - 1] === "\r") {
      i += 1; // "\r\n" is one Enter
      continue;
    }
    const one = String.fromCodePoint(data.codePointAt(i));
    tokens.push(one);
    i += one.length;
  }
  return tokens;
}

function pasteTokens(text) {
  const tokens = [];
  const normalised = text.replace(/\r\n?/g, "\n");
  for (const ch of normalised) {
    if (ch === "\n") tokens.push("\r");
    else if (ch === "\t") tokens.push(LITERAL_TAB);
    else if (ch.codePointAt(0) >= 32 && ch !== "\x7f") tokens.push(ch);
  }
  return tokens;
}

function isWordChar(ch) {
  return /[\p{L}\p{N}_]/u.test(ch);
}

/** Bash's completion listing: column-major, each column as wide as the longest item + 2. */
export function formatCompletionList(matches, cols) {
  const names = matches.map((m) => {
    if (!m.includes("/") || m === "/") return m;
    const dir = m.endsWith("/");
    const parts = m.replace(/\/+$/, "").split("/");
    return parts[parts.length - 1] + (dir ? "/" : "");
  });
  const widest = Math.max(...names.map(textWidth)) + 2;
  const perRow = Math.max(1, Math.floor(cols / widest));
  const rows = Math.ceil(names.length / perRow);
  const lines = [];
  for (let r = 0; r < rows; r++) {
    let line = "";
    for (let c = 0; c < perRow; c++) {
      const k = r + c * rows;
      if (k >= names.length) break;
      const last = r + (c + 1) * rows >= names.length;
      line += last ? names[k] : names[k] + " ".repeat(widest - textWidth(names[k]));
    }
    lines.push(line);
  }
  return lines.join("\r\n");
}

function commonPrefix(words) {
  let prefix = words[0];
  for (const w of words.slice(1)) {
    let k = 0;
    while (k < prefix.length && k < w.length && prefix[k] === w[k]) k++;
    prefix = prefix.slice(0, k);
  }
  return prefix;
}

export class LineDiscipline {
  /**
   * @param {object} io
   * @param {(data: string) => void} io.write  terminal output (escape sequences allowed)
   * @param {() => number} io.cols  the terminal's width in columns
   * @param {(message: object) => boolean} io.send  a protocol message; false if not sent
   * @param {(text: string) => void} [io.notify]  a status line for the player
   */
  constructor({write, cols, send, notify}) {
    this.write = write;
    this.cols = cols;
    this.send = send;
    this.notify = notify || (() => {});
    this.prompt = "";
    this.promptTail = ""; // the prompt's last line: what a redraw repeats
    this.continuation = false;
    this.line = []; // code points as strings
    this.cursor = 0;
    this.history = [];
    this.historyPos = 0;
    this.draft = null;
    this.killed = "";
    this.busy = true; // until the first prompt
    this.eofPending = false; // Ctrl-D sent to psql/redis-cli, its answer not yet here
    this.shellPrompt = "";
    this.completing = null; // the line sent with Tab, until its completions arrive
    this.completionTimer = null;
    this.queue = [];
    this.enabled = true;
    this.online = false; // the socket is open: until then keystrokes wait in the queue
    this.col = 0; // column where the next server text lands
    this.base = 0; // column where the prompt's last line starts
    this.cursorRow = 0; // rows from the prompt's last line down to the cursor
  }

  // -- server side -------------------------------------------------------------

  /** Everything the terminal showed so far (a reload), ending at `prompt`. */
  replay(text, prompt, continuation) {
    const before = prompt && text.endsWith(prompt) ? text.slice(0, text.length - prompt.length) : text;
    this.writeServer(before);
    this.busy = true;
    this.showPrompt(prompt, continuation);
  }

  /** Output of a command (or anything the server prints). */
  output(data) {
    if (!data) return;
    this.eofPending = false;
    if (this.busy) {
      this.writeServer(data);
      return;
    }
    // Text that arrives while the player is typing goes above the line, which is redrawn.
    this.eraseInput();
    this.writeServer(data.endsWith("\n") ? data : data + "\n");
    this.base = this.col;
    this.cursorRow = 0;
    this.write(this.promptTail);
    this.drawLineFromPromptEnd();
  }

  /** The server is ready for the next line. */
  showPrompt(prompt, continuation) {
    if (this.busy && this.eofPending && prompt === this.prompt) {
      this.busy = false; // Ctrl-D changed nothing: the prompt on screen stands
    }
    this.eofPending = false;
    if (!this.busy) {
      // Already at a prompt (e.g. after Ctrl-C, which draws its own): redraw in place if changed.
      if (prompt !== this.prompt) {
        this.eraseInput();
        this.setPrompt(prompt, continuation);
        this.write(this.promptTail);
        this.drawLineFromPromptEnd();
      }
      this.continuation = continuation;
      return;
    }
    this.busy = false;
    this.setPrompt(prompt, continuation);
    const head = prompt.slice(0, prompt.length - this.promptTail.length);
    this.writeServer(head);
    this.base = this.col;
    this.cursorRow = 0;
    this.write(this.promptTail);
    this.drawLineFromPromptEnd();
    this.drain();
  }

  /** Tab's answer. */
  completions(line, matches) {
    if (this.completing === null) return;
    const asked = this.completing;
    this.completing = null;
    clearTimeout(this.completionTimer);
    if (line === asked && asked === this.beforeCursor()) this.applyCompletion(line, matches);
    this.drain();
  }

  /** A server error (rate limit, too large): if a line was waiting, the prompt comes back. */
  failed() {
    if (this.completing !== null) {
      this.completing = null;
      clearTimeout(this.completionTimer);
    }
    if (this.busy && this.prompt) {
      this.busy = false;
      if (this.col) this.write("\r\n");
      this.col = 0;
      this.base = 0;
      this.cursorRow = 0;
      this.write(this.promptTail);
      this.drawLineFromPromptEnd();
    }
    this.drain();
  }

  setHistory(lines) {
    this.history = lines.filter((l) => l.trim() !== "");
    this.historyPos = this.history.length;
    this.draft = null;
  }

  /** After the terminal was cleared and is being redrawn from the server's state. */
  reset() {
    this.busy = true;
    this.eofPending = false;
    this.queue = [];
    this.completing = null;
    clearTimeout(this.completionTimer);
    this.col = 0;
    this.base = 0;
    this.cursorRow = 0;
  }

  // -- keyboard side ------------------------------------------------------------

  /** Keystroke data from the terminal. */
  feed(data) {
    if (!this.enabled) return;
    for (const token of tokenize(data)) {
      if (token === "\x03" && (this.busy || this.completing !== null)) {
        this.queue = []; // Ctrl-C while a command runs: drop the typeahead, tell the server
        this.send({type: "interrupt"});
        continue;
      }
      this.queue.push(token);
    }
    this.drain();
  }

  /** The socket opened (keys typed meanwhile are handled now) or closed. */
  setOnline(online) {
    this.online = online;
    this.drain();
  }

  drain() {
    while (this.enabled && this.online && !this.busy && this.completing === null && this.queue.length) {
      this.key(this.queue.shift());
    }
  }

  key(token) {
    switch (token) {
      case "\r": case "\n": return this.enter();
      case "\x7f": case "\b": return this.backspace();
      case "\x1b[3~": case "\x04":
        if (token === "\x04" && this.line.length === 0) return this.eof();
        return this.deleteForward();
      case "\t": return this.tab();
      case LITERAL_TAB: return this.insert("\t");
      case "\x03": return this.interrupt();
      case "\x0c": return this.clearScreen();
      case "\x01": case "\x1b[H": case "\x1bOH": case "\x1b[1~": case "\x1b[7~": return this.moveTo(0);
      case "\x05": case "\x1b[F": case "\x1bOF": case "\x1b[4~": case "\x1b[8~": return this.moveTo(this.line.length);
      case "\x02": case "\x1b[D": case "\x1bOD": return this.moveTo(this.cursor - 1);
      case "\x06": case "\x1b[C": case "\x1bOC": return this.moveTo(this.cursor + 1);
      case "\x1bb": case "\x1b[1;5D": case "\x1b[1;3D": return this.moveTo(this.wordLeft());
      case "\x1bf": case "\x1b[1;5C": case "\x1b[1;3C": return this.moveTo(this.wordRight());
      case "\x10": case "\x1b[A": case "\x1bOA": return this.historyStep(-1);
      case "\x0e": case "\x1b[B": case "\x1bOB": return this.historyStep(1);
      case "\x15": return this.kill(0, this.cursor);
      case "\x0b": return this.kill(this.cursor, this.line.length);
      case "\x17": return this.kill(this.wordRubout(), this.cursor);
      case "\x1bd": return this.kill(this.cursor, this.wordRight());
      case "\x19": return this.insert(this.killed);
      default:
        if (token.length && token[0] !== "\x1b" && token.codePointAt(0) >= 32) return this.insert(token);
        return undefined; // other control keys and unknown sequences do nothing
    }
  }

  beforeCursor() {
    return this.line.slice(0, this.cursor).join("");
  }

  text() {
    return this.line.join("");
  }

  enter() {
    const line = this.text();
    if (!this.send({type: "input", line})) {
      this.notify("Not connected: the line is kept, press Enter again once reconnected.");
      return;
    }
    this.moveToEnd();
    this.write("\r\n");
    if (line.trim() !== "" && this.history[this.history.length - 1] !== line) this.history.push(line);
    this.historyPos = this.history.length;
    this.draft = null;
    this.line = [];
    this.cursor = 0;
    this.col = 0;
    this.busy = true;
  }

  interrupt() {
    this.moveToEnd();
    this.write("^C\r\n");
    this.send({type: "interrupt"});
    this.line = [];
    this.cursor = 0;
    this.historyPos = this.history.length;
    this.draft = null;
    // Bash drops a half-typed continuation too: back to the main prompt, which the
    // server confirms with its own prompt (redrawn in place if it differs).
    this.col = 0;
    this.base = 0;
    this.cursorRow = 0;
    if (this.continuation && this.shellPrompt) this.setPrompt(this.shellPrompt, false);
    this.write(this.promptTail);
  }

  eof() {
    if (!this.send({type: "eof"})) return;
    if (this.shellPrompt && this.prompt !== this.shellPrompt && !this.continuation) {
      // Leaving psql/redis-cli: its goodbye follows the prompt (Ctrl-D echoes nothing),
      // then the shell's prompt. At the shell the same prompt simply comes back.
      this.col = (this.base + textWidth(this.promptTail)) % this.cols();
      this.busy = true;
      this.eofPending = true;
    }
  }

  insert(text) {
    if (!text) return;
    const chars = Array.from(text);
    const atEnd = this.cursor === this.line.length;
    this.line.splice(this.cursor, 0, ...chars);
    this.cursor += chars.length;
    if (atEnd && !chars.some((c) => c === "\t" || charWidth(c.codePointAt(0)) !== 1)) {
      this.write(chars.join(""));
      const end = this.base + textWidth(this.promptTail) + this.width(this.line);
      if (end % this.cols() === 0) this.write(" \r\x1b[K"); // leave the pending-wrap column
      this.cursorRow = Math.floor(end / this.cols());
    } else {
      this.redraw();
    }
  }

  backspace() {
    if (this.cursor === 0) return;
    this.line.splice(this.cursor - 1, 1);
    this.cursor -= 1;
    this.redraw();
  }

  deleteForward() {
    if (this.cursor >= this.line.length) return;
    this.line.splice(this.cursor, 1);
    this.redraw();
  }

  kill(from, to) {
    if (to <= from) return;
    this.killed = this.line.slice(from, to).join("");
    this.line.splice(from, to - from);
    this.cursor = from;
    this.redraw();
  }

  wordLeft() {
    let k = this.cursor;
    while (k > 0 && !isWordChar(this.line[k - 1])) k--;
    while (k > 0 && isWordChar(this.line[k - 1])) k--;
    return k;
  }

  wordRight() {
    let k = this.cursor;
    while (k < this.line.length && !isWordChar(this.line[k])) k++;
    while (k < this.line.length && isWordChar(this.line[k])) k++;
    return k;
  }

  /** Ctrl-W: back to the previous whitespace, as readline's unix-word-rubout. */
  wordRubout() {
    let k = this.cursor;
    while (k > 0 && /\s/.test(this.line[k - 1])) k--;
    while (k > 0 && !/\s/.test(this.line[k - 1])) k--;
    return k;
  }

  moveTo(position) {
    const target = Math.max(0, Math.min(this.line.length, position));
    if (target === this.cursor) return;
    this.cursor = target;
    this.placeCursor();
  }

  historyStep(step) {
    const next = this.historyPos + step;
    if (next < 0 || next > this.history.length) return;
    if (this.historyPos === this.history.length) this.draft = this.text();
    this.historyPos = next;
    const text = next === this.history.length ? this.draft || "" : this.history[next];
    this.line = Array.from(text);
    this.cursor = this.line.length;
    this.redraw();
  }

  tab() {
    const before = this.beforeCursor();
    if (!this.send({type: "complete", line: before})) return;
    this.completing = before;
    clearTimeout(this.completionTimer);
    this.completionTimer = setTimeout(() => {
      this.completing = null;
      this.drain();
    }, 4000);
  }

  applyCompletion(line, matches) {
    if (!matches.length) return;
    const words = line.split(/\s+/).filter(Boolean);
    const current = !words.length || /\s$/.test(line) ? "" : words[words.length - 1];
    const insertAt = (word) => {
      const addition = word.startsWith(current) ? word.slice(current.length) : null;
      if (addition === null) {
        // The candidate rewrites the word (e.g. ~ expanded): replace it.
        const start = this.cursor - Array.from(current).length;
        this.line.splice(start, this.cursor - start, ...Array.from(word));
        this.cursor = start + Array.from(word).length;
        this.redraw();
      } else {
        this.insert(addition);
      }
    };
    if (matches.length === 1) {
      const only = matches[0];
      insertAt(only.endsWith("/") ? only : only + " ");
      return;
    }
    const prefix = commonPrefix(matches);
    if (prefix.length > current.length && prefix.startsWith(current)) {
      insertAt(prefix);
      return;
    }
    // Ambiguous: list the candidates under the line and draw the prompt again, as bash does.
    this.moveToEnd();
    this.write("\r\n" + formatCompletionList(matches, this.cols()) + "\r\n");
    this.col = 0;
    this.base = 0;
    this.cursorRow = 0;
    this.write(this.promptTail);
    this.drawLineFromPromptEnd();
  }

  clearScreen() {
    this.write("\x1b[H\x1b[2J");
    this.base = 0;
    this.cursorRow = 0;
    this.write(this.promptTail);
    this.drawLineFromPromptEnd();
  }

  /** The terminal changed width: rows of a wrapped line moved. */
  resized() {
    if (this.busy) return;
    const pw = textWidth(this.promptTail);
    this.cursorRow = Math.floor((this.base + pw + this.width(this.line.slice(0, this.cursor))) / this.cols());
  }

  // -- drawing ------------------------------------------------------------------

  setPrompt(prompt, continuation) {
    this.prompt = prompt;
    this.continuation = continuation;
    const nl = prompt.lastIndexOf("\n");
    this.promptTail = nl < 0 ? prompt : prompt.slice(nl + 1);
    // bash's prompt (user@host:dir# ), not psql's or redis-cli's: Ctrl-C and Ctrl-D go back to it.
    if (!continuation && /@\S*:.*[#$] $/.test(prompt.replace(ANSI, ""))) this.shellPrompt = prompt;
  }

  /** Writes server text, tracking the column where it ends. */
  writeServer(text) {
    if (!text) return;
    this.write(toCrlf(text));
    const cut = Math.max(text.lastIndexOf("\n"), text.lastIndexOf("\r"));
    const tail = cut < 0 ? text : text.slice(cut + 1);
    const start = cut < 0 ? this.col : 0;
    const width = start + textWidth(tail);
    const cols = this.cols();
    this.col = width === 0 ? 0 : width % cols;
  }

  width(chars) {
    let w = 0;
    for (const c of chars) w += c === "\t" ? 1 : charWidth(c.codePointAt(0));
    return w;
  }

  shown(chars) {
    return chars.map((c) => (c === "\t" ? " " : c)).join("");
  }

  /** Moves to where the prompt's last line starts and erases from there down. */
  eraseInput() {
    let out = this.cursorRow > 0 ? `\x1b[${this.cursorRow}A` : "";
    out += "\r" + (this.base > 0 ? `\x1b[${this.base}C` : "") + "\x1b[J";
    this.write(out);
    this.cursorRow = 0;
    this.col = this.base;
  }

  /** Redraws prompt and line from the prompt's start, then puts the cursor in place. */
  redraw() {
    this.eraseInput();
    this.write(this.promptTail);
    this.drawLineFromPromptEnd();
  }

  /** With the cursor just after the prompt: writes the line and places the cursor. */
  drawLineFromPromptEnd() {
    const cols = this.cols();
    const pw = textWidth(this.promptTail);
    const end = this.base + pw + this.width(this.line);
    let out = this.shown(this.line);
    if (end > 0 && end % cols === 0) out += " \r\x1b[K";
    out += "\x1b[J";
    this.write(out);
    this.cursorRow = Math.floor(end / cols);
    this.placeCursor();
  }

  /** Moves the terminal cursor from its tracked row to `this.cursor`. */
  placeCursor() {
    const cols = this.cols();
    const offset = this.base + textWidth(this.promptTail) + this.width(this.line.slice(0, this.cursor));
    const row = Math.floor(offset / cols);
    const col = offset % cols;
    let out = "";
    if (row < this.cursorRow) out += `\x1b[${this.cursorRow - row}A`;
    else if (row > this.cursorRow) out += `\x1b[${row - this.cursorRow}B`;
    out += "\r" + (col > 0 ? `\x1b[${col}C` : "");
    this.write(out);
    this.cursorRow = row;
  }

  moveToEnd() {
    this.cursor = this.line.length;
    this.placeCursor();
  }
}
