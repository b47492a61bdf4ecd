/*
 * The analysis under a learner turn: emotion chips and the ER / IP / EX meter. Hovering, focusing
 * or pressing a chip or a score highlights the words behind it in the learner's own message.
 */

import { h } from "./dom.js";
import { clauseSpans, pretty, quoteList, renderText } from "./text.js";

const LEVEL_WORDS = ["none", "weak", "strong"];

/**
 * The analysis block of `turn`. `textNode()` is the message's text element (where the words are
 * highlighted); `mechanisms` are the server's [{key, short, name}], in order.
 */
export function analysisBlock(turn, textNode, mechanisms) {
  const analysis = turn.analysis || {};
  const level = (analysis.safety || {}).level;
  if (level === "concern" || level === "crisis") {
    // The wellbeing card takes the place of emotions and scores on this turn (the server sends none).
    return h("div", { className: "analysis analysis--paused", dataset: { testid: "analysis", safety: level } }, [
      h("p", { className: "analysis__note", text: "No scores for this message: how you are matters more." }),
    ]);
  }
  const block = h("div", { className: "analysis", dataset: { testid: "analysis" } });
  const detail = h("p", { className: "analysis__detail", "aria-live": "polite" });
  const shows = new Map(); // control -> its highlight

  function highlight(spans, kind, words) {
    renderText(textNode(), turn.text, spans, kind);
    detail.textContent = words;
  }
  function unhighlight(control) {
    if (control && control.getAttribute("aria-pressed") === "true") return;
    const pinned = block.querySelector('[aria-pressed="true"]');
    if (pinned) {
      shows.get(pinned)();
      return;
    }
    renderText(textNode(), turn.text, null);
    detail.textContent = "";
  }
  function wire(control, show) {
    shows.set(control, show);
    control.addEventListener("mouseenter", show);
    control.addEventListener("focus", show);
    control.addEventListener("mouseleave", () => unhighlight(control));
    control.addEventListener("blur", () => unhighlight(control));
    control.addEventListener("click", () => {
      const pressed = control.getAttribute("aria-pressed") === "true";
      block.querySelectorAll('[aria-pressed="true"]').forEach((other) => other.setAttribute("aria-pressed", "false"));
      control.setAttribute("aria-pressed", pressed ? "false" : "true");
      if (pressed) unhighlight(null);
      else show();
    });
  }

  const chips = emotionChips(analysis.emotion || {}, wire, highlight);
  if (chips) block.appendChild(chips);
  block.appendChild(empathyMeter(analysis.empathy || {}, turn.text, mechanisms, wire, highlight));
  block.appendChild(detail);
  if (analysis.text_truncated) {
    block.appendChild(h("p", { className: "analysis__note", text: "Only the first part of this long message was analysed." }));
  }
  return block;
}

function emotionChips(emotion, wire, highlight) {
  // `shown`: the labels the detector is precise enough about to show (display thresholds); an
  // analysis saved before those existed falls back to its tuned labels.
  const labels = (Array.isArray(emotion.shown) ? emotion.shown : (emotion.labels || []).filter((l) => l !== "neutral"))
    .slice(0, 4);
  if (!labels.length) return null;
  const chips = h("ul", { className: "analysis__chips", "aria-label": "Emotions we read in your message" });
  for (const label of labels) {
    const spans = (emotion.highlights && emotion.highlights[label]) || [];
    const chip = h("button", {
      type: "button",
      className: "chip",
      "aria-pressed": "false",
      dataset: { focusKey: "emotion-" + label, label },
      text: pretty(label),
    });
    const words = spans.length
      ? "Words that sound " + pretty(label) + ": " + quoteList(spans.map((s) => s.text))
      : "No single words stood out for " + pretty(label) + ".";
    wire(chip, () => highlight(spans, "emotion", words));
    chips.appendChild(h("li", null, [chip]));
  }
  return chips;
}

function empathyMeter(empathy, text, mechanisms, wire, highlight) {
  const meter = h("ul", { className: "analysis__meter", "aria-label": "Empathy in your message, each scored 0 to 2" });
  for (const m of mechanisms) {
    const result = empathy[m.key] || {};
    const level = Math.max(0, Math.min(2, Number(result.level) || 0));
    const spans = clauseSpans(text, result.rationales || []);
    const pips = h("span", { className: "meter__pips", "aria-hidden": "true" }, [
      h("span", { className: "meter__pip" + (level >= 1 ? " meter__pip--on" : "") }),
      h("span", { className: "meter__pip" + (level >= 2 ? " meter__pip--on" : "") }),
    ]);
    const words =
      m.name + ": " + level + " of 2 (" + LEVEL_WORDS[level] + ")" +
      (spans.length ? ". Words: " + quoteList(spans.map((s) => s.text)) : "");
    const control = h(
      "button",
      {
        type: "button",
        className: "meter meter--level-" + level,
        "aria-pressed": "false",
        // The name starts with what the button shows ("ER 2"), so a voice-control user can say it.
        "aria-label": m.short + " " + level + " — " + words,
        title: m.name,
        dataset: { focusKey: "mechanism-" + m.key, mechanism: m.key, level },
      },
      [
        h("span", { className: "meter__name", text: m.short }),
        " ", // the visible text reads "ER 2", as its name begins
        pips,
        h("span", { className: "meter__value", "aria-hidden": "true", text: String(level) }),
      ]
    );
    wire(control, () => highlight(spans, m.key, words));
    meter.appendChild(h("li", null, [control]));
  }
  return meter;
}
