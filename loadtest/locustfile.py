"""Locust load test of Arena: players who queue, play and requeue, and spectators.

    locust -f loadtest/locustfile.py --headless -u 500 -r 50 -t 60s \\
        --host http://127.0.0.1:8000 \\
        --csv loadtest-results/locust --html loadtest-results/locust.html

(``make loadtest`` runs that.) Every WebSocket frame, sent or received, is a locust request event,
so locust's web UI, ``--csv`` and ``--html`` reports list them: request type ``LOBBY``, ``WS``
(match socket) or ``WATCH`` (spectator socket); name the message (``KEYFRAME``, ``DELTA``,
``MATCH_FOUND``, ``send INPUT``...), ``connect`` or ``close``. The response time of a snapshot is
its latency
(arrival minus the server's ``server_ms``); of READY_CHECK and MATCH_FOUND the time since QUEUE;
of PONG the round trip; of WELCOME the time since the socket opened. Failures: sockets that fail
to open or close unexpectedly, frames that do not come in time, a DELTA off the chain, THROTTLED,
lobby errors.

``PlayerUser``: ``GET /api/session/``, the lobby socket, QUEUE (for ``--arena-game`` in
``--arena-mode``: any registered game and mode; ``mixed`` spreads the queues over the games or
the modes), accepts the ready check, MATCH_FOUND, the match socket with the ticket; then INPUTs
at ``--arena-input-rate`` (20 a second, like the browser) from the game's bot
(``Game.make_bot``: the shooter's wanders, aims at the nearest opponent and fires in bursts), a
PING every ``--arena-ping-interval`` seconds; snapshots are followed with
``engine.wirestate.SnapshotChain``, from WELCOME's schema (RESYNC when a DELTA is off the
chain). When the match ends (RESULT, close 4006) the player queues again; the lobby socket stays
open meanwhile, as the browser's does.

``SpectatorUser`` (one user in ten by default: ``--arena-player-weight 9``,
``--arena-spectator-weight 1``): ``GET /api/matches/live``, picks a match, watches it on
``/ws/spectate/<id>/`` for about ``--arena-watch-time`` seconds, PINGs and FOLLOWs players, then
picks another. Its snapshot latency leaves out the stream's announced delay (``delay_ms``).

At the end (the local runner's test_stop, the master's quitting) a summary is printed and written
as JSON to ``--arena-summary`` (default: next to ``--csv``'s files): users reached, snapshots/s,
latency and jitter percentiles, time to match, errors and disconnects, bytes/s per client. In
distributed mode each worker sends its figures to the master with locust's stats reports. The
web UI serves the summary so far at ``/arena/summary``. docs/performance.md ("Locust") has more.
"""

from __future__ import annotations

import contextlib
import json
import random
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import gevent
import websocket
from gevent.queue import Empty, Queue
from locust import HttpUser, constant, events, task
from locust.runners import MasterRunner, WorkerRunner

if __package__ in (None, ""):  # loaded by path (locust -f): make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.bots import Bot, BotView  # noqa: E402
from engine.games import configured_games  # noqa: E402
from engine.protocol import MessageType, Phase  # noqa: E402
from engine.wirestate import ChainBroken, SnapshotChain  # noqa: E402
from loadtest.locust_metrics import Metrics, format_summary  # noqa: E402
from loadtest.locust_ws import (
    ArenaSocket,
    Closed,
    Unexpected,
    frame_name,
    mark_reported,
    reported,
    ws_base,
)  # noqa: E402

KEYFRAME, DELTA = int(MessageType.SNAPSHOT), int(MessageType.DELTA)
SNAPSHOTS = (KEYFRAME, DELTA)
FOLLOW, SPECTATING = 4, 17  # the spectator protocol's FOLLOW and SPECTATING
MATCH_OVER = 4006
ENDED = int(Phase.ENDED)
ALREADY_ACTIVE = 2  # LOBBY_ERROR code
MIXED = "mixed"  # --arena-game / --arena-mode: each queue picks one
# What a round of a user may fail with: reported as a failure (where it happened, or at the end
# of the round), then the user pauses and starts another round. Anything else is a bug of this
# file, and locust reports it as an exception with its traceback.
EXPECTED_ERRORS = (Closed, Unexpected, websocket.WebSocketException, OSError, ValueError)

# What this process measured; on the master, what the workers reported.
METRICS = Metrics()
_summary_written = False


# -- options ------------------------------------------------------------------------------------


@events.init_command_line_parser.add_listener
def add_arguments(parser: Any) -> None:
    """Options of this locustfile (also LOCUST_ARENA_* variables, and the web UI's form)."""
    arena = parser  # locust's parser: these also appear in the web UI's form
    arena.add_argument(
        "--arena-game",
        default="shooter",
        help="the game players queue for (a registered game's name); mixed: each queue picks one",
    )
    arena.add_argument(
        "--arena-mode",
        default="",
        help="the game's mode players queue for (default: its first); mixed: each queue picks"
        " one of the game's modes",
    )
    arena.add_argument("--arena-player-weight", type=int, default=9, help="PlayerUser weight")
    arena.add_argument(
        "--arena-spectator-weight",
        type=int,
        default=1,
        help="SpectatorUser weight (0: no spectators)",
    )
    arena.add_argument(
        "--arena-input-rate", type=float, default=20.0, help="INPUTs per second per player"
    )
    arena.add_argument(
        "--arena-ping-interval",
        type=float,
        default=2.0,
        help="seconds between PINGs on match and spectator sockets (0: none)",
    )
    arena.add_argument(
        "--arena-fire",
        type=float,
        default=0.6,
        help="share of time a player holds fire while an opponent is in range (0-1)",
    )
    arena.add_argument(
        "--arena-accept-delay",
        type=float,
        default=0.5,
        help="a player answers a ready check after a random 0 to this many seconds",
    )
    arena.add_argument(
        "--arena-watch-time",
        type=float,
        default=30.0,
        help="seconds a spectator watches one match (randomly 0.5 to 1.5 times this)",
    )
    arena.add_argument(
        "--arena-timeout",
        type=float,
        default=10.0,
        help="seconds to wait for a socket to open, or for its next frame, before failing",
    )
    arena.add_argument(
        "--arena-queue-timeout",
        type=float,
        default=120.0,
        help="seconds from QUEUE to MATCH_FOUND before a player gives up and queues again",
    )
    arena.add_argument(
        "--arena-summary",
        default="",
        help="where to write the summary JSON (default: <--csv prefix>_summary.json, if --csv)",
    )


def _options(environment: Any) -> Any:
    return environment.parsed_options


def _apply_weights(environment: Any) -> None:
    options = _options(environment)
    if options is None:
        return
    PlayerUser.weight = max(0, options.arena_player_weight)
    SpectatorUser.weight = max(0, options.arena_spectator_weight)


def queue_choice(game: str, mode: str, rng: random.Random) -> tuple[str, str]:
    """The game and mode of one QUEUE: as given, or picked among the registered games (game
    ``mixed``) and the game's modes (mode ``mixed``); no mode: the game's first."""
    games = configured_games({})
    picked = game == MIXED
    if picked:
        game = rng.choice(sorted(games))
    if game not in games:
        raise ValueError(f"--arena-game {game!r}: the games are {', '.join(games)} or mixed")
    modes = [m.name for m in games[game].modes]
    if mode == MIXED:
        return game, rng.choice(modes)
    if not mode or (picked and mode not in modes):  # a mode of one game only: the others' first
        return game, modes[0]
    return game, mode


# -- users --------------------------------------------------------------------------------------


class PlayerUser(HttpUser):
    """A player: lobby, queue, ready check, match, play until the match ends, again."""

    weight = 1  # replaced by --arena-player-weight
    wait_time = constant(0)  # the task paces itself

    def on_start(self) -> None:
        self.options = _options(self.environment)
        self.rng = random.Random()
        self.name = f"bot{self.rng.randrange(10**6):06d}"
        self.cookie: str | None = None
        self.lobby: ArenaSocket | None = None
        self.lobby_inbox: Queue | None = None
        self.lobby_reader: gevent.Greenlet | None = None
        self.matched = False
        self.had_snapshot = False
        self.match_socket: ArenaSocket | None = None
        METRICS.count("players_started")

    def on_stop(self) -> None:
        if not self.matched:
            METRICS.count("players_without_match")
        if self.match_socket is not None:
            self.match_socket.close()
        self._close_lobby()

    @task
    def play(self) -> None:
        """One round: find a match and play it; after a failure, pause and start again."""
        kind = "LOBBY"
        try:
            if self.cookie is None:
                self.cookie = self._session()
            found = self._find_match()
            if found is not None:
                kind = "WS"
                self._play_match(found)
                return
        except EXPECTED_ERRORS as exc:
            _report_unreported(self.environment, kind, exc)
        gevent.sleep(self.rng.uniform(0.5, 1.5))

    # -- HTTP and lobby ------------------------------------------------------------------------

    def _session(self) -> str:
        with self.client.get("/api/session/", name="/api/session/", catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"status {r.status_code}")
                raise ValueError("no session")
        cookies = self.client.cookies.get_dict()
        if "sessionid" not in cookies:
            raise ValueError("no session cookie")
        return "; ".join(f"{k}={v}" for k, v in cookies.items())

    def _open_lobby(self) -> None:
        url = f"{ws_base(self.host)}/ws/lobby/?name={quote(self.name)}"
        sock = ArenaSocket(
            self.environment.events, "LOBBY", url, self.cookie, self.options.arena_timeout
        )
        sock.connect()
        sock.set_timeout(None)  # quiet while its player is in a match; the reader waits
        inbox: Queue = Queue()
        self.lobby, self.lobby_inbox = sock, inbox
        self.lobby_reader = gevent.spawn(_read_into, sock, inbox)
        frame, size, _ = self._lobby_frame(self.options.arena_timeout, "LOBBY_WELCOME")
        sock.report(frame_name(frame[0]), _since(sock), size)
        if frame[0] != MessageType.LOBBY_WELCOME:
            raise self._fail(sock, "LOBBY_WELCOME", f"first frame was {frame_name(frame[0])}")

    def _close_lobby(self) -> None:
        if self.lobby is not None:
            self.lobby.close()
        if self.lobby_reader is not None:
            self.lobby_reader.kill(block=False)
        self.lobby = self.lobby_inbox = self.lobby_reader = None

    def _lobby_frame(self, timeout: float, waiting_for: str) -> tuple[list[Any], int, float]:
        """The lobby's next frame; a close or a timeout is reported and raised."""
        assert self.lobby is not None and self.lobby_inbox is not None
        try:
            item = self.lobby_inbox.get(timeout=max(0.0, timeout))
        except Empty:
            raise self._fail(
                self.lobby, waiting_for, f"no {waiting_for} within {timeout:.0f} s"
            ) from None
        if isinstance(item, BaseException):
            sock = self.lobby
            self._close_lobby()
            code = item.code if isinstance(item, Closed) else None
            METRICS.disconnected("lobby", code)
            sock.report("close", 0, 0, Unexpected(f"lobby closed: {item}"))
            mark_reported(item)
            raise item
        return item

    def _fail(self, sock: ArenaSocket, name: str, text: str) -> Unexpected:
        error = Unexpected(text)
        sock.report(name, 0, 0, error)
        return error

    def _queue(self, sock: ArenaSocket) -> str:
        game, mode = queue_choice(self.options.arena_game, self.options.arena_mode, self.rng)
        sock.send([int(MessageType.QUEUE), game, mode], "QUEUE")
        return mode

    def _find_match(self) -> dict[str, Any] | None:
        """QUEUE, accept ready checks, until MATCH_FOUND (returned) or a failure (None).

        After a failure the lobby socket is closed (which takes the player out of the queue),
        so the next round starts afresh.
        """
        try:
            found = self._queue_until_found()
        except BaseException:
            self._close_lobby()
            raise
        if found is None:
            self._close_lobby()
        return found

    def _queue_until_found(self) -> dict[str, Any] | None:
        if self.lobby is None:
            self._open_lobby()
        assert self.lobby is not None and self.lobby_inbox is not None
        sock = self.lobby
        while not self.lobby_inbox.empty():  # what came while the player was in a match
            frame, size, _ = self._lobby_frame(0, "frame")
            sock.report(frame_name(frame[0]), 0, size)
        queued_at = time.time()
        self._queue(sock)
        deadline = time.monotonic() + self.options.arena_queue_timeout
        refusals = 0
        while True:
            frame, size, arrived = self._lobby_frame(deadline - time.monotonic(), "MATCH_FOUND")
            kind, name = frame[0], frame_name(frame[0])
            waited_ms = (arrived - queued_at) * 1000
            if kind == MessageType.MATCH_FOUND:
                sock.report(name, waited_ms, size)
                METRICS.observe("time_to_match", waited_ms)
                self.matched = True
                return frame[1]
            if kind == MessageType.READY_CHECK:
                sock.report(name, waited_ms, size)
                METRICS.count("ready_checks")
                gevent.sleep(self.rng.uniform(0, max(0.0, self.options.arena_accept_delay)))
                sock.send(
                    [int(MessageType.READY_ANSWER), frame[1]["pending_id"], True], "READY_ANSWER"
                )
            elif kind == MessageType.READY_FAILED:
                body = frame[1]
                METRICS.count("ready_failed")
                # Ours always accept: a timeout means a frame went missing; a decline, that a
                # player left (locust stopped it, for example).
                failure = (
                    Unexpected(f"ready check timed out: {body}")
                    if body.get("reason") == "timeout"
                    else None
                )
                sock.report(name, waited_ms, size, failure)
                if not body.get("requeued"):
                    self._queue(sock)
            elif kind == MessageType.LOBBY_ERROR:
                METRICS.count("lobby_errors")
                sock.report(name, 0, size, Unexpected(f"LOBBY_ERROR {frame[1:]}"))
                refusals += 1
                if frame[1] != ALREADY_ACTIVE or refusals > 5:
                    return None
                gevent.sleep(1.0)  # still in the previous match? ask again
                self._queue(sock)
            else:  # QUEUE_STATUS, READY_UPDATE, PONG...
                sock.report(name, 0, size)

    # -- the match ------------------------------------------------------------------------------

    def _play_match(self, found: dict[str, Any]) -> None:
        url = f"{ws_base(self.host)}{found['ws_path']}?ticket={quote(found['ticket'])}"
        sock = ArenaSocket(self.environment.events, "WS", url, None, self.options.arena_timeout)
        sock.connect()
        self.match_socket = sock
        METRICS.socket_opened(id(sock), "match")
        play = Play(self.options, self.rng)
        sender = None
        try:
            while play.welcome is None:  # THROTTLED may come first
                frame, size, arrived = sock.recv()
                self._on_match_frame(sock, play, frame, size, arrived)
            METRICS.count("matches_joined")
            sender = gevent.spawn(_send_loop, sock, play, self.options)
            while True:
                frame, size, arrived = sock.recv()
                self._on_match_frame(sock, play, frame, size, arrived)
        except Closed as closed:
            if sock.closing:
                return
            expected = closed.code == MATCH_OVER and play.over()
            failure = None if expected else Unexpected(f"match socket {closed}")
            if failure is not None:
                METRICS.disconnected("match", closed.code)
            sock.report("close", 0, 0, failure)
        except websocket.WebSocketTimeoutException:
            METRICS.disconnected("match", None)
            raise self._fail(
                sock,
                "KEYFRAME" if play.welcome else "WELCOME",
                f"no frame for {self.options.arena_timeout:.0f} s",
            ) from None
        finally:
            play.active = False
            if sender is not None:
                sender.kill(block=False)
            sock.close()
            METRICS.socket_closed(id(sock))
            self.match_socket = None

    def _on_match_frame(
        self, sock: ArenaSocket, play: Play, frame: list[Any], size: int, arrived: float
    ) -> None:
        kind = frame[0]
        name = frame_name(kind)
        METRICS.count("match_bytes_received", size)
        if kind in SNAPSHOTS:
            latency = arrived * 1000 - frame[2]
            failure = play.snapshot(frame, arrived)
            METRICS.count("snapshots")
            METRICS.count("snapshot_bytes", size)
            if kind == KEYFRAME:
                METRICS.count("keyframes")
            METRICS.snapshot_received(arrived)
            METRICS.observe("latency", latency)
            if play.gap_ms is not None:
                METRICS.observe("jitter", abs(play.gap_ms - play.tick_ms))
            if play.ticks_missed:
                METRICS.count("ticks_missed", play.ticks_missed)
            if not self.had_snapshot:
                self.had_snapshot = True
                METRICS.count("players_with_snapshots")
            if failure is not None:
                METRICS.count("chain_breaks")
                _resync(sock)
            sock.report(name, max(0.0, latency), size, failure)
        elif kind == MessageType.WELCOME:
            play.welcomed(frame[1])
            sock.report(name, _since(sock), size)
        elif kind == MessageType.PONG:
            sent = play.pings.pop(frame[1], None)
            rtt = (time.perf_counter() - sent) * 1000 if sent is not None else 0.0
            if sent is not None:
                METRICS.observe("pong_rtt", rtt)
            sock.report(name, rtt, size)
        elif kind == MessageType.RESULT:
            play.result = True
            METRICS.count("matches_finished")
            sock.report(name, 0, size)
        elif kind == MessageType.THROTTLED:
            METRICS.count("throttled")
            METRICS.count("throttled_dropped", int(frame[1]))
            sock.report(
                name, 0, size, Unexpected(f"THROTTLED: {frame[1]} dropped (limit {frame[2]}/s)")
            )
        else:  # SPECTATORS and anything newer
            sock.report(name, 0, size)


class SpectatorUser(HttpUser):
    """A spectator: lists live matches, watches one for a while, then another."""

    weight = 1  # replaced by --arena-spectator-weight
    wait_time = constant(0)

    def on_start(self) -> None:
        self.options = _options(self.environment)
        self.rng = random.Random()
        self.had_snapshot = False
        self.socket: ArenaSocket | None = None
        METRICS.count("spectators_started")

    def on_stop(self) -> None:
        if self.socket is not None:
            self.socket.close()

    @task
    def watch(self) -> None:
        """Pick a live match and watch it for a while."""
        try:
            match = self._pick()
            if match is None:
                gevent.sleep(self.rng.uniform(1.5, 2.5))  # nothing live yet
                return
            self._watch(match)
        except EXPECTED_ERRORS as exc:
            _report_unreported(self.environment, "WATCH", exc)
            gevent.sleep(self.rng.uniform(0.5, 1.5))

    def _pick(self) -> dict[str, Any] | None:
        with self.client.get(
            "/api/matches/live", name="/api/matches/live", catch_response=True
        ) as r:
            if r.status_code != 200:
                r.failure(f"status {r.status_code}")
                return None
            try:
                matches = r.json()["matches"]
            except (ValueError, KeyError) as exc:
                r.failure(f"not a match list: {exc}")
                return None
        open_ = [
            m
            for m in matches
            if m.get("phase") != 3 and m.get("spectators", 0) < m.get("max_spectators", 1 << 30)
        ]
        played = [m for m in open_ if m.get("players")]  # rather than one waiting to be abandoned
        return self.rng.choice(played or open_) if open_ else None

    def _watch(self, match: dict[str, Any]) -> None:
        path = match.get("watch_path") or f"/ws/spectate/{match['id']}/"
        sock = ArenaSocket(
            self.environment.events,
            "WATCH",
            ws_base(self.host) + path,
            None,
            self.options.arena_timeout,
        )
        sock.connect()
        self.socket = sock
        METRICS.socket_opened(id(sock), "spectate")
        play = Play(self.options, self.rng, spectator=True)
        until = time.monotonic() + self.options.arena_watch_time * self.rng.uniform(0.5, 1.5)
        sender = None
        try:
            while time.monotonic() < until:
                frame, size, arrived = sock.recv()
                self._on_frame(sock, play, frame, size, arrived)
                if sender is None and play.welcome is not None:
                    sender = gevent.spawn(_send_loop, sock, play, self.options)
        except Closed as closed:
            if sock.closing:
                return
            expected = closed.code == MATCH_OVER and play.over()
            failure = None if expected else Unexpected(f"spectator socket {closed}")
            if failure is not None:
                METRICS.disconnected("watch", closed.code)
            sock.report("close", 0, 0, failure)
        except websocket.WebSocketTimeoutException:
            METRICS.disconnected("watch", None)
            error = Unexpected(f"no frame for {self.options.arena_timeout:.0f} s")
            sock.report("KEYFRAME", 0, 0, error)
            raise error from None
        finally:
            play.active = False
            if sender is not None:
                sender.kill(block=False)
            sock.close()
            METRICS.socket_closed(id(sock))
            self.socket = None

    def _on_frame(
        self, sock: ArenaSocket, play: Play, frame: list[Any], size: int, arrived: float
    ) -> None:
        kind = frame[0]
        name = frame_name(kind)
        METRICS.count("spectator_bytes_received", size)
        if kind in SNAPSHOTS:
            # A delayed stream (ARENA_SPECTATOR_DELAY) is late on purpose: count what is not.
            latency = arrived * 1000 - frame[2] - play.delay_ms
            failure = play.snapshot(frame, arrived)
            METRICS.count("spectator_snapshots")
            METRICS.observe("spectator_latency", latency)
            if play.gap_ms is not None:
                METRICS.observe("spectator_jitter", abs(play.gap_ms - play.tick_ms))
            if not self.had_snapshot:
                self.had_snapshot = True
                METRICS.count("spectators_with_snapshots")
            if failure is not None:
                METRICS.count("chain_breaks")
                _resync(sock)
            sock.report(name, max(0.0, latency), size, failure)
        elif kind == SPECTATING:
            play.welcomed(frame[1])
            play.delay_ms = float(frame[1].get("delay_ms", 0) or 0)
            sock.report(name, _since(sock), size)
        elif kind == MessageType.PONG:
            sent = play.pings.pop(frame[1], None)
            rtt = (time.perf_counter() - sent) * 1000 if sent is not None else 0.0
            if sent is not None:
                METRICS.observe("pong_rtt", rtt)
            sock.report(name, rtt, size)
        elif kind == MessageType.RESULT:
            play.result = True
            sock.report(name, 0, size)
        elif kind == MessageType.THROTTLED:
            sock.report(name, 0, size, Unexpected(f"THROTTLED: {frame[1:]}"))
        else:  # SPECTATORS...
            sock.report(name, 0, size)


# -- one socket's game state --------------------------------------------------------------------


class Play:
    """What a match (or spectator) socket holds: the state of the chain, timing, pings."""

    def __init__(self, options: Any, rng: random.Random, spectator: bool = False) -> None:
        self.options = options
        self.rng = rng
        self.spectator = spectator
        self.active = True
        self.welcome: dict[str, Any] | None = None
        self.player_id: int | None = None
        self.seq = 1
        self.tick_ms = 50.0
        self.delay_ms = 0.0
        self.chain = SnapshotChain()
        self.last_arrival: float | None = None
        self.gap_ms: float | None = None
        self.last_tick: int | None = None
        self.snapshots = 0
        self.ticks_missed = 0  # ticks between the last two snapshots that this socket never got
        self.result = False
        self.pings: dict[int, float] = {}
        self.bot: Bot | None = None
        self.view: BotView | None = None

    def welcomed(self, body: dict[str, Any]) -> None:
        """WELCOME (or SPECTATING): the seat, the tick rate, the arena."""
        self.welcome = body
        self.chain.welcome(body)
        self.player_id = body.get("player_id")
        self.seq = int(body.get("ack", 0)) + 1
        self.tick_ms = 1000.0 / float(body.get("tick_rate") or 20)
        self.view = BotView.from_welcome(body)
        self.bot = configured_games({})[body["game"]].make_bot(self.rng)
        if hasattr(self.bot, "fire_ratio"):  # the shooter's
            self.bot.fire_ratio = self.options.arena_fire

    def over(self) -> bool:
        """Whether a close with 4006 (match over) is what this socket should expect now.

        After RESULT, or once a snapshot showed the ended phase (a spectator who came in after
        RESULT); a spectator also when the match ended before its first snapshot (between the
        listing and the socket).
        """
        state = self.chain.state
        if self.result or (state is not None and state.phase == ENDED):
            return True
        return self.spectator and self.last_tick is None

    def snapshot(self, frame: list[Any], arrived: float) -> ChainBroken | None:
        """Follow the chain; sets ``gap_ms``; returns the error of a DELTA off the chain."""
        now = time.monotonic()
        # Jitter counts from the third snapshot: the first may come at once on joining (a
        # spectator's does), not on the tick schedule.
        settled = self.snapshots >= 2 and self.last_arrival is not None
        self.gap_ms = (now - self.last_arrival) * 1000 if settled else None  # type: ignore[operator]
        self.last_arrival = now
        self.snapshots += 1
        tick = frame[1]
        self.ticks_missed = 0 if self.last_tick is None else max(0, tick - self.last_tick - 1)
        self.last_tick = tick
        try:
            self.chain.apply(frame)
        except ChainBroken as exc:
            self.chain.reset()  # the next KEYFRAME starts again
            return exc
        return None


def _send_loop(sock: ArenaSocket, play: Play, options: Any) -> None:
    """INPUTs at the input rate (players), PINGs, FOLLOWs (spectators), until the socket ends.

    Missed ticks (a busy load generator) are skipped, not caught up, so bursts stay within the
    server's rate limit. A failing send ends the loop quietly: the reader reports the close.
    """
    input_period = 1.0 / options.arena_input_rate if options.arena_input_rate > 0 else None
    ping_period = options.arena_ping_interval if options.arena_ping_interval > 0 else None
    now = time.monotonic()
    next_input = now if input_period and not play.spectator else float("inf")
    next_ping = now + play.rng.uniform(0, ping_period) if ping_period else float("inf")
    next_follow = now + play.rng.uniform(2, 8) if play.spectator else float("inf")
    try:
        while play.active:
            now = time.monotonic()
            if now >= next_input:
                assert play.bot is not None and play.view is not None and input_period
                play.view.state = play.chain.state
                values = play.bot.decide(play.view, now)
                if values is not None:
                    size = sock.send([int(MessageType.INPUT), play.seq, *values], "INPUT")
                    play.seq += 1
                    METRICS.count("inputs_sent")
                    METRICS.count("match_bytes_sent", size)
                next_input += input_period
                if next_input < now:
                    next_input = now + input_period
            if now >= next_ping:
                assert ping_period is not None
                nonce = play.rng.randrange(1 << 32)
                play.pings[nonce] = time.perf_counter()
                size = sock.send([int(MessageType.PING), nonce], "PING")
                if not play.spectator:
                    METRICS.count("match_bytes_sent", size)
                next_ping = now + ping_period
            if now >= next_follow:
                if play.chain.avatars:
                    sock.send([FOLLOW, play.rng.choice(list(play.chain.avatars))], "FOLLOW")
                next_follow = now + play.rng.uniform(4, 10)
            gevent.sleep(max(0.0, min(next_input, next_ping, next_follow) - time.monotonic()))
    except (websocket.WebSocketException, OSError):
        return


def _read_into(sock: ArenaSocket, inbox: Queue) -> None:
    """Read a socket into a queue (the lobby's), ending with the exception that ended it."""
    while True:
        try:
            inbox.put(sock.recv())
        except (Closed, Unexpected, websocket.WebSocketException, OSError, ValueError) as exc:
            if not sock.closing:
                inbox.put(exc)
            return


def _resync(sock: ArenaSocket) -> None:
    """Ask for a KEYFRAME; if the socket is gone its reader reports that."""
    with contextlib.suppress(websocket.WebSocketException, OSError):
        sock.send([int(MessageType.RESYNC)], "RESYNC")


def _report_unreported(environment: Any, kind: str, exc: Exception) -> None:
    """A failure nobody reported where it happened (a send that failed, a bad frame...)."""
    if not reported(exc):
        environment.events.request.fire(
            request_type=kind,
            name="error",
            response_time=0,
            response_length=0,
            exception=exc,
            context={},
        )


def _since(sock: ArenaSocket) -> float:
    """Milliseconds since the socket opened."""
    return (time.perf_counter() - sock.opened_at) * 1000


# -- the summary, and distributed mode ----------------------------------------------------------


def _is_worker(environment: Any) -> bool:
    return isinstance(environment.runner, WorkerRunner)


def _locust_figures(environment: Any) -> dict[str, Any]:
    stats = environment.stats
    errors = sorted(stats.errors.values(), key=lambda e: -e.occurrences)
    return {
        "requests": stats.total.num_requests,
        "failures": stats.total.num_failures,
        "errors": [
            {"type": e.method, "name": e.name, "error": str(e.error), "count": e.occurrences}
            for e in errors[:20]
        ],
    }


def _summary_path(environment: Any) -> Path | None:
    options = _options(environment)
    if options is None:
        return None
    if options.arena_summary:
        return Path(options.arena_summary)
    if getattr(options, "csv_prefix", None):
        return Path(f"{options.csv_prefix}_summary.json")
    return None


def write_summary(environment: Any) -> dict[str, Any]:
    """Print the summary and write it as JSON (where ``_summary_path`` says)."""
    global _summary_written
    _summary_written = True
    if METRICS.stopped_at is None:
        METRICS.stopped_at = time.time()
    summary = METRICS.summary(_locust_figures(environment))
    print(format_summary(summary), flush=True)
    path = _summary_path(environment)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(summary, indent=2) + "\n")
        print(f"  summary written to {path}", flush=True)
    return summary


def _sample_users(environment: Any) -> None:
    while True:
        runner = environment.runner
        if runner is not None:
            METRICS.users_peak = max(METRICS.users_peak, runner.user_count)
            METRICS.users_target = max(METRICS.users_target, runner.target_user_count or 0)
        gevent.sleep(0.5)


_sampler: gevent.Greenlet | None = None


@events.init.add_listener
def on_init(environment: Any, **_kwargs: Any) -> None:
    """Weights from the options; figures between workers and master; the web UI's route."""
    _apply_weights(environment)
    if isinstance(environment.runner, WorkerRunner):

        @environment.events.report_to_master.add_listener
        def report(client_id: str, data: dict[str, Any]) -> None:
            data["arena"] = METRICS.take_report()

    elif isinstance(environment.runner, MasterRunner):

        @environment.events.worker_report.add_listener
        def merge(client_id: str, data: dict[str, Any]) -> None:
            if "arena" in data:
                METRICS.merge_report(data["arena"])

    web_ui = environment.web_ui
    if web_ui is not None:

        @web_ui.app.route("/arena/summary")
        @web_ui.auth_required_if_enabled
        def arena_summary() -> Any:
            return METRICS.summary(_locust_figures(environment))


@events.test_start.add_listener
def on_test_start(environment: Any, **_kwargs: Any) -> None:
    """A new run: figures start from zero."""
    global _sampler, _summary_written
    METRICS.reset()
    _summary_written = False
    if _is_worker(environment):
        return
    _apply_weights(environment)
    METRICS.started_at = time.time()
    if _sampler is not None:
        _sampler.kill(block=False)
    _sampler = gevent.spawn(_sample_users, environment)


@events.test_stopping.add_listener
def on_test_stopping(environment: Any, **_kwargs: Any) -> None:
    """The run's duration ends here (users are being stopped)."""
    if not _is_worker(environment) and METRICS.stopped_at is None:
        METRICS.stopped_at = time.time()


@events.test_stop.add_listener
def on_test_stop(environment: Any, **_kwargs: Any) -> None:
    """Local runs: every figure is here, write the summary. The master waits for quitting."""
    global _sampler
    if _sampler is not None:
        _sampler.kill(block=False)
        _sampler = None
    if _is_worker(environment) or isinstance(environment.runner, MasterRunner):
        return
    write_summary(environment)


@events.quitting.add_listener
def on_quitting(environment: Any, **_kwargs: Any) -> None:
    """The master has the workers' final reports by now (after a --run-time stop)."""
    if not isinstance(environment.runner, MasterRunner):
        return  # a local runner writes at test_stop, which comes after this if still running
    if _summary_written or METRICS.started_at is None:
        return
    write_summary(environment)
