"""The fan-out bench's harness: Node load client, baseline servers, report."""

from __future__ import annotations

import json
from pathlib import Path

import msgpack
import pytest

from loadtest import bench
from loadtest.broadcast import GroupAssigner
from loadtest.frames import DELTA, padded_frame


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
