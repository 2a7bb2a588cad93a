/**
 * The mute buttons of the page (every `[data-sound-toggle]`: the lobby's and the match's): each
 * flips the sound board's mute setting and shows it: "Mute sound" pressed (`aria-pressed`) while
 * muted, its text saying whether sound is on.
 */

/** The label of a mute button: what it does now is shown by its state, not its text. */
export function soundLabel(muted) {
  return muted ? "Sound off" : "Sound on";
}

/** Wire the mute buttons under `root` (the document) to `board` (a SoundBoard). */
export function bindSoundToggles(root, board) {
  const buttons = [...root.querySelectorAll("[data-sound-toggle]")];
  const show = (muted) => {
    for (const button of buttons) {
      button.setAttribute("aria-pressed", String(muted));
      button.dataset.muted = String(muted);
      button.title = muted ? "Sound is off: click to turn it on" : "Sound is on: click to mute";
      const label = button.querySelector(".sound-label") ?? button;
      label.textContent = soundLabel(muted);
    }
  };
  for (const button of buttons) {
    button.addEventListener("click", () => {
      board.unlock(); // the click is a gesture: unmuting may play at once
      board.toggle();
      button.blur();
    });
  }
  board.onChange(show);
  show(board.muted);
}
