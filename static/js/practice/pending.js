/*
 * Learner turns the server has not acknowledged yet (no `turn.saved`), by client_id. They are
 * kept in sessionStorage, so a reload or a dropped socket loses none: after every (re)connect the
 * page resends them with the same client_id, and the server recognises a resend (no doubles).
 */

export class PendingTurns {
  constructor(key) {
    this.key = key;
    this.turns = this.load(); // client_id -> {client_id, text}
  }

  /** Keep a new turn; returns its client_id. */
  add(text) {
    const clientId = uuid4();
    this.turns[clientId] = { client_id: clientId, text };
    this.save();
    return clientId;
  }

  /** The turn's text, or undefined if it is not pending. */
  text(clientId) {
    const turn = clientId ? this.turns[clientId] : undefined;
    return turn ? turn.text : undefined;
  }

  all() {
    return Object.values(this.turns);
  }

  /** Forget turns (saved by the server, or refused); returns whether any was pending. */
  forget(clientIds) {
    let changed = false;
    for (const clientId of clientIds) {
      if (clientId && Object.prototype.hasOwnProperty.call(this.turns, clientId)) {
        delete this.turns[clientId];
        changed = true;
      }
    }
    if (changed) this.save();
    return changed;
  }

  load() {
    try {
      const raw = window.sessionStorage.getItem(this.key);
      const parsed = raw ? JSON.parse(raw) : {};
      return parsed && typeof parsed === "object" ? parsed : {};
    } catch (e) {
      return {};
    }
  }

  save() {
    try {
      if (Object.keys(this.turns).length) window.sessionStorage.setItem(this.key, JSON.stringify(this.turns));
      else window.sessionStorage.removeItem(this.key);
    } catch (e) {
      /* private mode: keep them in memory only */
    }
  }
}

function uuid4() {
  if (window.crypto && typeof window.crypto.randomUUID === "function") return window.crypto.randomUUID();
  const bytes = new Uint8Array(16);
  if (window.crypto && window.crypto.getRandomValues) window.crypto.getRandomValues(bytes);
  else for (let i = 0; i < 16; i++) bytes[i] = Math.floor(Math.random() * 256);
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => (b + 0x100).toString(16).slice(1)).join("");
  return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
}
