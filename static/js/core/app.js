/**
 * Arena client entry point: lobby (pick a game and a mode) → find a match (or create or join a
 * private one) → play (play.js, with the game's module from static/js/games/) → results → lobby,
 * or lobby → watch a live match (spectate.js) → lobby; a link to a match that is not there shows
 * the "no such match" screen. Also the page's sound (mute toggle), touch controls, title and the
 * confirmation before Leave. The debug hook `window.arena` reads the views for tests and the
 * console.
 */

import { showAccountLinks } from "./account-links.js";
import { createMatch, createTicket, getSession, listGames } from "./api.js";
import { ChatPanel } from "./chat-panel.js";
import {
  matchIdFromHash,
  replayHash,
  replayIdFromHash,
  watchHash,
  watchIdFromHash,
} from "./format.js";
import { loadGameModule } from "./game-module.js";
import { Hud, helpLine } from "./hud.js";
import { LeaveConfirm } from "./leave-confirm.js";
import { Lobby } from "./lobby.js";
import { LobbyState, gameTitle } from "./matchmaking.js";
import { MatchmakingPanel } from "./matchmaking-ui.js";
import { MissingMatchScreen } from "./missing-match.js";
import { pageTitle } from "./page-title.js";
import { Player, seatOf, ticketSeat } from "./play.js";
import { normalizeName, parseGames, parseRatings } from "./protocol.js";
import { SoundBoard } from "./sound-board.js";
import { bindSoundToggles } from "./sound-toggle.js";
import { ReplayView } from "./replay-view.js";
import { Spectator } from "./spectate.js";
import { TouchControls } from "./touch-controls.js";
import { WatchList } from "./watch-list.js";

const NAME_HINT = "Enter a display name: 1–16 letters, digits, spaces, _ - or .";
const BUSY_HINT = "Cancel the search first to play a private match.";

class App {
  constructor() {
    this.body = document.body;
    this.lobbyView = document.getElementById("lobby");
    this.gameView = document.getElementById("game-view");
    this.canvas = document.getElementById("canvas");
    this.copyButton = document.getElementById("copy-link");
    this.helpControls = document.getElementById("help-controls");
    this.hud = new Hud(document);
    this.sounds = new SoundBoard();
    this.sounds.listenForGesture(window);
    bindSoundToggles(document, this.sounds);
    this.touch = new TouchControls({
      layer: document.getElementById("touch-controls"),
      body: this.body,
    });
    this.missing = new MissingMatchScreen(document, { onBack: () => this.backToLobby() });
    this.leaveConfirm = new LeaveConfirm(document, { onLeave: () => this.backToLobby() });
    this.invitedMatchId = null;
    this.request = 0;
    /** The game being played or watched (its name), for the page title. */
    this.shownGame = null;
    this.lobby = new Lobby(document, {
      onSubmit: () => (this.invitedMatchId ? this.joinInvite() : this.find()),
      onCreate: (game, mode) => (this.invitedMatchId ? this.joinInvite() : this.create(game, mode)),
      onJoin: (match) => this.joinPrivate(match.id),
      onDismissInvite: () => this.dismissInvite(),
      onNameChange: (name) => {
        const valid = normalizeName(name);
        if (valid !== null) this.matchmaking.setName(valid);
      },
      onSelect: (game, mode) => this.onSelect(game, mode),
    });
    this.watchList = new WatchList(document, { onWatch: (match) => this.watch(match.id) });
    this.sessionReady = this.loadSession();
    this.chat = new ChatPanel(document);
    this.player = new Player({
      chat: this.chat,
      hud: this.hud,
      body: this.body,
      canvas: this.canvas,
      sessionReady: this.sessionReady,
      touch: this.touch,
      sounds: this.sounds,
      onRatings: () => this.loadSession(), // recorded now: the lobby shows the new rating
      onGameShown: (game) => this.showTitle(game),
    });
    this.spectator = new Spectator({
      chat: this.chat,
      hud: this.hud,
      body: this.body,
      canvas: this.canvas,
      scoreboard: document.getElementById("scoreboard"),
      sounds: this.sounds,
      touchMode: () => this.touch.touchMode,
      onMissing: (reason) => this.showMissing(reason, true),
      onGameShown: (game) => this.showTitle(game),
    });
    this.replay = new ReplayView({
      hud: this.hud,
      body: this.body,
      canvas: this.canvas,
      scoreboard: document.getElementById("scoreboard"),
      touchMode: () => this.touch.touchMode,
      onMissing: (reason) => this.showMissing(reason, true),
      onGameShown: (game) => this.showTitle(game),
    });
    this.replayLink = document.getElementById("results-replay");
    this.hud.onResultsShown = () => this.offerReplay();
    this.matchmaking = new MatchmakingPanel(document, {
      location,
      sessionReady: this.sessionReady,
      refreshSession: () => this.loadSession(),
      onFind: () => this.find(),
      onMatchFound: (match) => this.onMatchFound(match),
      onMatchOffer: (match) => this.offerMatch(match),
      onGames: (games) => this.setGames(games),
      onChange: (view) => this.onMatchmakingChange(view),
      onWelcome: (welcome) => {
        this.chat.setSelf(welcome.playerId);
        this.chat.attach("lobby", {
          channels: [],
          send: (frame) => this.matchmaking.socket.send(frame),
        });
        if (this.chat.room === null) this.chat.enterRoom(this.lobby.game);
      },
      onChat: (type, message) => this.chat.receive("lobby", type, message),
      onParty: (party) => this.lobby.select(party.game, party.mode),
      onClosed: (info) => this.chat.closed("lobby", info.code, info.reason),
    });
    this.sessionReady.then(() => {
      const name = normalizeName(this.lobby.name);
      if (name !== null) this.matchmaking.setName(name);
    });
    this.loadGames();
    this.onSelect(this.lobby.game, this.lobby.mode);
    this.touch.onTouchMode(() => this.onSelect(this.lobby.game, this.lobby.mode));

    this.heldMatch = document.getElementById("held-match");
    this.heldMatchOffer = null;
    document.getElementById("held-match-join").addEventListener("click", () => {
      const offer = this.heldMatchOffer;
      this.heldMatch.hidden = true;
      if (offer) this.startMatch(seatOf(offer));
    });
    document.getElementById("leave").addEventListener("click", () => this.leave());
    document.getElementById("back-to-lobby").addEventListener("click", () => this.backToLobby());
    document.getElementById("notice-back").addEventListener("click", () => this.backToLobby());
    document.getElementById("notice-rejoin").addEventListener("click", () =>
      this.spectator.active ? this.spectator.reconnect() : this.player.rejoin(),
    );
    this.copyButton.addEventListener("click", () => this.copyLink());
    window.addEventListener("hashchange", () => this.handleHash());
    window.addEventListener("online", () => this.player.reconnectNow());

    this.showLobby();
    this.handleHash();
    requestAnimationFrame(() => this.frame());
  }

  showLobby() {
    this.gameView.hidden = true;
    this.missing.hide();
    this.leaveConfirm.close();
    this.lobbyView.hidden = false;
    this.body.dataset.view = "lobby";
    this.shownGame = null;
    this.lobby.start();
    this.watchList.start();
    this.chat.show("lobby");
    this.showTitle();
  }

  showGame() {
    this.lobby.stop();
    this.watchList.stop();
    this.missing.hide();
    this.lobbyView.hidden = true;
    this.gameView.hidden = false;
    this.body.dataset.view = "game";
    this.shownGame = null;
    this.chat.show(null); // the match's socket shows its chat once it is in
    if (document.activeElement instanceof HTMLElement) document.activeElement.blur();
    this.showTitle();
  }

  /**
   * The page's own "no such match" screen for a link to a match that is not there: `reason`
   * "unknown" or "over", `watching` for a watch link.
   */
  showMissing(reason, watching = false) {
    this.spectator.stop();
    this.invitedMatchId = null;
    this.lobby.setInvite(false);
    this.lobby.stop();
    this.watchList.stop();
    this.hud.hideResults();
    this.hud.hideNotice();
    this.lobbyView.hidden = true;
    this.gameView.hidden = true;
    this.body.dataset.view = "missing";
    this.missing.show(reason, watching);
    this.showTitle();
  }

  /** The page title for where the player is (`game`: the game now shown, by name). */
  showTitle(game = this.shownGame) {
    this.shownGame = game;
    const title = pageTitle({
      view: this.body.dataset.view,
      game: game ? gameTitle(this.games, game) : "",
      lobby: this.body.dataset.lobby,
    });
    if (document.title !== title) document.title = title;
  }

  /** Leave: while the match is being played, only once the player confirms. */
  leave() {
    if (this.player.playing && !this.spectator.active) {
      const { source, others } = this.player.seating;
      this.leaveConfirm.ask(source, others);
      return;
    }
    this.backToLobby();
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

  /** `GET /api/session/`: makes sure the session cookie exists; shows the ratings it reports. */
  async loadSession() {
    try {
      const session = await getSession();
      showAccountLinks(document, document.getElementById("account-nav"), session);
      this.lobby.suggestName(session?.name);
      this.matchmaking?.setRatings(parseRatings(session?.ratings), session?.default_rating);
      return session;
    } catch (error) {
      console.warn("Could not load the session:", error.message);
      return null;
    }
  }

  /** `GET /api/games/`: the games on offer, also for a visitor without a lobby socket. */
  async loadGames() {
    try {
      this.setGames(parseGames(await listGames()));
    } catch (error) {
      console.warn("Could not load the games:", error.message);
    }
  }

  /** The games on offer (`GET /api/games/` or LOBBY_WELCOME): the selects and the lists. */
  setGames(games) {
    if (!Object.keys(games).length) return;
    const known = this.games ?? {};
    // the HTTP list knows the roster columns, LOBBY_WELCOME does not: keep them
    const merged = {};
    for (const [name, game] of Object.entries(games)) {
      merged[name] = { ...game, columns: game.columns ?? known[name]?.columns ?? null };
    }
    this.games = merged;
    this.lobby.setGames(merged);
    this.watchList.setGames(merged);
    this.matchmaking.setGames(merged);
    this.onSelect(this.lobby.game, this.lobby.mode);
  }

  /** The game or mode picked: its rating, and its controls (touch ones on a touch device). */
  onSelect(game, mode) {
    this.matchmaking?.select(game, mode);
    if (this.chat && this.chat.room !== game) this.chat.enterRoom(game);
    const selected = game;
    loadGameModule(game).then(
      (module) => {
        if (this.lobby.game !== selected) return;
        const touchHelp = this.touch.touchMode ? module.touch?.help : null;
        const lines = touchHelp?.length
          ? touchHelp
          : Array.isArray(module.controls)
            ? module.controls
            : [];
        this.helpControls.replaceChildren(...lines.map((line) => helpLine(document, line)));
      },
      () => {
        if (this.lobby.game === selected) this.helpControls.replaceChildren();
      },
    );
  }

  onMatchmakingChange(view) {
    const busy = view.lobby === LobbyState.SEARCHING || view.lobby === LobbyState.READY_CHECK;
    this.lobby.setLocked(busy);
    this.lobby.setPrivateAllowed(!busy);
    if (!busy) this.lobby.clearMessage();
    this.showTitle();
  }

  /** Find match: queue for the selected game and mode. */
  find() {
    const name = this.validName();
    if (name === null) return;
    this.lobby.clearMessage();
    this.matchmaking.find(name, this.lobby.game, this.lobby.mode);
  }

  onMatchFound(match) {
    if (this.player.matchId === match.matchId) return; // already there (a private match's link)
    this.heldMatch.hidden = true;
    this.startMatch(seatOf(match, this.matchmaking.name));
  }

  /** The player plays `match` in another tab or window: offer to play it here instead. */
  offerMatch(match) {
    if (this.player.matchId === match.matchId) return;
    this.heldMatchOffer = { ...match, name: this.matchmaking.name };
    this.heldMatch.hidden = false;
  }

  /** Create a private match of `game` in `mode`, take a seat ticket and join it. */
  async create(game, mode) {
    const name = this.privateName();
    if (name === null) return;
    const request = this.beginRequest();
    try {
      await this.sessionReady;
      const match = await createMatch(game, mode, { listed: this.lobby.listed });
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
      const missing = { 404: "unknown", 409: "over" }[error.status];
      if (missing && this.invitedMatchId === matchId) {
        this.showMissing(missing, false);
        return;
      }
      if (missing) this.dismissInvite();
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
   * is running, otherwise show the invitation banner; `#watch/<id>` watches. A missing or
   * finished match is reported when the seat ticket is refused.
   */
  handleHash() {
    const replayId = replayIdFromHash(location.hash);
    if (replayId !== null) {
      if (this.replay.matchId !== replayId) this.showReplay(replayId);
      return;
    }
    this.replay.stop();
    const watchId = watchIdFromHash(location.hash);
    if (watchId !== null) {
      if (this.spectator.matchId !== watchId) this.watch(watchId);
      return;
    }
    const matchId = matchIdFromHash(location.hash);
    if (matchId === null || this.player.matchId === matchId) return;
    this.spectator.stop();
    if (this.player.matchId !== null) {
      this.player.leave();
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
    this.replay.stop();
    if (this.player.matchId !== null) {
      this.player.leave();
      this.matchmaking.leaveMatch();
    }
    this.request += 1;
    this.lobby.setBusy(false);
    this.dismissInvite();
    history.replaceState(null, "", watchHash(matchId));
    this.copyButton.hidden = true;
    this.showGame();
    this.body.dataset.view = "watch";
    this.showTitle();
    this.spectator.start(matchId);
  }

  /** Play the replay of `matchId` (`#replay/<id>`), leaving a match being played or watched. */
  showReplay(matchId) {
    if (this.player.matchId !== null) {
      this.player.leave();
      this.matchmaking.leaveMatch();
    }
    this.spectator.stop();
    this.request += 1;
    this.lobby.setBusy(false);
    this.dismissInvite();
    history.replaceState(null, "", replayHash(matchId));
    this.copyButton.hidden = true;
    this.showGame();
    this.body.dataset.view = "watch";
    this.showTitle();
    this.replay.start(matchId);
  }

  /** The results screen links to the match's replay (not from the replay itself). */
  offerReplay() {
    const matchId = this.player.matchId ?? this.spectator.matchId;
    this.replayLink.hidden = matchId === null || this.replay.active;
    if (matchId !== null) this.replayLink.href = replayHash(matchId);
  }

  /** Connect to a match with a seat ticket and show the game. */
  startMatch(seat) {
    this.replay.stop();
    this.spectator.stop();
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
    this.showGame();
    this.player.start(seat);
  }

  backToLobby() {
    const played = this.player.matchId !== null;
    this.replay.stop();
    this.spectator.stop();
    this.player.leave();
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
    const matchId = this.player.matchId;
    if (matchId === null) return;
    const link = `${location.origin}/#match=${matchId}`;
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

  frame() {
    requestAnimationFrame(() => this.frame());
    if (this.gameView.hidden) return;
    const now = performance.now();
    if (this.replay.active) this.replay.frame(now);
    else if (this.spectator.active) this.spectator.frame(now);
    else this.player.frame(now);
  }
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
 * Debug hook (tests, the console): read-only views of the own avatar (see `Player.debugState`),
 * of the spectator view (see `Spectator.debugState`) and of the sound, and a simulated network
 * drop.
 */
window.arena = Object.freeze({
  state: () => app.player.debugState(),
  draws: () => app.player.draws(),
  watch: () => app.spectator.debugState(),
  /** The replay being played: the spectator view's state and the playback's (replay-view.js). */
  replay: () => app.replay.debugState(),
  /** Simulate a dropped connection of the match being played (tests): it reconnects by itself. */
  drop: () => app.player.drop(),
  /** The sound: muted, unlocked by a user gesture, its audio context's state, sounds played. */
  sound: () => ({
    muted: app.sounds.muted,
    unlocked: app.sounds.unlocked,
    context: app.sounds.context?.state ?? null,
    played: app.sounds.played,
  }),
});
