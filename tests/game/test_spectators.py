"""The spectator socket driven by WebsocketCommunicator against a real in-process engine worker."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import msgpack
import pytest
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.test import AsyncClient

from engine import messages
from engine.game import Game
from engine.games.shooter.rules import Rules
from engine.games.shooter.wire import Button
from engine.protocol import PROTOCOL_VERSION, CloseCode, MessageType, Phase
from engine.worker import EngineWorker
from engine.worker import worker as worker_module
from game.engines import engine_registry
from game.models import MatchRecord
from game.routing import websocket_urlpatterns
from game.services import create_match, validate_match_request
from tests.conftest import Connect, games_with, running_engine
from tests.helpers import (
    GAME_NAMES,
    duel_mode,
    follower,
    game_with,
    next_frame,
    next_tick,
    player_entry,
    random_input,
    reading_in_background,
    until,
    wait_for,
    wait_for_close,
    with_timers,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(30)]

Spectate = Callable[[str], Awaitable[WebsocketCommunicator]]
NO_PERIODIC_KEYFRAMES = 10.0**9  # seconds: any KEYFRAME a test sees was asked for or forced


def no_periodic_keyframes_from_now(monkeypatch: pytest.MonkeyPatch) -> None:
    """Matches created from now on send no periodic KEYFRAMEs."""
    monkeypatch.setattr(worker_module, "KEYFRAME_INTERVAL_SECONDS", NO_PERIODIC_KEYFRAMES)


@pytest.fixture
def no_periodic_keyframes(monkeypatch: pytest.MonkeyPatch) -> None:
    """The test's matches send no periodic KEYFRAMEs."""
    no_periodic_keyframes_from_now(monkeypatch)


@pytest.fixture
async def spectate() -> AsyncIterator[Spectate]:
    """Open a spectator socket; every socket opened is disconnected after the test."""
    opened: list[WebsocketCommunicator] = []

    async def open_socket(match_id: str) -> WebsocketCommunicator:
        comm = WebsocketCommunicator(URLRouter(websocket_urlpatterns), f"/ws/spectate/{match_id}/")
        connected, _ = await comm.connect()
        assert connected
        opened.append(comm)
        return comm

    yield open_socket
    for comm in opened:
        await comm.disconnect()


async def next_snapshot(comm: WebsocketCommunicator) -> list[Any]:
    """The next KEYFRAME or DELTA as sent (other frames, such as SPECTATORS, are skipped)."""
    while True:
        frame = await next_frame(comm)
        if frame[0] in (MessageType.SNAPSHOT, MessageType.DELTA):
            return frame


def input_frame(seq: int, buttons: int, aim_mrad: int = 0) -> bytes:
    return msgpack.packb([MessageType.INPUT, seq, buttons, aim_mrad])


async def new_match(mode: str = "ffa") -> str:
    match = await create_match(validate_match_request(mode=mode))
    return str(match.id)


async def playing(connect: Connect, match_id: str, name: str = "Ada") -> WebsocketCommunicator:
    """A player's socket, past its WELCOME and first snapshot."""
    comm = await connect(match_id, name)
    await wait_for(comm, MessageType.WELCOME)
    await wait_for(comm, MessageType.SNAPSHOT)
    return comm


async def spectating(spectate: Spectate, match_id: str) -> tuple[WebsocketCommunicator, dict]:
    """A spectator's socket and the body of its SPECTATING, which must be its first frame."""
    comm = await spectate(match_id)
    first = await next_frame(comm)
    assert first[0] == MessageType.SPECTATING, first
    return comm, first[1]


async def test_a_spectator_gets_spectating_then_a_keyframe_at_once_then_deltas(
    engine: EngineWorker, connect: Connect, spectate: Spectate, no_periodic_keyframes: None
) -> None:
    match_id = await new_match()
    ada = await playing(connect, match_id)
    for _ in range(5):
        await wait_for(ada, MessageType.SNAPSHOT)
    started = time.monotonic()
    watcher, body = await spectating(spectate, match_id)
    assert body["match_id"] == match_id and body["mode"] == "ffa"
    assert body["max_players"] == 8 and body["tick_rate"] == engine.games["shooter"].tick_rate
    assert body["rules"]["arena"]["walls"] and body["rules"]["max_health"] > 0
    assert (body["protocol"], body["delay_ms"], body["spectators"]) == (PROTOCOL_VERSION, 0, 1)
    assert "player_id" not in body and "ack" not in body
    keyframe = await next_frame(watcher)
    assert keyframe[0] == MessageType.SNAPSHOT, "a KEYFRAME at once, not a DELTA"
    assert time.monotonic() - started < 1.0
    assert player_entry(keyframe, 0) is not None and keyframe[8][0][1] == "Ada"
    kinds = [(await next_snapshot(watcher))[0] for _ in range(5)]
    assert kinds == [MessageType.DELTA] * 5, "the DELTAs the players get apply to it"
    # the spectator and the player see the same match, tick for tick
    for _ in range(50):
        ada_state, watched = follower(ada).state, follower(watcher).state
        assert ada_state is not None and watched is not None
        if ada_state.tick == watched.tick:
            break
        await next_frame(ada if ada_state.tick < watched.tick else watcher)
    assert watched.to_keyframe()[3:] == ada_state.to_keyframe()[3:]


async def test_a_spectator_of_an_empty_match_gets_a_keyframe_and_the_stream(
    engine: EngineWorker, spectate: Spectate
) -> None:
    match_id = await new_match()
    await until(engine, lambda: match_id in engine.matches)
    watcher, body = await spectating(spectate, match_id)
    assert body["spectators"] == 1
    first = await next_snapshot(watcher)
    assert first[0] == MessageType.SNAPSHOT and first[5] == []
    ticks = [(await wait_for(watcher, MessageType.SNAPSHOT))[1] for _ in range(3)]
    assert ticks == sorted(ticks) and ticks[0] > first[1]


async def test_spectators_may_ping_resync_and_follow(
    engine: EngineWorker, connect: Connect, spectate: Spectate, no_periodic_keyframes: None
) -> None:
    match_id = await new_match()
    await playing(connect, match_id)
    watcher, _ = await spectating(spectate, match_id)
    await wait_for(watcher, MessageType.SNAPSHOT)
    await watcher.send_to(bytes_data=msgpack.packb([MessageType.PING, 99]))
    assert (await wait_for(watcher, MessageType.PONG))[1] == 99
    await watcher.send_to(bytes_data=msgpack.packb([MessageType.FOLLOW, 0]))
    await watcher.send_to(bytes_data=msgpack.packb([MessageType.FOLLOW, 2**32 - 1]))
    kinds = [(await next_snapshot(watcher))[0] for _ in range(3)]
    assert set(kinds) == {MessageType.DELTA}, "FOLLOW is not answered"
    await watcher.send_to(bytes_data=msgpack.packb([MessageType.RESYNC]))
    kinds = [(await next_snapshot(watcher))[0] for _ in range(4)]
    assert MessageType.SNAPSHOT in kinds, "RESYNC gets a KEYFRAME, as for players"
    assert len(engine.matches[match_id].spectators) == 1


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ({"bytes_data": msgpack.packb([MessageType.INPUT, 1, Button.RIGHT, 0])}, 4016),
        ({"bytes_data": msgpack.packb([MessageType.INPUT, "x"])}, 4016),
        ({"bytes_data": msgpack.packb([99])}, 4016),
        ({"bytes_data": msgpack.packb([MessageType.QUEUE, "duel"])}, 4016),
        ({"bytes_data": msgpack.packb([MessageType.FOLLOW, -1])}, 4000),
        ({"bytes_data": msgpack.packb([MessageType.FOLLOW, "Ada"])}, 4000),
        ({"bytes_data": msgpack.packb([MessageType.FOLLOW])}, 4000),
        ({"bytes_data": msgpack.packb(["follow", 1])}, 4000),
        ({"bytes_data": b"\xc1"}, 4000),
        ({"text_data": "hello"}, 4001),
        ({"bytes_data": bytes(100)}, 4002),
    ],
    ids=[
        "input",
        "malformed-input",
        "unknown-type",
        "lobby-type",
        "follow-negative",
        "follow-string",
        "follow-arity",
        "string-type",
        "not-msgpack",
        "text",
        "too-large",
    ],
)
async def test_anything_but_the_control_set_closes_the_spectator(
    engine: EngineWorker, connect: Connect, spectate: Spectate, frame: dict, code: int
) -> None:
    match_id = await new_match()
    ada = await playing(connect, match_id)
    watcher, _ = await spectating(spectate, match_id)
    await wait_for(watcher, MessageType.SNAPSHOT)
    before = engine.matches[match_id].match.seats[0].last_seq
    await watcher.send_to(**frame)
    assert await wait_for_close(watcher) == code
    await watcher.disconnect()  # what the web server does once the close frame is out
    await until(engine, lambda: not engine.matches[match_id].spectators)
    assert engine.matches[match_id].match.seats[0].last_seq == before, "nothing reached the match"
    await wait_for(ada, MessageType.SNAPSHOT)  # the player plays on


async def test_input_before_spectating_is_refused_too(
    engine: EngineWorker, spectate: Spectate
) -> None:
    watcher = await spectate(await new_match())
    await watcher.send_to(bytes_data=input_frame(1, Button.FIRE))
    assert await wait_for_close(watcher) == CloseCode.READ_ONLY


async def test_flooding_spectators_are_rate_limited(
    engine: EngineWorker, spectate: Spectate
) -> None:
    watcher, _ = await spectating(spectate, await new_match())
    for nonce in range(400):
        await watcher.send_to(bytes_data=msgpack.packb([MessageType.PING, nonce]))
    assert await wait_for_close(watcher) == CloseCode.RATE_LIMITED


async def test_unknown_over_and_malformed_matches_are_refused(
    engine: EngineWorker, spectate: Spectate
) -> None:
    for match_id in (str(uuid.uuid4()), "not-a-uuid"):
        assert await wait_for_close(await spectate(match_id)) == CloseCode.MATCH_NOT_FOUND
    over = await new_match()
    await MatchRecord.objects.filter(id=over).aupdate(status=MatchRecord.Status.OVER)
    assert await wait_for_close(await spectate(over)) == CloseCode.MATCH_OVER


async def test_an_engine_that_never_answers_closes_with_engine_unavailable(
    engine: EngineWorker, spectate: Spectate, arena_settings: Any
) -> None:
    arena_settings(join_timeout=0.3)
    match_id = await new_match()
    await MatchRecord.objects.filter(id=match_id).aupdate(engine_channel="arena.engine.nobody")
    assert await wait_for_close(await spectate(match_id)) == CloseCode.ENGINE_UNAVAILABLE


async def test_the_engine_decides_whether_the_stream_is_delayed(
    engine: EngineWorker, connect: Connect, spectate: Spectate, arena_settings: Any
) -> None:
    arena_settings(spectator_delay=2.0)  # this web process thinks so; the engine runs live
    match_id = await new_match()
    await playing(connect, match_id)
    watcher, body = await spectating(spectate, match_id)
    assert body["delay_ms"] == 0
    assert (await next_snapshot(watcher))[0] == MessageType.SNAPSHOT
    kinds = [(await next_snapshot(watcher))[0] for _ in range(5)]
    assert MessageType.DELTA in kinds, "the socket moved to the live group"


async def test_the_engine_caps_spectators_per_match(
    arena_settings: Any, rules: Rules, spectate: Spectate
) -> None:
    arena_settings(max_spectators=2)
    async with running_engine(rules) as engine:
        match_id = await new_match()
        first, body = await spectating(spectate, match_id)
        second, body2 = await spectating(spectate, match_id)
        assert (body["spectators"], body2["spectators"]) == (1, 2)
        third = await spectate(match_id)
        assert await wait_for_close(third) == CloseCode.SPECTATORS_FULL
        assert len(engine.matches[match_id].spectators) == 2
        other, _ = await spectating(spectate, await new_match())  # the cap is per match
        await first.disconnect()
        await until(engine, lambda: len(engine.matches[match_id].spectators) == 1)
        again, body = await spectating(spectate, match_id)
        assert body["spectators"] == 2
        await wait_for(again, MessageType.SNAPSHOT)
        await wait_for(second, MessageType.SNAPSHOT)


async def test_players_and_spectators_are_told_the_spectator_count(
    engine: EngineWorker, connect: Connect, spectate: Spectate
) -> None:
    match_id = await new_match()
    ada = await connect(match_id, "Ada")
    assert (await wait_for(ada, MessageType.WELCOME))[1]["spectators"] == 0
    first, _ = await spectating(spectate, match_id)
    assert await wait_for(ada, MessageType.SPECTATORS) == [MessageType.SPECTATORS, 1]
    told_at = time.monotonic()
    second, _ = await spectating(spectate, match_id)
    assert await wait_for(ada, MessageType.SPECTATORS) == [MessageType.SPECTATORS, 2]
    assert time.monotonic() - told_at >= 0.8, "at most one SPECTATORS a second"
    await wait_for(first, MessageType.SPECTATORS, where=lambda f: f[1] == 2)
    bo = await connect(match_id, "Bo")
    assert (await wait_for(bo, MessageType.WELCOME))[1]["spectators"] == 2
    await second.disconnect()
    assert await wait_for(ada, MessageType.SPECTATORS) == [MessageType.SPECTATORS, 1]
    assert await wait_for(bo, MessageType.SPECTATORS) == [MessageType.SPECTATORS, 1]


async def test_a_count_that_changes_back_within_the_second_is_not_told(
    engine: EngineWorker, connect: Connect, spectate: Spectate
) -> None:
    match_id = await new_match()
    ada = await playing(connect, match_id)
    first, _ = await spectating(spectate, match_id)
    assert await wait_for(ada, MessageType.SPECTATORS) == [MessageType.SPECTATORS, 1]
    second, _ = await spectating(spectate, match_id)
    await second.disconnect()  # back to 1 within the second: 2 is never told
    await until(engine, lambda: len(engine.matches[match_id].spectators) == 1)
    await first.disconnect()
    assert await wait_for(ada, MessageType.SPECTATORS) == [MessageType.SPECTATORS, 0]


def lively_games(rules: Rules, **timers: float) -> dict[str, Game]:
    """Every game with a short countdown and, where it has turns, short turns (the turn timer
    plays when nobody does), and the runtime's timers ``timers``."""
    games = games_with(rules)
    for name in GAME_NAMES:
        if name != "shooter":
            games[name] = game_with(name, countdown=0.1, turn_time=0.3)
        with_timers(games[name], **timers)
    return games


async def new_duel(engine: EngineWorker, game_name: str) -> str:
    """A new match of the game's two-player mode."""
    mode = duel_mode(engine.games[game_name]).name
    return str((await create_match(validate_match_request(game_name, mode, 2))).id)


class TestMatchEnd:
    @pytest.fixture
    def rules(self) -> Rules:
        return Rules(
            tick_rate=50, countdown=0.2, time_limit=0.6, ended_linger=0.3, empty_timeout=0.5
        )

    async def test_spectators_get_the_result_then_a_clean_close(
        self, engine: EngineWorker, connect: Connect, spectate: Spectate
    ) -> None:
        match_id = await new_match("duel")
        ada = await connect(match_id, "Ada")
        bo = await connect(match_id, "Bo")
        watchers = [(await spectating(spectate, match_id))[0] for _ in range(2)]
        for comm in (ada, bo):
            await wait_for(comm, MessageType.WELCOME)
        result = await wait_for(ada, MessageType.RESULT)
        for watcher in watchers:
            state = await wait_for(watcher, MessageType.SNAPSHOT, where=lambda s: s[3] == 3)
            assert state[3] == Phase.ENDED
            assert await wait_for(watcher, MessageType.RESULT) == result
            assert await wait_for_close(watcher) == CloseCode.MATCH_OVER
        assert await wait_for_close(ada) == CloseCode.MATCH_OVER

    @pytest.mark.parametrize("game_name", GAME_NAMES)
    async def test_delayed_spectators_see_the_end_later_then_close(
        self,
        arena_settings: Any,
        rules: Rules,
        connect: Connect,
        spectate: Spectate,
        game_name: str,
    ) -> None:
        arena_settings(spectator_delay=0.5)  # longer than the ended match lingers (0.3 s)
        games = lively_games(
            rules, countdown=0.2, time_limit=0.6, ended_linger=0.3, empty_timeout=0.5
        )
        async with running_engine(rules, games=games) as engine:
            match_id = await new_duel(engine, game_name)
            ada = await connect(match_id, "Ada")
            bo = await connect(match_id, "Bo")
            watcher, body = await spectating(spectate, match_id)
            assert body["delay_ms"] == 500
            result = await wait_for(ada, MessageType.RESULT)
            result_at = time.monotonic()
            assert await wait_for_close(ada) == CloseCode.MATCH_OVER
            closed_at = time.monotonic()
            assert await wait_for(watcher, MessageType.RESULT) == result
            assert time.monotonic() - result_at >= 0.35, "the result comes with its tick"
            assert follower(watcher).state.phase == Phase.ENDED  # type: ignore[union-attr]
            assert await wait_for_close(watcher) == CloseCode.MATCH_OVER
            assert time.monotonic() - closed_at >= 0.35
            await until(engine, lambda: not engine.draining, game=game_name)
            await bo.disconnect()


class TestDelayedStream:
    """Every game: a match two players play (or its turn timer plays), seen with a delay."""

    DELAY = 0.5

    @pytest.fixture
    async def delayed_engine(
        self, arena_settings: Any, rules: Rules, monkeypatch: pytest.MonkeyPatch
    ) -> AsyncIterator[EngineWorker]:
        arena_settings(spectator_delay=self.DELAY)
        no_periodic_keyframes_from_now(monkeypatch)
        async with running_engine(rules, games=lively_games(rules, time_limit=30.0)) as engine:
            yield engine

    async def lively(
        self, engine: EngineWorker, connect: Connect, game_name: str
    ) -> tuple[str, WebsocketCommunicator]:
        """A running match of the game, Ada's socket (Bo's is read in the background)."""
        match_id = await new_duel(engine, game_name)
        ada = await playing(connect, match_id)
        bo = await playing(connect, match_id, "Bo")
        self._reading = reading_in_background(lambda: next_frame(bo, 5))
        await self._reading.__aenter__()
        await ada.send_to(bytes_data=random_input(engine.games[game_name], 1))
        return match_id, ada

    @pytest.fixture(autouse=True)
    async def stop_reading(self) -> AsyncIterator[None]:
        self._reading: Any = None
        yield
        if self._reading is not None:
            await self._reading.__aexit__(None, None, None)

    @pytest.mark.parametrize("game_name", GAME_NAMES)
    async def test_frames_arrive_a_delay_after_the_players_and_at_once_on_join(
        self,
        delayed_engine: EngineWorker,
        connect: Connect,
        spectate: Spectate,
        game_name: str,
    ) -> None:
        engine = delayed_engine
        game = engine.games[game_name]
        match_id, ada = await self.lively(engine, connect, game_name)
        seen_by_ada: dict[int, tuple[float, list[Any]]] = {}  # tick -> (when, the state)

        async def ada_plays(seconds: float) -> None:
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline:
                state = await wait_for(ada, MessageType.SNAPSHOT)
                seen_by_ada[state[1]] = (time.monotonic(), state)

        await ada_plays(self.DELAY + 0.3)  # the match is older than the delay
        started = time.monotonic()
        watcher, body = await spectating(spectate, match_id)
        assert body["delay_ms"] == 500
        first = await next_frame(watcher)
        assert first[0] == MessageType.SNAPSHOT and time.monotonic() - started < 0.3
        live_tick = engine.matches[match_id].match.tick
        delay_ticks = round(self.DELAY * game.tick_rate)
        assert first[1] <= live_tick - delay_ticks + 1, "a delayed tick"
        if game.snapshots == "every_tick":
            assert live_tick - delay_ticks - 3 <= first[1]
        watched = follower(watcher).state.to_keyframe()  # type: ignore[union-attr]
        assert watched[3:] == seen_by_ada[first[1]][1][3:], "the match as Ada saw it then"

        lags: list[float] = []
        playing_on = asyncio.create_task(ada_plays(1.3))
        try:
            deadline = time.monotonic() + 1.0
            while time.monotonic() < deadline:
                state = await wait_for(watcher, MessageType.SNAPSHOT)
                if state[1] in seen_by_ada:
                    lags.append(time.monotonic() - seen_by_ada[state[1]][0])
        finally:
            await playing_on
        assert len(lags) >= 3, lags
        lags.sort()
        assert 0.4 <= lags[len(lags) // 2] <= 0.7, lags
        chain = follower(watcher)
        assert chain.keyframes - chain.keyframes_after_gaps == 1, (
            "one KEYFRAME, then DELTAs that apply to it (and a KEYFRAME only after missed ticks)"
        )

    @pytest.mark.parametrize("game_name", GAME_NAMES)
    async def test_the_delayed_stream_is_produced_once_per_match(
        self,
        delayed_engine: EngineWorker,
        connect: Connect,
        spectate: Spectate,
        game_name: str,
    ) -> None:
        engine = delayed_engine
        match_id, _ = await self.lively(engine, connect, game_name)
        watchers = [(await spectating(spectate, match_id))[0] for _ in range(3)]
        published: list[tuple[str, dict[str, Any]]] = []
        original = engine.publisher.publish

        def spy(group_messages: Any, reliable: bool = False) -> None:
            published.extend(group_messages)
            original(group_messages, reliable)

        engine.publisher.publish = spy  # type: ignore[method-assign]
        for _ in range(int(self.DELAY * engine.games[game_name].tick_rate) + 10):
            await next_tick(engine, game_name)
        delayed = [m for group, m in published if group == messages.delayed_group(match_id)]
        ticks = [m["tick"] for m in delayed if m["type"] == messages.SNAPSHOT]
        assert ticks and len(ticks) == len(set(ticks)), "one message per tick, whoever watches"
        assert all(m["delayed"] for m in delayed)
        for watcher in watchers:
            await wait_for(watcher, MessageType.SNAPSHOT, where=lambda s: s[1] >= ticks[-1])

    @pytest.mark.parametrize("game_name", GAME_NAMES)
    async def test_resync_gets_a_keyframe_of_the_delayed_tick(
        self,
        delayed_engine: EngineWorker,
        connect: Connect,
        spectate: Spectate,
        game_name: str,
    ) -> None:
        game = delayed_engine.games[game_name]
        match_id, _ = await self.lively(delayed_engine, connect, game_name)
        watcher, _ = await spectating(spectate, match_id)
        await wait_for(watcher, MessageType.SNAPSHOT)
        for _ in range(3):
            await next_snapshot(watcher)
        held = follower(watcher).state
        assert held is not None and follower(watcher).keyframes == 1
        held_tick = held.tick
        await watcher.send_to(bytes_data=msgpack.packb([MessageType.RESYNC]))
        async with asyncio.timeout(1):  # periodic KEYFRAMEs are off: this one is the catch-up
            while follower(watcher).keyframes == 1:
                frame = await next_frame(watcher)
        assert frame[0] == MessageType.SNAPSHOT and frame[1] >= held_tick
        if game.snapshots == "every_tick":
            assert frame[1] > held_tick
        after = await next_snapshot(watcher)
        if after[0] == MessageType.DELTA:
            assert after[3] == frame[1], "the delayed stream's DELTAs apply to the catch-up"
        else:  # a socket that was late missed ticks and is sent a KEYFRAME again
            assert after[1] > frame[1] + 1, "a KEYFRAME again only after missed ticks"
        for _ in range(2):
            await next_snapshot(watcher)
        assert follower(watcher).state is not None, "the chain holds"

    async def test_players_and_delayed_spectators_are_told_the_count(
        self, delayed_engine: EngineWorker, connect: Connect, spectate: Spectate
    ) -> None:
        match_id = await new_match()
        ada = await playing(connect, match_id)
        first, _ = await spectating(spectate, match_id)
        assert await wait_for(ada, MessageType.SPECTATORS) == [MessageType.SPECTATORS, 1]
        await spectating(spectate, match_id)
        await wait_for(first, MessageType.SPECTATORS, where=lambda f: f[1] == 2)
        assert await wait_for(ada, MessageType.SPECTATORS) == [MessageType.SPECTATORS, 2]


async def test_the_live_list_shows_running_matches_with_players_and_spectators(
    engine: EngineWorker, connect: Connect, spectate: Spectate
) -> None:
    busy = await new_match()
    quiet = await new_match("duel")
    empty = await new_match()
    await playing(connect, busy, "Ada")
    await playing(connect, busy, "Bo")
    await playing(connect, quiet, "Cy")
    await spectating(spectate, busy)

    async def listed() -> list[dict[str, Any]]:
        response = await AsyncClient().get("/api/matches/live")
        assert response.status_code == 200
        return response.json()["matches"]

    async def announced() -> bool:
        found = await listed()
        return [m["id"] for m in found] == [busy, quiet, empty] and found[0]["spectators"] == 1

    await until(engine, announced, max_ticks=250)
    first, second, third = await listed()
    assert set(first) == {
        "id",
        "game",
        "mode",
        "phase",
        "elapsed_ms",
        "players",
        "spectators",
        "max_spectators",
        "watch_path",
    }
    assert first["mode"] == "ffa" and first["phase"] in (Phase.WAITING, Phase.COUNTDOWN)
    assert first["elapsed_ms"] == 0, "not running yet"
    assert first["players"] == [
        {"id": 0, "name": "Ada", "score": 0, "deaths": 0},
        {"id": 1, "name": "Bo", "score": 0, "deaths": 0},
    ]
    assert (first["spectators"], first["max_spectators"]) == (1, 2000)
    assert first["watch_path"] == f"/ws/spectate/{busy}/"
    assert second["mode"] == "duel" and [p["name"] for p in second["players"]] == ["Cy"]
    assert third["players"] == [] and third["spectators"] == 0
    assert (await AsyncClient().post("/api/matches/live")).status_code == 405


async def test_the_live_list_is_most_players_first_then_newest_and_at_most_fifty(
    engine: EngineWorker,
) -> None:
    def summary(index: int, players: int) -> dict[str, Any]:
        return {
            "id": f"m{index:03}",
            "game": "shooter",
            "mode": "ffa",
            "phase": 0,
            "elapsed_ms": 0,
            "players": [
                {"id": i, "name": f"P{i}", "score": 0, "deaths": 0} for i in range(players)
            ],
            "spectators": 0,
            "max_spectators": 2000,
            "created_ms": 1_000 + index,
        }

    summaries = [summary(i, i % 3) for i in range(60)]
    await engine_registry().announce("engine-other", "arena.engine.other", 60, {}, summaries)
    response = await AsyncClient().get("/api/matches/live")
    listed = response.json()["matches"]
    assert len(listed) == 50
    expected = sorted(summaries, key=lambda m: (-len(m["players"]), -m["created_ms"]))[:50]
    assert [m["id"] for m in listed] == [m["id"] for m in expected]
    assert all("created_ms" not in m for m in listed)
    await engine_registry().withdraw("engine-other")
