/*
 * Everything the page shows, drawn from the conversation: the message list (messages.js), the
 * thought bubble, the goals (goals.js), the coaching panel, the wellbeing card, the summary, the
 * typing indicator and the error banner. It reads the conversation and never changes it.
 */

import { clear, h } from "./dom.js";
import { renderBubble } from "./feelings.js";
import { GoalsPanel } from "./goals.js";
import { ChatList } from "./messages.js";
import { rewriteNodes, rewriteNote } from "./rewrite.js";
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
    this.goalsPanel = new GoalsPanel({ section: els.goals, list: els.goalsList, announce: els.goalsAnnounce });
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

  /** The scenario's goals, ticked as the session has met them. */
  goals() {
    const session = this.model.session;
    this.goalsPanel.render((session.scenario || {}).goals, session.goals_met);
  }

  /**
   * The coaching panel, about the turn `turnId`: only the parts the server gave (no default praise
   * when it gave none). A wellbeing pause has no coaching: the card speaks (see showWellbeing).
   */
  guidance(turnId, guidance) {
    if (!guidance || guidance.pause) return;
    const el = this.els;
    el.guidanceEmpty.hidden = true;
    el.guidancePaused.hidden = true;
    el.guidanceBody.hidden = false;
    el.guidancePanel.dataset.turnId = turnId;
    const blocker = guidance.blocker && guidance.blocker.text ? guidance.blocker : null;
    fillPart(el.guidanceWorkedPart, el.guidanceWorked, guidance.worked);
    fillPart(el.guidanceBlockerPart, el.guidanceBlocker, blocker && blocker.text);
    el.guidanceBlockerPart.dataset.blocker = blocker ? blocker.name || "" : "";
    fillPart(el.guidanceTryPart, el.guidanceTry, guidance.try_next);
    fillPart(el.guidanceRewritePart, el.guidanceRewrite, guidance.rewrite);
    if (guidance.rewrite) {
      // The rewrite against the learner's words: struck and underlined runs, their note below.
      clear(el.guidanceRewrite);
      for (const node of rewriteNodes(guidance)) el.guidanceRewrite.append(node);
    }
    const note = guidance.rewrite ? rewriteNote(guidance) : "";
    el.guidanceRewriteNote.textContent = note;
    el.guidanceRewriteNote.hidden = !note;
    el.guidanceRewritePart.dataset.source = guidance.rewrite_source || "";
  }

  /**
   * The wellbeing card takes the coaching's place: the panel no longer shows the previous turn's
   * coaching beside it (a walkthrough read that as feedback on the message that raised the card).
   */
  showWellbeing() {
    show(this.els.wellbeing);
    this.coachingSetAside();
  }

  /** The panel after a turn that raised the wellbeing card: no coaching on it, until the next reply's. */
  coachingSetAside() {
    const el = this.els;
    el.guidanceBody.hidden = true;
    el.guidanceEmpty.hidden = true;
    el.guidancePaused.hidden = false;
  }

  /** The card goes; the panel keeps saying there was no coaching until the next reply's arrives
   * (brought back at once, the earlier turn's coaching sat under the crisis message, unlabelled). */
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
    // Asked to wrap up, the persona is writing its closing line before the first token arrives.
    if (this.model.anyStreaming() || this.model.awaitingClosing()) text = this.personaName + " is typing…";
    // While analysis is delayed the notice says why nothing happens; "reading" would not be true.
    else if (this.model.working() && !this.model.delayed) text = this.personaName + " is reading your message…";
    this.els.typing.hidden = !text;
    this.els.typingText.textContent = text;
  }

  /** The "analysis is delayed, your words are saved" notice. */
  delayed(on) {
    this.els.delayed.hidden = !on;
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

/** Show `text` in `node` and its part of the coaching panel, or hide the part when there is none. */
function fillPart(part, node, text) {
  node.textContent = text || "";
  part.hidden = !text;
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
