"""The replay bench: a short run records every case and reports sizes that add up."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from loadtest.bench import main
from loadtest.replaybench import measure

pytestmark = pytest.mark.timeout(60)


def test_a_short_run_records_each_game_and_its_sizes_add_up() -> None:
    report = measure("shooter:8,football:4", seconds=4.0, seed=2)
    shooter, football = report["cases"]
    assert (shooter["game"], shooter["players"], football["players"]) == ("shooter", 8, 4)
    for case in report["cases"]:
        assert case["lost"] == 0 and case["segments"] >= 1
        assert case["recorded_seconds"] >= 4.0
        assert case["snapshots"] >= case["recorded_seconds"] * case["tick_rate"] * 0.9
        assert 0 < case["replay_bytes"] < case["records_bytes"]
        assert case["stream_bytes"] < case["records_bytes"], "records add a few bytes a frame"
        assert case["share_of_stream"] == round(case["replay_bytes"] / case["stream_bytes"], 4)
        assert case["writer_cpu_ms_per_minute"] > 0 and case["tick_path_us_per_tick"] > 0
        assert 0 < case["compressor_cpu_ms_per_minute"] <= case["writer_cpu_ms_per_minute"]


def test_the_subcommand_prints_the_table_and_writes_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "replay.json"
    status = main(["replay", "--seconds", "2", "--games", "football:2", "--json", str(out)])
    printed = capsys.readouterr().out
    assert "football" in printed and "replay/min" in printed
    assert json.loads(out.read_text())["cases"][0]["game"] == "football"
    assert status in (0, 1)
