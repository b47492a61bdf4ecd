/*
 * The live practice page: a role-play chat over one websocket.
 *
 * The protocol lives in courses/practice/events.py. The page never trusts its own memory over
 * the server's: on every (re)connect the server sends `session.state` (the whole conversation
 * from the database) and the page renders from it. Learner turns the server has not yet
 * acknowledged (`turn.saved`) are kept here and resent with the same client_id after a
 * reconnect, so nothing is lost or doubled.
 *
 * Plain JavaScript, no build step. Every piece of user or model text goes in through
 * textContent, never innerHTML.
 */
(function () {
  "use strict";

  var root = document.getElementById("practice");
  if (!root) return;

  var MAX_CHARS = parseInt(root.dataset.maxChars, 10) || 2000;
  var PERSONA = root.dataset.personaName || "The persona";
  var MECHANISMS = [
    { key: "er", short: "ER", name: "Emotional reaction" },
    { key: "ip", short: "IP", name: "Interpretation" },
    { key: "ex", short: "EX", name: "Exploration" },
  ];
  var LEVEL_WORDS = ["none", "weak", "strong"];
  var DEFAULT_RESOURCES = [
    { title: "Talk to someone you trust", text: "A friend, family member, colleague or doctor." },
    { title: "In an emergency", text: "Call your local emergency number (112 in Europe, 911 in the US)." },
    { title: "Crisis line", text: "In the US, call or text 988 (Suicide & Crisis Lifeline), any time." },
  ];
  var PERMANENT_CLOSE_CODES = { 4401: true, 4403: true, 4404: true, 4410: true };
  var PENDING_KEY = "practice-pending:" + root.dataset.sessionId;

  // ----- Elements -------------------------------------------------------------------------

  var el = {
    messages: document.getElementById("messages"),
    bubble: document.getElementById("thought-bubble-list"),
    status: document.getElementById("connection-status"),
    statusText: document.getElementById("connection-status-text"),
    reconnectNow: document.getElementById("connection-retry"),
    errors: document.getElementById("practice-errors"),
    typing: document.getElementById("typing-indicator"),
    typingText: document.getElementById("typing-indicator-text"),
    guidanceEmpty: document.getElementById("guidance-empty"),
    guidanceBody: document.getElementById("guidance-body"),
    guidancePanel: document.getElementById("guidance"),
    guidanceWorked: document.getElementById("guidance-worked"),
    guidanceTry: document.getElementById("guidance-try"),
    guidanceRewrite: document.getElementById("guidance-rewrite"),
    wellbeing: document.getElementById("wellbeing-card"),
    wellbeingResources: document.getElementById("wellbeing-resources"),
    wellbeingTitle: document.getElementById("wellbeing-title"),
    wellbeingBody: document.getElementById("wellbeing-body"),
    wellbeingContinue: document.getElementById("wellbeing-continue"),
    summary: document.getElementById("summary"),
    summaryBody: document.getElementById("summary-body"),
    form: document.getElementById("composer-form"),
    input: document.getElementById("composer"),
    count: document.getElementById("composer-count"),
    counter: document.getElementById("composer-counter"),
    announce: document.getElementById("composer-announce"),
    send: document.getElementById("send"),
  };

  // ----- State ----------------------------------------------------------------------------

  var state = {
    session: { status: root.dataset.sessionStatus || "active" },
    turns: [], // server turns, in conversation order
    pending: loadPending(), // client_id -> {client_id, text, sentAt}
    streaming: {}, // persona turn id -> true while reply tokens arrive
    socket: null,
    connected: false,
    attempts: 0,
    reconnectTimer: null,
    reconnectAt: 0,
    countdownTimer: null,
    closedForGood: false,
    continueWanted: false,
  };

  // ----- Small helpers --------------------------------------------------------------------

  function h(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (name) {
        var value = attrs[name];
        if (value === null || value === undefined || value === false) return;
        if (name === "text") node.textContent = value;
        else if (name === "className") node.className = value;
        else if (name === "dataset") Object.keys(value).forEach(function (k) { node.dataset[k] = value[k]; });
        else node.setAttribute(name, value === true ? "" : String(value));
      });
    }
    (children || []).forEach(function (child) {
      if (child === null || child === undefined) return;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  function uuid4() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") return window.crypto.randomUUID();
    var bytes = new Uint8Array(16);
    if (window.crypto && window.crypto.getRandomValues) window.crypto.getRandomValues(bytes);
    else for (var i = 0; i < 16; i++) bytes[i] = Math.floor(Math.random() * 256);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 0x100).toString(16).slice(1); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  function charLength(text) {
    // The server counts code points (Python len), not UTF-16 units.
    return Array.from(text).length;
  }

  function pretty(label) {
    return String(label || "").replace(/_/g, " ");
  }

  function quoteList(items) {
    return items.map(function (t) { return "“" + t + "”"; }).join(", ");
  }

  function loadPending() {
    try {
      var raw = window.sessionStorage.getItem(PENDING_KEY);
      var parsed = raw ? JSON.parse(raw) : {};
      return parsed && typeof parsed === "object" ? parsed : {};
    } catch (e) {
      return {};
    }
  }

  function savePending() {
    try {
      if (Object.keys(state.pending).length) window.sessionStorage.setItem(PENDING_KEY, JSON.stringify(state.pending));
      else window.sessionStorage.removeItem(PENDING_KEY);
    } catch (e) {
      /* private mode: keep them in memory only */
    }
  }

  function showError(message) {
    clear(el.errors);
    if (!message) return;
    var note = h("p", { className: "practice-errors__message" }, [message]);
    var dismiss = h("button", { type: "button", className: "button button--link", text: "Dismiss" });
    dismiss.addEventListener("click", function () { clear(el.errors); el.input.focus(); });
    el.errors.appendChild(h("div", { className: "practice-errors__item" }, [note, dismiss]));
  }

  // ----- Text with highlighted spans --------------------------------------------------------

  // Offsets from the server are Python string indices (code points); JavaScript strings are
  // UTF-16, so an emoji before a span would shift it. Map code-point offsets to UTF-16 ones.
  function codePointToUnit(text) {
    var map = [0];
    var unit = 0;
    for (var cp of text) {
      unit += cp.length;
      map.push(unit);
    }
    return function (index) {
      if (index <= 0) return 0;
      return index < map.length ? map[index] : text.length;
    };
  }

  function renderText(node, text, spans, kind) {
    clear(node);
    if (!spans || !spans.length) {
      node.textContent = text;
      return;
    }
    var toUnit = codePointToUnit(text);
    var ranges = spans
      .map(function (s) { return [toUnit(s.start), toUnit(s.end)]; })
      .filter(function (r) { return r[1] > r[0]; })
      .sort(function (a, b) { return a[0] - b[0]; });
    var merged = [];
    ranges.forEach(function (r) {
      var last = merged[merged.length - 1];
      if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
      else merged.push([r[0], r[1]]);
    });
    var at = 0;
    merged.forEach(function (r) {
      if (r[0] > at) node.appendChild(document.createTextNode(text.slice(at, r[0])));
      node.appendChild(h("mark", { className: "highlight highlight--" + kind, text: text.slice(r[0], r[1]) }));
      at = r[1];
    });
    if (at < text.length) node.appendChild(document.createTextNode(text.slice(at)));
  }

  // ----- Thought bubble ---------------------------------------------------------------------

  function topFeelings(emotions, count) {
    var entries = Object.keys(emotions || {})
      .map(function (label) { return [label, Number(emotions[label]) || 0]; })
      .filter(function (e) { return e[1] > 0.01; })
      .sort(function (a, b) { return b[1] - a[1]; });
    var withoutNeutral = entries.filter(function (e) { return e[0] !== "neutral"; });
    return (withoutNeutral.length ? withoutNeutral : entries).slice(0, count);
  }

  function intensityWord(value) {
    if (value >= 0.66) return "strongly";
    if (value >= 0.33) return "moderately";
    return "slightly";
  }

  function renderBubble(emotions) {
    clear(el.bubble);
    var top = topFeelings(emotions, 3);
    if (!top.length) {
      el.bubble.appendChild(h("li", { className: "thought-bubble__calm", text: "Calm" }));
      return;
    }
    top.forEach(function (entry) {
      var pct = Math.round(Math.max(0, Math.min(1, entry[1])) * 100);
      var bar = h("span", { className: "thought-bubble__bar", "aria-hidden": "true" }, [
        h("span", { className: "thought-bubble__fill", style: "width:" + pct + "%" }),
      ]);
      el.bubble.appendChild(
        h("li", { className: "thought-bubble__item", dataset: { label: entry[0] } }, [
          h("span", { className: "thought-bubble__label", text: pretty(entry[0]) }),
          bar,
          h("span", { className: "visually-hidden", text: " (" + intensityWord(entry[1]) + ", " + pct + "%)" }),
        ])
      );
    });
  }

  // ----- Messages ---------------------------------------------------------------------------

  function findTurn(id) {
    for (var i = 0; i < state.turns.length; i++) if (state.turns[i].id === id) return state.turns[i];
    return null;
  }

  function upsertTurn(turn) {
    for (var i = 0; i < state.turns.length; i++) {
      if (state.turns[i].id === turn.id) {
        state.turns[i] = Object.assign({}, state.turns[i], turn);
        return state.turns[i];
      }
    }
    state.turns.push(turn);
    state.turns.sort(function (a, b) { return (a.index || 0) - (b.index || 0); });
    return turn;
  }

  function messageFor(turnId) {
    return el.messages.querySelector('[data-turn-id="' + turnId + '"]');
  }

  function messageForClient(clientId) {
    return el.messages.querySelector('[data-client-id="' + clientId + '"]');
  }

  // The server accepts a retry of a turn stuck queued or running for over two minutes (events.py).
  // Measured from when this page first saw the turn, so a wrong clock on the learner's machine
  // cannot offer a retry the server would refuse.
  var STUCK_MS = 125000;

  function isStuck(turn) {
    if (turn.status !== "queued" && turn.status !== "running") return false;
    if (!turn._seenAt) turn._seenAt = Date.now();
    return Date.now() - turn._seenAt > STUCK_MS;
  }

  function retryButton(turn) {
    var retry = h("button", { type: "button", className: "button button--small", text: "Retry", dataset: { testid: "retry" } });
    retry.addEventListener("click", function () {
      if (send({ type: "turn.retry", turn_id: turn.id })) {
        retry.disabled = true;
        turn._seenAt = Date.now();
        setTurnStatus(turn.id, "queued");
      } else {
        showError("You're offline right now. Retry once the connection is back.");
      }
    });
    return retry;
  }

  function statusLine(turn) {
    var status = turn.status;
    var line = h("p", { className: "chat-message__status", dataset: { status: status || "" } });
    if (status === "sending") {
      line.textContent = state.connected ? "Sending…" : "Waiting for the connection — it will be sent automatically.";
    } else if ((status === "queued" || status === "running") && isStuck(turn)) {
      line.appendChild(document.createTextNode("This is taking much longer than usual. Your words are saved. "));
      line.appendChild(retryButton(turn));
    } else if (status === "queued") {
      line.textContent = "Queued for analysis…";
    } else if (status === "running") {
      line.textContent = "Analysing…";
    } else if (status === "failed") {
      var reason = turn.failure_reason || turn.reason;
      line.appendChild(
        document.createTextNode(
          "We couldn't analyse this message" + (reason ? " (" + reason + ")" : "") + ". Your words are saved. "
        )
      );
      line.appendChild(retryButton(turn));
    } else {
      line.hidden = true;
    }
    return line;
  }

  function learnerMessage(turn) {
    var li = h("li", { className: "chat-message chat-message--learner", dataset: { testid: "message-learner" } });
    li.appendChild(h("p", { className: "chat-message__who visually-hidden", text: "You said:" }));
    li.appendChild(h("p", { className: "chat-message__text", text: turn.text }));
    patchLearner(li, turn);
    return li;
  }

  // Messages are patched in place, never swapped whole: the list is an aria-live region, and a
  // swapped node would be read out again at every status change (and would lose keyboard focus).
  function patchLearner(li, turn) {
    li.dataset.status = turn.status || "";
    if (turn.id !== undefined && turn.id !== null) li.dataset.turnId = turn.id;
    if (turn.client_id) li.dataset.clientId = turn.client_id;
    var oldStatus = li.querySelector(".chat-message__status");
    var key = [turn.status, turn.failure_reason || turn.reason, state.connected, isStuck(turn)].join("|");
    if (!oldStatus || oldStatus.dataset.key !== key) {
      var line = statusLine(turn);
      line.dataset.key = key;
      if (oldStatus) li.replaceChild(line, oldStatus);
      else li.appendChild(line);
    }
    var analysisKey = turn.analysis ? JSON.stringify(turn.analysis) : "";
    if (analysisKey && li._analysis !== analysisKey) {
      var oldBlock = li.querySelector(".analysis");
      var block = analysisBlock(turn, li);
      if (oldBlock) li.replaceChild(block, oldBlock);
      else li.insertBefore(block, li.querySelector(".chat-message__guidance"));
      li._analysis = analysisKey;
    }
    var guidanceKey = turn.guidance && !turn.guidance.pause ? JSON.stringify(turn.guidance) : "";
    if (guidanceKey && li._guidance !== guidanceKey) {
      var oldGuidance = li.querySelector(".chat-message__guidance");
      var details = turnGuidance(turn.guidance);
      if (oldGuidance) li.replaceChild(details, oldGuidance);
      else li.appendChild(details);
      li._guidance = guidanceKey;
    }
  }

  function personaMessage(turn) {
    var li = h("li", { className: "chat-message chat-message--persona", dataset: { testid: "message-persona" } });
    li.appendChild(h("p", { className: "chat-message__who", text: PERSONA }));
    li.appendChild(h("p", { className: "chat-message__text" }));
    patchPersona(li, turn);
    return li;
  }

  function patchPersona(li, turn) {
    var streaming = !!state.streaming[turn.id];
    li.dataset.turnId = turn.id;
    li.classList.toggle("chat-message--streaming", streaming);
    if (streaming) li.setAttribute("aria-busy", "true");
    else li.removeAttribute("aria-busy");
    var text = li.querySelector(".chat-message__text");
    if (text.textContent !== (turn.text || "")) text.textContent = turn.text || "";
    var feelings = streaming ? [] : topFeelings(turn.emotions && (turn.emotions.probs || turn.emotions), 2);
    var old = li.querySelector(".chat-message__feelings");
    var words = feelings.length ? "Feeling: " + feelings.map(function (f) { return pretty(f[0]); }).join(", ") : "";
    if (old && old.textContent !== words) {
      li.removeChild(old);
      old = null;
    }
    if (words && !old) li.appendChild(h("p", { className: "chat-message__feelings", text: words }));
  }

  function renderTurn(turn) {
    return turn.role === "learner" ? learnerMessage(turn) : personaMessage(turn);
  }

  /** Show a turn: patch its message if the page has it (by id, or by client_id while unsaved), else add it. */
  function showTurn(turn) {
    var node = messageFor(turn.id) || (turn.client_id ? messageForClient(turn.client_id) : null);
    if (!node) {
      node = renderTurn(turn);
      insertInOrder(node, turn);
    } else if (turn.role === "learner") {
      patchLearner(node, turn);
    } else {
      patchPersona(node, turn);
    }
    return node;
  }

  function insertInOrder(node, turn) {
    // Persona and saved learner turns go by index; unsaved ones stay at the end.
    if (turn.index === undefined || turn.index === null) {
      el.messages.appendChild(node);
      return;
    }
    var children = el.messages.children;
    for (var i = 0; i < children.length; i++) {
      var other = children[i].dataset.turnId ? findTurn(Number(children[i].dataset.turnId)) : null;
      if (!children[i].dataset.turnId || (other && other.index > turn.index)) {
        el.messages.insertBefore(node, children[i]);
        return;
      }
    }
    el.messages.appendChild(node);
  }

  // Bring the list in line with state.turns and the pending turns, touching only what changed.
  function renderAll() {
    var wanted = {};
    var wantedClients = {};
    state.turns.forEach(function (t) {
      wanted[String(t.id)] = true;
      if (t.client_id) wantedClients[t.client_id] = true;
    });
    Array.prototype.slice.call(el.messages.children).forEach(function (node) {
      var clientId = node.dataset.clientId;
      var keep = node.dataset.turnId
        ? wanted[node.dataset.turnId]
        : clientId && (state.pending[clientId] || wantedClients[clientId]); // unsaved, or saved meanwhile
      if (!keep) el.messages.removeChild(node);
    });
    state.turns.forEach(showTurn);
    Object.keys(state.pending).forEach(function (clientId) {
      showTurn({ client_id: clientId, text: state.pending[clientId].text, status: "sending" });
    });
    updateTyping();
  }

  function setTurnStatus(turnId, status, reason) {
    var turn = findTurn(turnId);
    if (!turn) return;
    turn.status = status;
    if (reason !== undefined) turn.failure_reason = reason;
    showTurn(turn);
    updateTyping();
  }

  // ----- Analysis under a learner turn ------------------------------------------------------

  function analysisBlock(turn, li) {
    var analysis = turn.analysis || {};
    var emotion = analysis.emotion || {};
    var empathy = analysis.empathy || {};
    var block = h("div", { className: "analysis", dataset: { testid: "analysis" } });
    var detail = h("p", { className: "analysis__detail", "aria-live": "polite" });

    function textNode() {
      return li.querySelector(".chat-message__text");
    }
    function highlight(spans, kind, words) {
      renderText(textNode(), turn.text, spans, kind);
      detail.textContent = words;
    }
    function unhighlight(control) {
      if (control && control.getAttribute("aria-pressed") === "true") return;
      var pinned = block.querySelector('[aria-pressed="true"]');
      if (pinned) {
        pinned._show();
        return;
      }
      renderText(textNode(), turn.text, null);
      detail.textContent = "";
    }
    function wire(control, show) {
      control._show = show;
      control.addEventListener("mouseenter", show);
      control.addEventListener("focus", show);
      control.addEventListener("mouseleave", function () { unhighlight(control); });
      control.addEventListener("blur", function () { unhighlight(control); });
      control.addEventListener("click", function () {
        var pressed = control.getAttribute("aria-pressed") === "true";
        block.querySelectorAll('[aria-pressed="true"]').forEach(function (other) { other.setAttribute("aria-pressed", "false"); });
        control.setAttribute("aria-pressed", pressed ? "false" : "true");
        if (pressed) unhighlight(null);
        else show();
      });
    }

    // Emotion chips
    var labels = (emotion.labels && emotion.labels.length ? emotion.labels : (emotion.top || []).slice(0, 1).map(function (t) { return t[0]; }))
      .filter(function (label) { return label !== "neutral" || (emotion.labels || []).length <= 1; })
      .slice(0, 4);
    var chips = h("ul", { className: "analysis__chips", "aria-label": "Emotions we read in your message" });
    labels.forEach(function (label) {
      var spans = (emotion.highlights && emotion.highlights[label]) || [];
      var chip = h("button", {
        type: "button",
        className: "chip",
        "aria-pressed": "false",
        dataset: { focusKey: "emotion-" + label, label: label },
        text: pretty(label),
      });
      var words = spans.length
        ? "Words that sound " + pretty(label) + ": " + quoteList(spans.map(function (s) { return s.text; }))
        : "No single words stood out for " + pretty(label) + ".";
      wire(chip, function () { highlight(spans, "emotion", words); });
      chips.appendChild(h("li", null, [chip]));
    });
    if (labels.length) block.appendChild(chips);

    // ER / IP / EX meter
    var meter = h("ul", { className: "analysis__meter", "aria-label": "Empathy in your message, each scored 0 to 2" });
    MECHANISMS.forEach(function (m) {
      var result = empathy[m.key] || {};
      var level = Math.max(0, Math.min(2, Number(result.level) || 0));
      var spans = result.rationales || [];
      var pips = h("span", { className: "meter__pips", "aria-hidden": "true" }, [
        h("span", { className: "meter__pip" + (level >= 1 ? " meter__pip--on" : "") }),
        h("span", { className: "meter__pip" + (level >= 2 ? " meter__pip--on" : "") }),
      ]);
      var words = m.name + ": " + level + " of 2 (" + LEVEL_WORDS[level] + ")" +
        (spans.length ? ". Words: " + quoteList(spans.map(function (s) { return s.text; })) : "");
      var control = h(
        "button",
        {
          type: "button",
          className: "meter meter--level-" + level,
          "aria-pressed": "false",
          "aria-label": words,
          title: m.name,
          dataset: { focusKey: "mechanism-" + m.key, mechanism: m.key, level: level },
        },
        [h("span", { className: "meter__name", text: m.short }), pips, h("span", { className: "meter__value", "aria-hidden": "true", text: String(level) })]
      );
      wire(control, function () { highlight(spans, m.key, words); });
      meter.appendChild(h("li", null, [control]));
    });
    block.appendChild(meter);
    block.appendChild(detail);

    if (analysis.text_truncated) {
      block.appendChild(h("p", { className: "analysis__note", text: "Only the first part of this long message was analysed." }));
    }
    return block;
  }

  function turnGuidance(guidance) {
    var details = h("details", { className: "chat-message__guidance" }, [h("summary", { text: "Coaching on this reply" })]);
    if (guidance.worked) details.appendChild(h("p", null, [h("strong", { text: "What worked: " }), guidance.worked]));
    if (guidance.try_next) details.appendChild(h("p", null, [h("strong", { text: "Try next: " }), guidance.try_next]));
    if (guidance.rewrite) details.appendChild(h("p", null, [h("strong", { text: "Rewrite: " }), h("q", { text: guidance.rewrite })]));
    return details;
  }

  // ----- Guidance panel and wellbeing card -------------------------------------------------

  function renderGuidance(turnId, guidance) {
    if (!guidance) return;
    el.guidanceEmpty.hidden = true;
    el.guidanceBody.hidden = false;
    el.guidancePanel.dataset.turnId = turnId;
    el.guidanceWorked.textContent = guidance.worked || "Keep going — every reply is practice.";
    el.guidanceTry.textContent = guidance.try_next || "";
    el.guidanceRewrite.textContent = guidance.rewrite || "";
    el.guidanceRewrite.hidden = !guidance.rewrite;
  }

  function resourceItem(resource) {
    if (typeof resource === "string") return h("li", { text: resource });
    var title = resource.title || resource.name || resource.label || "";
    var text = resource.text || resource.detail || resource.description || "";
    var contact = resource.phone || resource.number || resource.contact || "";
    var item = h("li", null, [title ? h("strong", { text: title }) : null, title && text ? " — " : "", text]);
    if (contact) item.appendChild(document.createTextNode(" " + contact));
    if (resource.url && /^https?:\/\//.test(resource.url)) {
      item.appendChild(document.createTextNode(" "));
      item.appendChild(h("a", { href: resource.url, rel: "noopener", target: "_blank", text: resource.url }));
    }
    return item;
  }

  function showWellbeing(resources) {
    // guidance.resources is {title, body, lines, continue_label}; a bare list is accepted too.
    var card = resources && !Array.isArray(resources) && typeof resources === "object" ? resources : {};
    var lines = Array.isArray(resources) ? resources : card.lines;
    if (card.title) el.wellbeingTitle.textContent = card.title;
    if (card.body) el.wellbeingBody.textContent = card.body;
    if (card.continue_label) el.wellbeingContinue.textContent = card.continue_label;
    clear(el.wellbeingResources);
    (lines && lines.length ? lines : DEFAULT_RESOURCES).forEach(function (r) {
      el.wellbeingResources.appendChild(resourceItem(r));
    });
    var wasHidden = el.wellbeing.hidden;
    el.wellbeing.hidden = false;
    updateComposer();
    if (wasHidden) el.wellbeing.focus();
  }

  function hideWellbeing() {
    el.wellbeing.hidden = true;
    updateComposer();
  }

  // ----- Summary ----------------------------------------------------------------------------

  function num(value, digits) {
    var n = Number(value);
    return isFinite(n) ? n.toFixed(digits === undefined ? 1 : digits) : "–";
  }

  function mechanismStats(summary, key) {
    var avg = null;
    var best = null;
    var m = (summary.mechanisms && summary.mechanisms[key]) || (summary.empathy && summary.empathy[key]) || null;
    if (m && typeof m === "object") {
      avg = m.average !== undefined ? m.average : m.avg !== undefined ? m.avg : m.mean;
      best = m.best !== undefined ? m.best : m.max;
    }
    var avgs = summary.average || summary.averages || summary.avg;
    var bests = summary.best || summary.bests;
    if (avg === null && avgs && typeof avgs === "object") avg = avgs[key];
    if (best === null && bests && typeof bests === "object") best = bests[key];
    return { avg: avg, best: best };
  }

  function trajectoryPoints(summary) {
    var raw = summary.trajectory || summary.persona_trajectory || [];
    return raw.map(function (point, i) {
      if (point && point.emotions) {
        var at = point.index !== undefined ? point.index : point.turn;
        return { label: i === 0 && !at ? "At the start" : "After your reply " + (i === 0 ? 1 : i), emotions: point.emotions };
      }
      return { label: i === 0 ? "At the start" : "After your reply " + i, emotions: point || {} };
    });
  }

  function renderSummary(summary) {
    if (!summary) return;
    clear(el.summaryBody);
    var body = el.summaryBody;
    var turns = summary.turns !== undefined ? summary.turns : summary.turn_count;
    if (turns !== undefined) body.appendChild(h("p", { className: "summary__turns", text: "You wrote " + turns + " " + (Number(turns) === 1 ? "reply" : "replies") + "." }));

    var table = h("table", { className: "summary__table" }, [
      h("caption", { text: "Empathy, per mechanism (0–2)" }),
      h("thead", null, [h("tr", null, [h("th", { scope: "col", text: "Mechanism" }), h("th", { scope: "col", text: "Average" }), h("th", { scope: "col", text: "Best" })])]),
    ]);
    var tbody = h("tbody");
    MECHANISMS.forEach(function (m) {
      var s = mechanismStats(summary, m.key);
      tbody.appendChild(h("tr", null, [h("th", { scope: "row", text: m.name + " (" + m.short + ")" }), h("td", { text: num(s.avg) }), h("td", { text: num(s.best, 0) })]));
    });
    table.appendChild(tbody);
    body.appendChild(table);

    var points = trajectoryPoints(summary);
    if (points.length) {
      body.appendChild(h("h3", { text: "How " + PERSONA + " felt" }));
      var list = h("ol", { className: "summary__trajectory" });
      points.forEach(function (p) {
        var top = topFeelings(p.emotions, 2);
        list.appendChild(h("li", null, [h("strong", { text: p.label + ": " }), top.length ? top.map(function (t) { return pretty(t[0]) + " " + Math.round(t[1] * 100) + "%"; }).join(", ") : "calm"]));
      });
      body.appendChild(list);
    }

    var goals = summary.goals || summary.goals_met;
    if (goals && goals.length) {
      body.appendChild(h("h3", { text: "Goals" }));
      var goalList = h("ul", { className: "summary__goals" });
      goals.forEach(function (g) {
        if (typeof g === "string") {
          goalList.appendChild(h("li", { className: "summary__goal summary__goal--met", text: "✓ " + g }));
          return;
        }
        var met = g.met !== undefined ? g.met : true;
        goalList.appendChild(h("li", { className: "summary__goal" + (met ? " summary__goal--met" : "") }, [
          h("span", { "aria-hidden": "true", text: met ? "✓ " : "○ " }),
          h("span", { className: "visually-hidden", text: met ? "Met: " : "Not yet: " }),
          g.description || g.text || "",
        ]));
      });
      body.appendChild(goalList);
    }

    var highlights = summary.highlights || [];
    if (highlights.length) {
      body.appendChild(h("h3", { text: "Highlights from your replies" }));
      var hl = h("ul", { className: "summary__highlights" });
      highlights.slice(0, 3).forEach(function (item) {
        if (typeof item === "string") {
          hl.appendChild(h("li", { text: item }));
          return;
        }
        var quote = item.quote || item.text || item.words || "";
        var why = item.why || item.note || item.reason || item.label || "";
        hl.appendChild(h("li", null, [quote ? h("q", { text: quote }) : null, quote && why ? " — " : "", why]));
      });
      body.appendChild(hl);
    }

    var next = summary.practise_next || summary.practice_next || summary.next || summary.try_next;
    if (next) {
      body.appendChild(h("h3", { text: "One thing to practise next" }));
      body.appendChild(h("p", { className: "summary__next", text: typeof next === "string" ? next : next.text || "" }));
    }
    var wasHidden = el.summary.hidden;
    el.summary.hidden = false;
    updateComposer();
    if (wasHidden) el.summary.focus();
  }

  // ----- Typing indicator and composer ------------------------------------------------------

  function updateTyping() {
    var streaming = Object.keys(state.streaming).length > 0;
    var working = state.turns.some(function (t) { return t.role === "learner" && (t.status === "queued" || t.status === "running"); });
    var text = "";
    if (streaming) text = PERSONA + " is typing…";
    else if (working) text = PERSONA + " is reading your message…";
    el.typing.hidden = !text;
    el.typingText.textContent = text;
  }

  function sessionOpen() {
    return state.session.status !== "completed" && state.session.status !== "paused" && !state.closedForGood;
  }

  function updateComposer() {
    var length = charLength(el.input.value);
    el.count.textContent = String(length);
    var over = length > MAX_CHARS;
    el.counter.classList.toggle("composer__counter--over", over);
    el.input.setAttribute("aria-invalid", over ? "true" : "false");
    var open = sessionOpen();
    el.input.disabled = !open;
    el.send.disabled = !open || over || !el.input.value.trim();
    el.form.classList.toggle("composer--closed", !open);
    // An ended conversation has nothing to write to: the summary takes the composer's place.
    el.form.hidden = state.session.status === "completed";
  }

  var lastAnnounced = "";
  function announceLength() {
    var length = charLength(el.input.value);
    var message = "";
    if (length > MAX_CHARS) message = "Your message is " + (length - MAX_CHARS) + " characters over the " + MAX_CHARS + " limit.";
    else if (length > MAX_CHARS - 100) message = MAX_CHARS - length + " characters left.";
    if (message && message !== lastAnnounced) el.announce.textContent = message;
    lastAnnounced = message;
  }

  function submitTurn() {
    var text = el.input.value.trim();
    if (!text || !sessionOpen()) return;
    if (charLength(text) > MAX_CHARS) {
      showError("That message is too long — please keep it under " + MAX_CHARS + " characters.");
      return;
    }
    showError("");
    var clientId = uuid4();
    state.pending[clientId] = { client_id: clientId, text: text, sentAt: Date.now() };
    savePending();
    el.messages.appendChild(learnerMessage({ client_id: clientId, text: text, status: "sending" }));
    el.input.value = "";
    updateComposer();
    send({ type: "turn.submit", client_id: clientId, text: text });
    state.pending[clientId].sentAt = Date.now();
  }

  // ----- Socket -----------------------------------------------------------------------------

  function send(message) {
    var socket = state.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN || !state.connected) return false;
    socket.send(JSON.stringify(message));
    return true;
  }

  function setConnection(kind, text) {
    el.status.dataset.state = kind;
    el.statusText.textContent = text;
    el.reconnectNow.hidden = kind !== "reconnecting";
    root.dataset.connection = kind;
  }

  function socketUrl() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    return scheme + window.location.host + root.dataset.wsPath;
  }

  function connect() {
    if (state.closedForGood) return;
    clearTimeout(state.reconnectTimer);
    clearInterval(state.countdownTimer);
    state.reconnectTimer = null;
    if (state.socket && state.socket.readyState <= WebSocket.OPEN) return;
    setConnection(state.attempts ? "reconnecting" : "connecting", state.attempts ? "Reconnecting…" : "Connecting…");
    var socket;
    try {
      socket = new WebSocket(socketUrl());
    } catch (e) {
      scheduleReconnect();
      return;
    }
    state.socket = socket;
    socket.addEventListener("message", function (msg) {
      if (socket !== state.socket) return;
      var data;
      try {
        data = JSON.parse(msg.data);
      } catch (e) {
        return;
      }
      handle(data);
    });
    socket.addEventListener("close", function (ev) {
      if (socket !== state.socket) return;
      state.connected = false;
      state.socket = null;
      state.streaming = {};
      updateTyping();
      if (PERMANENT_CLOSE_CODES[ev.code]) {
        state.closedForGood = true;
        setConnection("closed", "This practice session can't be opened any more. Go back to the course to start a new one.");
        updateComposer();
        return;
      }
      scheduleReconnect();
    });
    // "open" alone is not "ready": the page is live once session.state has arrived.
  }

  function scheduleReconnect() {
    // Exponential back-off with full jitter: 0.5 s, 1 s, 2 s … up to 30 s, each randomised,
    // so a server restart is not met by every open page at the same instant.
    var cap = Math.min(30000, 500 * Math.pow(2, state.attempts));
    var delay = Math.round(cap / 2 + Math.random() * (cap / 2));
    state.attempts += 1;
    state.reconnectAt = Date.now() + delay;
    var tick = function () {
      var left = Math.max(0, Math.ceil((state.reconnectAt - Date.now()) / 1000));
      setConnection("reconnecting", "Connection lost. Your messages are kept. Reconnecting" + (left > 0 ? " in " + left + " s…" : "…"));
    };
    tick();
    clearInterval(state.countdownTimer);
    state.countdownTimer = setInterval(tick, 1000);
    state.reconnectTimer = setTimeout(function () {
      clearInterval(state.countdownTimer);
      connect();
    }, delay);
    refreshPendingLines();
  }

  function refreshPendingLines() {
    Object.keys(state.pending).forEach(function (clientId) {
      var node = messageForClient(clientId);
      if (node && !node.dataset.turnId) patchLearner(node, { client_id: clientId, text: state.pending[clientId].text, status: "sending" });
    });
  }

  function onState(data) {
    var seenAt = {};
    state.turns.forEach(function (t) { if (t._seenAt) seenAt[t.id] = t._seenAt; });
    state.session = data.session || state.session;
    state.turns = (data.turns || []).slice().sort(function (a, b) { return (a.index || 0) - (b.index || 0); });
    state.turns.forEach(function (t) { if (seenAt[t.id]) t._seenAt = seenAt[t.id]; });
    state.streaming = {};
    // Anything the database already has was saved: drop it from pending.
    state.turns.forEach(function (t) {
      if (t.client_id && state.pending[t.client_id]) delete state.pending[t.client_id];
    });
    savePending();
    renderAll();
    renderBubble(currentFeelings());
    var lastGuided = null;
    state.turns.forEach(function (t) { if (t.role === "learner" && t.guidance) lastGuided = t; });
    if (lastGuided) renderGuidance(lastGuided.id, lastGuided.guidance);
    if (state.session.status === "paused") showWellbeing(lastGuided && lastGuided.guidance && lastGuided.guidance.resources);
    else hideWellbeing();
    if (state.session.summary) renderSummary(state.session.summary);
    updateComposer();

    var wasReconnect = state.attempts > 0;
    state.connected = true;
    state.attempts = 0;
    setConnection("connected", wasReconnect ? "Reconnected." : "Connected.");
    // Resend what the server never acknowledged, with the same client_id (no doubles).
    Object.keys(state.pending).forEach(function (clientId) {
      send({ type: "turn.submit", client_id: clientId, text: state.pending[clientId].text });
    });
    refreshPendingLines();
    if (state.continueWanted && send({ type: "session.continue" })) state.continueWanted = false;
  }

  function currentFeelings() {
    if (state.session.persona_state && Object.keys(state.session.persona_state).length) return state.session.persona_state;
    for (var i = state.turns.length - 1; i >= 0; i--) if (state.turns[i].persona_state) return state.turns[i].persona_state;
    return state.session.starting_emotions || readJson("persona-start") || {};
  }

  function readJson(id) {
    try {
      var script = document.getElementById(id);
      return script ? JSON.parse(script.textContent) : null;
    } catch (e) {
      return null;
    }
  }

  function onSaved(turn) {
    if (turn.client_id && state.pending[turn.client_id]) {
      delete state.pending[turn.client_id];
      savePending();
    }
    if (!turn.status) turn.status = "queued";
    var existing = findTurn(turn.id);
    upsertTurn(existing ? Object.assign({}, turn, { status: existing.status, analysis: existing.analysis, guidance: existing.guidance }) : turn);
    // showTurn finds the unsaved bubble by client_id and turns it into the saved turn in place.
    showTurn(findTurn(turn.id));
    updateTyping();
  }

  function onAnalysis(data) {
    var turn = findTurn(data.turn_id);
    if (!turn) return;
    turn.analysis = data.analysis;
    turn.status = "done";
    showTurn(turn);
    updateTyping();
  }

  function onGuidance(data) {
    var turn = findTurn(data.turn_id);
    if (turn) {
      turn.guidance = data.guidance;
      showTurn(turn);
    }
    renderGuidance(data.turn_id, data.guidance);
    if (data.guidance && data.guidance.pause) {
      state.session.status = "paused";
      showWellbeing(data.guidance.resources);
    }
  }

  function onReplyStart(data) {
    var known = findTurn(data.turn_id);
    // The reply is saved before it streams: after a reconnect or reload the page may already
    // have the whole text from the database, and then the stream is not replayed on top of it.
    if (known && known.text && !state.streaming[data.turn_id]) return;
    var learner = findTurn(data.in_reply_to);
    state.streaming[data.turn_id] = true;
    if (!known) {
      // Provisional position just after the turn it answers; reply.done brings the real index.
      upsertTurn({ id: data.turn_id, role: "persona", text: "", index: learner ? (learner.index || 0) + 0.5 : undefined });
    }
    showTurn(findTurn(data.turn_id));
    updateTyping();
  }

  function onReplyToken(data) {
    var turn = findTurn(data.turn_id);
    if (!turn) {
      onReplyStart({ turn_id: data.turn_id });
      turn = findTurn(data.turn_id);
    }
    if (!state.streaming[data.turn_id]) return;
    turn.text = (turn.text || "") + data.token;
    var node = messageFor(turn.id);
    if (node) node.querySelector(".chat-message__text").textContent = turn.text;
  }

  function onReplyDone(data) {
    var turn = data.turn;
    if (!turn) return;
    delete state.streaming[turn.id];
    upsertTurn(turn);
    showTurn(findTurn(turn.id));
    updateTyping();
  }

  function onStatus(data) {
    setTurnStatus(data.turn_id, data.status, data.reason);
    if (data.status === "failed") showError("One of your messages couldn't be analysed. It is saved — use Retry to try again.");
  }

  function onError(data) {
    var messages = {
      too_long: "That message is too long — please keep it under " + MAX_CHARS + " characters.",
      empty: "Write something before sending.",
      rate_limited: "You're sending messages very quickly. Take a breath and try again in a moment.",
      session_closed: "This practice session has ended, so new messages can't be added.",
      not_found: "We couldn't find that message. Reload the page to see the latest conversation.",
      malformed: "Something went wrong sending that. Please try again.",
      unknown_type: "Something went wrong sending that. Please try again.",
      binary_frame: "Something went wrong sending that. Please try again.",
    };
    showError(data.message || messages[data.code] || "Something went wrong. Please try again.");
    var clientId = data.client_id;
    if (clientId && state.pending[clientId]) {
      // Refused, not lost: give the words back to the learner to edit and resend.
      var text = state.pending[clientId].text;
      delete state.pending[clientId];
      savePending();
      var node = messageForClient(clientId);
      if (node && !node.dataset.turnId) node.remove();
      if (!el.input.value.trim() && data.code !== "session_closed") el.input.value = text;
      updateComposer();
    }
  }

  function handle(data) {
    switch (data.type) {
      case "session.state":
        onState(data);
        break;
      case "turn.saved":
        onSaved(data.turn || {});
        break;
      case "turn.status":
        onStatus(data);
        break;
      case "turn.analysis":
        onAnalysis(data);
        break;
      case "guidance":
        onGuidance(data);
        break;
      case "persona.state":
        renderBubble(data.emotions);
        state.session.persona_state = data.emotions;
        break;
      case "reply.start":
        onReplyStart(data);
        break;
      case "reply.token":
        onReplyToken(data);
        break;
      case "reply.done":
        onReplyDone(data);
        break;
      case "session.summary":
        state.session.status = "completed";
        state.session.summary = data.summary;
        renderSummary(data.summary);
        break;
      case "error":
        onError(data);
        break;
      default:
        break; // an event this page does not know yet is not an error
    }
  }

  // ----- Wiring -----------------------------------------------------------------------------

  el.form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    submitTurn();
  });
  el.input.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing && ev.keyCode !== 229) {
      ev.preventDefault();
      submitTurn();
    }
  });
  el.input.addEventListener("input", function () {
    updateComposer();
    announceLength();
  });
  el.reconnectNow.addEventListener("click", function () {
    state.attempts = Math.max(1, state.attempts);
    connect();
  });
  el.wellbeingContinue.addEventListener("click", function () {
    state.session.status = "active";
    if (!send({ type: "session.continue" })) state.continueWanted = true;
    hideWellbeing();
    el.input.focus();
  });
  // A turn stuck in the queue gets its Retry button without waiting for another event.
  setInterval(function () {
    state.turns.forEach(function (t) {
      if (t.role === "learner" && (t.status === "queued" || t.status === "running")) showTurn(t);
    });
  }, 15000);
  window.addEventListener("online", function () {
    if (!state.socket && !state.closedForGood) connect();
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible" && !state.socket && !state.closedForGood) connect();
  });

  // First paint from what the server rendered into the page, before the socket is even open.
  var initial = readJson("practice-state") || {};
  if (Array.isArray(initial)) initial = { turns: initial };
  state.session = Object.assign({ status: root.dataset.sessionStatus || "active" }, initial.session || {});
  state.turns = (initial.turns || []).slice().sort(function (a, b) { return (a.index || 0) - (b.index || 0); });
  state.turns.forEach(function (t) {
    if (t.client_id && state.pending[t.client_id]) delete state.pending[t.client_id];
  });
  renderAll();
  renderBubble(currentFeelings());
  state.turns.forEach(function (t) { if (t.role === "learner" && t.guidance) renderGuidance(t.id, t.guidance); });
  if (state.session.status === "paused") {
    var guided = state.turns.filter(function (t) { return t.guidance; }).pop();
    showWellbeing(guided && guided.guidance.resources);
  }
  if (state.session.summary) renderSummary(state.session.summary);
  updateComposer();
  connect();

  // For tests and debugging in the console; nothing else reads it.
  window.practicePage = { state: state, handle: handle };
})();
