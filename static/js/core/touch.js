/**
 * The arithmetic of on-screen touch controls (games/README.md `touch`), shared by the games:
 * where a virtual stick points, which of the four directions it holds, and whether the page runs
 * on a touch device at all. Pure: positions and media queries come in as arguments.
 */

/** Below this share of its radius a stick counts as centred (a resting thumb wobbles). */
export const STICK_DEADZONE = 0.28;
/** A direction counts as held when the stick points within 67.5° of it: 8 ways, 45° each. */
const DIRECTION_SHARE = Math.cos((67.5 * Math.PI) / 180);

/**
 * Where a stick whose base is at `origin` points when the finger is at `point` (both in page
 * pixels), for a base of `radius` pixels: `{x, y, magnitude, angle}` with `x`, `y` within the
 * unit circle (y grows downwards, as on screen), `magnitude` 0–1 and `angle` in radians (0:
 * right, π/2: down), the direction a game aims at.
 */
export function stickVector(origin, point, radius) {
  const dx = point.x - origin.x;
  const dy = point.y - origin.y;
  const distance = Math.hypot(dx, dy);
  const reach = Math.max(1, radius);
  const magnitude = Math.min(1, distance / reach);
  if (distance === 0) return { x: 0, y: 0, magnitude: 0, angle: 0 };
  return {
    x: (dx / distance) * magnitude,
    y: (dy / distance) * magnitude,
    magnitude,
    angle: Math.atan2(dy, dx),
  };
}

/**
 * The directions a stick holds (`{up, down, left, right}`, booleans; two at once on a diagonal):
 * none while it is within `deadzone` of its centre or released (`vector` null).
 */
export function stickDirections(vector, deadzone = STICK_DEADZONE) {
  const none = { up: false, down: false, left: false, right: false };
  if (!vector || !(vector.magnitude > deadzone)) return none;
  const cos = Math.cos(vector.angle);
  const sin = Math.sin(vector.angle);
  return {
    up: sin < -DIRECTION_SHARE,
    down: sin > DIRECTION_SHARE,
    left: cos < -DIRECTION_SHARE,
    right: cos > DIRECTION_SHARE,
  };
}

/**
 * The button bitmask a stick holds, with the game's bit for each direction (`bits`: `{UP, DOWN,
 * LEFT, RIGHT}`, its INPUT's): what the arrow keys would hold.
 */
export function stickBits(vector, bits, deadzone = STICK_DEADZONE) {
  const held = stickDirections(vector, deadzone);
  return (
    (held.up ? bits.UP : 0) |
    (held.down ? bits.DOWN : 0) |
    (held.left ? bits.LEFT : 0) |
    (held.right ? bits.RIGHT : 0)
  );
}

/** Whether a stick is pushed beyond its dead zone (it aims, the shooter's fires). */
export function stickPushed(vector, deadzone = STICK_DEADZONE) {
  return Boolean(vector) && vector.magnitude > deadzone;
}

/**
 * Whether the page runs on a touch device, from `env` (the window): its primary pointer is coarse
 * (a finger), or it has touch points and nothing that hovers (a phone whose browser reports no
 * pointer type). A laptop with a touch screen has a fine primary pointer: no touch controls
 * until it is touched (see TouchControls).
 */
export function isTouchDevice(env = globalThis) {
  const query = (text) => {
    try {
      return Boolean(env.matchMedia?.(text).matches);
    } catch {
      return false;
    }
  };
  if (query("(pointer: coarse)")) return true;
  const points = Number(env.navigator?.maxTouchPoints) || 0;
  return points > 0 && !query("(hover: hover)");
}

/**
 * A game's touch layout (its `touch` member) as the core uses it: `{sticks: [{name, side,
 * label}], buttons: [{name, label}], help: [line]}` with `side` "left" or "right" (the first
 * stick left, the second right when not said), at most one stick per side. Anything else is
 * dropped; null for a game without a `touch` member.
 */
export function touchLayout(touch) {
  if (!touch || typeof touch !== "object") return null;
  const sticks = [];
  const sides = new Set();
  for (const [index, stick] of (Array.isArray(touch.sticks) ? touch.sticks : []).entries()) {
    if (typeof stick?.name !== "string" || !stick.name) continue;
    const named = stick.side === "left" || stick.side === "right";
    const side = named ? stick.side : index ? "right" : "left";
    if (sides.has(side)) continue;
    sides.add(side);
    sticks.push({ name: stick.name, side, label: String(stick.label ?? "") });
  }
  const buttons = (Array.isArray(touch.buttons) ? touch.buttons : [])
    .filter((button) => typeof button?.name === "string" && button.name)
    .map((button) => ({ name: button.name, label: String(button.label ?? button.name) }));
  const help = (Array.isArray(touch.help) ? touch.help : []).map(String);
  return { sticks, buttons, help };
}
