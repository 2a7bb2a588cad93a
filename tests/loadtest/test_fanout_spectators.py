"""The fan-out bench's spectators (``--spectators N``, ``--compare``): sockets, report, table.

The load client's grouping is checked against a small in-process WebSocket server that speaks
just enough of the protocol (WELCOME or SPECTATING, then snapshot heads every tick), so no
server stack is started.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from pathlib import Path
from typing import Any

import msgpack
import pytest
from websockets.asyncio.server import ServerConnection, serve

from loadtest import fanout
from loadtest.frames import padded_frame
from loadtest.loadclient import PLAYER, SPECTATOR, LoadClient, LoadClientError, LoadJob, SocketSpec
from loadtest.realstack import player_sockets, sockets_per_web, spectator_sockets
from loadtest.setups import FanoutOptions, Target, real_stack
from loadtest.table import format_comparison, format_header, format_table

WEBS = ["http://127.0.0.1:9001", "http://127.0.0.1:9002"]


def parse(*argv: str) -> FanoutOptions:
    parser = argparse.ArgumentParser()
    fanout.add_arguments(parser)
    return fanout.options_from(parser.parse_args(list(argv)))


def test_spectator_options_are_checked() -> None:
    options = parse("--only", "real", "--spectators", "1000", "--compare")
    assert options.spectators == 1000 and options.compare
    assert parse().spectators == 0
    for argv in (
        ["--spectators", "-1"],
        ["--only", "ceiling,floor", "--spectators", "10"],  # only the real setup has them
        ["--only", "real", "--compare"],  # nothing to compare
    ):
        with pytest.raises(SystemExit):
            parse(*argv)


def test_compare_runs_the_real_setup_without_spectators_first() -> None:
    options = FanoutOptions(only=("real", "ceiling"), spectators=1000, compare=True)
    runs = [(column, name, o.spectators) for column, name, o in fanout.planned_runs(options)]
    assert runs == [
        (fanout.WITHOUT_SPECTATORS, "real", 0),
        ("real", "real", 1000),
        ("ceiling", "ceiling", 1000),
    ]
    plain = FanoutOptions(only=("real",), spectators=1000)
    assert [column for column, _, _ in fanout.planned_runs(plain)] == ["real"]


def test_spectators_watch_the_first_match_spread_over_the_web_processes() -> None:
    sockets = spectator_sockets("m1", 5, WEBS)
    assert [s.role for s in sockets] == [SPECTATOR] * 5
    assert sockets[0].url == "ws://127.0.0.1:9001/ws/spectate/m1/"
    assert sockets[1].url == "ws://127.0.0.1:9002/ws/spectate/m1/"
    assert sockets[1].headers == {"Origin": WEBS[1]}
    players = player_sockets([("m1", None), ("m2", None), ("m3", None)], 17, WEBS, "run")
    bases = {"web-1": WEBS[0], "web-2": WEBS[1]}
    assert sockets_per_web(bases, players + sockets) == {"web-1": 9 + 3, "web-2": 8 + 2}


def test_the_first_matchs_players_are_marked_watched() -> None:
    players = player_sockets([("m1", None), ("m2", None)], 12, WEBS, "run")
    assert [s.watched for s in players] == [True] * 8 + [False] * 4
    assert {s.role for s in players} == {PLAYER}
    assert "/ws/match/m1/?ticket=" in players[7].url and "/ws/match/m2/" in players[8].url


def test_players_of_a_hosted_match_all_go_to_the_process_that_hosts_it() -> None:
    hosted = [
        ("m1", "ws://127.0.0.1:9002/ws/match/m1/"),
        ("m2", "ws://127.0.0.1:9001/ws/match/m2/"),
    ]
    players = player_sockets(hosted, 16, WEBS, "run")
    assert {s.url.split("/ws/")[0] for s in players[:8]} == {"ws://127.0.0.1:9002"}
    assert {s.url.split("/ws/")[0] for s in players[8:]} == {"ws://127.0.0.1:9001"}
    assert players[0].headers == {"Origin": "http://127.0.0.1:9002"}


def test_many_spectators_raise_the_servers_cap_unless_the_server_env_sets_it(
    tmp_path: Path,
) -> None:
    assert "ARENA_MAX_SPECTATORS" not in real_stack(tmp_path, FanoutOptions(spectators=2000)).env
    env = real_stack(tmp_path, FanoutOptions(spectators=3000)).env
    assert env["ARENA_MAX_SPECTATORS"] == "3000"
    mine = FanoutOptions(spectators=3000, server_env={"ARENA_MAX_SPECTATORS": "10"})
    assert real_stack(tmp_path, mine).env["ARENA_MAX_SPECTATORS"] == "10"


def _group(clients: int, connected: int, p99: float, fraction: float = 1.0, **extra: Any):
    return {
        "clients": clients,
        "open_now": connected,
        "dropped": clients - connected,
        "failed": 0,
        "frames_per_s": round(clients * 20 * fraction),
        "delivered_fraction": fraction,
        "latency_ms": {"count": 100, "p50": p99 / 2, "p99": p99, "max": p99 + 5},
        "jitter_ms": {"p99": 3.0},
        "gap_ms": {"max": 70.0},
        **extra,
    }


def _real_report(players_p99: float, watched_p99: float, spectators: int) -> dict[str, Any]:
    target = Target(
        [SocketSpec("ws://a")] * (16 + spectators),
        {"web-1": 1},
        {"web-1": 16 + spectators},
        input_rate=2.0,
        web_urls={"web-1": "http://127.0.0.1:9001"},
    )
    result = {
        "phase": "measuring",
        "window_s": 10.0,
        **_group(16, 16, players_p99),
        "watched_players": _group(8, 8, watched_p99),
    }
    if spectators:
        result["spectators"] = _group(spectators, spectators - 1, 30.0, fraction=0.99)
    options = FanoutOptions(clients=16, spectators=spectators)
    return fanout.summarize(target, result, {}, {}, {}, {}, options)


def test_spectators_and_the_watched_match_are_reported_apart_from_the_players() -> None:
    real = _real_report(20.0, 24.0, spectators=4)
    assert real["clients"] == 16 and real["connected"] == 16 and real["dropped"] == 0
    assert real["latency_ms"]["p99"] == 20.0
    assert real["spectators"]["clients"] == 4 and real["spectators"]["connected"] == 3
    assert real["spectators"]["dropped"] == 1
    assert real["spectators"]["latency_ms"]["p99"] == 30.0
    assert real["watched_players"]["latency_ms"]["p99"] == 24.0
    without = _real_report(20.0, 24.0, spectators=0)
    assert "spectators" not in without and without["watched_players"]["clients"] == 8

    lines = format_table({"real": real}).splitlines()
    rows = {line.split("  ")[0].strip(): line.split() for line in lines}
    assert rows["clients connected"][-1] == "16/16"
    assert rows["spectators connected"][-1] == "3/4"
    assert rows["spectators frames/s delivered (of N×rate)"][-2:] == ["79", "(99.0%)"]
    assert rows["spectators latency ms p50/p99/max"][-5:] == ["15.0", "/", "30.0", "/", "35.0"]
    assert rows["spectators dropped sockets"][-1] == "1"
    assert rows["watched match players latency ms p50/p99/max"][-3] == "24.0"
    # a table without spectators keeps its rows
    assert not any(
        line.startswith(("spectators", "watched"))
        for line in format_table({"real": without}).splitlines()
    )
    header = format_header({"options": {"clients": 16, "spectators": 4, "compare": True}})
    assert "4 spectators of one match (compared with a run without)" in header


def test_compare_reports_the_players_p99_change_against_the_goal() -> None:
    without = _real_report(20.0, 24.0, spectators=0)
    comparison = fanout.compare_spectators(without, _real_report(21.5, 30.0, spectators=4))
    assert comparison["players_p99"] == {
        "without_ms": 20.0,
        "with_ms": 21.5,
        "change_percent": 7.5,
        "within_goal": True,
    }
    assert comparison["watched_players_p99"]["change_percent"] == 25.0
    assert comparison["watched_players_p99"]["within_goal"] is False
    assert comparison["spectators"]["connected"] == 3
    text = format_comparison(comparison).splitlines()
    assert text[0] == (
        "players' latency p99: 20.0 ms without, 21.5 ms with spectators: +7.5% "
        "(goal: at most +10%) ok"
    )
    assert text[1].endswith("+25.0% (goal: at most +10%) NOT within the goal")
    assert text[2] == (
        "spectators: 3/4 connected, 99.0% of frames delivered, latency p99 30.0 ms, 1 dropped"
    )
    assert fanout.compare_spectators(without, {"error": "boom"}) == {"error": "a run failed"}


# ---- the load client against a stand-in server ----------------------------------------------

TICK_S = 0.05
DELAY_MS = 300  # the stand-in spectators' stream delay: their frames are this much older


async def _stand_in(ws: ServerConnection, received: dict[str, int]) -> None:
    """WELCOME (players) or SPECTATING (spectators), then a snapshot head every tick; the
    spectator of /ws/spectate/drop/ is closed with 4015 after a few ticks."""
    path = ws.request.path if ws.request else ""
    spectator = path.startswith("/ws/spectate/")
    if spectator:
        await ws.send(msgpack.packb([17, {"delay_ms": DELAY_MS, "spectators": 1}]))
    else:
        await ws.send(msgpack.packb([10, {"player_id": 1}]))

    async def count() -> None:
        async for _ in ws:
            received[path] = received.get(path, 0) + 1

    reader = asyncio.create_task(count())
    try:
        for tick in range(1, 10_000):
            late = DELAY_MS if spectator else 0
            await ws.send(padded_frame(tick, int(time.time() * 1000) - late, 60))
            if path == "/ws/spectate/drop/" and tick == 3:
                await ws.close(4015, "too slow")
                return
            await asyncio.sleep(TICK_S)
    except Exception:  # the client closed
        return
    finally:
        reader.cancel()


@pytest.mark.timeout(30)
async def test_the_load_client_reports_players_spectators_and_the_watched_match_apart(
    tmp_path: Path,
) -> None:
    received: dict[str, int] = {}
    async with serve(lambda ws: _stand_in(ws, received), "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        base = f"ws://127.0.0.1:{port}"
        sockets = [SocketSpec(f"{base}/ws/match/m1/?p={i}", watched=i < 2) for i in range(4)] + [
            SocketSpec(f"{base}/ws/spectate/m1/", role=SPECTATOR),
            SocketSpec(f"{base}/ws/spectate/m1/", role=SPECTATOR),
            SocketSpec(f"{base}/ws/spectate/drop/", role=SPECTATOR),
        ]
        job = LoadJob(sockets, ramp=1000, warmup_s=0.3, duration_s=1.5, input_rate=10)

        def run() -> dict[str, Any]:
            client = LoadClient(job, tmp_path / "client.log")
            client.start()
            try:
                return client.wait_for("result", 20)
            finally:
                client.stop()

        result = await asyncio.to_thread(run)

    assert result["phase"] == "measuring", result
    assert result["clients"] == 4 and result["open_now"] == 4 and result["dropped"] == 0
    assert result["inputs_sent"] > 0
    assert result["delivered_fraction"] > 0.5
    spectators = result["spectators"]
    assert spectators["clients"] == 3 and spectators["open_now"] == 2
    assert spectators["dropped"] == 1 and spectators["close_codes"] == {"4015": 1}
    assert spectators["frames"] > 0
    # the stream's delay is taken out: the stand-in sends at once, so latency is small
    assert spectators["latency_ms"]["p50"] < DELAY_MS / 2, spectators["latency_ms"]
    assert spectators["jitter_ms"]["count"] > 0
    watched = result["watched_players"]
    assert watched["clients"] == 2 and 0 < watched["frames"] < result["frames"]
    # spectators send nothing: the stand-in heard only from players
    assert received and all(path.startswith("/ws/match/") for path in received)


def test_an_isolated_run_hands_back_its_error(tmp_path: Path) -> None:
    # --compare runs each real setup in a process of its own (Django is set up once per process)
    with pytest.raises(RuntimeError, match="KeyError: 'no-such-setup'"):
        fanout.run_setup_isolated("no-such-setup", FanoutOptions(), tmp_path / "run")


@pytest.mark.timeout(30)
async def test_a_client_told_to_wait_measures_when_asked(tmp_path: Path) -> None:
    """The spectators' load client starts its window when the players' client starts its own."""
    received: dict[str, int] = {}
    async with serve(lambda ws: _stand_in(ws, received), "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        spectator = SocketSpec(f"ws://127.0.0.1:{port}/ws/spectate/m1/", role=SPECTATOR)
        job = LoadJob([spectator], ramp=1000, warmup_s=0.1, duration_s=0.5, measure_on_command=True)

        def run() -> tuple[dict[str, Any], float]:
            client = LoadClient(job, tmp_path / "client.log")
            client.start()
            try:
                client.wait_for("connected", 10)
                with pytest.raises(LoadClientError):
                    client.wait_for("measuring", 1.0)  # the warm-up is long over: it waits
                asked = time.monotonic()
                client.measure_now()
                client.wait_for("measuring", 5)
                return client.wait_for("result", 10), time.monotonic() - asked
            finally:
                client.stop()

        result, took = await asyncio.to_thread(run)
    assert result["phase"] == "measuring" and result["spectators"]["frames"] > 0
    assert took >= 0.5, "the window is the job's duration from the command on"
