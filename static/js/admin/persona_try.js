// "Try this persona" on the scenario's admin page (templates/admin/courses/scenario/change_form.html):
// posts the line (courses/views/authoring.py), then polls for the result the task writes, and
// shows the analysis, the reply the persona would choose and why, and every reply's verdict.
(function () {
  "use strict";

  const POLL_MS = 600;
  const GIVE_UP_MS = 120000;

  function el(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = text;
    if (className) node.className = className;
    return node;
  }

  function percent(value) {
    return `${Math.round(Number(value) * 100)}%`;
  }

  function analysisList(analysis) {
    const list = el("dl", null, "persona-try-analysis");
    function add(term, value) {
      list.append(el("dt", term), el("dd", value));
    }
    for (const level of analysis.levels) {
      const phrases = level.phrases.length ? ` — “${level.phrases.join("”, “")}”` : "";
      add(level.name.charAt(0).toUpperCase() + level.name.slice(1), `${level.level} of 2${phrases}`);
    }
    add(
      "Blocker",
      analysis.blockers.length
        ? analysis.blockers.map((b) => (b.text ? `${b.name.replace("_", " ")} — “${b.text}”` : b.name)).join("; ")
        : "none"
    );
    add(
      "Emotions",
      analysis.emotions.length ? analysis.emotions.map((e) => `${e.label} ${percent(e.probability)}`).join(", ") : "none over their thresholds"
    );
    add("Asked a question", analysis.asked_question ? "yes" : "no");
    add("Tone", analysis.tone);
    add("Safety", analysis.safety.level === "none" ? "none" : `${analysis.safety.level}: ${analysis.safety.reason}`);
    return list;
  }

  function verdictTable(replies) {
    const table = el("table", null, "persona-try-replies");
    const head = table.createTHead().insertRow();
    for (const title of ["#", "Reply", "Conditions (✓ held, ✗ did not)", "Set", "Priority", "Fits"]) {
      const th = el("th", title);
      th.scope = "col";
      head.append(th);
    }
    const body = table.createTBody();
    for (const reply of replies) {
      const row = body.insertRow();
      if (reply.chosen) row.className = "persona-try-chosen-row";
      row.append(el("td", String(reply.number)));
      const text = el("td", reply.text);
      if (reply.closing) text.prepend(el("span", "closing ", "persona-try-tag"));
      row.append(text);
      const conditions = el("td");
      if (reply.conditions.length) {
        const list = el("ul", null, "persona-try-conditions");
        for (const check of reply.conditions) {
          const item = el("li", `${check.held ? "✓" : "✗"} ${check.text}`, check.held ? "held" : "failed");
          list.append(item);
        }
        conditions.append(list);
      } else {
        conditions.textContent = "none (fits any message)";
      }
      row.append(conditions, el("td", String(reply.specificity)), el("td", String(reply.priority)));
      let fits = reply.fits ? "yes" : "no";
      if (!reply.considered) fits = reply.closing ? "not yet (closing)" : "no (last turn)";
      if (reply.chosen) fits += " — chosen";
      row.append(el("td", fits));
    }
    return table;
  }

  function render(target, data) {
    target.replaceChildren();
    target.append(el("h3", `What the analysis read (turn ${data.turn_number}${data.last_turn ? ", the last" : ""})`));
    target.append(analysisList(data.analysis));
    if (data.paused) {
      target.append(
        el(
          "p",
          `In a real conversation the role-play would pause here: the safety screen flagged the message (${data.analysis.safety.level}), the learner sees the wellbeing card and the persona does not reply. Otherwise it would say:`,
          "persona-try-paused"
        )
      );
    }
    target.append(el("h3", "The persona would reply"));
    const quote = el("blockquote", data.chosen.text, "persona-try-chosen");
    quote.dataset.testid = "persona-try-chosen";
    target.append(quote, el("p", data.chosen.why, "persona-try-why"));
    target.append(el("h3", "Every reply"));
    target.append(verdictTable(data.replies));
    target.hidden = false;
  }

  function sleep(ms) {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }

  async function run(form, status, target) {
    target.hidden = true;
    status.textContent = "Analysing…";
    const response = await fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    });
    const started = await response.json().catch(() => ({}));
    if (response.status === 400 && started.errors) {
      status.textContent = Object.values(started.errors).flat().join(" ");
      return;
    }
    if (response.status === 429) {
      status.textContent = "Too many tries in a short time: wait a minute and try again.";
      return;
    }
    if (!response.ok) {
      status.textContent = `The trial could not start (HTTP ${response.status}).`;
      return;
    }
    const deadline = Date.now() + GIVE_UP_MS;
    while (Date.now() < deadline) {
      await sleep(POLL_MS);
      const poll = await fetch(started.poll, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (!poll.ok) {
        status.textContent = `The trial's result is gone (HTTP ${poll.status}). Try again.`;
        return;
      }
      const data = await poll.json();
      if (data.status === "done") {
        status.textContent = "Done.";
        render(target, data);
        return;
      }
      if (data.status === "failed") {
        status.textContent = data.error;
        return;
      }
    }
    status.textContent = "No answer yet: the models may still be loading or busy. Try again in a moment.";
  }

  document.addEventListener("DOMContentLoaded", () => {
    const form = document.querySelector("[data-persona-try]");
    if (!form) return;
    const status = document.querySelector("[data-persona-try-status]");
    const target = document.querySelector("[data-persona-try-result]");
    const button = form.querySelector("button[type=submit]");
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      button.disabled = true;
      run(form, status, target)
        .catch(() => {
          status.textContent = "The trial could not reach the server. Try again.";
        })
        .finally(() => {
          button.disabled = false;
        });
    });
  });
})();
