/**
 * Watching a match of any game (`#watch/<match id>`): the spectator socket `/ws/spectate/<id>/`
 * (SPECTATING, then KEYFRAME/DELTA through the same snapshot chain as players), the game's module
 * drawing every avatar interpolated (no prediction), a camera that follows a chosen player (a
 * scoreboard row or an avatar clicked, 1–8, Tab; 0 shows the whole field; FOLLOW tells the
 * server) over the avatars' x and y (or where the game says, `focusOf`), the scoreboard, the
 * feed, the spectator count, the stream's delay, the game's sounds, RESULT (with the rating
 * changes of a ranked match) and what each close code means; a link to a match that does not
 * exist or is over goes to the page's "no such match" screen (`onMissing`).
 */

import {
  cameraTarget,
  clampCamera,
  cycleFollow,
  easeCamera,
  focusPoint,
  followKey,
  keepFollowing,
  overviewCamera,
  playerAtRow,
  playerNear,
} from "./follow.js";
import {
  GameSlot,
  avatarsOnPage,
  clearCanvas,
  columnsOf,
  reconnectingIn,
  teamNameOf,
} from "./game-module.js";
import { MatchView, phaseOverlay } from "./match-view.js";
import { GameSocket } from "./net.js";
import {
  CloseCode,
  Phase,
  describeSpectatorClose,
  followFrame,
  spectateSocketUrl,
} from "./protocol.js";
import { parseRatingChanges, waitForRatingChanges } from "./rating-change.js";
import { avatarBounds } from "./schema.js";

/** Closes after which watching again may work. */
const RETRYABLE_CLOSE_CODES = new Set([
  CloseCode.GOING_AWAY,
  CloseCode.SERVICE_RESTART,
  CloseCode.TOO_SLOW,
  CloseCode.SPECTATORS_FULL,
  1006,
  1011,
  1013,
]);
const EDITABLE = new Set(["INPUT", "TEXTAREA", "SELECT"]);
/** How near (in avatar radii on the page) a click must be to an avatar to follow it. */
const CLICK_REACH_RADII = 1.8;
/** The match screen's help lines for a spectator (by keyboard and mouse, and by touch). */
export const WATCH_HELP = Object.freeze([
  "Click a player or a scoreboard row, or press [1]–[8], to follow them",
  "[Tab] the next player · [0] the whole field",
]);
export const WATCH_TOUCH_HELP = Object.freeze(["Tap a player or a scoreboard row to follow them"]);
/** Closes before SPECTATING that mean no live match at the link: the "no such match" screen. */
const MISSING_CLOSES = Object.freeze({
  [CloseCode.MATCH_NOT_FOUND]: "unknown",
  [CloseCode.MATCH_OVER]: "over",
});

/** One spectator connection to a match and everything received on it. */
class WatchSession extends MatchView {
  constructor(matchId, canvas) {
    super(matchId);
    this.slot = new GameSlot(canvas);
    this.game = null;
    this.info = null;
    this.spectators = 0;
    this.followId = null;
    this.followSent = null;
    this.overview = false;
    this.camera = null;
    this.cameraAt = 0;
    this.onPage = { points: [], radius: 0 };
    this.drawn = [];
    this.frames = 0;
    this.stalledSince = null;
  }
}

/**
 * The spectator view, drawn on `canvas` with the game view's `hud` (see app.js, which shows and
 * hides the view). `body` gets `data-tick` and `data-phase` as for players; `canvas` and
 * `scoreboard` take clicks to choose whom to follow. `sounds` is the page's SoundBoard,
 * `touchMode()` whether the page is used by touch (the help lines), `onMissing(reason)` is
 * called when the match is not there to watch ("unknown" or "over") and `onGameShown(game)`
 * when the game's module has been loaded (the page title). `openSocket(url, handlers, options)`
 * makes the match's socket (GameSocket's interface; the replay viewer plays a replay through it).
 */
export class Spectator {
  /** Wire the keys and clicks that choose whom to follow; nothing is watched until `start`. */
  constructor({
    hud,
    body,
    canvas,
    scoreboard,
    sounds = null,
    touchMode = () => false,
    onMissing,
    onGameShown,
    chat = null,
    openSocket = (url, handlers, options) => new GameSocket(url, handlers, options),
  }) {
    this.chat = chat; // the page's ChatPanel: the spectators' channel
    this.hud = hud;
    this.openSocket = openSocket;
    this.body = body;
    this.canvas = canvas;
    this.sounds = sounds;
    this.touchMode = touchMode;
    this.onMissing = onMissing;
    this.onGameShown = onGameShown;
    this.session = null;
    window.addEventListener("keydown", (event) => this.onKey(event));
    scoreboard.addEventListener("click", (event) => {
      const row = event.target instanceof Element ? event.target.closest("tr[data-player-id]") : null;
      if (row) this.follow(Number(row.dataset.playerId));
    });
    canvas.addEventListener("click", (event) => this.onCanvasClick(event));
  }

  /** True while a match is being watched (also after it closed, until `stop`). */
  get active() {
    return this.session !== null;
  }

  /** The id of the match being watched, or null. */
  get matchId() {
    return this.session?.matchId ?? null;
  }

  /** Watch `matchId`: reset the HUD and open the spectator socket. */
  start(matchId) {
    this.stop();
    const session = new WatchSession(matchId, this.canvas);
    this.session = session;
    this.hud.reset();
    session.socket = this.openSocket(
      spectateSocketUrl(location, matchId),
      {
        onOpen: () => this.current(session) && this.hud.setStatus("joining…", "pending"),
        onSpectating: (info, atMs) => this.onSpectating(session, info, atMs),
        onSnapshot: (snapshot, atMs) => this.onSnapshot(session, snapshot, atMs),
        onResult: (result) => this.onResult(session, result),
        onLatency: (rttMs) => this.onLatency(session, rttMs),
        onSpectators: (count) => this.onSpectators(session, count),
        onStall: (stalled, atMs) => this.onStall(session, stalled, atMs),
        onClose: (info) => this.onClose(session, info),
        onChat: (type, message) => this.current(session) && this.chat?.receive("match", type, message),
      },
      { describe: describeSpectatorClose },
    );
  }

  /** Watch the same match again after a close. */
  reconnect() {
    const matchId = this.matchId;
    if (matchId !== null) this.start(matchId);
  }

  /** Close the spectator socket and forget the match. */
  stop() {
    const session = this.session;
    if (!session) return;
    this.session = null;
    session.socket?.close(1000, "leaving");
    session.slot.dispose();
    delete this.body.dataset.tick;
    delete this.body.dataset.phase;
  }

  current(session) {
    return session === this.session;
  }

  onSpectating(session, info, atMs) {
    if (!this.current(session)) return;
    this.chat?.attach("match", { channels: [], send: (frame) => session.socket.send(frame) });
    this.chat?.show("match");
    session.info = info;
    session.begin(info, atMs);
    session.spectators = info.spectators;
    session.camera = null;
    this.hud.setStatus("watching", "ok");
    this.hud.setSpectators(info.spectators);
    this.hud.setDelay(info.delayMs);
    this.sendFollow(session);
    session.slot.use(info).then(
      (game) => {
        if (!game || !this.current(session)) return;
        session.game = game;
        this.showFollow(session);
        this.showHelp();
        this.onGameShown?.(info.game);
      },
      (error) => {
        if (!this.current(session)) return;
        console.warn(error.message, error.cause ?? "");
        session.closed = true;
        session.socket?.close(1000, "leaving");
        this.hud.setStatus("offline", "error");
        this.hud.showNotice(error.message, false, "Watch again");
      },
    );
  }

  onSnapshot(session, snapshot, atMs) {
    if (!this.current(session) || !session.info) return;
    const game = session.game;
    const reconnectingOf = game ? (world) => reconnectingIn(game, world) : null;
    const { fresh, phaseChanged, reconnectingChanged, left } = session.takeSnapshot(
      snapshot,
      atMs,
      reconnectingOf,
    );
    if (!fresh) return;
    for (const id of left) this.hud.addNote({ id, name: session.nameOf(id) }, "left", atMs);
    this.body.dataset.tick = String(snapshot.tick);
    if (phaseChanged) this.body.dataset.phase = String(snapshot.phase);
    const started = phaseChanged && snapshot.phase === Phase.RUNNING;
    if (started && session.previousPhase === Phase.COUNTDOWN) this.sounds?.play("start");
    if (snapshot.roster) {
      const columns = columnsOf(game, session.schema);
      const keep = session.overview
        ? null
        : keepFollowing(session.roster, session.followId, columns);
      if (keep !== session.followId) this.setFollow(session, keep);
      else this.showFollow(session);
    } else if (reconnectingChanged) {
      this.showFollow(session);
    }
    if (!game) return;
    const ctx = this.eventContext(session, snapshot, atMs);
    if (snapshot.events.length) game.onEvents(snapshot.events, ctx);
    if (game.sounds) this.sounds?.play(game.sounds(snapshot, ctx));
  }

  /** The help lines for watching (by touch on a page used by touch). */
  showHelp() {
    this.hud.setControls(this.touchMode() ? WATCH_TOUCH_HELP : WATCH_HELP);
  }

  /** What a game's `onEvents` gets: as for players, the followed player standing for "self". */
  eventContext(session, snapshot, atMs) {
    const selfId = session.followId;
    const player = (who) =>
      who !== null && typeof who === "object" ? who : { id: who, name: session.nameOf(who) };
    return {
      addNote: (who, text) => {
        const named = who === null || who === undefined ? null : player(who);
        this.hud.addNote(named, text, atMs, named !== null && named.id === selfId);
      },
      addKill: (killer, victim, verb = "eliminated") => {
        const a = player(killer);
        const b = player(victim);
        this.hud.addKill(a, b, atMs, a.id === selfId || b.id === selfId, verb);
      },
      announce: () => {}, // callouts are the player's own: "You eliminated Bo"
      hitMarker: () => {},
      nameOf: (id) => session.nameOf(id),
      selfId,
      spectating: true,
      atMs,
      world: { ...snapshot, roster: session.roster },
      eventTime: session.buffer.tickTime(snapshot.tick),
    };
  }

  onResult(session, result) {
    if (!this.current(session)) return;
    const repeated = session.result !== null;
    session.takeResult(result);
    const game = session.game;
    this.hud.showResults(result, null, {
      columns: columnsOf(game, session.schema),
      teamName: teamNameOf(game),
      summary: game?.summaryText?.(result) ?? "",
    });
    if (repeated) return;
    this.sounds?.play("end");
    this.showRatingChanges(session, result);
  }

  /** The rating changes of a ranked match, once the server recorded them (none for others). */
  async showRatingChanges(session, result) {
    let changes = parseRatingChanges(result.ratings);
    if (!changes.size) {
      const isCurrent = () => this.current(session);
      changes = await waitForRatingChanges(session.matchId, { isCurrent });
    }
    if (changes?.size && this.current(session)) this.hud.showRatingChanges(changes, null);
  }

  /** Nothing arrived for a while (or frames come again): say so at once. */
  onStall(session, stalled, atMs) {
    if (!this.current(session)) return;
    session.stalledSince = stalled ? atMs : null;
    this.hud.setStatus(stalled ? "connection stalled…" : "watching", stalled ? "pending" : "ok");
  }

  onLatency(session, rttMs) {
    if (!this.current(session) || session.closed || session.stalledSince) return;
    this.hud.setStatus(`watching · ${Math.round(rttMs)} ms`, rttMs > 250 ? "pending" : "ok");
  }

  onSpectators(session, count) {
    if (!this.current(session)) return;
    session.spectators = count;
    this.hud.setSpectators(count);
  }

  onClose(session, info) {
    if (!this.current(session)) return;
    session.closed = true;
    this.chat?.closed("match", info.code, info.reason);
    if (info.byClient) return;
    if (info.code === CloseCode.MATCH_OVER && session.result) {
      this.hud.setStatus("match finished", "pending");
      return;
    }
    console.info(`The spectator socket closed with ${info.code}: ${info.reason || info.text}`);
    const missing = session.info === null ? MISSING_CLOSES[info.code] : undefined;
    if (missing && this.onMissing) {
      this.onMissing(missing);
      return;
    }
    this.hud.setStatus("offline", "error");
    this.hud.showNotice(info.text, RETRYABLE_CLOSE_CODES.has(info.code), "Watch again");
  }

  /** Follow player `id` (ignored for an id not on the scoreboard). */
  follow(id) {
    const session = this.session;
    if (!session || !session.roster.some((entry) => entry.id === id)) return;
    session.overview = false;
    this.setFollow(session, id);
  }

  /** Show the whole field instead of following a player. */
  showOverview() {
    const session = this.session;
    if (!session) return;
    session.overview = true;
    this.setFollow(session, null);
  }

  setFollow(session, id) {
    session.followId = id;
    this.showFollow(session);
    this.sendFollow(session);
  }

  showFollow(session) {
    this.hud.setScoreboard(session.roster, session.followId, session.reconnecting, {
      columns: columnsOf(session.game, session.schema),
      teamName: teamNameOf(session.game),
    });
    this.hud.setFollowing(session.followId === null ? null : session.nameOf(session.followId));
  }

  /** Tell the server whom the camera follows, once per change, once it listens. */
  sendFollow(session) {
    const id = session.followId;
    if (id === null || id === session.followSent || !session.info || session.closed) return;
    if (session.socket.send(followFrame(id))) session.followSent = id;
  }

  onKey(event) {
    const session = this.session;
    if (!session || this.body.dataset.view !== "watch" || event.defaultPrevented) return;
    if (EDITABLE.has(event.target?.tagName) || event.target?.closest?.("[role$=dialog]")) return;
    if (!this.hud.notice.hidden || !this.hud.results.hidden) return; // their buttons keep Tab
    const action = followKey(event);
    if (!action) return;
    event.preventDefault();
    const columns = columnsOf(session.game, session.schema);
    if (action.overview) this.showOverview();
    else if (action.row) {
      const id = playerAtRow(session.roster, action.row, columns);
      if (id !== null) this.follow(id);
    } else if (action.step) {
      const id = cycleFollow(session.roster, session.followId, action.step, columns);
      if (id !== null) this.follow(id);
    }
  }

  onCanvasClick(event) {
    const session = this.session;
    if (!session || this.body.dataset.view !== "watch") return;
    const { points, radius } = session.onPage;
    if (!points?.length) return;
    const point = { x: event.clientX, y: event.clientY };
    const id = playerNear(points, point, radius * CLICK_REACH_RADII);
    if (id !== null) this.follow(id);
  }

  /** Draw the view at local time `now` (called every animation frame while it is shown). */
  frame(now) {
    const session = this.session;
    if (!session) return;
    const game = session.game;
    if (!game) {
      clearCanvas(this.canvas, session.closed ? "" : "Connecting…");
      this.updateHud(session, now, null);
      return;
    }
    const { world, renderTime } = session.sample(now, game.jumped?.bind(game) ?? null);
    session.camera = this.moveCamera(session, world, now);
    game.draw({
      world,
      selfId: session.followId,
      names: session.names,
      teamOf: session.teams,
      renderTime,
      now,
      overlay: this.overlay(session, now),
      camera: session.camera,
      reconnecting: session.reconnecting,
      spectating: true,
    });
    const avatars = session.schema.avatars ? world?.collections[session.schema.avatars.name] : null;
    session.drawn = avatars ? [...avatars.values()].map((entity) => ({ ...entity })) : [];
    const box = this.canvas.getBoundingClientRect();
    session.onPage = avatarsOnPage(game, session.schema, world, box);
    this.hud.keepClear(session.onPage);
    session.frames += 1;
    this.updateHud(session, now, world);
  }

  /**
   * Where the camera is at `now`: easing towards the followed player (the game's `focusOf`, or
   * its avatar), held where it was while that player is not drawn, the whole field in the
   * overview; null for a game without a field to move over (no avatars with x and y).
   */
  moveCamera(session, world, now) {
    const bounds = avatarBounds(session.schema);
    const game = session.game;
    if (!bounds) return null;
    const focusOf = typeof game.focusOf === "function" ? game.focusOf.bind(game) : null;
    const following = !session.overview && session.followId !== null;
    const target = following ? focusPoint(session.schema, world, session.followId, focusOf) : null;
    let goal = overviewCamera(bounds);
    if (target) goal = cameraTarget(bounds, target);
    else if (following && session.camera) goal = session.camera;
    const camera = clampCamera(bounds, easeCamera(session.camera, goal, now - session.cameraAt));
    session.cameraAt = now;
    return camera;
  }

  updateHud(session, now, world) {
    const latest = session.latest;
    if (latest && !session.closed) {
      const at = session.stalledSince ?? now;
      const timed = (session.info?.timeLimitMs ?? 1) > 0;
      this.hud.setPhase(latest.phase, latest.phaseMsLeft - (at - session.latestAt), timed);
      const followed = session.followId;
      const status = followed === null ? null : session.game?.statusOf?.(world, followed);
      this.hud.setGameStatus(status ?? null);
    }
    this.hud.pruneKillFeed(now);
  }

  overlay(session, now) {
    if (!session.info) return session.closed ? null : { title: "Connecting…", subtitle: "" };
    return phaseOverlay(session, now, { needed: session.info.minPlayers ?? 2 });
  }

  /**
   * What the debug hook shows of the view: the match, tick and phase, whom the camera follows
   * (and the last FOLLOW sent), the camera, the spectator count, the delay, the avatars last
   * drawn and how many frames were drawn.
   */
  debugState() {
    const session = this.session;
    if (!session) return null;
    return {
      matchId: session.matchId,
      game: session.info?.game ?? null,
      watching: session.info !== null && !session.closed,
      tick: session.latest?.tick ?? null,
      phase: session.phase,
      following: session.followId,
      followSent: session.followSent,
      overview: session.overview,
      camera: session.camera ? { ...session.camera } : null,
      spectators: session.spectators,
      delayMs: session.info?.delayMs ?? null,
      drawn: session.drawn.map((entity) => ({ ...entity })),
      frames: session.frames,
    };
  }
}
