import assert from "node:assert/strict";
import test from "node:test";

import { pageTitle } from "./page-title.js";

test("the title says where the player is", () => {
  assert.equal(pageTitle({ view: "lobby" }), "Lobby · Arena");
  assert.equal(pageTitle({ view: "lobby", lobby: "searching" }), "Searching for a match · Arena");
  assert.equal(pageTitle({ view: "lobby", lobby: "ready-check" }), "Match found! · Arena");
  assert.equal(pageTitle({ view: "game", game: "Football" }), "Playing Football · Arena");
  assert.equal(pageTitle({ view: "watch", game: "Connect Four" }), "Watching Connect Four · Arena");
  assert.equal(pageTitle({ view: "watch" }), "Watching a match · Arena", "before SPECTATING");
  assert.equal(pageTitle({ view: "missing" }), "No such match · Arena");
  assert.equal(pageTitle(), "Lobby · Arena");
});
