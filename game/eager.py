"""Run a coroutine now, and only make it a task if it has to wait (eager start, as in 3.12).

Writing a snapshot to a socket almost never waits: uvicorn's ``send`` suspends only while the
socket's write buffer is full. Wrapping every write in a task (or waking a writer task) costs
an event-loop round trip per frame, which at 20,000 frames a second is a large share of a web
process. ``start_eagerly`` runs the coroutine until it completes or first suspends; only then
does a task take over, resuming it exactly where it stopped.
"""

from __future__ import annotations

import asyncio
import types
from collections.abc import Coroutine, Generator
from typing import Any


@types.coroutine
def _resume(coro: Coroutine[Any, Any, Any], awaited: Any) -> Generator[Any, Any, Any]:
    """Drive ``coro`` on from the future it was suspended on, like ``yield from`` would."""
    while True:
        try:
            sent = yield awaited
        except BaseException as exc:  # cancellation and errors go into the coroutine
            try:
                awaited = coro.throw(exc)
            except StopIteration as stop:
                return stop.value
        else:
            try:
                awaited = coro.send(sent)
            except StopIteration as stop:
                return stop.value


def start_eagerly(coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any] | None:
    """Run ``coro`` until it finishes (None) or suspends (a task that finishes it).

    Exceptions raised before the first suspension propagate to the caller.
    """
    try:
        awaited = coro.send(None)
    except StopIteration:
        return None
    return asyncio.ensure_future(_resume(coro, awaited))
