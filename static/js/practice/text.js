/* Text as the server measures it, and learner text with highlighted words. */

import { clear, h } from "./dom.js";

/** The server counts code points (Python len), not UTF-16 units. */
export function charLength(text) {
  return Array.from(text).length;
}

/** A label for people: "not_sure" → "not sure". */
export function pretty(label) {
  return String(label || "").replace(/_/g, " ");
}

export function quoteList(items) {
  return items.map((t) => "“" + t + "”").join(", ");
}

// Offsets from the server are Python string indices (code points); JavaScript strings are
// UTF-16, so an emoji before a span would shift it. Map code-point offsets to UTF-16 ones.
function codePointToUnit(text) {
  const map = [0];
  let unit = 0;
  for (const cp of text) {
    unit += cp.length;
    map.push(unit);
  }
  return (index) => {
    if (index <= 0) return 0;
    return index < map.length ? map[index] : text.length;
  };
}

// Where a clause ends, as the coaching's quotes find it (courses/practice/signals.py, _CLAUSE_BREAK).
const CLAUSE_BREAK = /[.!?;:,\u2014\u2013()\n]|\s-\s|\bbut\b/gi;

/**
 * The spans ({start, end} in code points) widened to the whole clauses around them, as the coaching
 * quotes them (signals.phrase_around): the model tags words, and "be", "too" or "took a" lit alone read
 * as fragments. Each comes back with its clause's text; spans in one clause become one.
 */
export function clauseSpans(text, spans) {
  const points = Array.from(text);
  const unitToPoint = [];
  points.forEach((cp, index) => {
    for (let k = 0; k < cp.length; k++) unitToPoint.push(index);
  });
  unitToPoint.push(points.length);
  const breaks = Array.from(text.matchAll(CLAUSE_BREAK), (m) => [
    unitToPoint[m.index],
    unitToPoint[m.index + m[0].length],
  ]);
  const out = new Map();
  for (const span of spans || []) {
    let start = 0;
    let end = points.length;
    for (const [from, to] of breaks) {
      if (to <= span.start) start = Math.max(start, to);
      if (from >= span.end) end = Math.min(end, from);
    }
    if (end < points.length && (points[end] === "?" || points[end] === "!")) end += 1; // a question keeps its mark
    while (start < end && /[\s,;:\-\u2014\u2013]/.test(points[start])) start += 1;
    while (end > start && /[\s,;:\-\u2014\u2013]/.test(points[end - 1])) end -= 1;
    if (end > start) out.set(start + ":" + end, { start, end, text: points.slice(start, end).join("") });
  }
  return Array.from(out.values()).sort((a, b) => a.start - b.start);
}

/** Put `text` in `node`, with each span ({start, end} in code points) in a <mark> of `kind`. */
export function renderText(node, text, spans, kind) {
  clear(node);
  if (!spans || !spans.length) {
    node.textContent = text;
    return;
  }
  const toUnit = codePointToUnit(text);
  const ranges = spans
    .map((s) => [toUnit(s.start), toUnit(s.end)])
    .filter((r) => r[1] > r[0])
    .sort((a, b) => a[0] - b[0]);
  const merged = [];
  for (const r of ranges) {
    const last = merged[merged.length - 1];
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else merged.push([r[0], r[1]]);
  }
  let at = 0;
  for (const [start, end] of merged) {
    if (start > at) node.appendChild(document.createTextNode(text.slice(at, start)));
    node.appendChild(h("mark", { className: "highlight highlight--" + kind, text: text.slice(start, end) }));
    at = end;
  }
  if (at < text.length) node.appendChild(document.createTextNode(text.slice(at)));
}
