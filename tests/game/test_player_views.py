"""Per-player views through the real sockets: with the shooter's fog of war each player's socket
is sent only what its player may see (engine.views), a spectator the whole state."""

from __future__ import annotations

from typing import Any

import pytest

from engine.games.shooter.rules import Rules
from engine.protocol import MessageType
from engine.worker import EngineWorker
from tests.conftest import Connect, running_engine
from tests.game.test_consumers import new_match
from tests.game.test_spectators import Spectate, spectate  # noqa: F401 - the fixture
from tests.helpers import avatars, next_frame, next_tick, wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(20)]

FOG_RADIUS = 250.0


@pytest.fixture
def rules() -> Rules:
    """Fog of war; the two spawn points far apart (1,400 u) on a row without walls; a countdown
    longer than the test (its end respawns every ship)."""
    return Rules(
        tick_rate=50,
        countdown=30.0,
        fog_radius=FOG_RADIUS,
        spawn_points=((100.0, 250.0), (1500.0, 250.0)),
        spawn_protection=0.0,
    )


async def frames_until(comm: object, engine: EngineWorker, ticks: int) -> None:
    """Read the socket's snapshots for ``ticks`` ticks of the engine."""
    for _ in range(ticks):
        await next_tick(engine)
    for _ in range(ticks):
        await next_frame(comm)  # type: ignore[arg-type]


async def until_held(comm: object, ids: set[int], frames: int = 100) -> None:
    """Read the socket's frames until the avatars it holds are ``ids``."""
    for _ in range(frames):
        if set(avatars(comm) or {}) == ids:
            return
        await next_frame(comm)  # type: ignore[arg-type]
    raise AssertionError(f"the socket holds {set(avatars(comm) or {})}, not {ids}")


async def test_players_are_sent_only_what_they_see_and_spectators_everything(
    engine: EngineWorker,
    connect: Connect,
    spectate: Spectate,  # noqa: F811
) -> None:
    match_id = await new_match("duel")
    ada = await connect(match_id, "Ada")
    await wait_for(ada, MessageType.WELCOME)
    bo = await connect(match_id, "Bo")
    await wait_for(bo, MessageType.WELCOME)
    watcher = await spectate(match_id)
    await wait_for(watcher, MessageType.SPECTATING)
    for comm in (ada, bo, watcher):
        await frames_until(comm, engine, 5)
    assert set(avatars(ada) or {}) == {0}, "Bo is 1,400 u away: in the fog"
    assert set(avatars(bo) or {}) == {1}
    assert set(avatars(watcher) or {}) == {0, 1}, "a spectator sees everything"

    hosted = engine.matches[match_id]
    ships = hosted.match.sim.ships  # type: ignore[attr-defined]
    near = 200.0 if ships[0].x < 800.0 else -200.0  # Ada spawned at one end or the other
    ships[1].x, ships[1].y = ships[0].x + near, ships[0].y  # Bo comes within Ada's sight
    await until_held(ada, {0, 1})  # a DELTA brought him
    await until_held(bo, {0, 1})
    ships[1].x = ships[0].x + 6 * near  # 1,200 u away, towards the other end
    await until_held(ada, {0})  # and took him away again
    await until_held(bo, {1})


async def test_a_delayed_spectator_sees_everything_while_players_see_their_views(
    arena_settings: Any,
    rules: Rules,
    connect: Connect,
    spectate: Spectate,  # noqa: F811
) -> None:
    arena_settings(spectator_delay=0.2)
    async with running_engine(rules) as engine:
        match_id = await new_match("duel")
        ada = await connect(match_id, "Ada")
        await wait_for(ada, MessageType.WELCOME)
        bo = await connect(match_id, "Bo")
        await wait_for(bo, MessageType.WELCOME)
        watcher = await spectate(match_id)
        spectating = await wait_for(watcher, MessageType.SPECTATING)
        assert spectating[1]["delay_ms"] == 200
        for comm in (ada, watcher):
            await frames_until(comm, engine, 15)
        assert set(avatars(ada) or {}) == {0}
        assert set(avatars(watcher) or {}) == {0, 1}, "the delayed stream is the whole state"
