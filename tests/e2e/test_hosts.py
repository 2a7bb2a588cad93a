"""Arena on several hosts (network namespaces) behind HAProxy: nothing assumes loopback.

A Redis host, two web hosts, two engine hosts, a proxy host and a client host, each with its own
addresses (``loadtest.hoststack``). The client host reaches the site by name through the proxy
and plays a match over the real protocol; the web hosts believe forwarding headers from the
proxy alone. Skipped where network namespaces cannot be made (no root, no iproute2) or HAProxy
is not installed.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from loadtest.hosts import leftover_namespaces
from loadtest.hoststack import FRONT, SITE, WEB_PORT, HostStack, missing_tools

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(60)]

SHORT_MATCH = {"ARENA_SHOOTER_TIME_LIMIT": "3", "ARENA_SHOOTER_COUNTDOWN": "0.5"}
FORGED = "198.51.100.1"  # an address a client claims in its own X-Forwarded-For


@pytest.fixture(scope="module")
def hosts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostStack]:
    """The started hosts, shared by this module's tests."""
    reason = missing_tools()
    if reason is not None:
        pytest.skip(f"the multi-host harness cannot run here: {reason}")
    stack = HostStack(tmp_path_factory.mktemp("hosts"), extra_env=SHORT_MATCH)
    stack.start()
    yield stack
    stack.close()


def logged(stack: HostStack, marker: str) -> str | None:
    """The web hosts' access-log line of the request whose path holds ``marker``, if any."""
    lines = (line for name in stack.web_names() for line in stack.log(name).splitlines())
    return next((line for line in lines if marker in line), None)


def access_line(stack: HostStack, marker: str) -> str:
    """``logged``, waiting for the line to be written."""
    assert stack.stack is not None
    stack.stack.wait_until(lambda: logged(stack, marker) is not None, marker, timeout=5.0)
    line = logged(stack, marker)
    assert line is not None
    return line


def client_of(line: str) -> str:
    """The client address an access-log line names."""
    match = re.search(r"INFO:\s+([0-9a-f.:]+):\d+ - ", line)
    assert match is not None, line
    return match.group(1)


def test_a_match_is_played_through_the_proxy_by_the_site_s_name(hosts: HostStack) -> None:
    answer = hosts.client("play", "--base", hosts.base, "--matches", "1", "--players", "2")
    players = answer["players"]
    assert [p["seated"] for p in players] == [True, True], players
    assert {p["result"] for p in players} == {"time_limit"}, players
    assert all(p["reconnects"] == 0 and p["snapshots"] > 20 for p in players), players
    upgrades = [line for line in hosts.log("proxy").splitlines() if "/ws/match/" in line]
    assert len(upgrades) == 2 and all(" 101 " in line for line in upgrades), upgrades


def test_the_client_is_the_proxy_s_x_forwarded_for_and_never_the_client_s_own(
    hosts: HostStack,
) -> None:
    client_address = hosts.host("client").address(FRONT)
    proxied = uuid.uuid4().hex
    answer = hosts.client(
        "get", f"{hosts.base}/api/session/?{proxied}", "--header", f"X-Forwarded-For: {FORGED}"
    )
    assert answer["status"] == 200
    assert client_of(access_line(hosts, proxied)) == client_address  # not the proxy's, nor FORGED
    direct = uuid.uuid4().hex
    web = hosts.host("web1").address(FRONT)
    hosts.client(
        "get",
        f"http://{web}:{WEB_PORT}/api/session/?{direct}",
        "--header",
        f"Host: {SITE}",
        "--header",
        f"X-Forwarded-For: {FORGED}",
    )
    assert client_of(access_line(hosts, direct)) == client_address  # a peer that is no proxy


def test_a_browser_socket_must_come_from_the_site_s_own_name(hosts: HostStack) -> None:
    url = f"ws://{SITE}/ws/lobby/"
    assert hosts.client("handshake", url, "--origin", f"http://{SITE}") == {"accepted": True}
    refused = hosts.client("handshake", url, "--origin", "http://elsewhere.test")
    assert refused == {"accepted": False, "status": 403}


def test_a_web_host_cut_from_redis_is_taken_out_by_its_health_check(hosts: HostStack) -> None:
    hosts.network.link("web2", "back", up=False)
    try:
        hosts.wait_state("web2", "DOWN")
        assert hosts.server_states()["web1"] == "UP"
        assert hosts.client("get", f"{hosts.base}/healthz")["status"] == 200  # web1 answers
    finally:
        hosts.network.link("web2", "back", up=True)
    hosts.wait_state("web2", "UP")


def test_a_run_leaves_no_namespace_behind(tmp_path: Path) -> None:
    reason = missing_tools()
    if reason is not None:
        pytest.skip(f"the multi-host harness cannot run here: {reason}")
    stack = HostStack(tmp_path, webs=1, engines=0)
    stack._build()
    made = list(stack.network.namespaces)
    stack.close()
    assert made and not set(made) & set(leftover_namespaces())
