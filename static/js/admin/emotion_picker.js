// Emotion pickers for the authoring admin (courses/admin_forms.py, EmotionPickerWidget).
//
// The server's form is a text box of "sadness: 0.6, anger: 0.2". This script hides it behind a
// list of GoEmotions names and one intensity slider per chosen emotion, and writes the text back
// on every change, so what is posted is the same with or without it. A box whose text does not
// parse (a typo to fix) is left as it is: the server names the unknown emotion.
(function () {
  "use strict";

  function parse(text, labels, low, high) {
    const entries = [];
    const trimmed = text.trim();
    if (!trimmed) return entries;
    let pairs;
    if (trimmed.startsWith("{")) {
      try {
        pairs = Object.entries(JSON.parse(trimmed));
      } catch (error) {
        return null;
      }
    } else {
      pairs = trimmed
        .split(/[,;\n]/)
        .map((piece) => piece.trim())
        .filter(Boolean)
        .map((piece) => piece.replace("=", ":").split(":"));
    }
    for (const pair of pairs) {
      if (pair.length !== 2) return null;
      const label = String(pair[0]).trim().toLowerCase();
      const amount = Number(pair[1]);
      if (!labels.includes(label) || !Number.isFinite(amount) || amount < low || amount > high) return null;
      if (entries.some((entry) => entry.label === label)) return null;
      entries.push({ label, amount });
    }
    return entries;
  }

  function format(amount) {
    return String(Math.round(amount * 100) / 100);
  }

  function enhance(root) {
    if (root.dataset.ready || root.closest(".empty-form")) return;
    const input = root.querySelector("input");
    const labels = JSON.parse(root.dataset.labels);
    const low = Number(root.dataset.low);
    const high = Number(root.dataset.high);
    const entries = parse(input.value, labels, low, high);
    if (entries === null) return;
    root.dataset.ready = "true";
    const signed = low < 0;
    const noun = signed ? "Shift" : "Intensity";

    const list = document.createElement("ul");
    list.className = "emotion-picker-rows";
    const adder = document.createElement("select");
    adder.className = "emotion-picker-add";
    adder.setAttribute("aria-label", "Add an emotion");
    const empty = document.createElement("p");
    empty.className = "emotion-picker-empty help";
    empty.textContent = "No emotion chosen yet.";

    function writeBack() {
      input.value = entries.map((entry) => `${entry.label}: ${format(entry.amount)}`).join(", ");
      input.dispatchEvent(new Event("change", { bubbles: true }));
    }

    function render() {
      list.replaceChildren();
      for (const entry of entries) {
        const row = document.createElement("li");
        row.className = "emotion-picker-row";
        const id = `${input.id}-${entry.label}`;
        const name = document.createElement("label");
        name.htmlFor = id;
        name.textContent = entry.label;
        const slider = document.createElement("input");
        slider.type = "range";
        slider.id = id;
        slider.min = String(low);
        slider.max = String(high);
        slider.step = "0.05";
        slider.value = String(entry.amount);
        slider.setAttribute("aria-label", `${noun} of ${entry.label}`);
        const shown = document.createElement("output");
        shown.htmlFor = id;
        shown.textContent = format(entry.amount);
        slider.addEventListener("input", () => {
          entry.amount = Number(slider.value);
          shown.textContent = format(entry.amount);
          writeBack();
        });
        const remove = document.createElement("button");
        remove.type = "button";
        remove.className = "emotion-picker-remove";
        remove.textContent = "Remove";
        remove.setAttribute("aria-label", `Remove ${entry.label}`);
        remove.addEventListener("click", () => {
          entries.splice(entries.indexOf(entry), 1);
          writeBack();
          render();
          adder.focus();
        });
        row.append(name, slider, shown, remove);
        list.append(row);
      }
      empty.hidden = entries.length > 0;
      adder.replaceChildren();
      const prompt = document.createElement("option");
      prompt.value = "";
      prompt.textContent = "Add an emotion…";
      adder.append(prompt);
      for (const label of labels) {
        if (entries.some((entry) => entry.label === label)) continue;
        const option = document.createElement("option");
        option.value = label;
        option.textContent = label;
        adder.append(option);
      }
    }

    adder.addEventListener("change", () => {
      if (!adder.value) return;
      entries.push({ label: adder.value, amount: signed ? 0.2 : 0.5 });
      writeBack();
      render();
      const sliders = list.querySelectorAll("input[type=range]");
      sliders[sliders.length - 1].focus();
    });

    input.classList.add("emotion-picker-text-enhanced");
    input.setAttribute("aria-hidden", "true");
    input.tabIndex = -1;
    root.append(list, empty, adder);
    render();
  }

  function enhanceWithin(node) {
    for (const root of node.querySelectorAll("[data-emotion-picker]")) enhance(root);
  }

  document.addEventListener("DOMContentLoaded", () => enhanceWithin(document));
  // A persona reply added with "Add another" (Django's inlines.js) gets its picker too.
  document.addEventListener("formset:added", (event) => enhanceWithin(event.target));
})();
