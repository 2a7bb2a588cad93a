/**
 * The matchmaking part of the lobby screen in the DOM: Find match / Cancel, the queue status,
 * the rating of the game and mode picked, the lobby's messages and the ready-check dialog.
 * Connects the lobby socket to the `Matchmaking` state machine and draws its `describe()` view.
 */

import { LobbySocket } from "./lobby-socket.js";
import { LobbyState, Matchmaking, describe } from "./matchmaking.js";
import {
  CHAT_FRAME_TYPES,
  CloseCode,
  MessageType,
  lobbySocketUrl,
  partyCreateFrame,
  partyJoinFrame,
  partyLeaveFrame,
} from "./protocol.js";

const TICK_MS = 250;

/**
 * Owns `#find`, `#cancel`, `#queue-status` (with `#queue-hint`), `#rating`, `#lobby-error`,
 * `#lobby-connection` and `#ready-dialog` (the page title is the app's, page-title.js).
 * Options: `location` (for the socket URL), `sessionReady` (a promise settled once the session
 * cookie exists), `refreshSession()` (returns a promise; called before
 * reconnecting after a 4014 close), and callbacks `onFind()` (Find match pressed),
 * `onMatchFound(match)` (connect to `match.wsPath` with `match.ticket`), `onMatchOffer(match)`
 * (the player plays `match` in another tab: offer to play it here), `onGames(games)` (the
 * games of LOBBY_WELCOME), `onChange(view)` (the screen state changed), `onWelcome(welcome)`
 * (LOBBY_WELCOME, also after a reconnect), `onChat(type, message)` (a chat frame, protocol 12),
 * `onParty(party)` (the player's party changed: PARTY_STATE with a party) and `onClosed(info)`
 * (the lobby socket closed).
 */
export class MatchmakingPanel {
  constructor(
    root,
    {
      location,
      sessionReady,
      refreshSession,
      onFind,
      onMatchFound,
      onMatchOffer,
      onGames,
      onChange,
      onWelcome,
      onChat,
      onParty,
      onClosed,
    },
  ) {
    const $ = (id) => root.getElementById(id);
    this.body = root.body;
    this.findButton = $("find");
    this.cancelButton = $("cancel");
    this.queueStatus = $("queue-status");
    this.queueTitle = $("queue-title");
    this.queueDetail = $("queue-detail");
    this.queueHint = $("queue-hint");
    this.rating = $("rating");
    this.connection = $("lobby-connection");
    this.error = $("lobby-error");
    this.dialog = $("ready-dialog");
    this.readyMode = $("ready-mode");
    this.readyPlayers = $("ready-players");
    this.readyCountdown = $("ready-countdown");
    this.readyBar = $("ready-bar-fill");
    this.readyAccepted = $("ready-accepted");
    this.readyHint = $("ready-hint");
    this.acceptButton = $("accept");
    this.declineButton = $("decline");
    this.root = root;
    this.partyCreate = $("party-create");
    this.partyBox = $("party-box");
    this.partyMembers = $("party-members");
    this.partyInvite = $("party-invite");
    this.partyLeave = $("party-leave");
    this.party = null;
    this.location = location;
    this.joinParty = new URLSearchParams(location.search ?? "").get("party");

    this.state = new Matchmaking();
    this.name = null;
    this.sessionReady = Promise.resolve(sessionReady).catch(() => null);
    this.onMatchFound = onMatchFound;
    this.onMatchOffer = onMatchOffer;
    this.onGames = onGames;
    this.onChange = onChange;
    this.onWelcome = onWelcome;
    this.onChat = onChat;
    this.onParty = onParty;
    this.onClosed = onClosed;
    this.timer = null;
    this.shownCheck = null;
    this.lastLobby = null;
    this.socket = new LobbySocket({
      url: () => (this.name ? lobbySocketUrl(location, this.name) : null),
      onConnecting: () => this.apply(this.state.connecting()),
      onMessage: (type, message) => this.handleMessage(type, message),
      onClose: (info) => this.handleClose(info),
      beforeReconnect: (code) => (code === CloseCode.NO_SESSION ? refreshSession?.() : undefined),
    });

    this.findButton.addEventListener("click", () => onFind());
    this.cancelButton.addEventListener("click", () => this.apply(this.state.cancel()));
    this.acceptButton.addEventListener("click", () => this.apply(this.state.answer(true)));
    this.declineButton.addEventListener("click", () => this.apply(this.state.answer(false)));
    this.partyCreate.addEventListener("click", () => {
      const { game, mode } = this.state.selection ?? {};
      if (game && mode) this.socket.send(partyCreateFrame(game, mode));
    });
    this.partyLeave.addEventListener("click", () => this.socket.send(partyLeaveFrame()));
    this.render();
  }

  /** True while searching or in a ready check. */
  get busy() {
    return this.state.busy;
  }

  /** Use `name` on the lobby socket, (re)connecting if it changed; ignored while busy. */
  setName(name) {
    if (name === this.name) {
      if (!this.socket.active) this.sessionReady.then(() => this.socket.start());
      return;
    }
    if (this.state.busy) return;
    this.useName(name);
  }

  /** Find match of `game` in `mode` as `name`. */
  find(name, game, mode) {
    if (this.state.phase !== LobbyState.IDLE) return;
    if (name !== this.name) this.useName(name);
    else if (!this.socket.active) this.sessionReady.then(() => this.socket.start());
    this.apply(this.state.find(game, mode, performance.now()));
  }

  /** A private match is being played. */
  enterMatch(match) {
    this.apply(this.state.enterMatch(match));
  }

  /** Back on the lobby screen after a match. */
  leaveMatch() {
    this.apply(this.state.leaveMatch());
  }

  /** The ratings `{game: {mode: rating}}` and the default rating from `GET /api/session/`. */
  setRatings(ratings, defaultRating) {
    this.state.setRatings(ratings, defaultRating);
    this.render();
  }

  /** The games on offer (from `GET /api/games/`), for the queue's and the dialog's texts. */
  setGames(games) {
    this.state.setGames(games);
    this.render();
  }

  /** The game and mode picked in the lobby: the rating shown is theirs. */
  select(game, mode) {
    this.state.select(game, mode);
    this.render();
  }

  useName(name) {
    const replacing = this.name !== null && this.socket.active;
    this.name = name;
    if (replacing) this.apply(this.state.replaced());
    this.sessionReady.then(() => this.socket.restart());
  }

  handleMessage(type, message) {
    if (CHAT_FRAME_TYPES.has(type)) {
      this.onChat?.(type, message);
      return;
    }
    const now = performance.now();
    const state = this.state;
    switch (type) {
      case MessageType.LOBBY_WELCOME:
        if (Object.keys(message.games).length) this.onGames?.(message.games);
        this.apply(state.welcome(message, now));
        this.onWelcome?.(message);
        if (this.joinParty) this.socket.send(partyJoinFrame(this.joinParty));
        this.joinParty = null;
        break;
      case MessageType.PARTY_STATE:
        this.showParty(message);
        if (message !== null) this.onParty?.(message);
        this.onChat?.(type, message); // the party's chat channel comes and goes with it
        break;
      case MessageType.QUEUE_STATUS:
        this.apply(state.queueStatus(message, now));
        break;
      case MessageType.READY_CHECK:
        this.apply(state.readyCheck(message, now));
        break;
      case MessageType.READY_UPDATE:
        this.apply(state.readyUpdate(message));
        break;
      case MessageType.MATCH_FOUND:
        this.apply(state.matchFound(message, now));
        break;
      case MessageType.READY_FAILED:
        this.apply(state.readyFailed(message, now));
        break;
      case MessageType.QUEUE_LEFT:
        this.apply(state.queueLeft(message));
        break;
      case MessageType.LOBBY_ERROR:
        this.apply(state.lobbyError(message));
        break;
      default:
        break;
    }
  }

  /** Draw the player's party (PARTY_STATE): its members and its invite link, or none. */
  showParty(party) {
    this.party = party;
    this.partyBox.hidden = party === null;
    this.partyCreate.hidden = party !== null;
    if (party === null) return;
    setText(this.partyMembers, party.members.join(", "));
    this.partyInvite.value = new URL(party.invite, this.location.href).href;
  }

  handleClose(info) {
    this.onClosed?.(info);
    if (info.code >= 4000 && info.code !== CloseCode.NO_SESSION) {
      console.warn(`The lobby closed the connection (${info.code}): ${info.reason || info.text}`);
    }
    const effects = this.state.disconnected(
      { retrying: info.retrying, text: info.retrying ? "" : info.text },
      performance.now(),
    );
    this.apply(effects);
  }

  apply(effects) {
    for (const effect of effects) {
      if (effect.type === "send") this.socket.send(effect.frame);
      else if (effect.type === "join") this.onMatchFound?.(effect.match);
      else if (effect.type === "offer") this.onMatchOffer?.(effect.match);
    }
    this.render();
  }

  tick() {
    const effects = this.state.tick(performance.now());
    this.apply(effects);
  }

  render() {
    const view = describe(this.state, performance.now());
    if (this.body.dataset.lobby !== view.lobby) this.body.dataset.lobby = view.lobby;
    this.queueStatus.dataset.state = view.lobby;
    this.findButton.hidden = !view.canFind && view.canCancel;
    this.findButton.disabled = !view.canFind;
    this.cancelButton.hidden = !view.canCancel;
    setText(this.queueTitle, view.queueTitle);
    setText(this.queueDetail, view.queueDetail);
    this.queueDetail.hidden = view.queueDetail === "";
    setText(this.queueHint, view.queueHint);
    this.queueHint.hidden = view.queueHint === "";
    setText(this.rating, view.rating);
    setText(this.connection, view.connection.text);
    if (this.connection.dataset.kind !== view.connection.kind) {
      this.connection.dataset.kind = view.connection.kind;
    }
    if (view.notice) {
      setText(this.error, view.notice.text);
      this.error.dataset.kind = view.notice.kind;
      this.error.hidden = false;
    } else {
      setText(this.error, "");
      this.error.hidden = true;
    }
    this.renderReady(view.ready);
    this.updateTimer(view.lobby);
    if (view.lobby !== this.lastLobby) {
      this.lastLobby = view.lobby;
      this.onChange?.(view);
    }
  }

  renderReady(ready) {
    if (!ready) {
      this.dialog.hidden = true;
      this.shownCheck = null;
      return;
    }
    const check = this.state.ready;
    if (this.shownCheck !== check) {
      this.shownCheck = check;
      setText(this.readyMode, ready.mode);
      this.readyPlayers.replaceChildren(
        ...ready.players.map((player) => {
          const li = this.root.createElement("li");
          const name = this.root.createElement("span");
          name.className = "name";
          name.textContent = player.name;
          const rating = this.root.createElement("span");
          rating.className = "rating";
          rating.textContent = player.rating;
          li.append(name, rating);
          return li;
        }),
      );
      this.dialog.hidden = false;
      if (ready.answer === null) this.acceptButton.focus();
    }
    setText(this.readyCountdown, String(ready.secondsLeft));
    const width = `${(ready.fraction * 100).toFixed(1)}%`;
    if (this.readyBar.style.width !== width) this.readyBar.style.width = width;
    this.readyBar.dataset.low = String(ready.secondsLeft <= 3);
    setText(this.readyAccepted, ready.acceptedText);
    setText(this.readyHint, ready.hint);
    this.acceptButton.disabled = ready.answer !== null;
    this.declineButton.disabled = ready.answer !== null;
    setText(this.acceptButton, ready.answer === "accepted" ? "Accepted" : "Accept");
  }

  updateTimer(lobby) {
    const running = lobby === LobbyState.SEARCHING || lobby === LobbyState.READY_CHECK;
    if (running && this.timer === null) this.timer = setInterval(() => this.tick(), TICK_MS);
    else if (!running && this.timer !== null) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }
}

function setText(element, text) {
  if (element.textContent !== text) element.textContent = text;
}
