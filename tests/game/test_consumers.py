"""The match consumer driven by WebsocketCommunicator against a real in-process engine worker."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import msgpack
import pytest
import redis.asyncio as aioredis
from channels.layers import get_channel_layer
from django.conf import settings

from engine import messages
from engine.games.shooter.rules import Rules
from engine.games.shooter.wire import Button, PlayerFlag
from engine.protocol import CloseCode, MessageType, Phase, ProtocolError
from engine.worker import EngineWorker
from game import consumers
from game.consumers import MatchConsumer
from game.models import MatchRecord
from game.relay import match_relay
from game.services import create_match, validate_match_request
from lobby import sockets, wiring
from lobby.presence import presence_keeper
from lobby.redis_store import RedisLobbyStore
from lobby.store import PresenceState
from lobby.tickets import issue_ticket
from lobby.wiring import lobby_store
from tests.conftest import Connect
from tests.helpers import (
    GAME_NAMES,
    SocketClosed,
    avatars,
    duel_mode,
    follower,
    next_frame,
    next_tick,
    player_entry,
    random_input,
    roster_row,
    until,
    wait_for,
    wait_for_close,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(20)]
RECONNECTING = PlayerFlag.RECONNECTING


def input_frame(seq: int, buttons: int, aim_mrad: int = 0) -> bytes:
    return msgpack.packb([MessageType.INPUT, seq, buttons, aim_mrad])


async def new_match(mode: str = "ffa", max_players: int | None = None) -> str:
    match = await create_match(validate_match_request(mode=mode, max_players=max_players))
    return str(match.id)


async def new_duel(engine: EngineWorker, game_name: str) -> str:
    """A new match of the game's two-player mode."""
    mode = duel_mode(engine.games[game_name]).name
    match = await create_match(validate_match_request(game_name, mode, 2))
    return str(match.id)


GRACE_TO_COME_BACK = 3.0  # seconds: room for a socket to come back within the grace period


async def resting_avatar(engine: EngineWorker, match: Any, game_name: str) -> list[int] | None:
    """The lerp'd fields (where it is) of player 0's avatar once it stays put from one tick to
    the next (None: the game has no avatars)."""
    schema = match.game.state
    index = next((i for i, c in enumerate(schema.collections) if c.avatars), None)
    if index is None:
        return None
    lerped = [i for i, f in enumerate(schema.collections[index].fields) if f.lerp]
    seen: list[list[int] | None] = [None]

    def place() -> list[int]:
        row = match.view().collections[index][0]
        return [row[i] for i in lerped]

    def still() -> bool:
        before, seen[0] = seen[0], place()
        return before == seen[0]

    await until(engine, still, game=game_name)
    return place()


async def test_join_sends_welcome_then_a_snapshot_every_tick(
    engine: EngineWorker, connect: Connect
) -> None:
    match_id = await new_match()
    comm = await connect(match_id, "Ada")
    welcome = await next_frame(comm)
    assert welcome[0] == MessageType.WELCOME
    body = welcome[1]
    assert body["match_id"] == match_id and body["player_id"] == 0
    assert body["tick_rate"] == engine.games["shooter"].tick_rate
    assert body["game"] == "shooter" and body["schema"]["inputs"][0]["name"] == "buttons"
    assert body["rules"]["arena"]["width"] > 0 and body["rules"]["arena"]["walls"]
    ticks = []
    for _ in range(5):
        snapshot = await wait_for(comm, MessageType.SNAPSHOT)
        ticks.append(snapshot[1])
        assert player_entry(snapshot, 0) is not None
    assert ticks == list(range(ticks[0], ticks[0] + 5)), "one snapshot per tick, none skipped"


async def test_inputs_reach_the_engine_and_move_the_player(
    engine: EngineWorker, connect: Connect
) -> None:
    comm = await connect(await new_match(), "Ada")
    await wait_for(comm, MessageType.WELCOME)
    start = player_entry(await wait_for(comm, MessageType.SNAPSHOT), 0)
    assert start is not None
    await comm.send_to(bytes_data=input_frame(1, Button.RIGHT))
    moved = await wait_for(
        comm, MessageType.SNAPSHOT, where=lambda s: player_entry(s, 0)[1] > start[1] + 50
    )
    assert player_entry(moved, 0)[2] == pytest.approx(start[2], abs=5), "only x changes"


async def test_snapshots_acknowledge_the_last_input_applied(
    engine: EngineWorker, connect: Connect
) -> None:
    comm = await connect(await new_match(), "Ada")
    await wait_for(comm, MessageType.WELCOME)
    first = player_entry(await wait_for(comm, MessageType.SNAPSHOT), 0)
    assert first is not None and first[6] == 0, "nothing acknowledged before any input"
    for seq in (3, 7):
        await comm.send_to(bytes_data=input_frame(seq, Button.RIGHT))
    await wait_for(comm, MessageType.SNAPSHOT, where=lambda s: player_entry(s, 0)[6] == 7)
    await comm.send_to(bytes_data=input_frame(5, Button.LEFT))  # older than 7: ignored
    await comm.send_to(bytes_data=input_frame(8, Button.RIGHT))
    acked = await wait_for(comm, MessageType.SNAPSHOT, where=lambda s: player_entry(s, 0)[6] != 7)
    assert player_entry(acked, 0)[6] == 8


@pytest.fixture
def reconnect_grace() -> float:
    """A short reconnect grace period, so that leaving is quick to see."""
    return 0.4


@pytest.mark.parametrize("game_name", GAME_NAMES)
async def test_players_see_each_other_and_a_leaver_waits_then_goes(
    engine: EngineWorker, connect: Connect, game_name: str
) -> None:
    match_id = await new_duel(engine, game_name)
    ada = await connect(match_id, "Ada")
    bo = await connect(match_id, "Bo")
    ada_id = (await wait_for(ada, MessageType.WELCOME))[1]["player_id"]
    bo_id = (await wait_for(bo, MessageType.WELCOME))[1]["player_id"]
    assert ada_id != bo_id
    await wait_for(ada, MessageType.SNAPSHOT, where=lambda s: roster_row(ada, bo_id) is not None)
    seen = avatars(ada)
    assert seen is None or set(seen) == {ada_id, bo_id}
    assert follower(ada).state.phase in (Phase.WAITING, Phase.COUNTDOWN)  # type: ignore[union-attr]

    await bo.disconnect()
    await wait_for(ada, MessageType.SNAPSHOT, where=lambda s: roster_row(ada, bo_id)[-1] is False)
    seen = avatars(ada)
    assert seen is None or bo_id in seen, "its avatar waits in the match"
    match = engine.matches[match_id].match
    assert match.seats[bo_id].away
    await until(engine, lambda: match.seats[bo_id].released, game=game_name)
    await wait_for(
        ada, MessageType.SNAPSHOT, where=lambda s: (avatars(ada) or {}).get(bo_id) is None
    )
    assert roster_row(ada, bo_id)[1:2] == ["Bo"] and roster_row(ada, bo_id)[-1] is False
    assert roster_row(ada, ada_id)[-1] is True
    assert len(engine.matches[match_id].seats) == 1


async def test_the_team_in_a_ticket_seats_the_player_on_it(
    engine: EngineWorker, connect: Connect
) -> None:
    match = await create_match(validate_match_request("football", "2v2", 4))
    match_id = str(match.id)
    party = [
        await connect(match_id, name, issue_ticket(match_id, f"guest:{name}", name, team=1))
        for name in ("Ada", "Bo")
    ]
    ids = [(await wait_for(comm, MessageType.WELCOME))[1]["player_id"] for comm in party]
    alone = await connect(match_id, "Cy")
    cy = (await wait_for(alone, MessageType.WELCOME))[1]["player_id"]
    seats = engine.matches[match_id].match.seats
    assert [seats[i].team for i in ids] == [1, 1], "the party plays on the team of its tickets"
    assert seats[cy].team == 0, "a ticket without a team: the smallest team"


@pytest.mark.parametrize("reconnect_grace", [GRACE_TO_COME_BACK])
@pytest.mark.parametrize("game_name", GAME_NAMES)
async def test_a_returning_player_gets_the_same_seat_back(
    engine: EngineWorker, connect: Connect, game_name: str
) -> None:
    game = engine.games[game_name]
    match_id = await new_duel(engine, game_name)
    first = await connect(match_id, "Ada", player_key="guest:ada")
    welcome = (await wait_for(first, MessageType.WELCOME))[1]
    assert welcome["ack"] == 0
    await first.send_to(bytes_data=random_input(game, 5))
    match = engine.matches[match_id].match
    await until(engine, lambda: match.seats[0].last_seq == 5, game=game_name)
    for _ in range(3):  # leave and come back, again and again
        await first.disconnect()
        await until(engine, lambda: match.seats[0].away, game=game_name)
        first = await connect(match_id, "Ada", player_key="guest:ada")
        again = (await wait_for(first, MessageType.WELCOME))[1]
        assert (again["player_id"], again["ack"]) == (0, 5)
    await wait_for(first, MessageType.SNAPSHOT)
    roster = follower(first).state.roster  # type: ignore[union-attr]
    assert [row[0] for row in roster] == [0], "one roster row, however often Ada came back"
    await first.send_to(bytes_data=random_input(game, 5))  # already applied: ignored
    await first.send_to(bytes_data=random_input(game, 6))
    await until(engine, lambda: match.seats[0].last_seq == 6, game=game_name)


@pytest.mark.parametrize("reconnect_grace", [GRACE_TO_COME_BACK])
@pytest.mark.parametrize("game_name", GAME_NAMES)
async def test_a_player_back_within_the_grace_period_finds_its_place_as_it_left_it(
    engine: EngineWorker, connect: Connect, game_name: str
) -> None:
    game = engine.games[game_name]
    match_id = await new_duel(engine, game_name)
    ada = await connect(match_id, "Ada", player_key="guest:ada")
    await wait_for(ada, MessageType.WELCOME)
    await ada.send_to(bytes_data=random_input(game, 1))
    match = engine.matches[match_id].match
    await until(engine, lambda: match.seats[0].last_seq == 1, game=game_name)
    await ada.disconnect()
    await until(engine, lambda: match.seats[0].away, game=game_name)
    waited = await resting_avatar(engine, match, game_name)  # an away player's avatar is idle
    columns = list(match.sim.roster_columns(match.seats[0]))
    ada = await connect(match_id, "Ada", player_key="guest:ada")
    welcome = (await wait_for(ada, MessageType.WELCOME))[1]
    assert (welcome["player_id"], welcome["ack"]) == (0, 1)
    await wait_for(ada, MessageType.SNAPSHOT, where=lambda s: roster_row(ada, 0)[-1] is True)
    roster = follower(ada).state.roster  # type: ignore[union-attr]
    assert [row[0] for row in roster] == [0]
    teams = 1 if match.mode.teams else 0
    assert roster_row(ada, 0)[2 + teams : -1] == columns, "its numbers as it left them"
    if waited is not None:
        schema = follower(ada).schema
        avatar = next(c for c in schema.collections if c.avatars)  # type: ignore[union-attr]
        row = avatars(ada)[0]  # type: ignore[index]
        assert [v for f, v in zip(avatar.fields, row, strict=True) if f.lerp] == waited


@pytest.mark.parametrize("game_name", GAME_NAMES)
async def test_after_the_grace_period_the_seat_is_released_and_the_player_told(
    engine: EngineWorker, connect: Connect, game_name: str
) -> None:
    match_id = await new_duel(engine, game_name)
    ada = await connect(match_id, "Ada", player_key="guest:ada")
    await wait_for(ada, MessageType.WELCOME)
    await ada.disconnect()
    match = engine.matches[match_id].match
    await until(engine, lambda: match.seats[0].released, game=game_name)
    again = await connect(match_id, "Ada", player_key="guest:ada")
    assert await wait_for_close(again) == CloseCode.SEAT_RELEASED


async def test_a_socket_closed_before_its_seat_reply_still_frees_the_seat(
    engine: EngineWorker, connect: Connect
) -> None:
    match_id = await new_match("duel")
    first = await connect(match_id, "Ada")
    await first.disconnect()  # may beat the engine's JOINED reply
    match = engine.matches[match_id].match
    await until(engine, lambda: match.seats and not match.connected_count)  # after the grace
    ada = await connect(match_id, "Ada")
    bo = await connect(match_id, "Bo")
    await wait_for(ada, MessageType.WELCOME)
    await wait_for(bo, MessageType.WELCOME)


async def test_an_unknown_or_malformed_match_id_is_not_found(
    engine: EngineWorker, connect: Connect
) -> None:
    for match_id in (str(uuid.uuid4()), "not-a-uuid"):
        comm = await connect(match_id, ticket="whatever")
        assert await wait_for_close(comm) == CloseCode.MATCH_NOT_FOUND


@pytest.mark.parametrize(
    ("ticket", "code"),
    [
        ("", CloseCode.TICKET_INVALID),
        ("garbage", CloseCode.TICKET_INVALID),
        ("forged", CloseCode.TICKET_INVALID),
        ("other-match", CloseCode.TICKET_WRONG_MATCH),
    ],
)
async def test_bad_tickets_close_with_their_code_and_take_no_seat(
    engine: EngineWorker, connect: Connect, ticket: str, code: CloseCode
) -> None:
    match_id = await new_match("duel")
    tokens = {
        "forged": issue_ticket(match_id, "guest:x", "Eve")[:-3] + "AAA",
        "other-match": issue_ticket(await new_match(), "guest:x", "Eve"),
    }
    comm = await connect(match_id, ticket=tokens.get(ticket, ticket))
    assert await wait_for_close(comm) == code
    for name in ("Ada", "Bo"):  # both seats are still free
        await wait_for(await connect(match_id, name), MessageType.WELCOME)


async def test_an_expired_ticket_is_refused(
    engine: EngineWorker, connect: Connect, arena_settings
) -> None:
    arena_settings(ticket_ttl=-1)
    comm = await connect(await new_match())
    assert await wait_for_close(comm) == CloseCode.TICKET_EXPIRED


async def test_a_new_socket_of_the_same_player_takes_the_seat_over_and_closes_the_old(
    engine: EngineWorker, connect: Connect
) -> None:
    match_id = await new_match()
    old = await connect(match_id, "Ada", player_key="guest:ada")
    ada_id = (await wait_for(old, MessageType.WELCOME))[1]["player_id"]
    await old.send_to(bytes_data=input_frame(4, Button.RIGHT))
    await wait_for(old, MessageType.SNAPSHOT, where=lambda s: player_entry(s, ada_id)[6] == 4)

    new = await connect(match_id, "Ada", player_key="guest:ada")  # a new ticket, a new socket
    welcome = (await wait_for(new, MessageType.WELCOME))[1]
    assert (welcome["player_id"], welcome["ack"]) == (ada_id, 4), "the same seat, taken over"
    assert await wait_for_close(old) == CloseCode.REPLACED
    await old.disconnect()  # the old socket's goodbye must not free the new socket's places

    live = engine.matches[match_id]
    presence = await lobby_store().presence("guest:ada", time.time())
    assert presence is not None and presence.state == PresenceState.MATCH
    assert list(live.seats) == [presence.channel], "the new socket owns seat and presence"
    assert live.seats[presence.channel] == ada_id
    for _ in range(5):  # the old socket's LEAVE has reached the engine by now
        await next_tick(engine)
        assert not live.match.seats[ada_id].away
    snapshot = await wait_for(new, MessageType.SNAPSHOT)
    assert not player_entry(snapshot, ada_id)[5] & RECONNECTING
    assert [row[0] for row in snapshot[8]] == [ada_id], "one roster row for Ada"
    await new.send_to(bytes_data=input_frame(5, Button.LEFT))
    await wait_for(new, MessageType.SNAPSHOT, where=lambda s: player_entry(s, ada_id)[6] == 5)


async def test_a_player_in_another_match_is_refused(engine: EngineWorker, connect: Connect) -> None:
    first = await connect(await new_match(), "Ada", player_key="guest:ada")
    await wait_for(first, MessageType.WELCOME)
    second = await connect(await new_match(), "Ada", player_key="guest:ada")
    assert await wait_for_close(second) == CloseCode.ALREADY_CONNECTED
    await wait_for(first, MessageType.SNAPSHOT)  # the first match plays on


async def test_a_full_match_refuses_the_next_player(engine: EngineWorker, connect: Connect) -> None:
    match_id = await new_match("duel")
    for name in ("Ada", "Bo"):
        await wait_for(await connect(match_id, name), MessageType.WELCOME)
    third = await connect(match_id, "Cy")
    assert await wait_for_close(third) == CloseCode.MATCH_FULL


async def test_a_match_that_is_over_refuses_players(engine: EngineWorker, connect: Connect) -> None:
    match_id = await new_match()
    await MatchRecord.objects.filter(id=match_id).aupdate(status=MatchRecord.Status.OVER)
    assert await wait_for_close(await connect(match_id)) == CloseCode.MATCH_OVER


async def test_an_engine_that_never_answers_closes_with_engine_unavailable(
    engine: EngineWorker, connect: Connect, arena_settings
) -> None:
    arena_settings(join_timeout=0.3)
    match_id = await new_match()
    await MatchRecord.objects.filter(id=match_id).aupdate(engine_channel="arena.engine.nobody")
    assert await wait_for_close(await connect(match_id)) == CloseCode.ENGINE_UNAVAILABLE


async def test_a_socket_whose_match_was_taken_over_unheard_asks_its_new_owner(
    engine: EngineWorker, connect: Connect, arena_settings
) -> None:
    arena_settings(join_timeout=0.3)
    match_id = await new_match()
    comm = await connect(match_id)
    assert (await next_frame(comm))[0] == MessageType.WELCOME
    # another worker took the match over while this process could not hear its MOVED: only
    # the match's record says where it went, and this process's worker gave the match up
    layer = get_channel_layer()
    new_owner = await layer.new_channel("arena.engine.")
    await MatchRecord.objects.filter(id=match_id).aupdate(engine_channel=new_owner)
    match_relay(layer).released(match_id)
    async with asyncio.timeout(3):
        asked = await layer.receive(new_owner)
    assert (asked["type"], asked["match_id"]) == (messages.JOIN, match_id)


async def test_a_socket_whose_match_was_released_to_nobody_closes_with_engine_unavailable(
    engine: EngineWorker, connect: Connect, arena_settings
) -> None:
    arena_settings(join_timeout=0.2)
    match_id = await new_match()
    comm = await connect(match_id)
    assert (await next_frame(comm))[0] == MessageType.WELCOME
    match_relay(get_channel_layer()).released(match_id)  # and no worker took it over
    assert await wait_for_close(comm, timeout=5) == CloseCode.ENGINE_UNAVAILABLE


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ({"text_data": "hello"}, CloseCode.BINARY_ONLY),
        ({"bytes_data": b"\xc1"}, CloseCode.PROTOCOL_ERROR),
        ({"bytes_data": msgpack.packb({"type": 1})}, CloseCode.PROTOCOL_ERROR),
        ({"bytes_data": msgpack.packb([99])}, CloseCode.PROTOCOL_ERROR),
        ({"bytes_data": msgpack.packb([1, 1, 64, 0])}, CloseCode.PROTOCOL_ERROR),
        ({"bytes_data": msgpack.packb([1, 1, 1, 5000])}, CloseCode.PROTOCOL_ERROR),
        ({"bytes_data": msgpack.packb([1, -1, 1, 0])}, CloseCode.PROTOCOL_ERROR),
        ({"bytes_data": msgpack.packb([1, "1", 1, 0])}, CloseCode.PROTOCOL_ERROR),
        ({"bytes_data": msgpack.packb([1, True, 1, 0])}, CloseCode.PROTOCOL_ERROR),
        ({"bytes_data": msgpack.packb([2, 1, 2])}, CloseCode.PROTOCOL_ERROR),
        ({"bytes_data": bytes(100)}, CloseCode.FRAME_TOO_LARGE),
    ],
    ids=[
        "text",
        "not-msgpack",
        "map",
        "unknown-type",
        "buttons-range",
        "aim-range",
        "negative-seq",
        "string-seq",
        "bool-seq",
        "ping-arity",
        "too-large",
    ],
)
async def test_bad_frames_close_with_a_code_and_never_reach_the_engine(
    engine: EngineWorker, connect: Connect, frame: dict, code: CloseCode
) -> None:
    match_id = await new_match()
    bad = await connect(match_id, "Mallory")
    good = await connect(match_id, "Ada")
    await wait_for(bad, MessageType.WELCOME)
    await wait_for(good, MessageType.WELCOME)
    await bad.send_to(**frame)
    assert await wait_for_close(bad) == code
    # the other player keeps playing
    await wait_for(good, MessageType.SNAPSHOT)
    await wait_for(good, MessageType.SNAPSHOT)


async def test_flooding_is_rate_limited_then_closed(engine: EngineWorker, connect: Connect) -> None:
    comm = await connect(await new_match(), "Flood")
    await wait_for(comm, MessageType.WELCOME)
    for seq in range(1, 400):
        await comm.send_to(bytes_data=input_frame(seq, 0))
    assert await wait_for_close(comm) == CloseCode.RATE_LIMITED


async def test_excess_frames_are_dropped_and_the_client_told(
    engine: EngineWorker, connect: Connect
) -> None:
    match_id = await new_match()
    comm = await connect(match_id, "Eager")
    await wait_for(comm, MessageType.WELCOME)
    burst = settings.ARENA.input_burst
    for seq in range(1, burst + 21):  # the burst passes, 20 more within a few ms do not
        await comm.send_to(bytes_data=input_frame(seq, Button.RIGHT))
    throttled = await wait_for(comm, MessageType.THROTTLED)
    assert throttled[1] >= 1 and throttled[2] == int(settings.ARENA.input_rate)
    # still connected, and only the frames within the bucket reached the engine
    snapshot = await wait_for(
        comm, MessageType.SNAPSHOT, where=lambda s: player_entry(s, 0)[6] >= burst
    )
    assert player_entry(snapshot, 0)[6] < burst + 20
    assert engine.matches[match_id].match.seats[0].last_seq < burst + 20


async def test_ping_gets_a_pong_with_the_same_nonce(engine: EngineWorker, connect: Connect) -> None:
    comm = await connect(await new_match(), "Ada")
    await wait_for(comm, MessageType.WELCOME)
    await comm.send_to(bytes_data=msgpack.packb([MessageType.PING, 12345]))
    pong = await wait_for(comm, MessageType.PONG)
    assert pong[1] == 12345 and pong[2] > 1_600_000_000_000


async def test_frames_before_welcome_are_ignored(engine: EngineWorker, connect: Connect) -> None:
    comm = await connect(await new_match(), "Early")
    await comm.send_to(bytes_data=input_frame(1, Button.RIGHT))
    first = await next_frame(comm)
    assert first[0] == MessageType.WELCOME, "WELCOME is always the first frame"


async def test_snapshot_flags_show_alive_players(engine: EngineWorker, connect: Connect) -> None:
    comm = await connect(await new_match(), "Ada")
    await wait_for(comm, MessageType.WELCOME)
    snapshot = await wait_for(comm, MessageType.SNAPSHOT)
    entry = player_entry(snapshot, 0)
    assert entry is not None and entry[5] & PlayerFlag.ALIVE and entry[4] > 0


async def test_closing_is_clean_when_the_engine_stops(
    engine: EngineWorker, connect: Connect
) -> None:
    comm = await connect(await new_match(), "Ada")
    await wait_for(comm, MessageType.WELCOME)
    await engine.stop()
    with pytest.raises(SocketClosed) as closed:
        while True:
            await next_frame(comm)
    assert closed.value.code == CloseCode.GOING_AWAY


async def test_first_snapshot_is_a_keyframe_and_deltas_follow(
    engine: EngineWorker, connect: Connect
) -> None:
    comm = await connect(await new_match(), "Ada")
    await wait_for(comm, MessageType.WELCOME)
    kinds = [(await next_frame(comm))[0] for _ in range(6)]
    assert kinds[0] == MessageType.SNAPSHOT
    assert MessageType.DELTA in kinds[1:]
    assert follower(comm).state is not None  # every DELTA applied to the tick it named


async def test_resync_makes_the_next_snapshot_a_keyframe(
    engine: EngineWorker, connect: Connect
) -> None:
    comm = await connect(await new_match(), "Ada")
    await wait_for(comm, MessageType.WELCOME)
    await next_frame(comm)
    for _ in range(5):
        await comm.send_to(bytes_data=msgpack.packb([MessageType.RESYNC]))
        kinds = [(await next_frame(comm))[0] for _ in range(3)]
        # one snapshot may already be on its way; the periodic keyframe is 50 ticks apart
        assert MessageType.SNAPSHOT in kinds, kinds


async def test_keyframes_come_once_a_second_and_when_a_socket_asks(
    engine: EngineWorker, connect: Connect
) -> None:
    comm = await connect(await new_match(), "Ada")
    await wait_for(comm, MessageType.WELCOME)
    await next_frame(comm)
    published: list[dict[str, Any]] = []
    original = engine.publisher.publish

    def spy(group_messages: Any, reliable: bool = False) -> None:
        published.extend(m for _, m in group_messages if m["type"] == "match.snapshot")
        original(group_messages, reliable)

    engine.publisher.publish = spy  # type: ignore[method-assign]
    for _ in range(10):
        await next_frame(comm)
    plain = [m for m in published if m["delta"] is not None]
    assert plain and all(m["keyframe"] is None for m in plain), "no KEYFRAME encoded needlessly"
    await comm.send_to(bytes_data=msgpack.packb([MessageType.RESYNC]))
    kinds = [(await next_frame(comm))[0] for _ in range(4)]
    assert MessageType.SNAPSHOT in kinds  # asked of the engine, which encoded one


@pytest.mark.parametrize("rules", [Rules(tick_rate=50, countdown=0.1)])
async def test_leave_gives_the_seat_up_at_once_and_the_opponent_wins_by_forfeit(
    engine: EngineWorker, connect: Connect
) -> None:
    match_id = await new_match("duel")
    ada = await connect(match_id, "Ada", player_key="guest:ada")
    bo = await connect(match_id, "Bo", player_key="guest:bo")
    await wait_for(ada, MessageType.WELCOME)
    await wait_for(bo, MessageType.WELCOME)
    await wait_for(bo, MessageType.SNAPSHOT, where=lambda s: s[3] == Phase.RUNNING)
    await ada.send_to(bytes_data=msgpack.packb([MessageType.LEAVE]))
    assert await wait_for_close(ada) == CloseCode.NORMAL
    assert await lobby_store().presence("guest:ada", time.time()) is None, "free to queue"
    result = (await wait_for(bo, MessageType.RESULT))[1]
    assert (result["reason"], result["winner_id"]) == ("forfeit", 1)
    assert [row[1] for row in result["standings"]] == ["Bo", "Ada"]


@pytest.mark.parametrize("reconnect_grace", [GRACE_TO_COME_BACK])
@pytest.mark.parametrize("game_name", GAME_NAMES)
async def test_a_dropped_player_keeps_its_lobby_place_as_a_reserved_seat(
    engine: EngineWorker, connect: Connect, game_name: str
) -> None:
    match_id = await new_duel(engine, game_name)
    ada = await connect(match_id, "Ada", player_key="guest:ada")
    await wait_for(ada, MessageType.WELCOME)
    await ada.disconnect()  # dropped, not LEAVE
    held = await lobby_store().presence("guest:ada", time.time())
    assert held is not None and (held.state, held.channel, held.match_id) == (
        PresenceState.MATCH,
        "",
        match_id,
    )
    back = await connect(match_id, "Ada", player_key="guest:ada")
    assert (await wait_for(back, MessageType.WELCOME))[1]["player_id"] == 0


@pytest.mark.redis
async def test_a_match_socket_puts_back_the_place_the_lobby_store_lost(
    engine: EngineWorker,
    connect: Connect,
    monkeypatch: pytest.MonkeyPatch,
    redis_url: str,
    redis_prefix: str,
) -> None:
    client = aioredis.Redis.from_url(redis_url)
    store = RedisLobbyStore(client, redis_prefix)
    for module in (consumers, sockets, wiring):
        monkeypatch.setattr(module, "lobby_store", lambda: store)
    match_id = await new_match()
    ada = await connect(match_id, "Ada", player_key="guest:ada")
    try:
        await wait_for(ada, MessageType.WELCOME)
        assert await client.hdel(f"{redis_prefix}:lobby:presence", "guest:ada") == 1  # a failover

        keeper = presence_keeper(sockets._touch_many, wiring.PRESENCE_REFRESH)
        lapsed = keeper.lapsed
        assert len(await keeper.refresh_now()) == 1
        assert keeper.lapsed == lapsed + 1

        async def restored() -> bool:
            return await store.presence("guest:ada", time.time()) is not None

        await until(engine, restored)
        presence = await store.presence("guest:ada", time.time())
        assert presence is not None
        assert (presence.state, presence.match_id) == (PresenceState.MATCH, match_id)
        assert presence.channel != "", "owned by the live match socket, not a reserved seat"
        assert await keeper.refresh_now() == [], "the socket refreshes its place again"
    finally:
        await ada.disconnect()
        await client.aclose()


def test_a_closing_match_socket_does_not_restore_a_lost_place() -> None:
    socket = MatchConsumer.__new__(MatchConsumer)
    socket.player_key, socket.closing = "guest:ada", True
    assert socket._presence_gone() is None


def test_an_input_before_the_socket_knows_its_game_is_checked_for_integers_only() -> None:
    socket = MatchConsumer.__new__(MatchConsumer)  # its match not looked up yet
    assert socket.decode_frame(input_frame(1, 9_999, 123_456)).seq == 1  # ignored before WELCOME
    with pytest.raises(ProtocolError):
        socket.decode_frame(msgpack.packb([MessageType.INPUT, 1, "left"]))
