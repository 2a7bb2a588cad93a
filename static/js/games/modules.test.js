import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import test from "node:test";

/** The client's layout (games/README.md): a generic core, one module per game. */
const ROOT = new URL("../", import.meta.url);
const IMPORT = /^\s*(?:import|export)\s[^;]*?from\s+"([^"]+)"/gms;

function sources(directory) {
  return readdirSync(new URL(directory, ROOT))
    .filter((name) => name.endsWith(".js") && !name.endsWith(".test.js"))
    .map((name) => {
      const path = `${directory}${name}`;
      return { name: path, text: readFileSync(new URL(path, ROOT), "utf8") };
    });
}

function importsOf(text) {
  return [...text.matchAll(IMPORT)].map((match) => match[1]);
}

const GAMES = readdirSync(new URL("games/", ROOT), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);

test("the core imports no game: it loads them by name", () => {
  for (const { name, text } of sources("core/")) {
    for (const path of importsOf(text)) {
      assert.ok(!path.includes("games/"), `${name} imports ${path}`);
    }
  }
});

test("a game imports only itself, the core and msgpack, and has its entry point", async () => {
  assert.ok(GAMES.includes("shooter"));
  for (const game of GAMES) {
    for (const { name, text } of sources(`games/${game}/`)) {
      for (const path of importsOf(text)) {
        const allowed =
          path.startsWith("./") || path.startsWith("../../core/") || path === "@msgpack/msgpack";
        assert.ok(allowed, `${name} imports ${path}`);
      }
    }
    const module = await import(new URL(`games/${game}/index.js`, ROOT));
    assert.equal(typeof module.createGame, "function", `${game}/index.js exports createGame`);
  }
});
