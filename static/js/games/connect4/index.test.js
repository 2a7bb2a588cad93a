import assert from "node:assert/strict";
import test from "node:test";

import { cellIndex, moveFor } from "./index.js";

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
