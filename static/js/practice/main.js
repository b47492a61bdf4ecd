/*
 * The live practice page: a role-play chat over one websocket. This entry module reads what the
 * server put in the page (the constants of courses/practice/events.py, the conversation so far,
 * the persona's opening feelings), finds the elements and wires the modules together:
 *
 *   socket.js    the connection, reconnects, its status line
 *   state.js     the conversation: turns by id, applying each server event (pacing.js paces replies)
 *   pending.js   the turns the server has not acknowledged (sessionStorage), their client ids
 *   render.js    what the page shows: messages.js (analysis.js under each turn), feelings.js,
 *                goals.js, summary.js, and the coaching panel, wellbeing card and typing
 *                indicator itself
 *   composer.js  the textarea, its counter, Enter and Send, and Wrap up with its confirmation
 *   follow.js    keeps the newest message in view above the composer (or offers a "new message" pill)
 *   hints.js     hints while typing: the unsent draft read after a pause, a quiet meter and one hint
 *   dom.js, text.js  small helpers
 *
 * Plain ES modules, no build step. Every piece of user or model text goes in as text, never markup.
 */

import { Composer } from "./composer.js";
import { readJson } from "./dom.js";
import { Follower } from "./follow.js";
import { DraftHints } from "./hints.js";
import { PendingTurns } from "./pending.js";
import { PracticeView } from "./render.js";
import { PracticeSocket } from "./socket.js";
import { Conversation } from "./state.js";

const root = document.getElementById("practice");
if (root) start(root);

function start(root) {
  const constants = readJson("practice-constants");
  const personaName = root.dataset.personaName || "The persona";
  const el = elements();

  const socket = new PracticeSocket({
    path: root.dataset.wsPath,
    permanentCloseCodes: Object.values(constants.closeCodes),
    status: { root, box: el.status, text: el.statusText, retry: el.reconnectNow },
    onEvent: (event) => conversation.apply(event),
    onClose: () => conversation.connectionLost(),
  });
  const conversation = new Conversation({
    constants,
    pending: new PendingTurns("practice-pending:" + root.dataset.sessionId),
    connection: socket,
    session: { status: root.dataset.sessionStatus || "active" },
    startingFeelings: readJson("persona-start"),
  });
  const view = new PracticeView(el, {
    model: conversation,
    personaName,
    mechanisms: constants.mechanisms,
    resources: constants.resources,
    onRetry: (turnId) => conversation.retry(turnId),
  });
  const hints = new DraftHints(
    { input: el.input, box: el.draftHint, meter: el.draftHintMeter, text: el.draftHintText, toggle: el.draftHintsOn },
    {
      constants,
      send: (message) => socket.send(message),
      canSend: () => conversation.isOpen() && !conversation.wrappingUp() && conversation.connected(),
    }
  );
  conversation.onDraftHint = (event) => hints.onHint(event);
  const composer = new Composer(el, {
    maxChars: constants.maxTurnChars,
    maxTurns: Number(root.dataset.maxTurns) || 0,
    personaName,
    model: conversation,
    onSubmit: (text) => {
      hints.clear();
      conversation.submit(text);
    },
    onWrapUp: () => conversation.wrapUp(),
    onError: (message) => view.error(message),
  });
  conversation.attach(view, composer);

  el.wellbeingContinue.addEventListener("click", () => {
    conversation.continueSession();
    composer.focus();
  });
  setInterval(() => conversation.refreshWaiting(), 15000);

  new Follower({ list: el.messages, composer: el.form, tail: [el.typing, el.delayed], pill: el.newMessage });

  // First paint from what the server rendered into the page, before the socket is even open.
  const initial = readJson("practice-state") || {};
  conversation.replace({
    session: { ...conversation.session, ...(initial.session || {}) },
    turns: initial.turns || [],
  });
  socket.connect();

  // For tests and debugging in the console; nothing else reads it.
  window.practicePage = { conversation, socket };
}

function elements() {
  const byId = (id) => document.getElementById(id);
  return {
    messages: byId("messages"),
    bubble: byId("thought-bubble-list"),
    status: byId("connection-status"),
    statusText: byId("connection-status-text"),
    reconnectNow: byId("connection-retry"),
    errors: byId("practice-errors"),
    typing: byId("typing-indicator"),
    typingText: byId("typing-indicator-text"),
    delayed: byId("analysis-delayed"),
    newMessage: byId("new-message"),
    draftHint: byId("draft-hint"),
    draftHintMeter: byId("draft-hint-meter"),
    draftHintText: byId("draft-hint-text"),
    draftHintsOn: byId("draft-hints-on"),
    guidanceEmpty: byId("guidance-empty"),
    guidancePaused: byId("guidance-paused"),
    guidanceBody: byId("guidance-body"),
    guidancePanel: byId("guidance"),
    guidanceWorkedPart: byId("guidance-worked-part"),
    guidanceWorked: byId("guidance-worked"),
    guidanceBlockerPart: byId("guidance-blocker-part"),
    guidanceBlocker: byId("guidance-blocker"),
    guidanceTryPart: byId("guidance-try-part"),
    guidanceTry: byId("guidance-try"),
    guidanceRewritePart: byId("guidance-rewrite-part"),
    guidanceRewrite: byId("guidance-rewrite"),
    guidanceRewriteNote: byId("guidance-rewrite-note"),
    goals: byId("goals"),
    goalsList: byId("goals-list"),
    goalsAnnounce: byId("goals-announce"),
    wellbeing: byId("wellbeing-card"),
    wellbeingResources: byId("wellbeing-resources"),
    wellbeingTitle: byId("wellbeing-title"),
    wellbeingBody: byId("wellbeing-body"),
    wellbeingContinue: byId("wellbeing-continue"),
    summary: byId("summary"),
    summaryBody: byId("summary-body"),
    form: byId("composer-form"),
    input: byId("composer"),
    count: byId("composer-count"),
    counter: byId("composer-counter"),
    turns: byId("composer-turns"),
    announce: byId("composer-announce"),
    send: byId("send"),
    wrapUp: byId("wrap-up"),
    wrapUpConfirm: byId("wrap-up-confirm"),
    wrapUpYes: byId("wrap-up-yes"),
    wrapUpNo: byId("wrap-up-no"),
  };
}
