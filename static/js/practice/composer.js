/*
 * The composer: the textarea, its character counter (and what a screen reader hears of it), Enter
 * to send and Shift+Enter for a new line, the Send button, and Wrap up with its inline
 * confirmation ("End the conversation now?"), never a browser dialog.
 */

import { charLength } from "./text.js";

export class Composer {
  /**
   * model: the Conversation (isOpen, canWrapUp, wrappingUp, session.status); onSubmit(text) sends
   * a turn; onWrapUp() asks to end the conversation and returns whether the request went;
   * onError(message) shows a message in the error banner ("" clears it).
   */
  constructor(els, { maxChars, maxTurns = 0, personaName = "", model, onSubmit, onWrapUp, onError }) {
    this.els = els;
    this.maxChars = maxChars;
    this.maxTurns = maxTurns;
    this.personaName = personaName;
    this.model = model;
    this.onSubmit = onSubmit;
    this.onWrapUp = onWrapUp;
    this.onError = onError;
    this.lastAnnounced = "";

    els.wrapUp.addEventListener("click", () => this.askWrapUp());
    els.wrapUpYes.addEventListener("click", () => this.wrapUp());
    els.wrapUpNo.addEventListener("click", () => this.closeConfirm(true));
    els.wrapUpConfirm.addEventListener("keydown", (ev) => {
      if (ev.key === "Escape") {
        ev.preventDefault();
        this.closeConfirm(true);
      }
    });

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
    // While the persona writes its closing line nothing more can be said.
    const open = this.model.isOpen() && !this.model.wrappingUp();
    el.input.disabled = !open;
    el.send.disabled = !open || over || !el.input.value.trim();
    const canWrapUp = this.model.canWrapUp();
    el.wrapUp.disabled = !canWrapUp;
    if (!canWrapUp && this.confirming()) this.closeConfirm(false);
    el.form.classList.toggle("composer--closed", !open);
    this.showTurns(open);
    // An ended conversation has nothing to write to: the summary takes the composer's place.
    el.form.hidden = this.model.session.status === "completed";
  }

  /**
   * Which reply this is of the scenario's maximum: the conversation ends by itself after the last
   * one, and a walkthrough found that a surprise ("the composer locks with no warning").
   */
  showTurns(open) {
    const el = this.els.turns;
    if (!el) return;
    const sent = this.model.turns.filter((t) => t.role === "learner").length;
    el.hidden = !open || !this.maxTurns;
    if (el.hidden) return;
    const next = Math.min(sent + 1, this.maxTurns);
    const last = next === this.maxTurns;
    el.textContent = last
      ? `Last reply: ${this.personaName.split(" ")[0]} says a closing word after it`
      : `Reply ${next} of ${this.maxTurns}`;
    el.classList.toggle("composer__turns--last", last);
  }

  focus() {
    this.els.input.focus();
  }

  /** Put refused words back for the learner to edit, unless they have started something new. */
  giveBack(text) {
    if (!this.els.input.value.trim()) this.els.input.value = text;
    this.update();
  }

  confirming() {
    return !this.els.wrapUpConfirm.hidden;
  }

  /** Wrap up was pressed: ask first, in the composer itself. */
  askWrapUp() {
    if (!this.model.canWrapUp()) return;
    this.els.wrapUp.hidden = true;
    this.els.wrapUpConfirm.hidden = false;
    // Land on the choice that changes nothing: Enter pressed twice must not end the conversation.
    this.els.wrapUpNo.focus();
  }

  /** Hide the question; `refocus` puts the keyboard back on Wrap up (the learner chose to stay). */
  closeConfirm(refocus) {
    const el = this.els;
    el.wrapUpConfirm.hidden = true;
    el.wrapUp.hidden = false;
    if (refocus) (el.wrapUp.disabled ? el.input : el.wrapUp).focus();
  }

  wrapUp() {
    this.closeConfirm(false);
    if (!this.onWrapUp()) {
      this.onError("You're offline right now. Wrap up once the connection is back.");
      this.update();
      return;
    }
    this.onError("");
    this.update();
  }

  submit() {
    const text = this.els.input.value.trim();
    if (!text || !this.model.isOpen() || this.model.wrappingUp()) return;
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
