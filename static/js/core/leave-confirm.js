/**
 * The confirmation before Leave while a match is being played (`#leave-dialog`): leaving is for
 * good (LEAVE gives the seat up), so the player is asked first; Escape or Stay keeps playing.
 */

/**
 * What the dialog says for a match joined from `source` ("lobby": ranked, leaving forfeits it;
 * "private") with `others` other players seated: `{title, text}`.
 */
export function leaveText(source, others = 1) {
  const title = "Leave the match?";
  if (source === "lobby") {
    const text =
      others === 1
        ? "You give up your seat for good: your opponent wins, and it counts for your rating."
        : "You give up your seat for good, and it counts for your rating.";
    return { title, text };
  }
  return { title, text: "You give up your seat for good; the others play on without you." };
}

/** Owns `#leave-dialog`; `onLeave()` is called when the player confirms. */
export class LeaveConfirm {
  constructor(root, { onLeave }) {
    this.dialog = root.getElementById("leave-dialog");
    this.title = root.getElementById("leave-title");
    this.text = root.getElementById("leave-text");
    this.stayButton = root.getElementById("leave-stay");
    this.confirmButton = root.getElementById("leave-confirm");
    this.stayButton.addEventListener("click", () => this.close());
    this.confirmButton.addEventListener("click", () => {
      this.close();
      onLeave();
    });
    this.dialog.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        event.preventDefault();
        this.close();
      }
    });
  }

  /** Whether the dialog is shown. */
  get open() {
    return !this.dialog.hidden;
  }

  /** Ask, with `leaveText(source, others)`. */
  ask(source, others) {
    const { title, text } = leaveText(source, others);
    this.title.textContent = title;
    this.text.textContent = text;
    this.dialog.hidden = false;
    this.stayButton.focus();
  }

  /** Close without leaving. */
  close() {
    this.dialog.hidden = true;
  }
}
