"""Test hosts as Linux network namespaces: each host its own addresses, joined by switches.

A ``Network`` is a set of namespaces named ``<prefix>-<host>`` (a fresh prefix per run, so two
runs never meet). Every switch is a namespace of its own holding a Linux bridge, and every host
joins a switch through a veth pair: its end is named after the switch (``front``, ``back``) and
holds the host's address there. Nothing of it lives in the machine's own namespace, so the
machine's addresses, routes and services (its Redis on 127.0.0.1) stay out of reach.

Faults are the kernel's own: a host's link set down, ``tc netem`` delay and loss on a host's
link. ``close`` deletes every namespace (with them their links) and every per-host file under
``/etc/netns``; it runs even when building the network failed half-way.

Creating namespaces needs root (or CAP_SYS_ADMIN and CAP_NET_ADMIN) and iproute2; ``available``
says whether this machine allows it, and why not.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

logger = logging.getLogger(__name__)

NETNS_ETC = Path("/etc/netns")  # ``ip netns exec`` mounts /etc/netns/<name>/hosts on /etc/hosts
COMMAND_TIMEOUT = 10.0  # seconds one ip or tc command may take


class HostsError(RuntimeError):
    """An ip or tc command failed, or namespaces cannot be made here."""


def run_ip(*args: str) -> str:
    """Run one ``ip`` or ``tc`` command (the first argument names it); its output."""
    done = subprocess.run(
        list(args), capture_output=True, text=True, timeout=COMMAND_TIMEOUT, check=False
    )
    if done.returncode != 0:
        raise HostsError(f"{' '.join(args)}: {done.stderr.strip() or done.returncode}")
    return done.stdout


def available() -> str | None:
    """None when network namespaces can be made here; otherwise why not."""
    if shutil.which("ip") is None or shutil.which("tc") is None:
        return "iproute2 (ip, tc) is not installed"
    probe = f"arena-probe-{uuid.uuid4().hex[:8]}"
    try:
        run_ip("ip", "netns", "add", probe)
    except HostsError as exc:
        return f"network namespaces are not permitted here ({exc})"
    try:
        run_ip("ip", "netns", "del", probe)
    except HostsError as exc:
        logger.warning("could not delete the probe namespace %s: %s", probe, exc)
    return None


def netem_available() -> bool:
    """True when this kernel has ``tc netem`` (sch_netem); some VM kernels are built without."""
    probe = f"arena-probe-{uuid.uuid4().hex[:8]}"
    run_ip("ip", "netns", "add", probe)
    try:
        run_ip("tc", "-n", probe, "qdisc", "add", "dev", "lo", "root", "netem", "delay", "1ms")
        return True
    except HostsError:
        return False
    finally:
        run_ip("ip", "netns", "del", probe)


@dataclass
class Host:
    """One host: its namespace and its address on each switch it joins."""

    name: str
    namespace: str
    addresses: dict[str, str] = field(default_factory=dict)  # switch -> address

    def address(self, switch: str) -> str:
        """Its address on ``switch``."""
        return self.addresses[switch]

    def command(self, args: Sequence[str]) -> list[str]:
        """``args`` as a command that runs inside this host."""
        return ["ip", "netns", "exec", self.namespace, *args]


@dataclass
class Network:
    """Hosts and switches of one run; build with ``add_switch`` and ``add_host``."""

    prefix: str = field(default_factory=lambda: f"arena-{uuid.uuid4().hex[:6]}")
    hosts: dict[str, Host] = field(default_factory=dict)
    switches: dict[str, tuple[str, int]] = field(default_factory=dict)  # name -> (subnet, next)
    namespaces: list[str] = field(default_factory=list)  # every one made, to delete

    def _namespace(self, name: str) -> str:
        namespace = f"{self.prefix}-{name}"
        run_ip("ip", "netns", "add", namespace)
        self.namespaces.append(namespace)
        run_ip("ip", "-n", namespace, "link", "set", "lo", "up")
        return namespace

    def add_switch(self, name: str, subnet: str) -> None:
        """A switch (a bridge in a namespace of its own) for hosts in ``subnet``, a /24 given
        as its first three numbers (``"10.10.1"``)."""
        namespace = self._namespace(f"sw-{name}")
        run_ip("ip", "-n", namespace, "link", "add", "br0", "type", "bridge")
        run_ip("ip", "-n", namespace, "link", "set", "br0", "up")
        self.switches[name] = (subnet, 10)

    def add_host(
        self, name: str, switches: Sequence[str], aliases: dict[str, str] | None = None
    ) -> Host:
        """A host joined to each of ``switches``, with the next free address on each;
        ``aliases`` (host name -> address) become its /etc/hosts."""
        host = Host(name, self._namespace(name))
        for switch in switches:
            subnet, number = self.switches[switch]
            self.switches[switch] = (subnet, number + 1)
            switch_ns = f"{self.prefix}-sw-{switch}"
            port = f"p-{name}"[:15]
            run_ip(
                "ip", "link", "add", "name", switch, "netns", host.namespace,
                "type", "veth", "peer", "name", port, "netns", switch_ns,
            )  # fmt: skip
            run_ip("ip", "-n", switch_ns, "link", "set", port, "master", "br0")
            run_ip("ip", "-n", switch_ns, "link", "set", port, "up")
            address = f"{subnet}.{number}"
            run_ip("ip", "-n", host.namespace, "addr", "add", f"{address}/24", "dev", switch)
            run_ip("ip", "-n", host.namespace, "link", "set", switch, "up")
            host.addresses[switch] = address
        self.hosts[name] = host
        if aliases:
            self.write_hosts_file(host, aliases)
        return host

    def write_hosts_file(self, host: Host, aliases: dict[str, str]) -> None:
        """The /etc/hosts that commands run inside ``host`` see: localhost and ``aliases``."""
        directory = NETNS_ETC / host.namespace
        directory.mkdir(parents=True, exist_ok=True)
        lines = ["127.0.0.1 localhost", *(f"{ip} {name}" for name, ip in aliases.items())]
        (directory / "hosts").write_text("\n".join(lines) + "\n")

    def link(self, host: str, switch: str, up: bool) -> None:
        """Set ``host``'s link to ``switch`` up or down (down: it can reach no one there)."""
        namespace = self.hosts[host].namespace
        run_ip("ip", "-n", namespace, "link", "set", switch, "up" if up else "down")

    def netem(self, host: str, switch: str, delay_ms: float = 0, loss: float = 0) -> None:
        """Delay (ms) and lose (percent) every packet ``host`` sends on ``switch``; applied on
        both ends of the link, so the round trip is delayed twice and either way loses."""
        rule = ["netem", "delay", f"{delay_ms:g}ms", "loss", f"{loss:g}%"]
        namespace = self.hosts[host].namespace
        run_ip("tc", "-n", namespace, "qdisc", "replace", "dev", switch, "root", *rule)
        switch_ns = f"{self.prefix}-sw-{switch}"
        port = f"p-{host}"[:15]
        run_ip("tc", "-n", switch_ns, "qdisc", "replace", "dev", port, "root", *rule)

    def clear_netem(self, host: str, switch: str) -> None:
        """Remove ``netem`` from ``host``'s link to ``switch``."""
        run_ip("tc", "-n", self.hosts[host].namespace, "qdisc", "del", "dev", switch, "root")
        port = f"p-{host}"[:15]
        run_ip("tc", "-n", f"{self.prefix}-sw-{switch}", "qdisc", "del", "dev", port, "root")

    def close(self) -> None:
        """Delete every namespace made (their links go with them) and their /etc/netns files."""
        for namespace in reversed(self.namespaces):
            try:
                run_ip("ip", "netns", "del", namespace)
            except HostsError as exc:
                logger.warning("could not delete namespace %s: %s", namespace, exc)
            shutil.rmtree(NETNS_ETC / namespace, ignore_errors=True)
        self.namespaces.clear()


def leftover_namespaces(prefix: str = "arena-") -> list[str]:
    """Namespaces named ``prefix...`` (a run killed before its cleanup leaves them)."""
    listed = run_ip("ip", "netns", "list")
    return [line.split()[0] for line in listed.splitlines() if line.startswith(prefix)]
