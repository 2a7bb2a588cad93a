/**
 * The page's own "no such match" screen (`#missing`): an invite or watch link to a match that
 * does not exist or is already over, said plainly with a way back to the lobby, instead of a
 * bare error line.
 */

/**
 * What the screen says (`{title, text}`) for `reason` ("unknown": no such match; "over": it has
 * ended) when the link was to play (`watching` false) or to watch it.
 */
export function missingMatchText(reason, watching = false) {
  if (reason === "over") {
    return {
      title: "This match is over",
      text: watching
        ? "The match at this link has already ended, so there is nothing left to watch. Live matches are listed in the lobby."
        : "The match at this link has already ended. Find a new one in the lobby, or create one and invite your friends again.",
    };
  }
  return {
    title: "No such match",
    text: watching
      ? "There is no live match at this link: it never existed or it has ended. Live matches are listed in the lobby."
      : "This invite link does not lead to a match: check that it was copied whole, or find a match in the lobby.",
  };
}

/** Owns `#missing`, its title, text and button (`onBack()` when pressed). */
export class MissingMatchScreen {
  constructor(root, { onBack }) {
    this.screen = root.getElementById("missing");
    this.title = root.getElementById("missing-title");
    this.text = root.getElementById("missing-text");
    root.getElementById("missing-back").addEventListener("click", () => onBack());
  }

  /** Show the screen for `reason` (see `missingMatchText`). */
  show(reason, watching = false) {
    const { title, text } = missingMatchText(reason, watching);
    this.title.textContent = title;
    this.text.textContent = text;
    this.screen.dataset.reason = reason;
    this.screen.hidden = false;
  }

  /** Hide the screen. */
  hide() {
    this.screen.hidden = true;
  }

  /** Whether the screen is shown. */
  get shown() {
    return !this.screen.hidden;
  }
}
