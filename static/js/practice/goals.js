/*
 * The scenario's goals in the aside, each ticked once met (session.goals_met, then live from each
 * persona.state). Items are patched in place; a goal that becomes met is announced once, politely,
 * through a separate live region, so the list itself never reads out again.
 */

import { clear, h } from "./dom.js";

export class GoalsPanel {
  /** els: {section, list, announce}: the panel, its <ul> and its live region. */
  constructor({ section, list, announce }) {
    this.section = section;
    this.list = list;
    this.announce = announce;
    this.shown = null; // goal ids drawn as met; null until first drawn (nothing to announce then)
  }

  /** Draw `goals` ([{id, description}]) with `metIds` ticked; announce the ones met since last drawn. */
  render(goals, metIds) {
    goals = goals || [];
    const met = new Set((metIds || []).map(String));
    this.section.hidden = !goals.length;
    const ids = goals.map((g) => String(g.id));
    if (ids.join(",") !== Array.from(this.list.children, (li) => li.dataset.goalId).join(",")) {
      clear(this.list);
      for (const goal of goals) this.list.appendChild(goalItem(goal));
    }
    const newly = [];
    goals.forEach((goal, i) => {
      const isMet = met.has(String(goal.id));
      patchItem(this.list.children[i], isMet);
      if (isMet && this.shown && !this.shown.has(String(goal.id))) newly.push(goal.description || "");
    });
    this.shown = new Set(ids.filter((id) => met.has(id)));
    if (newly.length) this.say((newly.length === 1 ? "Goal met: " : "Goals met: ") + newly.join("; "));
  }

  say(message) {
    // Cleared first, so the same words said twice are still read out the second time.
    this.announce.textContent = "";
    window.setTimeout(() => {
      this.announce.textContent = message;
    }, 50);
  }
}

function goalItem(goal) {
  return h("li", { className: "goal", dataset: { goalId: goal.id, testid: "goal" } }, [
    h("span", { className: "goal__tick", "aria-hidden": "true" }),
    h("span", { className: "goal__state visually-hidden" }),
    h("span", { className: "goal__text", text: goal.description || "" }),
  ]);
}

function patchItem(li, met) {
  const state = met ? "met" : "open";
  if (li.dataset.state === state) return;
  li.dataset.state = state;
  li.classList.toggle("goal--met", met);
  li.querySelector(".goal__tick").textContent = met ? "✓" : "";
  li.querySelector(".goal__state").textContent = met ? "Met: " : "Not yet: ";
}
