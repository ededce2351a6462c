// The editor pane: nano/vim in the simulated shell open the file here, over the terminal.

export class EditorPane {
  /** `send` delivers protocol messages; `done` is called when the pane closes. */
  constructor({send, done}) {
    this.send = send;
    this.done = done;
    this.box = document.getElementById("editor");
    this.path = document.getElementById("editor-path");
    this.text = document.getElementById("editor-text");
    this.original = "";
    document.getElementById("editor-save").addEventListener("click", () => this.save());
    document.getElementById("editor-close").addEventListener("click", () => this.cancel());
    this.box.addEventListener("keydown", (event) => {
      if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "s") {
        event.preventDefault();
        this.save();
      } else if (event.key === "Escape") {
        event.preventDefault();
        this.cancel();
      }
    });
    // Tab types a tab (config files need them); Shift-Tab still reaches Save and Close.
    this.text.addEventListener("keydown", (event) => {
      if (event.key === "Tab" && !event.shiftKey && !event.ctrlKey && !event.altKey && !event.metaKey) {
        event.preventDefault();
        this.text.setRangeText("\t", this.text.selectionStart, this.text.selectionEnd, "end");
      }
    });
  }

  get isOpen() {
    return !this.box.hidden;
  }

  open(path, content) {
    this.path.textContent = path;
    this.text.value = content;
    this.original = content;
    this.box.hidden = false;
    this.text.focus();
    this.text.setSelectionRange(0, 0);
    this.text.scrollTop = 0;
  }

  save() {
    if (!this.isOpen) return;
    if (this.send({type: "editor_save", content: this.text.value})) this.close();
  }

  cancel() {
    if (!this.isOpen) return;
    if (this.send({type: "editor_cancel"})) this.close();
  }

  /** Closes without telling the server (a reconnect redraws from the server's state). */
  close() {
    this.box.hidden = true;
    this.done();
  }
}
