"""Retention: replays past the age limit go, then the oldest while over the size limit."""

from __future__ import annotations

from engine.replay.retention import StoredReplay, expired

DAY = 86400.0
NOW = 1_000 * DAY


def replays() -> list[StoredReplay]:
    return [
        StoredReplay("new", NOW - 1 * DAY, 300),
        StoredReplay("old", NOW - 40 * DAY, 100),
        StoredReplay("mid", NOW - 10 * DAY, 200),
        StoredReplay("older", NOW - 31 * DAY, 100),
    ]


def test_replays_older_than_the_age_limit_go_oldest_first() -> None:
    assert expired(replays(), NOW, 30, 0) == ["old", "older"]
    assert expired(replays(), NOW, 0, 0) == [], "no limit: everything stays"


def test_over_the_size_limit_the_oldest_go_until_the_rest_fit() -> None:
    assert expired(replays(), NOW, 0, 450) == ["old", "older", "mid"]
    assert expired(replays(), NOW, 0, 650) == ["old"]
    assert expired(replays(), NOW, 0, 700) == [], "700 bytes fit"
    assert expired(replays(), NOW, 30, 500) == ["old", "older"], "300 + 200 fit"
    assert expired(replays(), NOW, 30, 299) == ["old", "older", "mid", "new"]
