/*
 * The practice websocket: connecting, reconnecting with back-off, the "Reconnect now" button and
 * the connection status line. It knows nothing of the conversation: it hands every event to
 * `onEvent` and says when the socket closed (`onClose`). "open" alone is not "ready": the page is
 * live once the conversation calls `ready()` on `session.state`.
 */

export class PracticeSocket {
  /**
   * path: the socket's path on this host; permanentCloseCodes: the codes after which the server
   * will never accept this page again (events.CLOSE_*); status: {root, box, text, retry} elements.
   */
  constructor({ path, permanentCloseCodes, status, onEvent, onClose }) {
    this.path = path;
    this.permanent = new Set(permanentCloseCodes);
    this.status = status;
    this.onEvent = onEvent;
    this.onClose = onClose;
    this.socket = null;
    this.connected = false;
    this.closedForGood = false;
    this.attempts = 0;
    this.reconnectTimer = null;
    this.reconnectAt = 0;
    this.countdownTimer = null;

    status.retry.addEventListener("click", () => {
      this.attempts = Math.max(1, this.attempts);
      this.connect();
    });
    window.addEventListener("online", () => this.wake());
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") this.wake();
    });
  }

  /** Send a message if the page is live; returns whether it went. */
  send(message) {
    const socket = this.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN || !this.connected) return false;
    socket.send(JSON.stringify(message));
    return true;
  }

  /** The server's state has arrived: the page is live. */
  ready() {
    const wasReconnect = this.attempts > 0;
    this.connected = true;
    this.attempts = 0;
    this.setStatus("connected", wasReconnect ? "Reconnected." : "Connected.");
  }

  connect() {
    if (this.closedForGood) return;
    clearTimeout(this.reconnectTimer);
    clearInterval(this.countdownTimer);
    this.reconnectTimer = null;
    if (this.socket && this.socket.readyState <= WebSocket.OPEN) return;
    this.setStatus(this.attempts ? "reconnecting" : "connecting", this.attempts ? "Reconnecting…" : "Connecting…");
    let socket;
    try {
      socket = new WebSocket(this.url());
    } catch (e) {
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    socket.addEventListener("message", (msg) => {
      if (socket !== this.socket) return;
      let event;
      try {
        event = JSON.parse(msg.data);
      } catch (e) {
        return;
      }
      this.onEvent(event);
    });
    socket.addEventListener("close", (ev) => {
      if (socket !== this.socket) return;
      this.connected = false;
      this.socket = null;
      if (this.permanent.has(ev.code)) {
        this.closedForGood = true;
        this.setStatus("closed", "This practice session can't be opened any more. Go back to the course to start a new one.");
      } else {
        this.scheduleReconnect();
      }
      this.onClose();
    });
  }

  wake() {
    if (!this.socket && !this.closedForGood) this.connect();
  }

  url() {
    const scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    return scheme + window.location.host + this.path;
  }

  scheduleReconnect() {
    // Exponential back-off with jitter: 0.5 s, 1 s, 2 s … up to 30 s, each randomised in its upper half,
    // so a server restart is not met by every open page at the same instant.
    const cap = Math.min(30000, 500 * Math.pow(2, this.attempts));
    const delay = Math.round(cap / 2 + Math.random() * (cap / 2));
    this.attempts += 1;
    this.reconnectAt = Date.now() + delay;
    const tick = () => {
      const left = Math.max(0, Math.ceil((this.reconnectAt - Date.now()) / 1000));
      this.setStatus(
        "reconnecting",
        "Connection lost. Your messages are kept. Reconnecting" + (left > 0 ? " in " + left + " s…" : "…")
      );
    };
    tick();
    clearInterval(this.countdownTimer);
    this.countdownTimer = setInterval(tick, 1000);
    this.reconnectTimer = setTimeout(() => {
      clearInterval(this.countdownTimer);
      this.connect();
    }, delay);
  }

  setStatus(kind, text) {
    this.status.box.dataset.state = kind;
    this.status.text.textContent = text;
    this.status.retry.hidden = kind !== "reconnecting";
    this.status.root.dataset.connection = kind;
  }
}
