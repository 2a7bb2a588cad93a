"""The fan-out bench's chat load (``--chat-users N``, ``--compare-chat``): options, runs, report.

No server is started: the chat figures are counted from ``ChatUser`` records, and the report
and the table from a load client's result as ``measure`` would hand it over.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from typing import Any

import pytest

from loadtest import fanout
from loadtest.chatbench import ChatUser, chat_figures, make_users
from loadtest.loadclient import SocketSpec
from loadtest.setups import FanoutOptions, Target
from loadtest.table import format_chat_comparison, format_header, format_table

WEBS = ["http://127.0.0.1:9001", "http://127.0.0.1:9002"]


def parse(*argv: str) -> FanoutOptions:
    parser = argparse.ArgumentParser()
    fanout.add_arguments(parser)
    return fanout.options_from(parser.parse_args(list(argv)))


def test_chat_options_are_checked() -> None:
    options = parse(
        "--only", "real", "--chat-users", "1000", "--chat-interval", "2", "--compare-chat"
    )
    assert (options.chat_users, options.chat_interval, options.compare_chat) == (1000, 2.0, True)
    defaults = parse()
    assert (defaults.chat_users, defaults.chat_interval, defaults.compare_chat) == (0, 10.0, False)
    for argv in (
        ["--chat-users", "-1"],
        ["--only", "real", "--chat-users", "10", "--chat-interval", "0"],
        ["--only", "ceiling,floor", "--chat-users", "10"],  # only the real setup has them
        ["--only", "real", "--compare-chat"],  # nothing to compare
    ):
        with pytest.raises(SystemExit):
            parse(*argv)


def test_compare_chat_runs_the_real_setup_without_chat_users_first() -> None:
    options = FanoutOptions(only=("real", "ceiling"), chat_users=500, compare_chat=True)
    runs = [(column, name, o.chat_users) for column, name, o in fanout.planned_runs(options)]
    assert runs == [
        (fanout.WITHOUT_CHAT, "real", 0),
        ("real", "real", 500),
        ("ceiling", "ceiling", 500),
    ]
    both = replace(options, spectators=10, compare=True)
    columns = [(column, o.spectators, o.chat_users) for column, _, o in fanout.planned_runs(both)]
    assert columns[:3] == [
        (fanout.WITHOUT_SPECTATORS, 0, 500),
        (fanout.WITHOUT_CHAT, 10, 0),
        ("real", 10, 500),
    ]


def test_chat_users_spread_over_the_web_processes_then_the_rooms() -> None:
    users = make_users(7, WEBS, ["shooter", "football", "connect4"])
    assert [u.base for u in users] == [WEBS[0], WEBS[1]] * 3 + [WEBS[0]]
    assert [u.room for u in users] == ["shooter"] * 2 + ["football"] * 2 + ["connect4"] * 2 + [
        "shooter"
    ]


def test_chat_figures_count_each_message_once_per_room_member() -> None:
    users = [ChatUser(i, WEBS[i % 2], "shooter" if i < 3 else "football") for i in range(5)]
    for user in users:
        user.sent = 2
    for user in users[:3]:  # shooter: 3 members, 6 messages, 18 deliveries expected
        user.latencies = [0.010] * 6
    users[3].latencies = [0.020] * 4  # football: 2 members, 4 messages, 8 expected, 7 seen
    users[4].latencies = [0.030] * 3
    users[4].refused = 1
    figures = chat_figures(users, seconds=4.0, wall=5.0)
    assert figures["rooms"] == {"shooter": 3, "football": 2}
    assert (figures["messages_sent"], figures["messages_per_s"]) == (10, 2.5)
    assert (figures["expected_deliveries"], figures["deliveries"]) == (26, 25)
    assert (figures["lost"], figures["refused"]) == (1, 1)
    assert figures["delivery_ms"] == {"p50": 10.0, "p99": 30.0, "max": 30.0}


def _chat(**extra: Any) -> dict[str, Any]:
    return {
        "clients": 60,
        "connected": 60,
        "interval_s": 2.0,
        "messages_sent": 180,
        "messages_per_s": 30.0,
        "expected_deliveries": 3600,
        "deliveries": 3598,
        "lost": 2,
        "refused": 0,
        "delivery_ms": {"p50": 4.0, "p99": 12.5, "max": 20.0},
        **extra,
    }


def _real_report(p50: float, p99: float, fraction: float, chat: dict[str, Any] | None):
    target = Target(
        [SocketSpec("ws://a")] * 16,
        {"web-1": 1},
        {"web-1": 16},
        input_rate=2.0,
        web_urls={"web-1": WEBS[0]},
        chat_bases=[WEBS[0]],
    )
    result: dict[str, Any] = {
        "phase": "measuring",
        "window_s": 10.0,
        "open_now": 16,
        "frames_per_s": round(320 * fraction),
        "delivered_fraction": fraction,
        "latency_ms": {"count": 100, "p50": p50, "p99": p99, "max": p99 + 5},
    }
    if chat is not None:
        result["chat"] = chat
    return fanout.summarize(target, result, {}, {}, {}, {}, FanoutOptions(clients=16))


def test_the_report_and_the_table_show_what_chat_did() -> None:
    real = _real_report(5.0, 20.0, 1.0, _chat())
    assert real["chat"]["deliveries"] == 3598 and real["latency_ms"]["p99"] == 20.0
    lines = format_table({"real": real}).splitlines()
    rows = {line.split("  ")[0].strip(): line.split() for line in lines}
    assert rows["chat users connected"][-1] == "60/60"
    assert rows["chat messages sent (per s)"][-2:] == ["180", "(30.0)"]
    assert rows["chat deliveries (expected)"][-3:] == ["3,598", "(of", "3,600)"]
    assert rows["chat delivery ms p50/p99/max"][-5:] == ["4.0", "/", "12.5", "/", "20.0"]
    assert rows["chat lost / refused"][-3:] == ["2", "/", "0"]
    without = _real_report(5.0, 20.0, 1.0, None)
    assert "chat" not in without
    assert not any(line.startswith("chat") for line in format_table({"r": without}).splitlines())
    header = format_header(
        {"options": {"clients": 16, "chat_users": 60, "chat_interval": 2.0, "compare_chat": True}}
    )
    assert "60 lobby chat users, a message every 2.0 s each (compared with a run without)" in (
        header
    )


def test_a_failed_chat_load_shows_in_its_rows() -> None:
    failed = _real_report(5.0, 20.0, 1.0, {"clients": 60, "error": "no lobby"})
    lines = format_table({"real": failed}).splitlines()
    rows = {line.split("  ")[0].strip(): line.split() for line in lines}
    assert rows["chat users connected"][-1] == "error"
    assert rows["clients connected"][-1] == "16/16", "the players' figures stand"


def test_compare_chat_gives_the_players_figures_and_their_ratios() -> None:
    without = _real_report(5.0, 20.0, 1.0, None)
    comparison = fanout.compare_chat(without, _real_report(6.0, 25.0, 0.998, _chat()))
    assert comparison["players_p50_ms"] == {"without": 5.0, "with": 6.0, "ratio": 1.2}
    assert comparison["players_p99_ms"] == {"without": 20.0, "with": 25.0, "ratio": 1.25}
    assert comparison["players_delivered_fraction"]["ratio"] == 0.998
    assert comparison["chat"]["deliveries"] == 3598
    text = format_chat_comparison(comparison).splitlines()
    assert text[0] == "players' latency p50: 5.0 ms without, 6.0 ms with chat (×1.2)"
    assert text[1] == "players' latency p99: 20.0 ms without, 25.0 ms with chat (×1.25)"
    assert text[2] == "players' frames delivered: 100.0% without, 99.8% with chat (×0.998)"
    assert text[3] == (
        "chat: 60/60 users, 180 messages, 3,598 deliveries (of 3,600), delivery p50/p99 "
        "4.0 / 12.5 ms, 2 lost, 0 refused"
    )
    assert fanout.compare_chat(without, {"error": "boom"}) == {"error": "a run failed"}
