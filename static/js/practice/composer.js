/*
 * The composer: the textarea, its character counter (and what a screen reader hears of it), Enter
 * to send and Shift+Enter for a new line, and the Send button.
 */

import { charLength } from "./text.js";

export class Composer {
  /**
   * model: the Conversation (isOpen, session.status); onSubmit(text) sends a turn; onError(message)
   * shows a message in the error banner ("" clears it).
   */
  constructor(els, { maxChars, model, onSubmit, onError }) {
    this.els = els;
    this.maxChars = maxChars;
    this.model = model;
    this.onSubmit = onSubmit;
    this.onError = onError;
    this.lastAnnounced = "";

    els.form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      this.submit();
    });
    els.input.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing && ev.keyCode !== 229) {
        ev.preventDefault();
        this.submit();
      }
    });
    els.input.addEventListener("input", () => {
      this.update();
      this.announceLength();
    });
  }

  /** Bring the counter and the controls in line with the text and the session. */
  update() {
    const el = this.els;
    const length = charLength(el.input.value);
    el.count.textContent = String(length);
    const over = length > this.maxChars;
    el.counter.classList.toggle("composer__counter--over", over);
    el.input.setAttribute("aria-invalid", over ? "true" : "false");
    const open = this.model.isOpen();
    el.input.disabled = !open;
    el.send.disabled = !open || over || !el.input.value.trim();
    el.form.classList.toggle("composer--closed", !open);
    // An ended conversation has nothing to write to: the summary takes the composer's place.
    el.form.hidden = this.model.session.status === "completed";
  }

  focus() {
    this.els.input.focus();
  }

  /** Put refused words back for the learner to edit, unless they have started something new. */
  giveBack(text) {
    if (!this.els.input.value.trim()) this.els.input.value = text;
    this.update();
  }

  submit() {
    const text = this.els.input.value.trim();
    if (!text || !this.model.isOpen()) return;
    if (charLength(text) > this.maxChars) {
      this.onError("That message is too long — please keep it under " + this.maxChars + " characters.");
      return;
    }
    this.onError("");
    this.onSubmit(text);
    this.els.input.value = "";
    this.update();
  }

  announceLength() {
    const length = charLength(this.els.input.value);
    const max = this.maxChars;
    let message = "";
    if (length > max) message = "Your message is " + (length - max) + " characters over the " + max + " limit.";
    else if (length > max - 100) message = max - length + " characters left.";
    if (message && message !== this.lastAnnounced) this.els.announce.textContent = message;
    this.lastAnnounced = message;
  }
}
