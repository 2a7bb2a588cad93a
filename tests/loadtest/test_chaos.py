"""The chaos run: its bookkeeping, and a short run against a real stack with its own Redis."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from loadtest.chaos import ChaosOptions, parse_options, run_chaos
from loadtest.chaos_player import AckLedger
from loadtest.chaos_report import spread
from loadtest.games import game
from tests.helpers import GAME_NAMES

# A real-time game's bots send 20 INPUTs a second, as the browser does; a turn-based one's (it
# sends snapshots on change) think about two seconds a move, so that its matches, which end
# when the game says, outlast the fault schedule as a time-limited match does.
INPUT_RATES = {"every_tick": 20.0, "on_change": 0.5}


def test_a_rollback_costs_the_undone_inputs_and_a_replay_counts_as_applied_twice() -> None:
    ledger = AckLedger()
    for ack in (1, 2, 3, 5, 6, 6, 8):
        ledger.observe(ack, now=0.0)
    ledger.observe(3, now=1.0)  # the match resumed from a checkpoint taken at ack 3
    assert ledger.rolled_back == 3, "5, 6 and 8 were acknowledged, then undone"
    ledger.observe(9, now=1.1)
    assert ledger.applied_twice == [], "a new input is applied once"
    ledger.observe(5, now=1.2)  # ...but 5 had been applied before the rollback
    assert ledger.applied_twice == [(1.2, 5)]
    assert len(ledger.rollbacks) == 2, "and the ack went backwards again"
    ledger.observe(10, now=1.3)
    ledger.observe(8, now=1.4)
    assert ledger.applied_twice == [(1.2, 5), (1.4, 8)]


def test_acks_that_only_grow_are_neither_rolled_back_nor_twice() -> None:
    ledger = AckLedger()
    for ack in range(0, 200, 3):
        ledger.observe(ack, now=0.0)
        ledger.observe(ack, now=0.0)
    assert ledger.rolled_back == 0 and ledger.applied_twice == []


def test_spread_uses_nearest_rank() -> None:
    assert spread([]) == {"count": 0, "p50": None, "p99": None, "max": None}
    figures = spread([float(n) for n in range(1, 101)])
    assert (figures["p50"], figures["p99"], figures["max"]) == (50.0, 99.0, 100.0)


def test_the_command_line_names_the_faults_in_order() -> None:
    options, json_path = parse_options(["--faults", "drop,kill", "--matches", "3", "--json", "x"])
    assert options.faults == ("drop", "kill") and options.matches == 3
    assert (options.game, options.mode, options.input_rate) == ("shooter", "", 20.0)
    assert json_path == Path("x")
    with pytest.raises(SystemExit):
        parse_options(["--faults", "flood"])


def test_the_command_line_names_a_game_and_a_mode_it_has() -> None:
    options, _ = parse_options(["--game", "football", "--mode", "1v1", "--players", "2"])
    assert (options.game, options.mode, options.players) == ("football", "1v1", 2)
    assert parse_options(["--input-rate", "0.5"])[0].input_rate == 0.5
    for wrong in (["--game", "chess"], ["--game", "football", "--mode", "duel"]):
        with pytest.raises(SystemExit):
            parse_options(wrong)
    with pytest.raises(SystemExit):  # a duel is not for four
        parse_options(["--mode", "duel", "--players", "4"])


@pytest.mark.e2e
@pytest.mark.redis
@pytest.mark.timeout(120)
@pytest.mark.parametrize("game_name", GAME_NAMES)
def test_a_short_chaos_run_loses_no_match_and_no_player(tmp_path: Path, game_name: str) -> None:
    """Two matches of two players on a stack of its own: an engine killed, half the players'
    connections cut."""
    if shutil.which("redis-server") is None:
        pytest.fail("the chaos run starts its own redis-server: install it (make redis does)")
    options = ChaosOptions(
        game=game_name,
        input_rate=INPUT_RATES[game(game_name).snapshots],
        matches=2,
        players=2,
        faults=("kill", "drop"),
        pause=4.0,
        spacing=8.0,
        time_limit=18.0,  # a match plays on 6 s after the last fault
        countdown=1.0,
        drop_share=0.5,
        seed=7,
        log_dir=tmp_path,
    )
    report = run_chaos(options)
    summary = f"{report.to_dict()}"
    assert report.matches["started"] == 2 and report.matches["lost"] == 0, summary
    assert report.matches["results_stored"] == 2, summary
    assert [f["kind"] for f in report.faults] == ["kill", "drop"], summary
    kill, drop = report.faults
    assert kill["matches"] >= 1 and kill["players_back"] == kill["players"], summary
    assert drop["players"] >= 1 and drop["players_back"] == drop["players"], summary
    assert report.takeover["count"] >= 1 and report.takeover["unrecovered"] == 0, summary
    assert report.takeover["p99"] < 8.0, summary
    assert report.reconnects["drops"] >= 1, summary
    assert report.reconnects["same_id_ratio"] == 1.0, summary
    assert report.inputs["applied_twice"] == 0, summary
    assert report.inputs["moves"] >= 2, "every player of the killed engine's match moved"
    assert not report.exits, summary
