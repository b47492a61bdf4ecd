/*
 * The conversation list: one <li> per turn, learner turns with their status line, analysis and
 * coaching, persona turns with the feelings they were written with. Messages are patched in place,
 * never swapped whole: the list is an aria-live region, and a swapped node would be read out again
 * at every status change (and would lose keyboard focus).
 */

import { analysisBlock } from "./analysis.js";
import { h } from "./dom.js";
import { topFeelings } from "./feelings.js";
import { rewriteNodes, rewriteNote } from "./rewrite.js";
import { pretty } from "./text.js";

export class ChatList {
  /**
   * model: the Conversation (findTurn, isStreaming, isStuck, connected); onRetry(turnId) sends a
   * retry and returns whether it went; onOffline() is told when it could not.
   */
  constructor(list, { model, personaName, mechanisms, onRetry, onOffline }) {
    this.list = list;
    this.model = model;
    this.personaName = personaName;
    this.mechanisms = mechanisms;
    this.onRetry = onRetry;
    this.onOffline = onOffline;
    this.drawn = new WeakMap(); // <li> -> {analysis, guidance}: the JSON it shows
  }

  /** Show a turn: patch its message if the list has it (by id, or by client_id while unsaved), else add it. */
  show(turn) {
    let node = this.byTurn(turn.id) || (turn.client_id ? this.byClient(turn.client_id) : null);
    if (!node) {
      node = turn.role === "learner" ? this.learnerMessage(turn) : this.personaMessage(turn);
      this.insertInOrder(node, turn);
    } else if (turn.role === "learner") {
      this.patchLearner(node, turn);
    } else {
      this.patchPersona(node, turn);
    }
    return node;
  }

  /** Bring the list in line with the turns and the pending turns, touching only what changed. */
  sync(turns, pendingTurns) {
    const wanted = new Set(turns.map((t) => String(t.id)));
    const wantedClients = new Set(turns.concat(pendingTurns).map((t) => t.client_id).filter(Boolean));
    for (const node of Array.from(this.list.children)) {
      // Saved turns by id; unsaved ones by client_id (pending, or saved meanwhile).
      const keep = node.dataset.turnId ? wanted.has(node.dataset.turnId) : wantedClients.has(node.dataset.clientId);
      if (!keep) this.list.removeChild(node);
    }
    turns.forEach((t) => this.show(t));
    pendingTurns.forEach((t) => this.show(t));
  }

  /** Redraw the status lines of unsaved turns (their wording depends on the connection). */
  refreshPending(pendingTurns) {
    for (const turn of pendingTurns) {
      const node = this.byClient(turn.client_id);
      if (node && !node.dataset.turnId) this.patchLearner(node, turn);
    }
  }

  removeUnsaved(clientId) {
    const node = this.byClient(clientId);
    if (node && !node.dataset.turnId) node.remove();
  }

  /** A streamed reply's text so far. */
  setText(turn) {
    const node = this.byTurn(turn.id);
    if (node) node.querySelector(".chat-message__text").textContent = turn.text;
  }

  byTurn(turnId) {
    return this.list.querySelector('[data-turn-id="' + turnId + '"]');
  }

  byClient(clientId) {
    return this.list.querySelector('[data-client-id="' + clientId + '"]');
  }

  insertInOrder(node, turn) {
    // Persona and saved learner turns go by index; unsaved ones stay at the end.
    if (turn.index === undefined || turn.index === null) {
      this.list.appendChild(node);
      return;
    }
    for (const child of this.list.children) {
      const other = child.dataset.turnId ? this.model.findTurn(Number(child.dataset.turnId)) : null;
      if (!child.dataset.turnId || (other && other.index > turn.index)) {
        this.list.insertBefore(node, child);
        return;
      }
    }
    this.list.appendChild(node);
  }

  learnerMessage(turn) {
    const li = h("li", { className: "chat-message chat-message--learner", dataset: { testid: "message-learner" } });
    li.appendChild(h("p", { className: "chat-message__who visually-hidden", text: "You said:" }));
    li.appendChild(h("p", { className: "chat-message__text", text: turn.text }));
    this.patchLearner(li, turn);
    return li;
  }

  patchLearner(li, turn) {
    li.dataset.status = turn.status || "";
    if (turn.id !== undefined && turn.id !== null) li.dataset.turnId = turn.id;
    if (turn.client_id) li.dataset.clientId = turn.client_id;
    const drawn = this.drawn.get(li) || {};
    this.drawn.set(li, drawn);

    const oldStatus = li.querySelector(".chat-message__status");
    const key = [turn.status, turn.failure_reason, this.model.connected(), this.model.isStuck(turn)].join("|");
    if (!oldStatus || oldStatus.dataset.key !== key) {
      const line = this.statusLine(turn);
      line.dataset.key = key;
      if (oldStatus) li.replaceChild(line, oldStatus);
      else li.appendChild(line);
    }

    const analysisKey = turn.analysis ? JSON.stringify(turn.analysis) : "";
    if (analysisKey && drawn.analysis !== analysisKey) {
      const oldBlock = li.querySelector(".analysis");
      const textNode = () => li.querySelector(".chat-message__text");
      const block = analysisBlock(turn, textNode, this.mechanisms);
      if (oldBlock) li.replaceChild(block, oldBlock);
      else li.insertBefore(block, li.querySelector(".chat-message__guidance"));
      drawn.analysis = analysisKey;
    }

    const guidanceKey = turn.guidance && !turn.guidance.pause ? JSON.stringify(turn.guidance) : "";
    if (guidanceKey && drawn.guidance !== guidanceKey) {
      const oldGuidance = li.querySelector(".chat-message__guidance");
      const details = turnGuidance(turn.guidance);
      // On a phone the coaching panel sits below the whole conversation and the composer, so the
      // newest reply's coaching opens where the learner is reading (a walkthrough at 390 px found it
      // easy to miss); a fold the learner opened or closed keeps their choice.
      if (oldGuidance) details.open = oldGuidance.open;
      else details.open = narrowScreen() && this.model.newestCoached()?.id === turn.id;
      if (oldGuidance) li.replaceChild(details, oldGuidance);
      else li.appendChild(details);
      drawn.guidance = guidanceKey;
    }
  }

  statusLine(turn) {
    const status = turn.status;
    const line = h("p", { className: "chat-message__status", dataset: { status: status || "" } });
    if (status === "sending") {
      line.textContent = this.model.connected() ? "Sending…" : "Waiting for the connection — it will be sent automatically.";
    } else if ((status === "queued" || status === "running") && this.model.isStuck(turn)) {
      line.appendChild(document.createTextNode("This is taking much longer than usual. Your words are saved. "));
      line.appendChild(this.retryButton(turn));
    } else if (status === "queued") {
      line.textContent = "Queued for analysis…";
    } else if (status === "running") {
      line.textContent = "Analysing…";
    } else if (status === "failed") {
      const reason = turn.failure_reason;
      line.appendChild(
        document.createTextNode(
          "We couldn't analyse this message" + (reason ? " (" + reason + ")" : "") + ". Your words are saved. "
        )
      );
      line.appendChild(this.retryButton(turn));
    } else {
      line.hidden = true;
    }
    return line;
  }

  retryButton(turn) {
    const retry = h("button", { type: "button", className: "button button--small", text: "Retry", dataset: { testid: "retry" } });
    retry.addEventListener("click", () => {
      retry.disabled = true;
      if (!this.onRetry(turn.id)) {
        retry.disabled = false;
        this.onOffline();
      }
    });
    return retry;
  }

  personaMessage(turn) {
    const li = h("li", { className: "chat-message chat-message--persona", dataset: { testid: "message-persona" } });
    li.appendChild(h("p", { className: "chat-message__who", text: this.personaName }));
    li.appendChild(h("p", { className: "chat-message__text" }));
    this.patchPersona(li, turn);
    return li;
  }

  patchPersona(li, turn) {
    const streaming = this.model.isStreaming(turn.id);
    li.dataset.turnId = turn.id;
    li.classList.toggle("chat-message--streaming", streaming);
    if (streaming) li.setAttribute("aria-busy", "true");
    else li.removeAttribute("aria-busy");
    const text = li.querySelector(".chat-message__text");
    if (text.textContent !== (turn.text || "")) text.textContent = turn.text || "";
    // The feelings the persona wrote this reply with: the same state the thought bubble shows
    // (persona_state), never a second reading of the words that could contradict it.
    const feelings = streaming ? [] : topFeelings(turn.persona_state, 2);
    const words = feelings.length ? "Feeling: " + feelings.map((f) => pretty(f[0])).join(", ") : "";
    let old = li.querySelector(".chat-message__feelings");
    if (old && old.textContent !== words) {
      li.removeChild(old);
      old = null;
    }
    if (words && !old) li.appendChild(h("p", { className: "chat-message__feelings", text: words }));
  }
}

/** Where the coaching panel no longer sits beside the conversation (practice.css, 52rem). */
function narrowScreen() {
  return window.matchMedia("(max-width: 52rem)").matches;
}

/** The coaching on one reply, folded under it. */
function turnGuidance(guidance) {
  const details = h("details", { className: "chat-message__guidance" }, [h("summary", { text: "Coaching on this reply" })]);
  if (guidance.worked) details.appendChild(h("p", null, [h("strong", { text: "What worked: " }), guidance.worked]));
  if (guidance.blocker && guidance.blocker.text) {
    details.appendChild(h("p", null, [h("strong", { text: "What got in the way: " }), guidance.blocker.text]));
  }
  if (guidance.try_next) details.appendChild(h("p", null, [h("strong", { text: "Try next: " }), guidance.try_next]));
  if (guidance.rewrite) {
    details.appendChild(h("p", null, [h("strong", { text: "Rewrite: " }), h("q", { className: "rewrite-diff" }, rewriteNodes(guidance))]));
    const note = rewriteNote(guidance);
    if (note) details.appendChild(h("p", { className: "rewrite-diff__note", text: note }));
  }
  return details;
}
