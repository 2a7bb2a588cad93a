"""The census of a process's sockets by kind, which /metrics reads."""

from __future__ import annotations

import gc

from game.stream import StreamStats
from lobby.census import CountedSocket, SocketCensus
from lobby.ratelimit import FrameRateLimiter


def test_census_keeps_closed_sockets_counts_and_forgets_lost_ones() -> None:
    class Socket:
        def __init__(self) -> None:
            self.limiter = FrameRateLimiter(10, 1)
            self.stream = type("Stream", (), {"stats": StreamStats(sent=7, dropped=2)})()

    census = SocketCensus()
    kept, lost = Socket(), Socket()
    for each in (kept, lost):
        census.opened("test", each)
        each.limiter.allow(0.0)
        each.limiter.allow(0.0)  # dropped: the burst is 1
    assert census.open_count("test") == 2
    assert census.counts("test").frames_in == 4 and census.counts("test").frames_dropped == 2
    census.closed("test", kept)
    census.closed("test", kept)  # once only
    del lost, each
    gc.collect()
    assert census.open_count("test") == 0 and census.opened_count("test") == 2
    counts = census.counts("test")
    assert (counts.frames_in, counts.frames_dropped, counts.frames_out) == (2, 1, 7)


def test_consumer_kinds_come_from_class_names() -> None:
    from game.consumers import MatchConsumer
    from lobby.consumers import LobbyConsumer

    class SpectatorConsumer(CountedSocket):
        pass

    class Watcher(CountedSocket):
        socket_kind = "spectator"

    kinds = [c.metrics_kind() for c in (MatchConsumer, LobbyConsumer, SpectatorConsumer, Watcher)]
    assert kinds == ["match", "lobby", "spectator", "spectator"]
