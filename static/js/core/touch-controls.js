/**
 * On-screen touch controls over the match (games/README.md `touch`): the virtual sticks and
 * buttons a game declares, drawn in `#touch-controls` over the stage and fed to the game's
 * `input.touch(name, value)`. A stick appears where the thumb lands in its half of the stage and
 * follows it (a "floating" stick); a button is held while touched. They show on touch devices
 * only (`body[data-touch]`, set when the device is one or once the page is touched) and while
 * the player plays. Several fingers at once each drive their own control.
 */

import { isTouchDevice, stickVector, touchLayout } from "./touch.js";

/** The reach of a stick (CSS pixels): the knob's travel from the base's centre. */
const STICK_RADIUS = 52;

/** The touch controls of the page, for one game at a time. */
export class TouchControls {
  /**
   * `layer` is the element the controls go in (`#touch-controls`), `body` gets
   * `data-touch="true"` on a touch device; `env` is the window (media queries, listeners).
   */
  constructor({ layer, body, env = window }) {
    this.layer = layer;
    this.body = body;
    this.env = env;
    this.input = null;
    this.onChange = () => {};
    this.controls = [];
    this.enabled = false;
    this.modeListeners = new Set();
    if (isTouchDevice(env)) this.setTouchMode();
    env.addEventListener(
      "pointerdown",
      (event) => {
        if (event.pointerType === "touch") this.setTouchMode();
      },
      { capture: true, passive: true },
    );
    env.addEventListener("blur", () => this.releaseAll());
    env.document?.addEventListener?.("visibilitychange", () => {
      if (env.document.hidden) this.releaseAll();
    });
  }

  /** True once the page is used by touch: touch controls and touch help show. */
  get touchMode() {
    return this.body.dataset.touch === "true";
  }

  /** Call `listener()` when the page turns out to be used by touch (the help lines change). */
  onTouchMode(listener) {
    this.modeListeners.add(listener);
    return () => this.modeListeners.delete(listener);
  }

  setTouchMode() {
    if (this.touchMode) return;
    this.body.dataset.touch = "true";
    for (const listener of this.modeListeners) listener();
  }

  /**
   * Build the controls of a game: `touch` is its `touch` member, `input` its input (fed with
   * `touch(name, value)`), `onChange()` is called when that says the INPUT should go now.
   */
  use(touch, input, onChange = () => {}) {
    this.clear();
    const layout = touchLayout(touch);
    this.input = input ?? null;
    this.onChange = onChange;
    if (!layout || !this.input?.touch) return;
    const document = this.layer.ownerDocument;
    for (const stick of layout.sticks) this.controls.push(this.createStick(document, stick));
    if (layout.buttons.length) {
      const row = document.createElement("div");
      row.className = "touch-buttons";
      for (const button of layout.buttons) {
        const control = this.createButton(document, button);
        row.append(control.element);
        this.controls.push(control);
      }
      this.layer.append(row);
    }
    this.layer.dataset.sticks = layout.sticks.map((stick) => stick.side).join(" ");
  }

  /** Take touches (the player plays) or not (results, a dropped connection): off releases all. */
  setEnabled(on) {
    this.enabled = Boolean(on);
    this.layer.hidden = !this.enabled || this.controls.length === 0;
    if (!this.enabled) this.releaseAll();
  }

  /** Remove the controls (the session is over). */
  clear() {
    this.releaseAll();
    for (const control of this.controls) control.dispose();
    this.controls = [];
    this.layer.replaceChildren();
    delete this.layer.dataset.sticks;
    this.layer.hidden = true;
    this.input = null;
  }

  /** Let go of every stick and button. */
  releaseAll() {
    for (const control of this.controls) control.release();
  }

  /** Tell the game's input; send at once when it says so. */
  report(name, value) {
    if (this.input?.touch?.(name, value)) this.onChange();
  }

  /** A stick in its half of the stage (`{name, side, label}`). */
  createStick(document, { name, side, label }) {
    const zone = document.createElement("div");
    zone.className = "touch-zone";
    zone.dataset.side = side;
    zone.dataset.stick = name;
    const base = document.createElement("div");
    base.className = "touch-stick";
    const knob = document.createElement("div");
    knob.className = "touch-knob";
    base.append(knob);
    if (label) {
      const caption = document.createElement("span");
      caption.className = "touch-label";
      caption.textContent = label;
      base.append(caption);
    }
    zone.append(base);
    this.layer.append(zone);

    let held = null; // {pointerId, origin}
    const move = (event) => {
      const vector = stickVector(held.origin, { x: event.clientX, y: event.clientY }, STICK_RADIUS);
      const [dx, dy] = [vector.x * STICK_RADIUS, vector.y * STICK_RADIUS];
      knob.style.transform = `translate(${dx}px, ${dy}px)`;
      this.report(name, vector);
    };
    const release = () => {
      if (!held) return;
      held = null;
      zone.classList.remove("active");
      base.style.left = "";
      base.style.top = "";
      knob.style.transform = "";
      this.report(name, null);
    };
    const listeners = [
      [
        "pointerdown",
        (event) => {
          if (!this.enabled || held) return;
          event.preventDefault();
          zone.setPointerCapture?.(event.pointerId);
          held = { pointerId: event.pointerId, origin: { x: event.clientX, y: event.clientY } };
          const box = zone.getBoundingClientRect();
          base.style.left = `${event.clientX - box.left}px`;
          base.style.top = `${event.clientY - box.top}px`;
          zone.classList.add("active");
          move(event);
        },
      ],
      ["pointermove", (event) => held?.pointerId === event.pointerId && move(event)],
      ["pointerup", (event) => held?.pointerId === event.pointerId && release()],
      ["pointercancel", (event) => held?.pointerId === event.pointerId && release()],
      ["lostpointercapture", (event) => held?.pointerId === event.pointerId && release()],
      ["contextmenu", (event) => event.preventDefault()],
    ];
    for (const [type, handler] of listeners) zone.addEventListener(type, handler);
    return {
      element: zone,
      release,
      dispose: () => {
        for (const [type, handler] of listeners) zone.removeEventListener(type, handler);
        zone.remove();
      },
    };
  }

  /** A button held while touched (`{name, label}`). */
  createButton(document, { name, label }) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "touch-button";
    button.dataset.button = name;
    button.textContent = label;
    let pointerId = null;
    const release = () => {
      if (pointerId === null) return;
      pointerId = null;
      button.classList.remove("active");
      this.report(name, false);
    };
    const listeners = [
      [
        "pointerdown",
        (event) => {
          if (!this.enabled || pointerId !== null) return;
          event.preventDefault();
          button.setPointerCapture?.(event.pointerId);
          pointerId = event.pointerId;
          button.classList.add("active");
          this.report(name, true);
        },
      ],
      ["pointerup", (event) => event.pointerId === pointerId && release()],
      ["pointercancel", (event) => event.pointerId === pointerId && release()],
      ["lostpointercapture", (event) => event.pointerId === pointerId && release()],
      ["contextmenu", (event) => event.preventDefault()],
    ];
    for (const [type, handler] of listeners) button.addEventListener(type, handler);
    return {
      element: button,
      release,
      dispose: () => {
        for (const [type, handler] of listeners) button.removeEventListener(type, handler);
        button.remove();
      },
    };
  }
}
