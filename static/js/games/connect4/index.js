/**
 * Connect Four in the browser: the grid, the discs, whose turn and the time left; a click or a
 * tap on a column (or the keys 1–7) drops a disc there as INPUT `[column, move]`, move being the
 * number of the disc (one more than the discs dropped so far), so that sending it twice is
 * harmless; a sound for each disc dropped. No prediction: the server's snapshot, sent when
 * something changes, is the truth.
 */

const COLORS = ["#1b2333", "#ffcc4d", "#ff5b6e"];
const MARGIN = 24;
const KEY_COLUMN = { Digit1: 0, Digit2: 1, Digit3: 2, Digit4: 3, Digit5: 4, Digit6: 5, Digit7: 6 };

/** The help lines of the lobby's controls card and of the match screen. */
export const controls = Object.freeze([
  "Click a column, or press 1–7, to drop your disc",
  "Four in a row wins",
]);

/** On a touch screen: no sticks, the grid takes taps (games/README.md `touch`). */
export const TOUCH = Object.freeze({
  help: Object.freeze(["Tap a column to drop your disc", "Four in a row wins"]),
});

/**
 * The sounds of a decoded snapshot (games/README.md `sounds`): a drop for each disc since the
 * snapshot before (`movesBefore`, null for the first one seen: nothing). Returns
 * `{sounds, moves}` with the moves to remember.
 */
export function dropSounds(snapshot, movesBefore) {
  const moves = snapshot?.globals?.moves;
  if (!Number.isInteger(moves)) return { sounds: [], moves: movesBefore };
  const dropped = movesBefore !== null && moves > movesBefore;
  return { sounds: dropped ? ["drop"] : [], moves };
}

/** The touch controls and their help (games/README.md `touch`), also for the lobby's help card. */
export const touch = TOUCH;

/** The module's entry point (static/js/games/README.md). */
export function createGame({ canvas, welcome }) {
  return new Connect4View(canvas, welcome);
}

/** Where a disc of `board` sits: the cell of `column` and `row` (row 0 at the bottom). */
export function cellIndex(column, row, columns = 7) {
  return row * columns + column;
}

/** The INPUT values for dropping into `column`, or null when it is not a legal move now. */
export function moveFor(world, selfId, column, columns = 7, rows = 6) {
  const board = world?.globals?.board;
  if (!board || world.globals.turn !== selfId || world.phase !== 2) return null;
  if (!(column >= 0 && column < columns)) return null;
  if (board[cellIndex(column, rows - 1, columns)] !== 0) return null;
  return [column, world.globals.moves + 1];
}

class Connect4View {
  constructor(canvas, welcome) {
    this.canvas = canvas;
    this.ctx = canvas.getContext("2d");
    this.gridColumns = 7;
    this.rows = 6;
    this.tickRate = 10;
    this.world = null;
    this.selfId = null;
    this.hover = null;
    this.controls = controls;
    this.touch = TOUCH;
    this.movesHeard = null;
    /** Scoreboard and results columns (static/js/games/README.md). */
    this.columns = [{ name: "disc", title: "Disc" }];
    this.input = new Connect4Input(this);
    this.configure(welcome);
  }

  configure(welcome) {
    const rules = welcome?.rules ?? {};
    this.gridColumns = rules.columns ?? 7;
    this.rows = rules.rows ?? 6;
    this.tickRate = welcome?.tickRate ?? 10;
    this.movesHeard = null;
    this.resize();
  }

  sounds(snapshot) {
    const { sounds, moves } = dropSounds(snapshot, this.movesHeard);
    this.movesHeard = moves;
    return sounds;
  }

  /** Fit the canvas to its parent, keeping the grid's aspect ratio. */
  resize() {
    const parent = this.canvas.parentElement;
    const width = Math.max(1, parent?.clientWidth ?? 700);
    const height = Math.max(1, parent?.clientHeight ?? 600);
    const aspect = (this.gridColumns + 0.4) / (this.rows + 1.4);
    const cssWidth = Math.floor(Math.min(width, height * aspect));
    const cssHeight = Math.floor(cssWidth / aspect);
    const dpr = globalThis.devicePixelRatio || 1;
    this.canvas.style.width = `${cssWidth}px`;
    this.canvas.style.height = `${cssHeight}px`;
    this.canvas.width = Math.round(cssWidth * dpr);
    this.canvas.height = Math.round(cssHeight * dpr);
    this.cell = (cssWidth - 2 * MARGIN) / this.gridColumns;
    this.dpr = dpr;
  }

  /** The column under a canvas point (CSS pixels), or null. */
  columnAt(x) {
    const column = Math.floor((x - MARGIN) / this.cell);
    return column >= 0 && column < this.gridColumns ? column : null;
  }

  focusOf() {
    return null;
  }

  statusOf(world, selfId) {
    if (!world?.globals || world.phase !== 2) return "";
    const { turn, deadline } = world.globals;
    const seconds = Math.max(0, Math.ceil((deadline - world.tick) / this.tickRate));
    if (turn === selfId) return `Your move · ${seconds} s`;
    return `Their move · ${seconds} s`;
  }

  onEvents(events, { addNote, nameOf }) {
    for (const event of events) {
      if (event.kind === "timeout") addNote({ id: event.player, name: nameOf(event.player) }, "ran out of time");
      if (event.kind === "win") addNote({ id: event.player, name: nameOf(event.player) }, "connects four!");
    }
  }

  draw({ world, selfId, overlay }) {
    this.world = world;
    this.selfId = selfId;
    const { ctx, cell, rows } = this;
    const columns = this.gridColumns;
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    const width = this.canvas.width / this.dpr;
    const height = this.canvas.height / this.dpr;
    ctx.fillStyle = "#0b0f18";
    ctx.fillRect(0, 0, width, height);
    const top = MARGIN + cell;
    const board = world?.globals?.board ?? [];
    const yourTurn = world?.globals?.turn === selfId && world?.phase === 2;
    if (yourTurn && this.hover !== null) {
      ctx.fillStyle = "rgba(255, 255, 255, 0.06)";
      ctx.fillRect(MARGIN + this.hover * cell, top, cell, rows * cell);
      const disc = this.discOf(world, selfId);
      ctx.fillStyle = COLORS[disc] ?? COLORS[1];
      ctx.beginPath();
      ctx.arc(MARGIN + (this.hover + 0.5) * cell, MARGIN + cell / 2, cell * 0.38, 0, Math.PI * 2);
      ctx.fill();
    }
    ctx.fillStyle = "#2451a6";
    ctx.fillRect(MARGIN, top, columns * cell, rows * cell);
    for (let column = 0; column < columns; column += 1) {
      for (let row = 0; row < rows; row += 1) {
        const disc = board[cellIndex(column, row, columns)] ?? 0;
        ctx.fillStyle = COLORS[disc] ?? COLORS[0];
        ctx.beginPath();
        const cx = MARGIN + (column + 0.5) * cell;
        const cy = top + (rows - row - 0.5) * cell;
        ctx.arc(cx, cy, cell * 0.4, 0, Math.PI * 2);
        ctx.fill();
      }
    }
    if (overlay && (overlay.title || overlay.subtitle)) {
      ctx.fillStyle = "rgba(8, 11, 18, 0.6)";
      ctx.fillRect(0, height / 2 - 40, width, 80);
      ctx.fillStyle = "#f3f6fc";
      ctx.textAlign = "center";
      ctx.textBaseline = "middle";
      ctx.font = "700 28px system-ui, sans-serif";
      ctx.fillText(overlay.title || overlay.subtitle, width / 2, height / 2);
    }
  }

  discOf(world, playerId) {
    const entry = world?.roster?.find((e) => e.id === playerId);
    return entry?.disc ?? 1;
  }
}

/** Clicks and number keys to drops. */
class Connect4Input {
  constructor(view) {
    this.view = view;
    this.enabled = false;
    this.pending = null;
    this.onClick = (event) => {
      if (!this.enabled) return;
      const box = view.canvas.getBoundingClientRect();
      this.pending = view.columnAt(event.clientX - box.left);
    };
    this.onMove = (event) => {
      const box = view.canvas.getBoundingClientRect();
      view.hover = view.columnAt(event.clientX - box.left);
    };
    // a finger does not hover: the column touched is the one shown
    this.onDown = (event) => this.onMove(event);
    this.onKey = (event) => {
      if (this.enabled && event.code in KEY_COLUMN) this.pending = KEY_COLUMN[event.code];
    };
  }

  attach(element) {
    element.addEventListener("click", this.onClick);
    element.addEventListener("pointermove", this.onMove);
    element.addEventListener("pointerdown", this.onDown);
    globalThis.addEventListener?.("keydown", this.onKey);
  }

  detach() {
    this.view.canvas.removeEventListener("click", this.onClick);
    this.view.canvas.removeEventListener("pointermove", this.onMove);
    this.view.canvas.removeEventListener("pointerdown", this.onDown);
    globalThis.removeEventListener?.("keydown", this.onKey);
  }

  setEnabled(on) {
    this.enabled = on;
    if (!on) this.pending = null;
  }

  wantsSendNow() {
    return this.pending !== null;
  }

  /** The move chosen since the last call, if it is a legal one now; else nothing to send. */
  values() {
    if (this.pending === null) return null;
    const view = this.view;
    const move = moveFor(view.world, view.selfId, this.pending, view.gridColumns, view.rows);
    this.pending = null;
    return move;
  }
}
