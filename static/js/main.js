/**
 * Arena client entry point: lobby → find a match (or create or join a private one) → play →
 * results → lobby, or lobby → watch a live match (spectate.js) → lobby. While playing, one INPUT
 * goes out per client tick; the own ship is drawn where prediction.js puts it, everything else
 * where interpolation.js does. A dropped connection reconnects by itself (reconnect.js) and
 * resumes from the KEYFRAME the server sends first.
 */

import { createMatch, createTicket, getSession } from "./api.js";
import { showEvents } from "./events.js";
import { matchIdFromHash, watchHash, watchIdFromHash } from "./format.js";
import { Hud } from "./hud.js";
import { InputClock, InputDevice, aimAngle } from "./input.js";
import { DEFAULT_RENDER_DELAY_MS } from "./interpolation.js";
import { Lobby } from "./lobby.js";
import { MatchView } from "./match-view.js";
import { LobbyState } from "./matchmaking.js";
import { MatchmakingPanel } from "./matchmaking-ui.js";
import { GameSocket } from "./net.js";
import { Predictor, movementRules } from "./prediction.js";
import {
  CloseCode,
  EventKind,
  Phase,
  leaveFrame,
  matchSocketUrl,
  normalizeName,
  wsPathForMatch,
} from "./protocol.js";
import { ReconnectPlan, needsNewTicket, reconnectBudgetMs, shouldReconnect } from "./reconnect.js";
import { Renderer } from "./render.js";
import { Spectator } from "./spectate.js";
import { WatchList } from "./watch-list.js";

const NAME_HINT = "Enter a display name: 1–16 letters, digits, spaces, _ - or .";
const BUSY_HINT = "Cancel the search first to play a private match.";
/** A ticket younger than this is reused to reconnect; older ones are replaced over HTTP. */
const TICKET_REUSE_MS = 45000;
/** Shortest time between two warnings about THROTTLED. */
const THROTTLED_WARNING_MS = 1000;
/** Own-ship positions kept for the debug hook (`window.arena.draws()`): about two seconds. */
const DRAW_TRACE_LENGTH = 120;

/**
 * One game session: the socket and everything received on it, across reconnects. `seat` says
 * how it was joined: `{matchId, wsPath, ticket, ticketAt, name, source}` with `source` "lobby" or
 * "private". `retry` is set while it reconnects: `{plan, attempt, timer}`.
 */
class Session extends MatchView {
  constructor(seat) {
    super(seat.matchId);
    this.seat = seat;
    this.welcome = null;
    this.inputClock = null;
    this.predictor = null;
    this.killedBy = null;
    this.throttledWarnedAt = -Infinity;
    this.retry = null;
    /** Since when (ms) the socket is stalled: nothing arrived for a few tick periods; or null. */
    this.stalledSince = null;
  }

  get selfId() {
    return this.welcome ? this.welcome.playerId : null;
  }
}

class App {
  constructor() {
    this.body = document.body;
    this.lobbyView = document.getElementById("lobby");
    this.gameView = document.getElementById("game-view");
    this.canvas = document.getElementById("game");
    this.copyButton = document.getElementById("copy-link");
    this.hud = new Hud(document);
    this.renderer = new Renderer(this.canvas);
    this.input = new InputDevice(this.canvas, () => this.pumpInput());
    this.session = null;
    this.invitedMatchId = null;
    this.request = 0;
    this.aim = 0;
    this.selfScreen = null;
    this.inputTimer = null;
    this.inputTimerAt = Infinity;
    this.ownDraws = [];
    this.lobby = new Lobby(document, {
      onSubmit: () => (this.invitedMatchId ? this.joinInvite() : this.find()),
      onCreate: (mode) => (this.invitedMatchId ? this.joinInvite() : this.create(mode)),
      onJoin: (match) => this.joinPrivate(match.id),
      onDismissInvite: () => this.dismissInvite(),
      onNameChange: (name) => {
        const valid = normalizeName(name);
        if (valid !== null) this.matchmaking.setName(valid);
      },
    });
    this.watchList = new WatchList(document, { onWatch: (match) => this.watch(match.id) });
    this.spectator = new Spectator({
      hud: this.hud,
      renderer: this.renderer,
      body: this.body,
      canvas: this.canvas,
      scoreboard: document.getElementById("scoreboard"),
    });
    this.sessionReady = this.loadSession();
    this.matchmaking = new MatchmakingPanel(document, {
      location,
      sessionReady: this.sessionReady,
      refreshSession: () => this.loadSession(),
      onFind: () => this.find(),
      onMatchFound: (match) => this.onMatchFound(match),
      onMatchOffer: (match) => this.offerMatch(match),
      onModes: (modes) => this.lobby.setModes(modes),
      onChange: (view) => this.onMatchmakingChange(view),
    });
    this.sessionReady.then(() => {
      const name = normalizeName(this.lobby.name);
      if (name !== null) this.matchmaking.setName(name);
    });

    this.heldMatch = document.getElementById("held-match");
    this.heldMatchOffer = null;
    document.getElementById("held-match-join").addEventListener("click", () => {
      const offer = this.heldMatchOffer;
      this.heldMatch.hidden = true;
      if (offer) this.startMatch(seatOf(offer));
    });
    document.getElementById("leave").addEventListener("click", () => this.backToLobby());
    document.getElementById("back-to-lobby").addEventListener("click", () => this.backToLobby());
    document.getElementById("notice-back").addEventListener("click", () => this.backToLobby());
    document.getElementById("notice-rejoin").addEventListener("click", () =>
      this.spectator.active ? this.spectator.reconnect() : this.rejoin(),
    );
    this.copyButton.addEventListener("click", () => this.copyLink());
    window.addEventListener("hashchange", () => this.handleHash());
    window.addEventListener("online", () => this.reconnectNow());

    this.showLobby();
    this.handleHash();
    requestAnimationFrame(() => this.frame());
  }

  showLobby() {
    this.gameView.hidden = true;
    this.lobbyView.hidden = false;
    this.body.dataset.view = "lobby";
    this.input.setEnabled(false);
    this.lobby.start();
    this.watchList.start();
  }

  showGame() {
    this.lobby.stop();
    this.watchList.stop();
    this.lobbyView.hidden = true;
    this.gameView.hidden = false;
    this.body.dataset.view = "game";
    if (document.activeElement instanceof HTMLElement) document.activeElement.blur();
    this.renderer.resize();
  }

  validName() {
    const name = normalizeName(this.lobby.name);
    if (name === null) {
      this.lobby.showMessage(NAME_HINT);
      this.lobby.focusName();
      return null;
    }
    this.lobby.nameInput.value = name;
    this.lobby.saveName();
    return name;
  }

  /** `GET /api/session/`: makes sure the session cookie exists; shows the rating it reports. */
  async loadSession() {
    try {
      const session = await getSession();
      this.lobby.suggestName(session?.name);
      this.matchmaking?.setRating(session?.rating);
      return session;
    } catch (error) {
      console.warn("Could not load the session:", error.message);
      return null;
    }
  }

  onMatchmakingChange(view) {
    const busy = view.lobby === LobbyState.SEARCHING || view.lobby === LobbyState.READY_CHECK;
    this.lobby.setLocked(busy);
    this.lobby.setPrivateAllowed(!busy);
    if (!busy) this.lobby.clearMessage();
  }

  /** Find match: queue for the selected mode. */
  find() {
    const name = this.validName();
    if (name === null) return;
    this.lobby.clearMessage();
    this.matchmaking.find(name, this.lobby.mode);
  }

  onMatchFound(match) {
    if (this.session?.matchId === match.matchId) return; // already there (a private match's link)
    this.heldMatch.hidden = true;
    this.startMatch(seatOf(match, this.matchmaking.name));
  }

  /** The player plays `match` in another tab or window: offer to play it here instead. */
  offerMatch(match) {
    if (this.session?.matchId === match.matchId) return;
    this.heldMatchOffer = { ...match, name: this.matchmaking.name };
    this.heldMatch.hidden = false;
  }

  /** Create a private match, take a seat ticket and join it. */
  async create(mode) {
    const name = this.privateName();
    if (name === null) return;
    const request = this.beginRequest();
    try {
      await this.sessionReady;
      const match = await createMatch(mode, { listed: this.lobby.listed });
      const ticket = await createTicket(match.id, name);
      if (request !== this.request) return;
      this.startMatch(ticketSeat(match.id, ticket, name));
    } catch (error) {
      if (request === this.request) this.lobby.showMessage(error.message);
    } finally {
      if (request === this.request) this.lobby.setBusy(false);
    }
  }

  /** Take a seat ticket for the private match `matchId` and join it. */
  async joinPrivate(matchId) {
    const name = this.privateName();
    if (name === null) return;
    const request = this.beginRequest();
    try {
      await this.sessionReady;
      const ticket = await createTicket(matchId, name);
      if (request !== this.request) return;
      this.startMatch(ticketSeat(matchId, ticket, name));
    } catch (error) {
      if (request !== this.request) return;
      if (error.status === 404 || error.status === 409) this.dismissInvite();
      this.lobby.showMessage(error.message);
    } finally {
      if (request === this.request) this.lobby.setBusy(false);
    }
  }

  /** The display name for a private match, or null (with a message) if it cannot start now. */
  privateName() {
    const name = this.validName();
    if (name === null) return null;
    if (this.matchmaking.busy) {
      this.lobby.showMessage(BUSY_HINT);
      return null;
    }
    return name;
  }

  beginRequest() {
    this.request += 1;
    this.lobby.clearMessage();
    this.lobby.setBusy(true);
    return this.request;
  }

  /**
   * React to `#match=<id>` in the address: join at once if a display name is known and no search
   * is running, otherwise show the invitation banner. A missing or finished match is reported
   * when the seat ticket is refused.
   */
  handleHash() {
    const watchId = watchIdFromHash(location.hash);
    if (watchId !== null) {
      if (this.spectator.matchId !== watchId) this.watch(watchId);
      return;
    }
    const matchId = matchIdFromHash(location.hash);
    if (matchId === null || this.session?.matchId === matchId) return;
    this.spectator.stop();
    if (this.session) {
      this.leave();
      this.matchmaking.leaveMatch();
    }
    this.hud.hideResults();
    this.hud.hideNotice();
    this.showLobby();
    this.invitedMatchId = matchId;
    if (normalizeName(this.lobby.name) !== null && !this.matchmaking.busy) {
      this.joinInvite();
    } else {
      this.lobby.setInvite(true);
      this.lobby.focusName();
    }
  }

  dismissInvite() {
    this.invitedMatchId = null;
    this.lobby.setInvite(false);
    this.clearHash();
  }

  joinInvite() {
    if (this.invitedMatchId) this.joinPrivate(this.invitedMatchId);
  }

  /** Watch the match `matchId` as a spectator (`#watch/<id>`), leaving a match being played. */
  watch(matchId) {
    if (this.session) {
      this.leave();
      this.matchmaking.leaveMatch();
    }
    this.request += 1;
    this.lobby.setBusy(false);
    this.dismissInvite();
    history.replaceState(null, "", watchHash(matchId));
    this.copyButton.hidden = true;
    this.showGame();
    this.body.dataset.view = "watch";
    this.spectator.start(matchId);
  }

  /** Connect to a match with a seat ticket and show the game. */
  startMatch(seat) {
    this.spectator.stop();
    if (this.session) this.leave();
    this.request += 1;
    this.lobby.setBusy(false);
    this.invitedMatchId = null;
    this.lobby.setInvite(false);
    this.lobby.clearMessage();
    if (seat.source === "private") {
      history.replaceState(null, "", `#match=${seat.matchId}`);
      this.matchmaking.enterMatch({ matchId: seat.matchId });
    } else {
      this.clearHash();
    }
    this.copyButton.hidden = seat.source !== "private";

    const session = new Session(seat);
    this.session = session;
    this.hud.reset();
    this.renderer.configure(null, null);
    this.aim = 0;
    this.selfScreen = null;
    this.ownDraws = [];
    this.showGame();
    this.connect(session);
  }

  /** Open a socket for `session` with its seat's ticket; its events count while it is current. */
  connect(session) {
    const { seat } = session;
    const wsPath = seat.wsPath || wsPathForMatch(seat.matchId);
    let socket = null;
    const current = () => session === this.session && session.socket === socket;
    socket = new GameSocket(matchSocketUrl(location, wsPath, seat.ticket), {
      onOpen: () => current() && !session.retry && this.hud.setStatus("joining…", "pending"),
      onWelcome: (welcome, atMs) => current() && this.onWelcome(session, welcome, atMs),
      onSnapshot: (snapshot, atMs) => current() && this.onSnapshot(session, snapshot, atMs),
      onResult: (result) => current() && this.onResult(session, result),
      onLatency: (rtt) => current() && this.onLatency(session, rtt),
      onThrottled: (message, atMs) => current() && this.onThrottled(session, message, atMs),
      onSpectators: (count) => current() && this.hud.setSpectators(count),
      onStall: (stalled, atMs) => current() && this.onStall(session, stalled, atMs),
      onClose: (info) => current() && this.onClose(session, info),
    });
    session.socket = socket;
  }

  onWelcome(session, welcome, atMs) {
    const resumed = session.welcome !== null;
    session.welcome = welcome;
    session.closed = false;
    session.begin(welcome.tickRate, atMs); // a new socket's snapshots start from a KEYFRAME
    // A returning player's INPUTs go on after the server's `ack`, and never reuse a number sent
    // before: after the match moved to another engine worker, `ack` may be below INPUTs the
    // new worker has already applied.
    const lastSent = session.inputClock ? session.inputClock.seq : 0;
    session.inputClock = new InputClock(welcome.tickRate);
    session.inputClock.continueAfter(Math.max(welcome.ack, lastSent));
    session.predictor = new Predictor(movementRules(welcome));
    if (session.retry) {
      this.endReconnect(session);
      console.info(`Reconnected to match ${session.matchId} as player ${welcome.playerId}.`);
    }
    this.body.dataset.playerId = String(welcome.playerId);
    // how many WELCOMEs this session had: more than one after a reconnect or a move (tests)
    session.welcomes = (session.welcomes ?? 0) + 1;
    this.body.dataset.welcomes = String(session.welcomes);
    this.renderer.configure(welcome.arena, welcome.rules);
    this.hud.setSpectators(welcome.spectators);
    this.hud.setStatus(resumed ? "connected · reconnected" : "connected", "ok");
    this.input.setEnabled(true);
    this.pumpInput();
  }

  onSnapshot(session, snapshot, atMs) {
    if (!session.welcome) return;
    const { fresh, phaseChanged, reconnectingChanged, left } = session.takeSnapshot(
      snapshot,
      atMs,
    );
    if (!fresh) return;
    for (const id of left) {
      if (id !== session.selfId) this.hud.addNote({ id, name: session.nameOf(id) }, "left", atMs);
    }
    this.reconcile(session, snapshot, atMs);
    this.body.dataset.tick = String(snapshot.tick);
    if (phaseChanged) this.body.dataset.phase = String(snapshot.phase);
    if (snapshot.roster || reconnectingChanged) this.showScoreboard(session);
    this.handleEvents(session, snapshot, atMs);
  }

  /** The scoreboard: the players the server marks reconnecting, and this one while it does. */
  showScoreboard(session) {
    if (!session.welcome) return;
    const reconnecting = new Set(session.reconnecting);
    if (session.retry && session.selfId !== null) reconnecting.add(session.selfId);
    this.hud.setScoreboard(session.roster, session.selfId, reconnecting);
  }

  /** Correct the own ship's prediction with the newest snapshot. */
  reconcile(session, snapshot, atMs) {
    const self = session.selfId;
    const absent = { x: 0, y: 0, ack: null, alive: false };
    const me = snapshot.players.find((p) => p.id === self) ?? absent;
    const respawned = snapshot.events.some(
      (event) => event.kind === EventKind.SPAWN && event.playerId === self,
    );
    const moving = snapshot.phase !== Phase.ENDED;
    session.predictor.reconcile(me, { moving, respawned }, atMs);
  }

  handleEvents(session, snapshot, atMs) {
    const self = session.selfId;
    showEvents(snapshot, {
      hud: this.hud,
      renderer: this.renderer,
      nameOf: (id) => session.nameOf(id),
      highlightId: self,
      eventTime: session.buffer.tickTime(snapshot.tick),
      atMs,
    });
    for (const event of snapshot.events) {
      if (event.kind === EventKind.KILL && event.victimId === self) session.killedBy = event.killerId;
      else if (event.kind === EventKind.SPAWN && event.playerId === self) session.killedBy = null;
    }
  }

  onResult(session, result) {
    session.takeResult(result);
    this.hud.showResults(result, session.selfId);
    this.input.setEnabled(false);
  }

  /** Nothing arrived for a few tick periods (or frames come again): say so at once. */
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
    session.stalledSince = null;
    delete this.body.dataset.stalled;
    this.stopInputTimer();
    this.input.setEnabled(false);
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
      const budgetMs = reconnectBudgetMs(session.welcome?.rules.reconnectGraceMs);
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
    if (performance.now() - seat.ticketAt >= TICKET_REUSE_MS) {
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

  /** Close the current session without changing views. */
  leave() {
    const session = this.session;
    if (!session) return;
    this.endReconnect(session);
    this.session = null;
    if (session.welcome && !session.result) session.socket?.send(leaveFrame()); // for good
    session.socket?.close(1000, "leaving");
    this.input.setEnabled(false);
    this.stopInputTimer();
    delete this.body.dataset.tick;
    delete this.body.dataset.playerId;
    delete this.body.dataset.phase;
    delete this.body.dataset.reconnecting;
    delete this.body.dataset.stalled;
    delete this.body.dataset.welcomes;
  }

  backToLobby() {
    const played = this.session !== null;
    this.spectator.stop();
    this.leave();
    this.matchmaking.leaveMatch();
    if (played) this.loadSession();
    this.invitedMatchId = null;
    this.lobby.setInvite(false);
    this.hud.hideResults();
    this.hud.hideNotice();
    this.clearHash();
    this.showLobby();
  }

  clearHash() {
    if (location.hash) history.replaceState(null, "", location.pathname + location.search);
  }

  async copyLink() {
    if (!this.session) return;
    const link = `${location.origin}/#match=${this.session.matchId}`;
    let copied = false;
    try {
      await navigator.clipboard.writeText(link);
      copied = true;
    } catch {
      copied = copyWithSelection(link);
    }
    this.copyButton.textContent = copied ? "Link copied!" : "Copy failed";
    this.copyButton.title = link;
    this.copyButton.blur();
    setTimeout(() => {
      this.copyButton.textContent = "Copy invite link";
    }, 1800);
    if (!copied) window.prompt("Copy this link to invite a friend:", link);
  }

  /**
   * Run the client tick: send the INPUT that is due (one per tick at the match's tick rate, and
   * one at once for a change of buttons, see InputClock) and move the predicted ship with it;
   * then wait for the next.
   */
  pumpInput() {
    const session = this.session;
    if (!session?.inputClock || session.closed || session.result) return;
    const now = performance.now();
    const pointer = this.input.pointer;
    if (pointer && this.selfScreen) {
      this.aim = aimAngle(this.selfScreen.x, this.selfScreen.y, pointer.x, pointer.y, this.aim);
    }
    const buttons = this.input.buttons();
    const input = session.inputClock.poll(now, buttons, this.aim);
    if (input && session.socket.send(input.frame)) {
      session.predictor.input(input.seq, input.buttons, input.aim, now, input.amends);
    }
    this.scheduleInput(now + session.inputClock.waitMs(now, buttons));
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

  frame() {
    requestAnimationFrame(() => this.frame());
    if (this.spectator.active) {
      if (!this.gameView.hidden) this.spectator.frame(performance.now());
      return;
    }
    const session = this.session;
    if (!session || this.gameView.hidden) return;
    this.pumpInput();
    const now = performance.now();
    let world = null;
    let renderTime = 0;
    if (session.clock?.ready) {
      renderTime = session.clock.serverTime(now) - DEFAULT_RENDER_DELAY_MS;
      world = session.buffer.sample(renderTime);
    }
    const self = world?.players.find((p) => p.id === session.selfId) ?? null;
    const predicted = session.predictor?.render(now) ?? null;
    if (self && predicted) {
      self.x = predicted.x;
      self.y = predicted.y;
    }
    this.selfScreen = self ? this.renderer.worldToScreen(self.x, self.y) : null;
    if (self && self.alive && this.input.enabled) self.aim = this.aim;
    if (self && session.retry) self.reconnecting = true; // as the others see it
    if (self) this.traceOwn(now, self, predicted !== null);

    this.renderer.draw({
      world,
      selfId: session.selfId,
      names: session.names,
      renderTime,
      overlay: this.overlay(session, now),
    });
    this.hud.keepClear(this.renderer.shipsOnPage(world));
    this.updateHud(session, now);
  }

  /** Remember where the own ship was drawn at `now`, for the debug hook. */
  traceOwn(now, self, predicted) {
    this.ownDraws.push({ at: now, x: self.x, y: self.y, predicted });
    if (this.ownDraws.length > DRAW_TRACE_LENGTH) this.ownDraws.shift();
  }

  /**
   * What the debug hook shows of the own ship: the last drawn position, the predicted state,
   * the server's newest position and ack, the newest INPUT sent and how many are unacknowledged.
   */
  debugState() {
    const session = this.session;
    if (!session?.welcome) return null;
    const predictor = session.predictor;
    const me = session.latest?.players.find((p) => p.id === session.selfId) ?? null;
    return {
      playerId: session.selfId,
      reconnecting: session.retry?.attempt ?? null,
      tick: session.latest?.tick ?? null,
      phase: session.phase,
      seq: session.inputClock?.seq ?? null,
      pending: predictor.pending.length,
      drawn: this.ownDraws.at(-1) ?? null,
      predicted: predictor.predicting ? { ...predictor.state } : null,
      server: me ? { x: me.x, y: me.y, ack: me.ack, alive: me.alive } : null,
    };
  }

  updateHud(session, now) {
    const latest = session.latest;
    if (latest && (!session.closed || session.retry)) {
      // the clock stops with the snapshots: a stalled connection does not count time down
      const at = session.stalledSince ?? now;
      this.hud.setPhase(latest.phase, latest.phaseMsLeft - (at - session.latestAt));
      const me = latest.players.find((p) => p.id === session.selfId);
      this.hud.setHealth(me ? me.health : null, session.welcome.rules.maxHealth);
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
    const latest = session.latest;
    if (!latest) return null;
    const msLeft = latest.phaseMsLeft - (now - session.latestAt);
    switch (latest.phase) {
      case Phase.WAITING: {
        const present = session.presentCount;
        const needed = session.welcome.rules.minPlayers ?? 2;
        const hint = session.seat.source === "private" ? " · share the invite link" : "";
        return { title: "", subtitle: `Waiting for players · ${present} of ${needed}${hint}` };
      }
      case Phase.COUNTDOWN:
        return { title: String(Math.max(1, Math.ceil(msLeft / 1000))), subtitle: "Get ready" };
      case Phase.RUNNING: {
        if (session.previousPhase === Phase.COUNTDOWN && now - session.phaseSince < 900) {
          return { title: "Fight!", subtitle: "" };
        }
        const me = latest.players.find((p) => p.id === session.selfId);
        if (me && !me.alive) {
          const by = session.killedBy;
          const subtitle =
            by === null || by === undefined || by === session.selfId
              ? "Respawning…"
              : `Eliminated by ${session.nameOf(by)} · respawning…`;
          return { title: "", subtitle };
        }
        return null;
      }
      case Phase.ENDED:
        return session.result ? null : { title: "Match over", subtitle: "" };
      default:
        return null;
    }
  }
}

/** The seat of a match the lobby names (MATCH_FOUND, or a seat LOBBY_WELCOME gives back). */
function seatOf(match, name = match.name) {
  return {
    matchId: match.matchId,
    wsPath: match.wsPath,
    ticket: match.ticket,
    ticketAt: performance.now(),
    name,
    source: match.source ?? (match.ranked === false ? "private" : "lobby"),
  };
}

function ticketSeat(matchId, ticket, name) {
  return {
    matchId,
    wsPath: ticket.ws_path,
    ticket: ticket.ticket,
    ticketAt: performance.now(),
    name,
    source: "private",
  };
}

function copyWithSelection(text) {
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.style.position = "fixed";
  area.style.opacity = "0";
  document.body.append(area);
  area.select();
  let ok = false;
  try {
    ok = document.execCommand("copy");
  } catch {
    ok = false;
  }
  area.remove();
  return ok;
}

const app = new App();
/**
 * Debug hook (tests, the console): read-only views of the own ship (see `App.debugState`) and of
 * the spectator view (see `Spectator.debugState`), and a simulated network drop.
 */
window.arena = Object.freeze({
  state: () => app.debugState(),
  draws: () => app.ownDraws.map((draw) => ({ ...draw })),
  watch: () => app.spectator.debugState(),
  /** Simulate a dropped connection of the match being played (tests): it reconnects by itself. */
  drop: () => app.session?.socket?.drop("dropped by the debug hook"),
});
