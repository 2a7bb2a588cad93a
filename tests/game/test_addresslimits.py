"""The per-address bookkeeping on an injected clock: tokens come back, full buckets are dropped."""

from __future__ import annotations

import pytest

from game import addresslimits
from game.addresslimits import AddressLimits

pytestmark = pytest.mark.timeout(5)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_then_the_sustained_rate() -> None:
    clock = Clock()
    limits = AddressLimits(rate=2.0, burst=3, max_open=0, clock=clock)
    assert [limits.admit("a") for _ in range(3)] == [None, None, None]
    assert "new sockets a second" in (limits.admit("a") or "")
    assert limits.admit("b") is None, "another address has its own bucket"
    clock.now += 0.5  # one token back at 2 a second
    assert limits.admit("a") is None
    assert limits.admit("a") is not None
    assert limits.refused_rate == 2 and limits.retry_after() == 1


def test_open_sockets_are_counted_until_closed_and_then_forgotten() -> None:
    limits = AddressLimits(rate=0, burst=1, max_open=2, clock=Clock())
    assert limits.admit("a") is None and limits.admit("a") is None
    assert "2 sockets are open" in (limits.admit("a") or "")
    limits.closed("a")
    assert limits.admit("a") is None
    limits.closed("a")
    limits.closed("a")
    assert limits.open == {}, "an address without sockets is not kept"


def test_buckets_that_filled_up_again_are_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(addresslimits, "PRUNE_EVERY", 10)
    clock = Clock()
    limits = AddressLimits(rate=1.0, burst=2, max_open=0, clock=clock)
    for index in range(9):
        limits.admit(f"10.0.0.{index}")
    assert len(limits.buckets) == 9
    clock.now += 5  # every bucket full again
    limits.admit("10.0.1.1")  # the tenth new socket sweeps the table
    assert list(limits.buckets) == ["10.0.1.1"]


def test_a_socket_whose_token_was_taken_is_counted_open_only() -> None:
    clock = Clock()
    limits = AddressLimits(rate=1.0, burst=1, max_open=2, clock=clock)
    assert limits.admit_new("a") is None  # the web server's protocol took the token
    assert limits.admit("a", rate_checked=True) is None, "not counted against the rate twice"
    assert limits.admit_new("a") is not None, "the bucket is empty"
    assert limits.open == {"a": 1}


def test_a_flooding_address_is_logged_once_an_interval() -> None:
    clock = Clock()
    limits = AddressLimits(rate=1.0, burst=1, max_open=0, clock=clock)
    limits.admit("a")
    refusals = [limits.admit("a") for _ in range(5)]
    assert all(refusals)
    assert limits.worth_logging("a") and not limits.worth_logging("a")
    clock.now += addresslimits.REFUSAL_LOG_INTERVAL
    assert limits.worth_logging("a")
