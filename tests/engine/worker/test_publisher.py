"""The engine worker's outbox in the hosted shape: local delivery and the remote audience."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from engine import messages
from engine.failurelog import FailureLog
from engine.worker.publisher import Publisher, RemoteAudience

pytestmark = pytest.mark.timeout(10)


class Clock:
    """A clock the test moves."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def snapshot(group: str, tick: int) -> tuple[str, dict[str, Any]]:
    return group, {"type": messages.SNAPSHOT, "match_id": group, "tick": tick}


def test_a_group_nobody_else_heard_is_probed_once_a_second_until_someone_listens() -> None:
    clock = Clock()
    audience = RemoteAudience(clock, probe_interval=1.0)
    assert audience.wanted("g")
    audience.heard("g", 0)
    assert not audience.wanted("g")
    clock.now += 0.5
    assert not audience.wanted("g")
    clock.now += 0.5
    assert audience.wanted("g"), "the probe"
    assert not audience.wanted("g"), "one probe per interval"
    audience.heard("g", 1)
    assert audience.wanted("g") and audience.wanted("g"), "heard: every snapshot goes out"


def test_a_request_makes_the_next_snapshot_go_out_at_once() -> None:
    clock = Clock()
    audience = RemoteAudience(clock)
    audience.heard("g", 0)
    assert not audience.wanted("g")
    audience.expect("g")
    assert audience.wanted("g") and audience.quiet_groups == 0


class Sends:
    """A GroupSendMany that records what it sent and answers with receiver counts."""

    def __init__(self, receivers: dict[str, int]) -> None:
        self.receivers = receivers
        self.sent: list[tuple[str, dict[str, Any]]] = []
        self.event = asyncio.Event()

    async def __call__(self, batch: Any) -> list[int]:
        self.sent.extend(batch)
        self.event.set()
        return [self.receivers.get(group, 0) for group, _ in batch]


async def published(publisher: Publisher, sends: Sends, batch: Any, reliable: bool = False) -> None:
    sends.event.clear()
    publisher.publish(batch, reliable=reliable)
    if publisher.backlog:
        await asyncio.wait_for(sends.event.wait(), 5)


async def test_local_sockets_get_everything_and_the_layer_only_what_others_hear() -> None:
    clock = Clock()
    local: list[Any] = []
    sends = Sends({"watched": 1})
    failures = FailureLog(logging.getLogger(__name__), "publishing")
    publisher = Publisher(sends, failures, local=local.extend, audience=RemoteAudience(clock))
    task = asyncio.create_task(publisher.run())
    try:
        first = [snapshot("watched", 1), snapshot("alone", 1)]
        await published(publisher, sends, first)
        assert local == first and sends.sent == first, "the first of each goes out: who hears?"
        await published(publisher, sends, [snapshot("watched", 2), snapshot("alone", 2)])
        assert [m["tick"] for _, m in local] == [1, 1, 2, 2]
        assert sends.sent[2:] == [snapshot("watched", 2)], "nobody else heard 'alone'"
        assert publisher.kept_local == 1
        closed = ("alone", {"type": messages.CLOSED, "match_id": "alone"})
        await published(publisher, sends, [closed], reliable=True)
        assert sends.sent[-1] == closed, "reliable messages always go out"
        assert publisher.audience is not None and publisher.audience.quiet_groups == 0, (
            "an ended match's group is forgotten"
        )
    finally:
        task.cancel()


async def test_what_waits_while_the_leases_are_stale_is_dropped_unsent() -> None:
    fresh = [True]
    sends = Sends({})
    failures = FailureLog(logging.getLogger(__name__), "publishing")
    publisher = Publisher(sends, failures, fresh=lambda: fresh[0])
    publisher.publish([snapshot("g", 1)])  # queued while fresh; the worker is paused before
    fresh[0] = False  # its turn comes: by then another worker may own the match
    task = asyncio.create_task(publisher.run())
    try:
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        assert sends.sent == [] and publisher.fenced == 1
        fresh[0] = True
        await published(publisher, sends, [snapshot("g", 2)])
        assert sends.sent == [snapshot("g", 2)], "fresh again: published as before"
        fresh[0] = False
        publisher.publish([snapshot("g", 3)], reliable=True)
        await publisher.flush()
        assert sends.sent == [snapshot("g", 2)] and publisher.fenced == 2, "nor when stopping"
    finally:
        task.cancel()
