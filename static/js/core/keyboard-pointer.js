/**
 * The browser side of a game's keyboard-and-mouse `input` (games/README.md), shared by the
 * games that steer an avatar with held keys and aim with the pointer: held keys (by
 * `KeyboardEvent.code`, so WASD works on any layout), the primary pointer button and the
 * pointer's position over the canvas go to the game's pure `controls`; everything is released
 * when the window loses focus or the page is hidden.
 *
 * `controls` is the game's: `enabled` (read and set), `handles(code)` (a key of the game),
 * `key(code, down)` and `pointerButton(down)` (true when that changed what is held),
 * `pointer` (set: `{x, y}` in canvas CSS pixels), `releaseAll()` (true when something was held),
 * `values(now, self, view)` and `wantsSendNow()`; and, for the on-screen touch controls (the game's
 * `touch`, core/touch-controls.js), `touch(name, value)` (true when that changed what is held).
 */

const EDITABLE = new Set(["INPUT", "TEXTAREA", "SELECT"]);

/** Keys and the pointer of the window and the canvas, fed to a game's `controls`. */
export class KeyboardPointerInput {
  constructor(controls) {
    this.controls = controls;
    this.element = null;
    this.onChange = () => {};
    this.listeners = [];
  }

  /** Whether input is taken (the core enables it while the player plays). */
  get enabled() {
    return this.controls.enabled;
  }

  /** Listen on `element` (the canvas) and the window; `onChange()` when what is held changes. */
  attach(element, onChange = () => {}) {
    this.detach();
    this.element = element;
    this.onChange = onChange;
    const on = (target, type, handler, options) => {
      target.addEventListener(type, handler, options);
      this.listeners.push(() => target.removeEventListener(type, handler, options));
    };
    on(window, "keydown", (event) => this.handleKey(event, true));
    on(window, "keyup", (event) => this.handleKey(event, false));
    on(window, "blur", () => this.release());
    on(document, "visibilitychange", () => {
      if (document.hidden) this.release();
    });
    on(window, "pointermove", (event) => this.handlePointerMove(event));
    on(element, "pointerdown", (event) => {
      if (!this.enabled || event.button !== 0) return;
      event.preventDefault();
      element.setPointerCapture?.(event.pointerId);
      this.handlePointerMove(event);
      this.controls.pointerButton(true);
      this.onChange();
    });
    on(window, "pointerup", (event) => {
      if (event.button === 0 && this.controls.pointerButton(false)) this.onChange();
    });
    on(element, "lostpointercapture", () => {
      if (this.controls.pointerButton(false)) this.onChange();
    });
    on(element, "contextmenu", (event) => event.preventDefault());
  }

  /** Remove every listener. */
  detach() {
    for (const remove of this.listeners) remove();
    this.listeners = [];
    this.element = null;
  }

  /** Start or stop taking input; disabling releases everything. */
  setEnabled(on) {
    this.controls.enabled = on;
    if (!on) this.release();
  }

  /** The INPUT values to send now (the core's tick), with what the player saw (`view`). */
  values(now, self, view = null) {
    return this.controls.values(now, self, view);
  }

  /** True when the controls changed since the last INPUT in a way that should not wait. */
  wantsSendNow() {
    return this.controls.wantsSendNow();
  }

  /**
   * A touch control moved (games/README.md `touch`): a stick's vector (null when let go) or a
   * button's state, to the game's controls; true when the INPUT should go at once.
   */
  touch(name, value) {
    if (!this.enabled || typeof this.controls.touch !== "function") return false;
    return Boolean(this.controls.touch(name, value));
  }

  /** Release every key and button (the window lost focus). */
  release() {
    if (this.controls.releaseAll()) this.onChange();
  }

  /** A key went down or up: the game's keys only, not while typing or with a modifier held. */
  handleKey(event, down) {
    if (!this.controls.handles(event.code)) return;
    if (down && (!this.enabled || event.ctrlKey || event.metaKey || event.altKey)) return;
    if (down && EDITABLE.has(event.target?.tagName)) return;
    if (this.enabled) event.preventDefault();
    if (this.controls.key(event.code, down)) this.onChange();
  }

  /** The pointer moved: where it is over the canvas, in CSS pixels. */
  handlePointerMove(event) {
    if (!this.element) return;
    const rect = this.element.getBoundingClientRect();
    this.controls.pointer = { x: event.clientX - rect.left, y: event.clientY - rect.top };
  }
}
