/*
 * The conversation: the session and its turns by id, as the server last told them, plus the
 * learner's turns it has not acknowledged yet (pending.js). `apply` takes each server event
 * (courses/practice/events.py, by the names the page was given) and updates the view.
 *
 * The page never trusts its own memory over the server's: on every (re)connect the server sends
 * `session.state` (the whole conversation from the database) and the page renders from it, then
 * resends the pending turns with their client_id, so nothing is lost or doubled.
 */

import { ReplyPacer } from "./pacing.js";

// The server accepts a retry of a turn stuck queued or running for over two minutes (events.py).
// Measured from when this page first saw the turn, so a wrong clock on the learner's machine
// cannot offer a retry the server would refuse.
const STUCK_MS = 125000;

/** A learner turn as the page shows it before the server has saved it. */
const unsaved = (clientId, text) => ({ role: "learner", client_id: clientId, text, status: "sending" });
const byIndex = (a, b) => (a.index || 0) - (b.index || 0);
const waiting = (t) => t.role === "learner" && (t.status === "queued" || t.status === "running");

export class Conversation {
  /**
   * constants: events.page_constants(); pending: PendingTurns; connection: the PracticeSocket;
   * session: what the page knows of the session before any state arrives; startingFeelings: the
   * persona's feelings before the first turn. Call `attach` with the view and composer before use.
   */
  constructor({ constants, pending, connection, session, startingFeelings }) {
    this.client = constants.client;
    this.errors = constants.errors;
    this.pending = pending;
    this.connection = connection;
    this.session = session;
    this.startingFeelings = startingFeelings || {};
    this.turns = []; // in conversation order
    this.streaming = new Set(); // persona turn ids while reply tokens arrive (and are paced out)
    // A generated reply's characters this page has, by turn id: its tokens carry offsets, and after
    // a reconnect mid-stream the state brings the text so far, so a token already had is skipped.
    this.received = new Map();
    // Replies shown at a person's pace (pacing.js); reply.done's turn waits here until all is shown.
    this.pacer = new ReplyPacer({ onText: (id, text) => this.replyShown(id, text), onFinish: (id) => this.replyFinished(id) });
    this.finals = new Map();
    this.seenAt = new Map(); // turn id -> when this page first saw it waiting (see STUCK_MS)
    this.continueWanted = false;
    // Wrap up asked for: null, then "waiting" for the closing line, "replied" once it is in.
    this.wrapping = null;
    // The server said no analysis worker is alive while a turn waits (analysis.delayed).
    this.delayed = false;
    const on = constants.events;
    this.handlers = new Map([
      [on.sessionState, (e) => this.onState(e)],
      [on.turnSaved, (e) => this.onSaved(e.turn || {})],
      [on.turnStatus, (e) => this.onStatus(e)],
      [on.turnAnalysis, (e) => this.onAnalysis(e)],
      [on.guidance, (e) => this.onGuidance(e)],
      [on.personaState, (e) => this.onPersonaState(e)],
      [on.replyStart, (e) => this.onReplyStart(e)],
      [on.replyToken, (e) => this.onReplyToken(e)],
      [on.replyDone, (e) => this.onReplyDone(e)],
      [on.sessionSummary, (e) => this.onSummary(e)],
      [on.analysisDelayed, () => this.setDelayed(true)],
      [on.analysisResumed, () => this.setDelayed(false)],
      [on.draftHint, (e) => this.onDraftHint && this.onDraftHint(e)],
      [on.error, (e) => this.onError(e)],
    ]);
  }

  attach(view, composer) {
    this.view = view;
    this.composer = composer;
  }

  // ----- Reading --------------------------------------------------------------------------

  findTurn(id) {
    return this.turns.find((t) => t.id === id) || null;
  }

  pendingTurns() {
    return this.pending.all().map((p) => unsaved(p.client_id, p.text));
  }

  connected() {
    return this.connection.connected;
  }

  /** The learner asked to wrap up and the conversation has not ended (nor been refused) yet. */
  wrappingUp() {
    return this.wrapping !== null;
  }

  /** Wrapping up, and the persona's closing line has not begun to arrive. */
  awaitingClosing() {
    return this.wrapping === "waiting";
  }

  /**
   * Wrap up is offered once the learner has an analysed turn, the session is active and live, and
   * nothing of theirs is still on its way (sending, queued, being analysed, or being answered).
   */
  canWrapUp() {
    return (
      this.session.status === "active" &&
      this.isOpen() &&
      this.connected() &&
      !this.wrappingUp() &&
      this.turns.some((t) => t.role === "learner" && t.analysis) &&
      !this.working() &&
      !this.pending.all().length &&
      !this.anyStreaming()
    );
  }

  /**
   * The newest learner turn the server has coached, a wellbeing pause included (its "coaching" is
   * the card), or undefined: what the coaching panel speaks about.
   */
  newestCoached() {
    return this.turns.filter((t) => t.role === "learner" && t.guidance).pop();
  }

  isOpen() {
    const status = this.session.status;
    return status !== "completed" && status !== "paused" && !this.connection.closedForGood;
  }

  isStreaming(turnId) {
    return this.streaming.has(turnId);
  }

  anyStreaming() {
    return this.streaming.size > 0;
  }

  /** Some learner turn is queued or being analysed. */
  working() {
    return this.turns.some(waiting);
  }

  isStuck(turn) {
    if (turn.status !== "queued" && turn.status !== "running") return false;
    if (!this.seenAt.has(turn.id)) this.seenAt.set(turn.id, Date.now());
    return Date.now() - this.seenAt.get(turn.id) > STUCK_MS;
  }

  currentFeelings() {
    const now = this.session.persona_state;
    if (now && Object.keys(now).length) return now;
    for (let i = this.turns.length - 1; i >= 0; i--) if (this.turns[i].persona_state) return this.turns[i].persona_state;
    return this.startingFeelings;
  }

  // ----- What the learner does --------------------------------------------------------------

  submit(text) {
    const clientId = this.pending.add(text);
    this.view.showTurn(unsaved(clientId, text));
    this.send({ type: this.client.turnSubmit, client_id: clientId, text });
    this.refresh();
  }

  /** End the conversation now: the persona writes a closing line, then the summary comes. */
  wrapUp() {
    if (!this.canWrapUp()) return false;
    if (!this.send({ type: this.client.sessionWrapUp })) return false;
    this.wrapping = "waiting";
    this.refresh();
    return true;
  }

  /** Ask for a failed (or stuck) analysis again; returns whether the request went. */
  retry(turnId) {
    if (!this.send({ type: this.client.turnRetry, turn_id: turnId })) return false;
    this.seenAt.set(turnId, Date.now());
    this.setTurnStatus(turnId, "queued");
    return true;
  }

  /** Resume after a wellbeing pause (sent as soon as the page is live again, if it is not now). */
  continueSession() {
    this.session.status = "active";
    if (!this.send({ type: this.client.sessionContinue })) this.continueWanted = true;
    this.view.hideWellbeing();
    this.composer.update();
  }

  /** Every 15 s: a turn stuck in the queue gets its Retry button without waiting for an event. */
  refreshWaiting() {
    this.turns.filter(waiting).forEach((t) => this.view.showTurn(t));
  }

  // ----- What the server says ---------------------------------------------------------------

  apply(event) {
    const handler = this.handlers.get(event && event.type);
    if (handler) handler(event); // an event this page does not know yet is not an error
  }

  /** Show the whole conversation from `data` ({session, turns}): on first paint and on session.state. */
  replace(data) {
    this.session = data.session || this.session;
    this.turns = (data.turns || []).slice().sort(byIndex);
    this.streaming.clear();
    this.pacer.clear();
    this.finals.clear();
    this.received.clear();
    // A generated reply still on its way: what was sent of it is shown, and its tokens go on.
    for (const turn of this.turns) {
      if (turn.role !== "persona" || turn.status !== "streaming") continue;
      this.streaming.add(turn.id);
      this.received.set(turn.id, (turn.text || "").length);
      this.pacer.start(turn.id);
      if (turn.text) this.pacer.add(turn.id, turn.text);
    }
    if (this.session.status !== "active") this.wrapping = null;
    // Anything the database already has was saved: it is no longer pending.
    this.pending.forget(this.turns.map((t) => t.client_id));
    this.view.renderAll();
    this.view.feelings(this.currentFeelings());
    this.view.goals();
    const coached = this.newestCoached();
    if (coached && coached.guidance.pause) this.view.coachingSetAside();
    else if (coached) this.view.guidance(coached.id, coached.guidance);
    this.composer.update();
    if (this.session.status === "paused") this.view.showWellbeing();
    else this.view.hideWellbeing();
    if (this.session.summary) this.view.summary(this.session.summary);
  }

  onState(data) {
    // A fresh connection: the server says again whether analysis is delayed.
    this.setDelayed(false);
    this.replace(data);
    this.connection.ready();
    this.composer.update(); // Wrap up needs a live page
    // Resend what the server never acknowledged, with the same client_id (no doubles).
    for (const p of this.pending.all()) this.send({ type: this.client.turnSubmit, client_id: p.client_id, text: p.text });
    this.view.refreshPending();
    if (this.continueWanted && this.send({ type: this.client.sessionContinue })) this.continueWanted = false;
  }

  /** The socket closed: nothing streams any more, and unsaved turns wait for the next connection. */
  connectionLost() {
    this.streaming.clear();
    this.pacer.clear(); // the reply comes whole with the next session.state
    this.finals.clear();
    // If the request got through, the closing line and the summary come with the next state.
    this.wrapping = null;
    this.refresh();
    this.view.refreshPending();
  }

  onSaved(turn) {
    this.pending.forget([turn.client_id]);
    if (!turn.status) turn.status = "queued";
    const existing = this.findTurn(turn.id);
    this.upsert(
      existing ? { ...turn, status: existing.status, analysis: existing.analysis, guidance: existing.guidance } : turn
    );
    // showTurn finds the unsaved message by client_id and turns it into the saved turn in place.
    this.view.showTurn(this.findTurn(turn.id));
    this.refresh();
  }

  onStatus(data) {
    this.setTurnStatus(data.turn_id, data.status, data.reason);
    if (data.status === "failed") this.view.error("One of your messages couldn't be analysed. It is saved — use Retry to try again.");
  }

  onAnalysis(data) {
    const turn = this.findTurn(data.turn_id);
    if (!turn) return;
    this.setDelayed(false); // an analysis arrived: a worker is at work
    turn.analysis = data.analysis;
    turn.status = "done";
    this.view.showTurn(turn);
    this.refresh();
  }

  onGuidance(data) {
    const turn = this.findTurn(data.turn_id);
    if (turn) {
      turn.guidance = data.guidance;
      this.view.showTurn(turn);
    }
    // A later update of an earlier turn's coaching (a generated rewrite arrives after the reply)
    // changes that turn's folded coaching only; the panel stays on the newest turn's, and says
    // nothing of an earlier turn when the newest raised the wellbeing card.
    const newest = this.newestCoached();
    const earlier = turn && newest && newest.id !== turn.id && newest.index > turn.index;
    if (!earlier) this.view.guidance(data.turn_id, data.guidance);
    if (data.guidance && data.guidance.pause) {
      this.session.status = "paused";
      this.composer.update();
      this.view.showWellbeing();
    }
  }

  onPersonaState(data) {
    this.view.feelings(data.emotions);
    this.session.persona_state = data.emotions;
    if (Array.isArray(data.goals_met)) {
      this.session.goals_met = data.goals_met;
      this.view.goals();
    }
  }

  onReplyStart(data) {
    const known = this.findTurn(data.turn_id);
    // The reply is saved before it streams: after a reconnect or reload the page may already
    // have the whole text from the database, and then the stream is not replayed on top of it.
    if (known && known.text && !this.streaming.has(data.turn_id)) return;
    // A closing line (after Wrap up) answers no particular turn: in_reply_to is null.
    const learner = data.in_reply_to === null || data.in_reply_to === undefined ? null : this.findTurn(data.in_reply_to);
    this.streaming.add(data.turn_id);
    this.pacer.start(data.turn_id);
    if (!known) {
      // Provisional position just after the turn it answers, or after everything; reply.done
      // brings the real index.
      const last = this.turns.length ? this.turns[this.turns.length - 1].index || 0 : 0;
      const index = (learner ? learner.index || 0 : last) + 0.5;
      this.upsert({ id: data.turn_id, role: "persona", text: "", index });
    }
    this.view.showTurn(this.findTurn(data.turn_id));
    this.refresh();
  }

  onReplyToken(data) {
    if (!this.findTurn(data.turn_id)) this.onReplyStart({ turn_id: data.turn_id });
    if (!this.streaming.has(data.turn_id)) return;
    let token = data.token || "";
    if (typeof data.offset === "number") {
      const have = this.received.get(data.turn_id) || 0;
      const end = data.offset + token.length;
      if (end <= have) return; // sent before this page read the text so far
      token = token.slice(Math.max(0, have - data.offset));
      this.received.set(data.turn_id, end);
    }
    this.pacer.add(data.turn_id, token);
  }

  /** The pacer shows more of a reply. */
  replyShown(turnId, text) {
    const turn = this.findTurn(turnId);
    if (!turn) return;
    turn.text = text;
    this.view.replyText(turn);
  }

  /** A paced reply is all shown and saved: it becomes the turn reply.done said. */
  replyFinished(turnId) {
    this.streaming.delete(turnId);
    const final = this.finals.get(turnId);
    this.finals.delete(turnId);
    if (final) this.upsert(final);
    const turn = this.findTurn(turnId);
    if (turn) this.view.showTurn(turn);
    this.refresh();
  }

  onReplyDone(data) {
    const turn = data.turn;
    if (!turn) return;
    if (this.wrapping) this.wrapping = "replied";
    if (this.pacer.has(turn.id)) {
      this.finals.set(turn.id, turn);
      this.pacer.finish(turn.id, turn.text);
      return;
    }
    this.streaming.delete(turn.id);
    this.upsert(turn);
    this.view.showTurn(this.findTurn(turn.id));
    this.refresh();
  }

  onSummary(data) {
    this.wrapping = null;
    this.session.status = "completed";
    this.session.summary = data.summary;
    this.composer.update();
    this.view.summary(data.summary);
  }

  onError(data) {
    this.view.error(data.message || "Something went wrong. Please try again.");
    if (this.wrapping) {
      // Wrap up refused (a turn still being analysed, a closed session…): the learner carries on.
      this.wrapping = null;
      this.refresh();
      this.composer.focus();
    }
    const text = this.pending.text(data.client_id);
    if (text === undefined) return;
    // Refused, not lost: give the words back to the learner to edit and resend.
    this.pending.forget([data.client_id]);
    this.view.removeUnsaved(data.client_id);
    if (data.code !== this.errors.sessionClosed) this.composer.giveBack(text);
    else this.composer.update();
  }

  // ----- Helpers ------------------------------------------------------------------------------

  setDelayed(delayed) {
    this.delayed = delayed;
    this.view.delayed(delayed);
    this.refresh();
  }

  send(message) {
    return this.connection.send(message);
  }

  /** What depends on every turn's state: the typing indicator and the composer's controls. */
  refresh() {
    this.view.typing();
    this.composer.update();
  }

  upsert(turn) {
    const at = this.turns.findIndex((t) => t.id === turn.id);
    if (at >= 0) {
      const moved = turn.index !== undefined && turn.index !== this.turns[at].index;
      this.turns[at] = { ...this.turns[at], ...turn };
      if (moved) this.turns.sort(byIndex);
      return;
    }
    this.turns.push(turn);
    this.turns.sort(byIndex);
  }

  setTurnStatus(turnId, status, reason) {
    const turn = this.findTurn(turnId);
    if (!turn) return;
    turn.status = status;
    if (reason !== undefined) turn.failure_reason = reason;
    this.view.showTurn(turn);
    this.refresh();
  }
}
