/*
 * The conversation follows its newest message, the way a chat does: whatever is added or streamed
 * at its end is scrolled into view above the sticky composer, unless the learner has scrolled up
 * to read an earlier turn. Then nothing moves under their eyes, and a "new message" pill offers
 * the way back down.
 *
 * It watches the message list (a MutationObserver), so the modules that draw messages need not
 * know about scrolling.
 */

// How far above the composer the end may sit and still count as "at the end" (a few pixels of a
// message tucked under the composer's edge should not stop the page from following).
const SLACK_PX = 48;
const GAP_PX = 12;

export class Follower {
  /**
   * list: the message list; composer: the sticky form at the bottom of the conversation; tail:
   * elements after the list that belong to its end when shown (typing indicator, delay notice);
   * pill: the "new message" button (hidden until needed).
   */
  constructor({ list, composer, tail, pill }) {
    this.list = list;
    this.composer = composer;
    this.tail = tail;
    this.pill = pill;
    this.following = true;
    this.lastY = window.scrollY;
    this.scheduled = false;
    this.added = false;
    window.addEventListener("scroll", () => this.onScroll(), { passive: true });
    window.addEventListener("resize", () => this.changed(false));
    const observer = new MutationObserver((records) =>
      this.changed(records.some((r) => r.type === "childList" && r.target === this.list && r.addedNodes.length))
    );
    observer.observe(list, { childList: true, subtree: true, characterData: true });
    for (const el of tail) observer.observe(el, { attributes: true, attributeFilter: ["hidden"] });
    // The composer grows while the learner types (a longer draft, the draft hint): on a phone it then
    // covered the end of the persona's message being answered. Its growing counts as a change at the end.
    if (typeof ResizeObserver === "function") {
      let height = composer.getBoundingClientRect().height;
      new ResizeObserver(() => {
        const now = composer.getBoundingClientRect().height;
        if (now > height) this.changed(false);
        height = now;
      }).observe(composer);
    }
    pill.addEventListener("click", () => {
      this.following = true;
      this.reveal();
    });
  }

  /** The newest thing at the end of the conversation: the last message, or the indicator after it. */
  end() {
    const shown = this.tail.filter((el) => !el.hidden);
    return shown.length ? shown[shown.length - 1] : this.list.lastElementChild;
  }

  /** Where the visible part of the conversation stops: the top of the composer while it sticks. */
  visibleBottom() {
    const top = this.composer.getBoundingClientRect().top;
    return Math.min(window.innerHeight, top > 0 ? top : window.innerHeight);
  }

  atEnd() {
    const end = this.end();
    if (!end) return true;
    return end.getBoundingClientRect().bottom <= this.visibleBottom() + SLACK_PX;
  }

  onScroll() {
    // Only scrolling up stops the page from following: the browser also scrolls by itself (scroll
    // anchoring when something above grows), and that must not be taken for the learner leaving.
    const y = window.scrollY;
    if (y < this.lastY - 1) this.following = this.atEnd();
    else if (!this.following && this.atEnd()) this.following = true;
    this.lastY = y;
    if (this.following) this.pill.hidden = true;
  }

  /** Something at the end changed (`added`: a new message). Handled once per frame. */
  changed(added) {
    this.added = this.added || added;
    if (this.scheduled) return;
    this.scheduled = true;
    requestAnimationFrame(() => {
      this.scheduled = false;
      const wasAdded = this.added;
      this.added = false;
      if (this.following) this.reveal();
      else if (wasAdded && !this.atEnd()) this.pill.hidden = false;
    });
  }

  /** Scroll just enough that the end sits above the composer (and its top stays in view if it fits). */
  reveal() {
    this.pill.hidden = true;
    const end = this.end();
    if (!end) return;
    const box = end.getBoundingClientRect();
    const below = box.bottom + GAP_PX - this.visibleBottom();
    if (below > 0) window.scrollBy(0, below);
  }
}
