/* The persona's feelings: the strongest few, and the thought bubble that shows them. */

import { clear, h } from "./dom.js";
import { pretty } from "./text.js";

/** The `count` strongest [label, value] pairs of an emotions map, "neutral" only if nothing else. */
export function topFeelings(emotions, count) {
  const entries = Object.keys(emotions || {})
    .map((label) => [label, Number(emotions[label]) || 0])
    .filter((e) => e[1] > 0.01)
    .sort((a, b) => b[1] - a[1]);
  const withoutNeutral = entries.filter((e) => e[0] !== "neutral");
  return (withoutNeutral.length ? withoutNeutral : entries).slice(0, count);
}

function intensityWord(value) {
  if (value >= 0.66) return "strongly";
  if (value >= 0.33) return "moderately";
  return "slightly";
}

export function renderBubble(list, emotions) {
  clear(list);
  const top = topFeelings(emotions, 3);
  if (!top.length) {
    list.appendChild(h("li", { className: "thought-bubble__calm", text: "Calm" }));
    return;
  }
  for (const [label, value] of top) {
    const pct = Math.round(Math.max(0, Math.min(1, value)) * 100);
    const fill = h("span", { className: "thought-bubble__fill" });
    // Through the CSSOM: a style attribute would break the Content-Security-Policy (no inline style).
    fill.style.width = pct + "%";
    const bar = h("span", { className: "thought-bubble__bar", "aria-hidden": "true" }, [fill]);
    list.appendChild(
      h("li", { className: "thought-bubble__item", dataset: { label } }, [
        h("span", { className: "thought-bubble__label", text: pretty(label) }),
        bar,
        h("span", { className: "visually-hidden", text: " (" + intensityWord(value) + ", " + pct + "%)" }),
      ])
    );
  }
}
