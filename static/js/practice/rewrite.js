/*
 * The example rewrite as a diff against the learner's own words, from the server's segments
 * (guidance.rewrite_diff: kept / removed / added runs): removed words struck through in <del>,
 * added ones in <ins>, each with words a screen reader says ("removed", "added"), since neither
 * element is announced by every reader. Without segments, the rewrite's plain text.
 */

import { h } from "./dom.js";

/** The nodes that show `guidance`'s rewrite: its diff where the server gave one, else its text. */
export function rewriteNodes(guidance) {
  const diff = Array.isArray(guidance.rewrite_diff) ? guidance.rewrite_diff : null;
  if (!diff || !diff.length) return [guidance.rewrite || ""];
  const nodes = [];
  diff.forEach((segment, i) => {
    if (i) nodes.push(" ");
    if (segment.op === "removed") nodes.push(marked("del", "removed", segment.text));
    else if (segment.op === "added") nodes.push(marked("ins", "added", segment.text));
    else nodes.push(segment.text);
  });
  return nodes;
}

/** What the diff's marks mean, and where the rewrite came from; "" without a diff. */
export function rewriteNote(guidance) {
  if (!Array.isArray(guidance.rewrite_diff) || !guidance.rewrite_diff.length) return "";
  const marks = "Struck through: taken out of your reply. Underlined: added.";
  if (guidance.rewrite_source === "generated") {
    return marks + " A small language model edited your words; the coach's scorer rated the edit higher and the safety screen passed it.";
  }
  return marks;
}

function marked(tag, said, text) {
  return h(tag, { className: "rewrite-diff__" + said }, [h("span", { className: "visually-hidden", text: said + ": " }), text]);
}
