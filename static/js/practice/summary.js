/* The end-of-session summary (events.SummaryView): scores, how the persona felt, goals, next step. */

import { clear, h } from "./dom.js";
import { topFeelings } from "./feelings.js";
import { pretty } from "./text.js";

function num(value, digits) {
  const n = Number(value);
  return isFinite(n) ? n.toFixed(digits === undefined ? 1 : digits) : "–";
}

/** Fill `body` with the summary; `mechanisms` are the server's [{key, short, name}]. */
export function renderSummary(body, summary, { mechanisms, personaName }) {
  clear(body);
  if (summary.turns !== undefined) {
    const replies = Number(summary.turns) === 1 ? "reply" : "replies";
    body.appendChild(h("p", { className: "summary__turns", text: "You wrote " + summary.turns + " " + replies + "." }));
  }
  body.appendChild(scoreTable(summary, mechanisms));

  const points = trajectoryPoints(summary.trajectory || []);
  if (points.length) {
    body.appendChild(h("h3", { text: "How " + personaName + " felt" }));
    const list = h("ol", { className: "summary__trajectory" });
    for (const p of points) {
      const top = topFeelings(p.emotions, 2);
      const words = top.length ? top.map((t) => pretty(t[0]) + " " + Math.round(t[1] * 100) + "%").join(", ") : "calm";
      list.appendChild(h("li", null, [h("strong", { text: p.label + ": " }), words]));
    }
    body.appendChild(list);
  }

  const goals = summary.goals || [];
  if (goals.length) {
    body.appendChild(h("h3", { text: "Goals" }));
    const list = h("ul", { className: "summary__goals" });
    for (const goal of goals) {
      list.appendChild(
        h("li", { className: "summary__goal" + (goal.met ? " summary__goal--met" : "") }, [
          h("span", { "aria-hidden": "true", text: goal.met ? "✓ " : "○ " }),
          h("span", { className: "visually-hidden", text: goal.met ? "Met: " : "Not yet: " }),
          goal.description || "",
        ])
      );
    }
    body.appendChild(list);
  }

  const highlights = (summary.highlights || []).slice(0, 3);
  if (highlights.length) {
    body.appendChild(h("h3", { text: "Highlights from your replies" }));
    const list = h("ul", { className: "summary__highlights" });
    for (const item of highlights) {
      const quote = item.quote || "";
      const note = item.note || "";
      list.appendChild(h("li", null, [quote ? h("q", { text: quote }) : null, quote && note ? " — " : "", note]));
    }
    body.appendChild(list);
  }

  const next = summary.practise_next;
  if (next) {
    body.appendChild(h("h3", { text: "One thing to practise next" }));
    body.appendChild(h("p", { className: "summary__next", text: next.text || "" }));
  }
}

function scoreTable(summary, mechanisms) {
  const table = h("table", { className: "summary__table" }, [
    h("caption", { text: "Empathy, per mechanism (0–2)" }),
    h("thead", null, [
      h("tr", null, [
        h("th", { scope: "col", text: "Mechanism" }),
        h("th", { scope: "col", text: "Average" }),
        h("th", { scope: "col", text: "Best" }),
      ]),
    ]),
  ]);
  const tbody = h("tbody");
  for (const m of mechanisms) {
    const stats = (summary.mechanisms || {})[m.key];
    tbody.appendChild(
      h("tr", null, [
        h("th", { scope: "row", text: m.name + " (" + m.short + ")" }),
        h("td", { text: num(stats ? stats.average : null) }),
        h("td", { text: num(stats ? stats.best : null, 0) }),
      ])
    );
  }
  table.appendChild(tbody);
  return table;
}

/** The trajectory's points, labelled: the opening feelings, then after each reply. */
function trajectoryPoints(trajectory) {
  return trajectory.map((point, i) => {
    const start = i === 0 && !(point && point.index);
    return { label: start ? "At the start" : "After your reply " + (i === 0 ? 1 : i), emotions: (point && point.emotions) || {} };
  });
}
