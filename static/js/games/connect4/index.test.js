import assert from "node:assert/strict";
import test from "node:test";

import { TOUCH, cellIndex, dropSounds, moveFor } from "./index.js";

function world(board, turn, moves, phase = 2) {
  return { phase, tick: 0, globals: { board, turn, moves, deadline: 100 } };
}

test("a move is the column and the next disc's number, on the player's turn only", () => {
  const board = new Array(42).fill(0);
  assert.deepEqual(moveFor(world(board, 3, 4), 3, 2), [2, 5]);
  assert.equal(moveFor(world(board, 4, 4), 3, 2), null, "not its turn");
  assert.equal(moveFor(world(board, 3, 4, 1), 3, 2), null, "not running");
  assert.equal(moveFor(world(board, 3, 4), 3, 7), null, "no such column");
});

test("a full column takes no more discs", () => {
  const board = new Array(42).fill(0);
  for (let row = 0; row < 6; row += 1) board[cellIndex(1, row)] = 1 + (row % 2);
  assert.equal(moveFor(world(board, 0, 6), 0, 1), null);
  assert.deepEqual(moveFor(world(board, 0, 6), 0, 0), [0, 7]);
});

test("the lobby's controls card has Connect Four's help lines", async () => {
  const module = await import("./index.js");
  assert.ok(module.controls.length > 0 && module.controls.every((line) => typeof line === "string"));
});

test("a disc dropped sounds once; the first snapshot seen is quiet", () => {
  const at = (moves) => ({ globals: { moves } });
  assert.deepEqual(dropSounds(at(3), null), { sounds: [], moves: 3 }, "joined mid-game");
  assert.deepEqual(dropSounds(at(4), 3), { sounds: ["drop"], moves: 4 });
  assert.deepEqual(dropSounds(at(4), 4), { sounds: [], moves: 4 }, "a snapshot without a move");
  assert.deepEqual(dropSounds({ globals: {} }, 4), { sounds: [], moves: 4 });
});

test("on a touch screen Connect Four takes taps on the grid, with its own help", () => {
  assert.equal(TOUCH.sticks, undefined);
  assert.match(TOUCH.help[0], /Tap a column/);
});
