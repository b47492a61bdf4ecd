/*
 * Hints while typing: after the learner stops typing for a moment (draftIdleMs), the unsent draft
 * goes over the socket as draft.analyze; the server's draft.hint for the newest draft fills a quiet
 * meter (how much reacting, understanding and inviting the draft holds so far) and at most one
 * hint. An answer to an older draft is dropped. The learner can turn hints off (remembered in this
 * browser). Nothing of the draft is kept here beyond the textarea itself.
 */

const STORAGE_KEY = "empathycamp.hints";

export class DraftHints {
  /**
   * els: the composer's textarea (input), the hint area (box, meter, text) and the toggle;
   * constants: events.page_constants(); send(message) returns whether it went; canSend() says
   * whether drafts make sense now (the conversation open, connected).
   */
  constructor(els, { constants, send, canSend }) {
    this.els = els;
    this.type = constants.client.draftAnalyze;
    this.idleMs = constants.draftIdleMs;
    this.minChars = constants.draftMinChars;
    this.send = send;
    this.canSend = canSend;
    this.latest = null; // the draft_id of the newest draft sent
    this.sentText = "";
    this.timer = null;
    this.enabled = readEnabled();
    els.toggle.checked = this.enabled;
    els.toggle.addEventListener("change", () => {
      this.enabled = els.toggle.checked;
      writeEnabled(this.enabled);
      if (!this.enabled) this.clear();
      else this.schedule();
    });
    els.input.addEventListener("input", () => this.schedule());
  }

  /** The learner typed: read the draft once they pause. */
  schedule() {
    clearTimeout(this.timer);
    if (!this.enabled) return;
    this.timer = setTimeout(() => this.sendDraft(), this.idleMs);
  }

  sendDraft() {
    const text = this.els.input.value;
    if (text.trim().length < this.minChars) {
      this.clear();
      return;
    }
    if (text === this.sentText || !this.canSend()) return;
    const draftId = newId();
    if (this.send({ type: this.type, draft_id: draftId, text })) {
      this.latest = draftId;
      this.sentText = text;
    }
  }

  /** The server's draft.hint: shown only for the newest draft, and only while there is a draft. */
  onHint(event) {
    if (!this.enabled || event.draft_id !== this.latest || !this.els.input.value.trim()) return;
    const levels = event.levels;
    if (!levels) {
      this.hide();
      return;
    }
    const total = (levels.er || 0) + (levels.ip || 0) + (levels.ex || 0);
    this.els.meter.value = total;
    this.els.meter.textContent = total + " of 6";
    this.els.text.textContent = event.hint || "Nothing to add — send it when it feels right.";
    this.els.box.dataset.blocker = event.blocker || "";
    this.els.box.hidden = false;
  }

  /** The draft was sent (or emptied): its hint goes with it. */
  clear() {
    clearTimeout(this.timer);
    this.latest = null;
    this.sentText = "";
    this.hide();
  }

  hide() {
    this.els.box.hidden = true;
    this.els.text.textContent = "";
  }
}

function newId() {
  if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
  return String(Date.now()) + Math.random().toString(16).slice(2);
}

function readEnabled() {
  try {
    return window.localStorage.getItem(STORAGE_KEY) !== "off";
  } catch (e) {
    return true;
  }
}

function writeEnabled(on) {
  try {
    window.localStorage.setItem(STORAGE_KEY, on ? "on" : "off");
  } catch (e) {
    /* private mode: the choice lasts for this page only */
  }
}
