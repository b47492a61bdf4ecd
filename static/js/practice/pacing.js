/*
 * The persona's reply at a person's pace. The worker sends a reply's words as fast as it has them
 * (often all at once, a moment after the analysis), which read as a wall of text landing with no
 * beat. Here the typing indicator shows for a beat first, then the words appear a few at a time;
 * a long reply is paced faster so it never takes more than MAX_REVEAL_MS. The words are only
 * revealed later than they came: the reply itself is whatever the server sent (reply.done wins).
 */

const BEAT_MS = 600;
const TICK_MS = 45;
const MAX_REVEAL_MS = 2500;

export class ReplyPacer {
  /** onText(turnId, shownText) draws the reply so far; onFinish(turnId) is called once it is all shown and done. */
  constructor({ onText, onFinish }) {
    this.onText = onText;
    this.onFinish = onFinish;
    this.replies = new Map(); // turn id -> {words, shown, done, timer}
  }

  has(turnId) {
    return this.replies.has(turnId);
  }

  start(turnId) {
    if (this.replies.has(turnId)) return;
    const reply = { words: [], shown: 0, done: false, timer: null };
    this.replies.set(turnId, reply);
    reply.timer = setTimeout(() => this.tick(turnId), BEAT_MS);
  }

  /** More of the reply arrived (a token: a word and its space, or a few words). */
  add(turnId, token) {
    const reply = this.replies.get(turnId);
    if (reply) reply.words.push(...splitWords(token));
  }

  /** The whole reply, as saved: it replaces what the tokens said, and ends the stream. */
  finish(turnId, text) {
    const reply = this.replies.get(turnId);
    if (!reply) return;
    const words = splitWords(text || "");
    if (words.join("") !== reply.words.join("")) reply.words = words;
    reply.done = true; // the next tick shows the rest and ends it
  }

  tick(turnId) {
    const reply = this.replies.get(turnId);
    if (!reply) return;
    const step = Math.max(1, Math.ceil(reply.words.length / (MAX_REVEAL_MS / TICK_MS)));
    reply.shown = Math.min(reply.words.length, reply.shown + step);
    this.onText(turnId, reply.words.slice(0, reply.shown).join(""));
    if (reply.done && reply.shown >= reply.words.length) {
      this.end(turnId);
      return;
    }
    reply.timer = setTimeout(() => this.tick(turnId), TICK_MS);
  }

  end(turnId) {
    const reply = this.replies.get(turnId);
    if (reply && reply.timer) clearTimeout(reply.timer);
    this.replies.delete(turnId);
    this.onFinish(turnId);
  }

  /** Stop everything (a new state from the server, or the socket closed): nothing more is drawn. */
  clear() {
    for (const reply of this.replies.values()) if (reply.timer) clearTimeout(reply.timer);
    this.replies.clear();
  }
}

/** "Thank you for" -> ["Thank ", "you ", "for"]: each word with the space after it. */
function splitWords(text) {
  return text.match(/\S+\s*|\s+/g) || [];
}
