/* Building and reading DOM nodes. User and model text always goes in as text, never as markup. */

/**
 * A new element: `attrs` may hold `text` (textContent), `className`, `dataset` and any attribute
 * (null, undefined and false leave it out, true sets it empty); children are nodes or strings.
 */
export function h(tag, attrs, children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "text") node.textContent = value;
    else if (name === "className") node.className = value;
    else if (name === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children || []) {
    if (child === null || child === undefined) continue;
    node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return node;
}

export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
}

/** The JSON of a `json_script` tag, or null. */
export function readJson(id) {
  try {
    const script = document.getElementById(id);
    return script ? JSON.parse(script.textContent) : null;
  } catch (e) {
    return null;
  }
}
