import assert from "node:assert/strict";
import test from "node:test";

import { accountLinks } from "./account-links.js";

const labels = (session) => accountLinks(session).map((link) => `${link.label} ${link.href}`);

test("a new guest is offered the leaderboard, log in and sign up", () => {
  assert.deepEqual(labels({ signed_in: false, player_id: null }), [
    "Leaderboard /leaderboard/",
    "Log in /accounts/login/",
    "Sign up /accounts/signup/",
  ]);
  assert.deepEqual(labels(null), labels({ signed_in: false }), "no session answer yet");
});

test("a guest who has played has a profile too", () => {
  assert.deepEqual(labels({ signed_in: false, player_id: 7 }), [
    "Leaderboard /leaderboard/",
    "Profile /players/me/",
    "Log in /accounts/login/",
    "Sign up /accounts/signup/",
  ]);
});

test("a signed-in player sees its account's name, linking to its profile", () => {
  assert.deepEqual(labels({ signed_in: true, username: "ada", player_id: 7 }), [
    "Leaderboard /leaderboard/",
    "Profile (ada) /players/me/",
  ]);
});
