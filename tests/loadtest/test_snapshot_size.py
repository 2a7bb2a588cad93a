"""The snapshot size bench: a pure simulation whose report must add up."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from loadtest import bench
from loadtest.snapshotsize import measure_snapshot_sizes, ws_header_bytes

SECONDS = 5


@pytest.fixture(scope="module")
def report() -> dict:
    return measure_snapshot_sizes(seconds=SECONDS, players=8, seed=3)


def test_websocket_headers_grow_with_the_payload() -> None:
    assert [ws_header_bytes(n) for n in (0, 125, 126, 65535, 65536)] == [2, 2, 4, 4, 10]


def test_a_keyframe_a_second_and_a_delta_every_other_tick(report: dict) -> None:
    rate = report["tick_rate"]
    assert report["ticks"] == SECONDS * rate
    assert report["keyframe_interval_ticks"] == rate
    assert report["keyframe"]["count"] == SECONDS  # the player set never changes
    assert report["keyframe"]["count"] + report["delta"]["count"] == report["ticks"]
    assert report["keyframe_every_tick"]["count"] == report["naive_json"]["count"] == 100
    assert sum(report["phases"].values()) == report["ticks"]
    assert report["phases"].get("running", 0) > 0


def test_the_mean_per_tick_is_the_mix_of_keyframes_and_deltas(report: dict) -> None:
    key, delta = report["keyframe"], report["delta"]
    mixed = (key["mean"] * key["count"] + delta["mean"] * delta["count"]) / report["ticks"]
    assert report["bytes_per_tick"] == pytest.approx(mixed, abs=0.2)
    assert report["bytes_per_player_per_tick"] == report["bytes_per_tick"]
    assert report["bytes_per_client_per_s"] == pytest.approx(
        report["bytes_per_tick"] * report["tick_rate"], rel=0.01
    )
    # every binary frame carries a 2- or 4-byte WebSocket header on top of its payload
    assert 2 <= report["bytes_per_tick"] - report["payload_bytes_per_tick"] <= 4
    for stats in (key, delta, report["naive_json"]):
        assert stats["p50"] <= stats["p99"] <= stats["max"]
        assert stats["mean"] <= stats["max"]
    assert delta["mean"] < key["mean"]


def test_binary_snapshots_are_a_fraction_of_keyed_json(report: dict) -> None:
    ratio = report["bytes_per_tick"] / report["naive_json_bytes_per_tick"]
    assert report["ratio"] == pytest.approx(ratio, abs=1e-3)
    assert report["ratio"] < 0.15
    assert report["naive_json"]["mean"] == report["naive_json_bytes_per_tick"]


def test_the_bots_move_and_shoot(report: dict) -> None:
    assert report["mean_bullets"] > 2
    assert 0 < report["mean_moving_players"] <= report["players"]


def test_the_same_seed_gives_the_same_report() -> None:
    first = measure_snapshot_sizes(seconds=1, players=4, seed=7)
    assert measure_snapshot_sizes(seconds=1, players=4, seed=7) == first


def test_the_command_prints_and_writes_the_report(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    out = tmp_path / "size.json"
    status = bench.main(["snapshot-size", "--seconds", "2", "--players", "4", "--json", str(out)])
    assert status == 0
    report = json.loads(out.read_text())
    assert report["players"] == 4 and report["ticks"] == 40
    printed = capsys.readouterr().out
    assert "bytes per player per tick" in printed
    assert "naive keyed JSON" in printed


def test_the_reference_workload_keeps_every_player_moving_and_turning(report: dict) -> None:
    reference = measure_snapshot_sizes(seconds=SECONDS, players=8, seed=3, reference=True)
    assert reference["workload"] == "reference" and report["workload"] == "default"
    assert reference["mean_moving_players"] > report["mean_moving_players"]
    assert reference["mean_moving_players"] >= 7.0
    # every aim turns every tick: a DELTA carries more than with aims held for half a second
    assert reference["delta"]["mean"] > report["delta"]["mean"]


def test_with_fog_each_player_is_sent_a_smaller_view_of_its_own(report: dict) -> None:
    assert report["view_bytes_per_player_per_tick"] is None, "no views without fog"
    fogged = measure_snapshot_sizes(seconds=SECONDS, players=8, seed=3, fog_radius=350.0)
    own = fogged["view_bytes_per_player_per_tick"]
    assert own is not None and 0 < own < fogged["bytes_per_player_per_tick"]
    assert fogged["bytes_per_tick"] == report["bytes_per_tick"], "the whole state's is unchanged"
