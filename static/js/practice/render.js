/*
 * Everything the page shows, drawn from the conversation: the message list (messages.js), the
 * thought bubble, the coaching panel, the wellbeing card, the summary, the typing indicator and
 * the error banner. It reads the conversation and never changes it.
 */

import { clear, h } from "./dom.js";
import { renderBubble } from "./feelings.js";
import { ChatList } from "./messages.js";
import { renderSummary } from "./summary.js";

export class PracticeView {
  /**
   * els: the page's elements (main.js); model: the Conversation; mechanisms and resources: from
   * the server's constants; onRetry(turnId): send a retry, returns whether it went.
   */
  constructor(els, { model, personaName, mechanisms, resources, onRetry }) {
    this.els = els;
    this.model = model;
    this.personaName = personaName;
    this.mechanisms = mechanisms;
    this.chat = new ChatList(els.messages, {
      model,
      personaName,
      mechanisms,
      onRetry,
      onOffline: () => this.error("You're offline right now. Retry once the connection is back."),
    });
    fillWellbeing(els, resources);
  }

  /** The whole conversation, touching only what changed. */
  renderAll() {
    this.chat.sync(this.model.turns, this.model.pendingTurns());
    this.typing();
  }

  showTurn(turn) {
    this.chat.show(turn);
  }

  replyText(turn) {
    this.chat.setText(turn);
  }

  removeUnsaved(clientId) {
    this.chat.removeUnsaved(clientId);
  }

  refreshPending() {
    this.chat.refreshPending(this.model.pendingTurns());
  }

  feelings(emotions) {
    renderBubble(this.els.bubble, emotions);
  }

  /** The coaching panel, about the turn `turnId`. */
  guidance(turnId, guidance) {
    if (!guidance) return;
    const el = this.els;
    el.guidanceEmpty.hidden = true;
    el.guidanceBody.hidden = false;
    el.guidancePanel.dataset.turnId = turnId;
    el.guidanceWorked.textContent = guidance.worked || "Keep going — every reply is practice.";
    el.guidanceTry.textContent = guidance.try_next || "";
    el.guidanceRewrite.textContent = guidance.rewrite || "";
    el.guidanceRewrite.hidden = !guidance.rewrite;
  }

  showWellbeing() {
    show(this.els.wellbeing);
  }

  hideWellbeing() {
    this.els.wellbeing.hidden = true;
  }

  summary(summary) {
    if (!summary) return;
    renderSummary(this.els.summaryBody, summary, { mechanisms: this.mechanisms, personaName: this.personaName });
    show(this.els.summary);
  }

  typing() {
    let text = "";
    if (this.model.anyStreaming()) text = this.personaName + " is typing…";
    else if (this.model.working()) text = this.personaName + " is reading your message…";
    this.els.typing.hidden = !text;
    this.els.typingText.textContent = text;
  }

  /** Show `message` in the error banner (an empty one clears it). */
  error(message) {
    const el = this.els;
    clear(el.errors);
    if (!message) return;
    const note = h("p", { className: "practice-errors__message" }, [message]);
    const dismiss = h("button", { type: "button", className: "button button--link", text: "Dismiss" });
    dismiss.addEventListener("click", () => {
      clear(el.errors);
      el.input.focus();
    });
    el.errors.appendChild(h("div", { className: "practice-errors__item" }, [note, dismiss]));
  }
}

/** Unhide a card, and move focus to it when it appears. */
function show(card) {
  const wasHidden = card.hidden;
  card.hidden = false;
  if (wasHidden) card.focus();
}

/** The wellbeing card's words, as the server words them (wellbeing.WELLBEING_RESOURCES). */
function fillWellbeing(el, resources) {
  el.wellbeingTitle.textContent = resources.title;
  el.wellbeingBody.textContent = resources.body;
  el.wellbeingContinue.textContent = resources.continue_label;
  clear(el.wellbeingResources);
  for (const line of resources.lines) {
    el.wellbeingResources.appendChild(h("li", null, [h("strong", { text: line.title }), " — ", line.text]));
  }
}
