"""FailureLog: one line when failures start, one when they stop."""

from __future__ import annotations

import logging

import pytest

from engine.failurelog import FailureLog

pytestmark = pytest.mark.timeout(5)


def test_a_run_of_failures_is_two_lines(caplog: pytest.LogCaptureFixture) -> None:
    now = [100.0]
    log = FailureLog(logging.getLogger("test.failures"), "publishing", clock=lambda: now[0])
    log.succeeded()
    with caplog.at_level(logging.INFO, logger="test.failures"):
        for _ in range(50):
            log.failed(ConnectionError("refused"))
        assert log.failing
        now[0] += 2.5
        log.succeeded()
        log.succeeded()
    assert [r.levelname for r in caplog.records] == ["ERROR", "WARNING"]
    assert caplog.records[0].exc_info is not None
    assert "publishing failed: ConnectionError('refused')" in caplog.records[0].getMessage()
    assert caplog.records[1].getMessage() == "publishing works again after 50 failures in 2.5 s"
    assert (log.failing, log.failures, log.total) == (False, 0, 50)
