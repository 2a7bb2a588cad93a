/**
 * Playing a match of any game: the match socket with its seat ticket, the game's module (loaded
 * when WELCOME names it, games/README.md), one INPUT per client tick from the game's input (and
 * one at once when it says so), the own avatar drawn where the game's predictor puts it and
 * everything else where interpolation does, the HUD, the game's touch controls and sounds,
 * reconnecting by itself after a dropped connection (reconnect.js), resuming from the KEYFRAME
 * the server sends first, and the rating changes of a ranked match once the server recorded it.
 */

import { createTicket } from "./api.js";
import {
  GameSlot,
  avatarOf,
  avatarsOnPage,
  clearCanvas,
  columnsOf,
  helpLinesOf,
  reconnectingIn,
  stagePoint,
  teamNameOf,
} from "./game-module.js";
import { resultTitle } from "./hud.js";
import { InputClock } from "./input-clock.js";
import { MatchView, phaseOverlay } from "./match-view.js";
import { GameSocket } from "./net.js";
import {
  CloseCode,
  Phase,
  inputFrame,
  leaveFrame,
  matchSocketUrl,
  wsPathForMatch,
} from "./protocol.js";
import { parseRatingChanges, waitForRatingChanges } from "./rating-change.js";
import { ReconnectPlan, needsNewTicket, reconnectBudgetMs, shouldReconnect } from "./reconnect.js";

/** A ticket younger than this is reused to reconnect; older ones are replaced over HTTP. */
const TICKET_REUSE_MS = 45000;
/** Shortest time between two warnings about THROTTLED. */
const THROTTLED_WARNING_MS = 1000;
/** Own-avatar positions kept for the debug hook (`window.arena.draws()`): about two seconds. */
const DRAW_TRACE_LENGTH = 120;
/** The help lines fold away once the match has been running this long. */
export const HELP_FOLD_MS = 10000;
/** The sound of a match's end for the player's outcome (hud.js `resultTitle`). */
const END_SOUNDS = Object.freeze({ win: "win", loss: "lose" });

/**
 * One game session: the socket and everything received on it, across reconnects. `seat` says
 * how it was joined: `{matchId, wsPath, wsUrl, ticket, ticketAt, name, source}` with `source` "lobby" or
 * "private". `retry` is set while it reconnects: `{plan, attempt, timer}`.
 */
class Session extends MatchView {
  constructor(seat, canvas) {
    super(seat.matchId);
    this.seat = seat;
    this.slot = new GameSlot(canvas);
    this.game = null;
    this.welcome = null;
    this.welcomes = 0;
    this.inputClock = null;
    this.throttledWarnedAt = -Infinity;
    this.retry = null;
    /** Whether the newest snapshot had the own avatar (one that appears has respawned). */
    this.hadAvatar = false;
    /** Since when (ms) the socket is stalled: nothing arrived for a while; or null. */
    this.stalledSince = null;
    /** The rating changes of the finished match (Map player id → change), once known. */
    this.ratingChanges = null;
  }

  get selfId() {
    return this.welcome ? this.welcome.playerId : null;
  }
}

/**
 * The player's view of the game screen, drawn on `canvas` with `hud` (hud.js); `body` gets the
 * data attributes the tests read (`data-tick`, `data-phase`, `data-player-id`, `data-welcomes`,
 * `data-stalled`, `data-reconnecting`); `sessionReady` is the session cookie's promise (for new
 * tickets); `touch` the page's TouchControls and `sounds` its SoundBoard (either may be absent);
 * `onRatings(changes)` is called once the rating changes of a finished match are known, and
 * `onGameShown(name)` once the game's module is there (the page title).
 */
export class Player {
  constructor({
    hud,
    body,
    canvas,
    sessionReady,
    touch = null,
    sounds = null,
    onRatings,
    onGameShown,
    chat = null,
  }) {
    this.chat = chat; // the page's ChatPanel: the match's channels
    this.hud = hud;
    this.body = body;
    this.canvas = canvas;
    this.sessionReady = sessionReady;
    this.touch = touch;
    this.sounds = sounds;
    this.onRatings = onRatings;
    this.onGameShown = onGameShown;
    this.session = null;
    this.inputTimer = null;
    this.inputTimerAt = Infinity;
    this.ownDraws = [];
    this.lastWorld = null;
    touch?.onTouchMode(() => {
      if (this.session?.game) this.hud.setControls(helpLinesOf(this.session.game, true));
    });
  }

  /** Whether Leave should ask first: the player is seated in a match that is not over. */
  get playing() {
    const session = this.session;
    return Boolean(session?.welcome) && !session.result && !session.closed;
  }

  /** How the match being played was joined ("lobby" or "private"), and how many others play it. */
  get seating() {
    const session = this.session;
    const others = session ? session.roster.filter((e) => e.id !== session.selfId).length : 0;
    return { source: session?.seat.source ?? "private", others };
  }

  /** The match played now, or null. */
  get matchId() {
    return this.session?.matchId ?? null;
  }

  /** Connect to a match with a seat (see Session) and show it from now on. */
  start(seat) {
    this.leave();
    const session = new Session(seat, this.canvas);
    this.session = session;
    this.hud.reset();
    this.ownDraws = [];
    this.lastWorld = null;
    this.connect(session);
  }

  /** Open a socket for `session` with its seat's ticket; its events count while it is current. */
  connect(session) {
    const { seat } = session;
    const wsPath = seat.wsPath || wsPathForMatch(seat.matchId);
    let socket = null;
    const current = () => session === this.session && session.socket === socket;
    socket = new GameSocket(matchSocketUrl(location, wsPath, seat.ticket, seat.wsUrl), {
      onOpen: () => current() && !session.retry && this.hud.setStatus("joining…", "pending"),
      onWelcome: (welcome, atMs) => current() && this.onWelcome(session, welcome, atMs),
      onSnapshot: (snapshot, atMs) => current() && this.onSnapshot(session, snapshot, atMs),
      onResult: (result) => current() && this.onResult(session, result),
      onLatency: (rtt) => current() && this.onLatency(session, rtt),
      onThrottled: (message, atMs) => current() && this.onThrottled(session, message, atMs),
      onSpectators: (count) => current() && this.hud.setSpectators(count),
      onStall: (stalled, atMs) => current() && this.onStall(session, stalled, atMs),
      onClose: (info) => current() && this.onClose(session, info),
      onChat: (type, message) => current() && this.chat?.receive("match", type, message),
    });
    session.socket = socket;
  }

  onWelcome(session, welcome, atMs) {
    this.chat?.attach("match", { channels: [], send: (frame) => session.socket.send(frame) });
    this.chat?.show("match");
    const resumed = session.welcome !== null;
    session.welcome = welcome;
    session.closed = false;
    session.begin(welcome, atMs); // a new socket's snapshots start from a KEYFRAME
    // A returning player's INPUTs go on after the server's `ack`, and never reuse a number sent
    // before: after the match moved to another engine worker, `ack` may be below INPUTs the
    // new worker has already applied.
    const lastSent = session.inputClock ? session.inputClock.seq : 0;
    session.inputClock = new InputClock(welcome.tickRate);
    session.inputClock.continueAfter(Math.max(welcome.ack, lastSent));
    session.hadAvatar = false;
    if (session.retry) {
      this.endReconnect(session);
      console.info(`Reconnected to match ${session.matchId} as player ${welcome.playerId}.`);
    }
    this.body.dataset.playerId = String(welcome.playerId);
    // how many WELCOMEs this session had: more than one after a reconnect or a move (tests)
    session.welcomes += 1;
    this.body.dataset.welcomes = String(session.welcomes);
    this.hud.setSpectators(welcome.spectators);
    this.hud.setStatus(resumed ? "connected · reconnected" : "connected", "ok");
    session.slot.use(welcome).then(
      (game) => game && this.onGame(session, game),
      (error) => this.onGameUnavailable(session, error),
    );
  }

  /** The game's module is there (or configured again after another WELCOME). */
  onGame(session, game) {
    if (session !== this.session) return;
    const first = session.game === null;
    session.game = game;
    game.predictor?.reset(session.welcome);
    if (first) {
      game.input?.attach(this.canvas, () => this.pumpInput());
      this.touch?.use(game.touch, game.input, () => this.pumpInput());
      this.onGameShown?.(session.welcome.game);
    }
    this.setInputEnabled(session, !session.closed && !session.result);
    this.hud.setControls(helpLinesOf(game, this.touch?.touchMode));
    this.showScoreboard(session);
    this.pumpInput();
  }

  onGameUnavailable(session, error) {
    if (session !== this.session) return;
    console.warn(error.message, error.cause ?? "");
    this.leaveSocket(session);
    this.hud.setStatus("offline", "error");
    this.hud.showNotice(error.message, false);
  }

  onSnapshot(session, snapshot, atMs) {
    if (!session.welcome) return;
    const game = session.game;
    const reconnectingOf = game ? (world) => reconnectingIn(game, world) : null;
    const { fresh, phaseChanged, reconnectingChanged, left } = session.takeSnapshot(
      snapshot,
      atMs,
      reconnectingOf,
    );
    if (!fresh) return;
    for (const id of left) {
      if (id !== session.selfId) this.hud.addNote({ id, name: session.nameOf(id) }, "left", atMs);
    }
    this.reconcile(session, snapshot, atMs);
    this.body.dataset.tick = String(snapshot.tick);
    if (phaseChanged) this.body.dataset.phase = String(snapshot.phase);
    if (snapshot.roster || reconnectingChanged) this.showScoreboard(session);
    const started = phaseChanged && snapshot.phase === Phase.RUNNING;
    if (started && session.previousPhase === Phase.COUNTDOWN) this.sounds?.play("start");
    if (!game) return;
    const ctx = this.eventContext(session, snapshot, atMs);
    if (snapshot.events.length) game.onEvents(snapshot.events, ctx);
    if (game.sounds) this.sounds?.play(game.sounds(snapshot, ctx));
  }

  /** Start or stop taking the player's input: keys, mouse and the touch controls. */
  setInputEnabled(session, on) {
    session.game?.input?.setEnabled(on);
    if (session === this.session) this.touch?.setEnabled(on && Boolean(session.game?.input));
  }

  /** What a game's `onEvents` gets with the events of `snapshot` (games/README.md). */
  eventContext(session, snapshot, atMs) {
    const selfId = session.selfId;
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
      announce: (text, kind = "") => this.hud.announce(text, atMs, kind),
      hitMarker: (x, y) => {
        const at = stagePoint(session.game, this.canvas, x, y);
        if (at) this.hud.showHitMarker(at.x, at.y, atMs);
      },
      nameOf: (id) => session.nameOf(id),
      selfId,
      spectating: false,
      atMs,
      world: { ...snapshot, roster: session.roster },
      eventTime: session.buffer.tickTime(snapshot.tick),
    };
  }

  /** The scoreboard: the players the game marks reconnecting, and this one while it does. */
  showScoreboard(session) {
    if (!session.welcome) return;
    const reconnecting = new Set(session.reconnecting);
    if (session.retry && session.selfId !== null) reconnecting.add(session.selfId);
    this.hud.setScoreboard(session.roster, session.selfId, reconnecting, {
      columns: columnsOf(session.game, session.schema),
      teamName: teamNameOf(session.game),
    });
  }

  /**
   * Correct the game's prediction of the own avatar with the newest snapshot (the decoded
   * snapshot goes along: its globals and events may say when a game holds its players still).
   */
  reconcile(session, snapshot, atMs) {
    const self = session.selfId;
    const avatar = avatarOf(session.schema, snapshot, self);
    const respawned =
      (avatar !== null && !session.hadAvatar) ||
      snapshot.events.some((event) => event.kind === "spawn" && event.player === self);
    session.hadAvatar = avatar !== null;
    const ack = Number.isInteger(avatar?.ack) ? avatar.ack : null;
    const context = { respawned, phase: snapshot.phase, snapshot };
    session.game?.predictor?.reconcile(avatar, ack, atMs, context);
  }

  onResult(session, result) {
    const repeated = session.result !== null;
    session.takeResult(result);
    const game = session.game;
    const selfTeam = session.welcome?.team ?? null;
    this.hud.showResults(result, session.selfId, {
      selfTeam,
      columns: columnsOf(game, session.schema),
      teamName: teamNameOf(game),
      summary: game?.summaryText?.(result) ?? "",
    });
    this.setInputEnabled(session, false);
    if (repeated) {
      if (session.ratingChanges) this.hud.showRatingChanges(session.ratingChanges, session.selfId);
      return;
    }
    const { outcome } = resultTitle(result, session.selfId, { selfTeam });
    this.sounds?.play(END_SOUNDS[outcome] ?? "end");
    this.showRatingChanges(session, result);
  }

  /**
   * The rating changes of the match just over: the RESULT's own (a result the server had
   * recorded already), else the match API's once the server has recorded it (a ranked match);
   * `onRatings` is told either way (the lobby's rating).
   */
  async showRatingChanges(session, result) {
    let changes = parseRatingChanges(result.ratings);
    // waited for also once the player is back in the lobby: it shows the new rating then
    if (!changes.size && session.seat.source === "lobby") {
      changes = await waitForRatingChanges(session.matchId);
    }
    if (!changes?.size) return;
    session.ratingChanges = changes;
    if (session === this.session) this.hud.showRatingChanges(changes, session.selfId);
    this.onRatings?.(changes);
  }

  /** Nothing arrived for a while (or frames come again): say so at once. */
  onStall(session, stalled, atMs) {
    session.stalledSince = stalled ? atMs : null;
    if (stalled) {
      this.body.dataset.stalled = "true";
      this.hud.setStatus("connection stalled…", "pending");
    } else {
      delete this.body.dataset.stalled;
      this.hud.setStatus("connected", "ok");
    }
  }

  onLatency(session, rttMs) {
    if (session.closed || session.stalledSince !== null) return;
    this.hud.setStatus(`connected · ${Math.round(rttMs)} ms`, rttMs > 150 ? "pending" : "ok");
  }

  /** The server dropped frames of this client: send no extra INPUTs, and say so now and then. */
  onThrottled(session, { dropped, limit }, atMs) {
    if (session.closed) return;
    session.inputClock?.slowDown();
    if (atMs - session.throttledWarnedAt < THROTTLED_WARNING_MS) return;
    session.throttledWarnedAt = atMs;
    console.warn(`The server dropped ${dropped} frames from this client (limit ${limit}/s).`);
    this.hud.setStatus("connected · slowing down", "pending");
  }

  /**
   * The socket closed: reconnect by itself after a drop (see reconnect.js) until that succeeds,
   * a code that another try cannot change arrives or the time is up; then say why, offering
   * the Rejoin button when trying again later may help.
   */
  onClose(session, info) {
    session.closed = true;
    this.chat?.closed("match", info.code, info.reason);
    session.stalledSince = null;
    delete this.body.dataset.stalled;
    this.stopInputTimer();
    this.setInputEnabled(session, false);
    if (info.byClient) return;
    if (info.code === CloseCode.MATCH_OVER && session.result) {
      this.hud.setStatus("match finished", "pending");
      return;
    }
    if (info.code === CloseCode.REPLACED) {
      // The player opened the match in another tab or window. Taking it back by itself would
      // close that one in turn (the tabs would take turns): only the button takes it back here.
      this.giveUp(session, "playing elsewhere", info.text, true, "Play here");
      return;
    }
    const retryable = shouldReconnect(info.code, { seated: session.welcome !== null });
    if (retryable && !session.result) {
      if (needsNewTicket(info.code)) session.seat = { ...session.seat, ticketAt: -Infinity };
      if (this.scheduleReconnect(session)) return;
    }
    console.info(`The match socket closed with ${info.code}: ${info.reason || info.text}`);
    this.giveUp(session, "offline", info.text, retryable);
  }

  /**
   * Plan the next reconnect attempt of `session` (starting a plan on the first), show it in the
   * HUD, and return true; false once the plan has given up.
   */
  scheduleReconnect(session) {
    const now = performance.now();
    if (!session.retry) {
      const budgetMs = reconnectBudgetMs(session.welcome?.reconnectGraceMs);
      session.retry = { plan: new ReconnectPlan(now, { budgetMs }), attempt: 0, timer: null };
    }
    const retry = session.retry;
    const next = retry.plan.next(now);
    if (!next) return false;
    retry.attempt = next.attempt;
    retry.timer = setTimeout(() => this.reconnect(session), next.delayMs);
    this.body.dataset.reconnecting = String(next.attempt);
    this.hud.setStatus(`reconnecting… (attempt ${next.attempt})`, "pending");
    this.showScoreboard(session);
    return true;
  }

  /**
   * One reconnect attempt: the same ticket while it is fresh (a ticket may be used again within
   * its lifetime), else a new one over HTTP; then a new socket on the same session.
   */
  async reconnect(session) {
    if (session !== this.session || !session.retry) return;
    session.retry.timer = null;
    const seat = session.seat;
    // a match hosted by one web process may have moved to another: ask where it is now
    if (seat.wsUrl || performance.now() - seat.ticketAt >= TICKET_REUSE_MS) {
      try {
        await this.sessionReady;
        const ticket = await createTicket(seat.matchId, seat.name);
        if (session !== this.session || !session.retry) return;
        session.seat = { ...ticketSeat(seat.matchId, ticket, seat.name), source: seat.source };
      } catch (error) {
        if (session !== this.session || !session.retry) return;
        const transient = error.status === 0 || error.status >= 500;
        if (transient && this.scheduleReconnect(session)) return;
        this.giveUp(session, "offline", error.message, transient);
        return;
      }
    }
    this.connect(session);
  }

  /** The network is back: make the attempt that waits for its turn now. */
  reconnectNow() {
    const session = this.session;
    if (session?.retry?.timer == null) return;
    clearTimeout(session.retry.timer);
    this.reconnect(session);
  }

  /** Stop reconnecting `session` (it is back, or it gave up). */
  endReconnect(session) {
    if (session.retry?.timer != null) clearTimeout(session.retry.timer);
    session.retry = null;
    if (session === this.session) {
      delete this.body.dataset.reconnecting;
      this.hud.hideNotice();
    }
  }

  /**
   * Reconnecting failed or cannot help: say so, with the Rejoin button (labelled `label`) if
   * `canRejoin`.
   */
  giveUp(session, status, text, canRejoin, label = "Rejoin") {
    this.endReconnect(session);
    this.showScoreboard(session);
    this.hud.setStatus(status, "error");
    this.hud.showNotice(text, canRejoin, label);
  }

  /** The Rejoin button: start reconnecting again, with a fresh time budget. */
  rejoin() {
    const session = this.session;
    if (!session || session.retry || !session.closed) return;
    this.hud.hideNotice();
    this.scheduleReconnect(session); // a new plan: its first attempt is always due
  }

  /** Close the socket of `session` for good (LEAVE first while seated), keeping the view. */
  leaveSocket(session) {
    this.endReconnect(session);
    if (session.welcome && !session.result && !session.closed) session.socket?.send(leaveFrame());
    session.closed = true;
    session.socket?.close(1000, "leaving");
    this.setInputEnabled(session, false);
    this.stopInputTimer();
  }

  /** Leave the match being played: LEAVE (for good), close, forget it. */
  leave() {
    const session = this.session;
    if (!session) return;
    this.leaveSocket(session);
    this.touch?.clear();
    this.session = null;
    session.slot.dispose();
    for (const key of ["tick", "playerId", "phase", "reconnecting", "stalled", "welcomes"]) {
      delete this.body.dataset[key];
    }
  }

  /** Simulate a dropped connection (the debug hook): it reconnects by itself. */
  drop() {
    this.session?.socket?.drop("dropped by the debug hook");
  }

  /**
   * Run the client tick: send the INPUT that is due (one per tick at the match's tick rate, and
   * one at once when the game's input wants it, see InputClock) and give it to the game's
   * predictor; then wait for the next.
   */
  pumpInput() {
    const session = this.session;
    const input = session?.game?.input;
    if (!input || !session.inputClock || session.closed || session.result) return;
    const clock = session.inputClock;
    const now = performance.now();
    const due = clock.due(now, input.wantsSendNow());
    if (due) {
      const avatar = avatarOf(session.schema, session.latest, session.selfId);
      const values = input.values(now, avatar, session.viewStamp());
      if (values) {
        const seq = clock.commit(now, due);
        const frame = inputFrame(seq, values, session.welcome.schema.inputs);
        if (session.socket.send(frame)) {
          session.game.predictor?.input(seq, frame.slice(2), now, { amends: due.amends });
        }
      } else {
        clock.idle(now, due);
      }
    }
    this.scheduleInput(now + clock.waitMs(now, input.wantsSendNow()));
  }

  /** Poll the input clock again at `atMs`, unless a poll is already due by then. */
  scheduleInput(atMs) {
    if (this.inputTimer !== null && this.inputTimerAt <= atMs) return;
    this.stopInputTimer();
    this.inputTimerAt = atMs;
    this.inputTimer = setTimeout(() => {
      this.inputTimer = null;
      this.inputTimerAt = Infinity;
      this.pumpInput();
    }, Math.max(0, atMs - performance.now()));
  }

  stopInputTimer() {
    if (this.inputTimer !== null) clearTimeout(this.inputTimer);
    this.inputTimer = null;
    this.inputTimerAt = Infinity;
  }

  /** Draw the match at local time `now` (every animation frame while it is shown). */
  frame(now) {
    const session = this.session;
    const game = session?.game;
    if (!session) return;
    this.pumpInput();
    if (game) {
      const { world, renderTime } = session.sample(now, game.jumped?.bind(game) ?? null);
      const self = avatarOf(session.schema, world, session.selfId);
      const predicted = game.predictor?.render(now) ?? null;
      if (self && predicted) {
        self.x = predicted.x;
        self.y = predicted.y;
      }
      if (self) {
        const ack = avatarOf(session.schema, session.latest, session.selfId)?.ack ?? null;
        this.traceOwn(now, self, predicted !== null, ack, session.inputClock?.seq ?? null);
      }
      this.lastWorld = world;
      const reconnecting = new Set(session.reconnecting);
      if (session.retry && session.selfId !== null) reconnecting.add(session.selfId);
      game.draw({
        world,
        selfId: session.selfId,
        names: session.names,
        teamOf: session.teams,
        renderTime,
        now,
        overlay: this.overlay(session, now),
        camera: null,
        reconnecting,
        spectating: false,
      });
      const box = this.canvas.getBoundingClientRect();
      this.hud.keepClear(avatarsOnPage(game, session.schema, world, box));
      if (!session.closed || session.retry) {
        this.hud.setGameStatus(game.statusOf?.(world, session.selfId) ?? null);
      }
      if (session.phase === Phase.RUNNING && now - session.phaseSince > HELP_FOLD_MS) {
        this.hud.foldHelp();
      }
    } else {
      clearCanvas(this.canvas, session.closed ? "" : "Connecting…");
    }
    this.updateHud(session, now);
  }

  /**
   * Remember where the own avatar was drawn at `now`, with the server's newest `ack` and the
   * newest INPUT `seq` sent then, for the debug hook.
   */
  traceOwn(now, self, predicted, ack, seq) {
    this.ownDraws.push({ at: now, x: self.x, y: self.y, predicted, ack, seq });
    if (this.ownDraws.length > DRAW_TRACE_LENGTH) this.ownDraws.shift();
  }

  /** The own avatar's draws of the last two seconds (the debug hook's `draws()`). */
  draws() {
    return this.ownDraws.map((draw) => ({ ...draw }));
  }

  /**
   * What the debug hook shows of the own avatar: the last drawn position, the predicted state
   * (the game's `predictor.debug()`), the server's newest entity (with its ack), the newest
   * INPUT sent and how many are unacknowledged.
   */
  debugState() {
    const session = this.session;
    if (!session?.welcome) return null;
    const me = avatarOf(session.schema, session.latest, session.selfId);
    const prediction = session.game?.predictor?.debug?.() ?? { predicted: null, pending: 0 };
    return {
      playerId: session.selfId,
      game: session.welcome.game,
      reconnecting: session.retry?.attempt ?? null,
      tick: session.latest?.tick ?? null,
      phase: session.phase,
      seq: session.inputClock?.seq ?? null,
      pending: prediction.pending,
      drawn: this.ownDraws.at(-1) ?? null,
      predicted: prediction.predicted,
      server: me ? { ...me } : null,
      view: session.viewStamp(),
      renderTime: session.drawnAt,
      others: this.drawnOthers(session),
      toScreen: (x, y) => session.game?.worldToScreen?.(x, y) ?? null,
    };
  }

  /** The other avatars as the last frame drew them, `{id, x, y}` (the debug hook's `others`). */
  drawnOthers(session) {
    const avatars = session.schema.avatars;
    const rows = avatars ? this.lastWorld?.collections?.[avatars.name] : null;
    if (!rows) return [];
    return [...rows.values()]
      .filter((row) => row.id !== session.selfId)
      .map((row) => ({ id: row.id, x: row.x, y: row.y }));
  }

  updateHud(session, now) {
    const latest = session.latest;
    if (latest && (!session.closed || session.retry)) {
      // the clock stops with the snapshots: a stalled connection does not count time down
      const at = session.stalledSince ?? now;
      const timed = (session.welcome?.timeLimitMs ?? 1) > 0;
      this.hud.setPhase(latest.phase, latest.phaseMsLeft - (at - session.latestAt), timed);
    }
    this.hud.pruneKillFeed(now);
  }

  overlay(session, now) {
    if (session.retry && !session.result) {
      const subtitle = `Connection lost · attempt ${session.retry.attempt}`;
      return { title: "Reconnecting…", subtitle };
    }
    if (session.stalledSince !== null && !session.result) {
      return { title: "Connection stalled", subtitle: "Nothing from the server · waiting…" };
    }
    if (!session.welcome) {
      return session.closed ? null : { title: "Connecting…", subtitle: "" };
    }
    const hint = session.seat.source === "private" ? " · share the invite link" : "";
    return phaseOverlay(session, now, { needed: session.welcome.minPlayers ?? 2, hint });
  }
}

/** The seat of a match the lobby names (MATCH_FOUND, or a seat LOBBY_WELCOME gives back). */
export function seatOf(match, name = match.name) {
  return {
    matchId: match.matchId,
    wsPath: match.wsPath,
    wsUrl: match.wsUrl ?? null,
    ticket: match.ticket,
    ticketAt: performance.now(),
    name,
    source: match.source ?? (match.ranked === false ? "private" : "lobby"),
  };
}

/** The seat of a ticket from `POST /api/matches/<id>/tickets/` (a private match). */
export function ticketSeat(matchId, ticket, name) {
  return {
    matchId,
    wsPath: ticket.ws_path,
    wsUrl: typeof ticket.ws_url === "string" && ticket.ws_url ? ticket.ws_url : null,
    ticket: ticket.ticket,
    ticketAt: performance.now(),
    name,
    source: "private",
  };
}

