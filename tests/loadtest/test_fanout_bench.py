"""The fan-out bench's harness: Node load client, baseline servers, report."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import msgpack
import pytest

from loadtest import bench, fanout
from loadtest.broadcast import GroupAssigner
from loadtest.enginestats import HealthSample, summarize_engines
from loadtest.frames import DELTA, padded_frame
from loadtest.setups import FanoutOptions, Target, real_stack
from loadtest.table import format_header, format_table


@pytest.mark.parametrize("size", [20, 100, 255, 300, 1000])
def test_padded_frames_have_the_snapshot_head_and_the_asked_size(size: int) -> None:
    frame = padded_frame(1234, 1_760_000_000_123, size)
    assert abs(len(frame) - size) <= 1
    assert msgpack.unpackb(frame)[:3] == [DELTA, 1234, 1_760_000_000_123]


def test_sockets_fill_groups_in_connection_order() -> None:
    groups = GroupAssigner(8)
    seats = [groups.join() for _ in range(17)]
    assert seats == [0] * 8 + [1] * 8 + [2]
    groups.leave(2)
    assert groups.groups() == [0, 1]


@pytest.mark.e2e
@pytest.mark.timeout(60)
def test_ceiling_and_floor_deliver_every_frame_to_every_client(tmp_path: Path) -> None:
    out = tmp_path / "fanout.json"
    status = bench.main(
        ["fanout", "--clients", "16", "--only", "ceiling,floor", "--warmup", "0.5"]
        + ["--duration", "2", "--json", str(out)]
    )
    assert status == 0
    report = json.loads(out.read_text())
    for name in ("ceiling", "floor"):
        setup = report["setups"][name]
        assert setup["connected"] == 16, setup
        assert setup["dropped"] == 0, setup
        assert setup["delivered_fraction"] >= 0.95, setup
        assert setup["frames_without_server_ms"] == 0
        assert 95 <= setup["mean_frame_bytes"] <= 105
        assert 0 <= setup["latency_ms"]["p50"] < 1000
        web = setup["processes"]["web-1"]
        assert web["cpu_percent"] is not None and web["peak_rss_mib"] > 0
        assert setup["processes"]["load-client"]["cpu_percent"] is not None


def _engine_sample(at: float, p50: float, p99: float, late_p99: float, matches: int = 125):
    ticks = {
        "ticks": 200,
        "duration_p50_ms": p50,
        "duration_p99_ms": p99,
        "duration_max_ms": p99 + 1,
        "lateness_p50_ms": 0.1,
        "lateness_p99_ms": late_p99,
        "lateness_max_ms": late_p99 + 2,
    }
    return HealthSample(at, [{"id": "engine", "matches": matches, "ticks": ticks}])


def test_engine_stats_combine_the_samples_whose_window_lies_in_the_measurement() -> None:
    samples = [
        _engine_sample(0.0, 50.0, 90.0, 40.0),  # looks back into the warm-up: left out
        _engine_sample(12.0, 4.0, 9.0, 1.0),
        _engine_sample(14.0, 6.0, 12.0, 3.0),
        _engine_sample(16.0, 5.0, 10.0, 2.0),
    ]
    engine = summarize_engines(samples, tick_rate=20)["engine"]
    assert engine["matches"] == 125
    assert engine["samples"] == 3 and engine["samples_cover_warmup"] is False
    assert engine["duration_ms"] == {"p50": 5.0, "p99": 12.0, "max": 13.0}
    assert engine["lateness_ms"]["p99"] == 3.0 and engine["lateness_ms"]["max"] == 5.0
    assert engine["period_ms"] == 50.0
    assert engine["duration_p99_percent_of_period"] == 24.0


def test_engine_stats_of_a_short_window_use_every_sample() -> None:
    samples = [_engine_sample(0.0, 2.0, 4.0, 1.0), _engine_sample(2.0, 3.0, 5.0, 1.0)]
    engine = summarize_engines(samples, tick_rate=20)["engine"]
    assert engine["samples"] == 2 and engine["samples_cover_warmup"] is True
    assert engine["duration_ms"]["p50"] == 2.5 and engine["duration_ms"]["p99"] == 5.0


def test_server_env_takes_key_value_pairs_and_refuses_what_the_bench_owns() -> None:
    pairs = ["ARENA_WS_SEND_BUFFER=0", "ARENA_INPUT_FLUSH_INTERVAL=0.05", "X=a=b"]
    assert fanout.parse_server_env(pairs) == {
        "ARENA_WS_SEND_BUFFER": "0",
        "ARENA_INPUT_FLUSH_INTERVAL": "0.05",
        "X": "a=b",
    }
    for bad in ("NOVALUE", "=1", "ARENA_TICK_RATE=30", "ARENA_REDIS_PREFIX=x"):
        with pytest.raises(SystemExit):
            fanout.parse_server_env([bad])


def test_the_real_stack_gets_the_server_env(tmp_path: Path) -> None:
    options = FanoutOptions(server_env={"ARENA_WS_SEND_BUFFER": "0"})
    stack = real_stack(tmp_path, options)
    assert stack.env["ARENA_WS_SEND_BUFFER"] == "0"
    assert stack.env["ARENA_TICK_RATE"] == str(options.tick_rate)


def test_inputs_per_second_are_split_by_the_web_process_they_went_to() -> None:
    target = Target(
        [],
        {"web-1": 1, "web-2": 2},
        {"web-1": 8, "web-2": 8},
        input_rate=2.0,
        web_urls={"web-1": "http://127.0.0.1:9001", "web-2": "http://127.0.0.1:9002"},
    )
    result = {
        "window_s": 10.0,
        "inputs_sent": 330,
        "inputs_by_host": {"127.0.0.1:9001": 160, "127.0.0.1:9002": 170},
    }
    assert fanout.input_rates(target, result) == {
        "inputs_per_s": 33.0,
        "inputs_per_s_by_web": {"web-1": 16.0, "web-2": 17.0},
    }
    assert fanout.input_rates(Target([], {}, {}), result) == {}  # baselines send none


def test_the_table_shows_engine_rows_and_the_header_the_server_env() -> None:
    real = {
        "connected": 8,
        "clients": 8,
        "inputs_per_s": 16.0,
        "engines": summarize_engines([_engine_sample(12.0, 4.0, 9.0, 1.0)], tick_rate=20),
        "processes": {"web-1": {"cpu_percent": 10.0, "inputs_per_s": 16.0}},
    }
    ceiling = {"connected": 8, "clients": 8, "server_ticks": {"web-1": {"skipped": 0}}}
    lines = format_table({"real": real, "ceiling": ceiling}).splitlines()
    rows = {line.split("  ")[0].strip(): line.split() for line in lines}
    assert rows["engine tick ms p50/p99/max"][-6:] == ["4.00", "/", "9.00", "/", "10.00", "-"]
    assert "18.0%" in rows["engine tick p99 % of period ms"]
    assert rows["baseline ticks skipped"][-2:] == ["-", "0"]
    assert rows["web-1 inputs/s sent to it"][-2:] == ["16.0", "-"]
    header = format_header(
        {"options": asdict(FanoutOptions(server_env={"ARENA_WS_SEND_BUFFER": "0"})), "cpus": 2}
    )
    assert "ARENA_WS_SEND_BUFFER=0" in header and "1,000 clients" in header


def test_input_to_applied_latency_is_reported_for_the_setup_that_sent_inputs() -> None:
    target = Target(
        [],
        {"web-1": 1},
        {"web-1": 8},
        input_rate=20.0,
        web_urls={"web-1": "http://127.0.0.1:9001"},
    )
    ack_ms = {"count": 1600, "mean": 61.0, "p50": 58.2, "p90": 80.0, "p99": 97.4, "max": 130.9}
    result = {
        "phase": "measuring",
        "open_now": 8,
        "window_s": 10.0,
        "inputs_sent": 1600,
        "inputs_by_host": {"127.0.0.1:9001": 1600},
        "input_ack_ms": ack_ms,
        "input_acks": {"awaiting_ack": 12, "chain_breaks": 0},
        "throttled_frames": 0,
        "throttled_dropped": 0,
    }
    options = FanoutOptions(clients=8, input_rate=20.0)
    real = fanout.summarize(target, result, {}, {}, {}, {}, options)
    assert real["input_ack_ms"] == ack_ms and real["inputs_per_s"] == 160.0
    assert real["input_acks"]["awaiting_ack"] == 12
    assert real["throttled_frames"] == 0 and real["throttled_dropped"] == 0
    baseline = fanout.summarize(
        Target([], {"web-1": 1}, {"web-1": 8}),
        {**result, "inputs_sent": 0, "input_ack_ms": {**ack_ms, "count": 0}},
        {},
        {},
        {},
        {},
        options,
    )
    lines = format_table({"real": real, "ceiling": baseline}).splitlines()
    rows = {line.split("  ")[0].strip(): line.split() for line in lines}
    assert rows["input→applied ms p50/p99/max"][-6:] == ["58.2", "/", "97.4", "/", "130.9", "-"]
    assert rows["input→applied samples"][-2:] == ["1,600", "-"]
    assert rows["THROTTLED notices (frames dropped)"][-3:] == ["0", "(0)", "-"]
