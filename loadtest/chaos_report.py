"""The figures of a chaos run, from its players and faults, and the table printed for them."""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from loadtest.chaos_faults import Fault
from loadtest.chaos_player import REPLACED, ChaosPlayer

# the runtime's reasons for a match not played out; any other (the time limit, or a game's own
# end: a score limit, four in a row...) means it was
UNFINISHED_REASONS = ("abandoned", "forfeit", "interrupted")
LOST_CODES = (4004, 4006)  # match not found, match over: the match is gone for that player
ENGINE_FAULTS = ("kill", "term")
LOG_SAMPLES = 6  # distinct warning and error lines shown per process
TIMELINE_BUCKET = 5  # seconds per row of the snapshot timeline


@dataclass
class ChaosReport:
    """Everything a chaos run measured; ``goals`` says which of its goals were met."""

    options: dict[str, Any]
    matches: dict[str, Any]
    faults: list[dict[str, Any]]
    takeover: dict[str, Any]
    reconnects: dict[str, Any]
    inputs: dict[str, Any]
    timeline: list[int]
    exits: list[dict[str, Any]]
    logs: dict[str, Any]
    log_dir: str
    goals: dict[str, bool] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when every goal was met."""
        return all(self.goals.values())

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data."""
        return asdict(self)


def spread(values: list[float]) -> dict[str, Any]:
    """Count, p50, p99 and max of ``values`` (nearest rank), in seconds rounded to ms."""
    if not values:
        return {"count": 0, "p50": None, "p99": None, "max": None}
    ordered = sorted(values)

    def rank(q: float) -> float:
        return round(ordered[max(0, math.ceil(q * len(ordered)) - 1)], 3)

    return {"count": len(ordered), "p50": rank(0.5), "p99": rank(0.99), "max": rank(1.0)}


def match_outcomes(players: list[ChaosPlayer], stored: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Which matches were played out to a RESULT and which were lost, and why.

    A match is *ended* when every one of its players that did not give up received a RESULT
    of a match played out (its time limit, or its game's own end; at least one did). It is
    *lost* otherwise: no player got a RESULT, a player was closed with 4004 or 4006 without one,
    the RESULT says "abandoned", "forfeit" or "interrupted", or a player still waited for one
    when the run's deadline passed.
    """
    by_match: dict[str, list[ChaosPlayer]] = {}
    for player in players:
        by_match.setdefault(player.match_id, []).append(player)
    lost: dict[str, str] = {}
    started = 0
    for match_id, members in by_match.items():
        started += any(p.player_id is not None for p in members)
        why = _why_lost(members)
        if why:
            lost[match_id] = why
    saved = sum(
        1 for m in by_match if (stored.get(m) or {}).get("status") == "over" and stored[m]["result"]
    )
    return {
        "created": len(by_match),
        "started": started,
        "ended": len(by_match) - len(lost),
        "lost": len(lost),
        "lost_matches": lost,
        "results_stored": saved,
        "reasons": dict(Counter((p.result or {}).get("reason", "none") for p in players)),
    }


def _why_lost(members: list[ChaosPlayer]) -> str:
    if not any(p.result for p in members):
        codes = sorted({p.gave_up for p in members if p.gave_up is not None})
        return f"no player got a RESULT (gave up: {codes})" if codes else "no RESULT by the end"
    reasons = {p.result["reason"] for p in members if p.result}
    if reasons & set(UNFINISHED_REASONS):
        return f"RESULT {sorted(reasons)}"
    for player in members:
        if player.result is None and player.gave_up in LOST_CODES:
            return f"{player.name} closed with {player.gave_up} without a RESULT"
        if player.result is None and player.gave_up is None:
            return f"{player.name} had no RESULT by the end"
    return ""


def fault_figures(
    faults: list[Fault], players: list[ChaosPlayer], started: float, ended: float
) -> list[dict[str, Any]]:
    """Per fault: what it hit, how long each affected match took to get snapshots again (the
    slowest of its players), and the closes and rollbacks seen until the next fault."""
    figures = []
    for index, fault in enumerate(faults):
        until = faults[index + 1].started if index + 1 < len(faults) else ended
        per_match: list[float] = []
        unrecovered = []
        for match_id, probes in fault.probes.items():
            seconds = [p.seconds for p in probes]
            if any(s is None for s in seconds):
                unrecovered.append(match_id)
            elif seconds:
                per_match.append(max(s for s in seconds if s is not None))
        player_seconds = [p.seconds for ps in fault.probes.values() for p in ps]
        repaired = None if fault.repaired is None else fault.repaired - fault.started
        after_repair = [s - repaired for s in per_match] if repaired is not None else []
        closes = Counter(
            code for p in players for when, code in p.closes if fault.started <= when < until
        )
        rolled = sum(
            n for p in players for when, n in p.ledger.rollbacks if fault.started <= when < until
        )
        entry = {
            "kind": fault.kind,
            "at_s": round(fault.started - started, 1),
            "target": fault.target,
            "matches": len(fault.probes),
            "players": len(player_seconds),
            "players_back": sum(s is not None for s in player_seconds),
            "recovery_s": spread(per_match),
            "player_recovery_s": spread([s for s in player_seconds if s is not None]),
            "unrecovered_matches": unrecovered,
            "closes": {str(code): n for code, n in sorted(closes.items())},
            "inputs_rolled_back": rolled,
            "repaired_after_s": None if repaired is None else round(repaired, 2),
            "recovery_after_repair_s": spread(after_repair),
            "notes": fault.notes,
        }
        figures.append(entry)
    return figures


def takeover_figures(faults: list[Fault]) -> dict[str, Any]:
    """Seconds from an engine fault to the first snapshot after the new WELCOME, per match."""
    seconds: list[float] = []
    unrecovered = 0
    for fault in faults:
        if fault.kind not in ENGINE_FAULTS:
            continue
        for probes in fault.probes.values():
            values = [p.seconds for p in probes]
            if not values or any(v is None for v in values):
                unrecovered += 1
            else:
                seconds.append(max(v for v in values if v is not None))
    return {**spread(seconds), "unrecovered": unrecovered}


def reconnect_figures(players: list[ChaosPlayer], grace: float) -> dict[str, Any]:
    """Every time a seated player lost its socket: how it came back, or how it failed."""
    outages = [o for p in players for o in p.outages]
    back = [o for o in outages if o.same_id]
    in_time = [o for o in back if (o.seconds or 0.0) <= grace]
    failed = Counter(str(o.failed_with) for o in outages if o.same_id is None and o.ended)
    attempts: Counter[str] = Counter()
    for player in players:
        attempts.update(player.failed_attempts)
    return {
        "drops": len(outages),
        "causes": dict(Counter(str(o.cause) for o in outages)),
        "back_same_id": len(back),
        "back_same_id_in_grace": len(in_time),
        "back_other_id": sum(1 for o in outages if o.same_id is False),
        "failed": sum(failed.values()),
        "failed_codes": dict(failed),
        "still_away": sum(1 for o in outages if o.ended is None),
        "same_id_ratio": 1.0 if not outages else round(len(in_time) / len(outages), 4),
        "attempts": sum(o.attempts for o in outages),
        "failed_attempts": dict(attempts),
        "replaced_4019": sum(1 for p in players for _, code in p.closes if code == REPLACED),
        "seconds_away": spread([o.seconds for o in back if o.seconds is not None]),
        "players_gave_up": {p.name: p.gave_up for p in players if p.gave_up is not None},
    }


def input_figures(players: list[ChaosPlayer]) -> dict[str, Any]:
    """Inputs sent, applied twice (goal 0) and rolled back by resumes from a checkpoint."""
    twice = [(p.name, ack) for p in players for _, ack in p.ledger.applied_twice]
    return {
        "sent": sum(p.inputs_sent for p in players),
        "applied_twice": len(twice),
        "applied_twice_examples": twice[:10],
        "rolled_back": sum(p.ledger.rolled_back for p in players),
        "rollbacks": sum(len(p.ledger.rollbacks) for p in players),
        "moves": sum(p.moves for p in players),
        "chain_breaks": sum(p.chain_breaks for p in players),
        "snapshots": sum(p.snapshots for p in players),
    }


def timeline(per_second: Counter[int], seconds: float) -> list[int]:
    """Snapshots received by all players in each second of the run."""
    return [per_second.get(second, 0) for second in range(int(seconds) + 1)]


_NOISE = re.compile(r"[0-9a-f]{8}-[0-9a-f-]{27}|\b0x[0-9a-f]+\b|\d+(\.\d+)?")
_LEVEL = re.compile(r"\b(WARNING|ERROR|CRITICAL)\b")
_KNOWN = ("Memory overcommit must be enabled",)  # redis-server's warning on most hosts


def log_findings(log_dir: Path) -> dict[str, Any]:
    """Per process log: warning, error and traceback lines, with the commonest few."""
    findings: dict[str, Any] = {}
    for path in sorted(log_dir.glob("*.log")):
        levels: Counter[str] = Counter()
        samples: Counter[str] = Counter()
        first: dict[str, str] = {}
        for line in path.read_text(errors="replace").splitlines():
            match = _LEVEL.search(line)
            if "Traceback" in line:
                levels["traceback"] += 1
            if match is None or any(known in line for known in _KNOWN):
                continue
            levels[match.group(1).lower()] += 1
            text = line[match.start() :]
            shape = _NOISE.sub("#", text)[:160]
            samples[shape] += 1
            first.setdefault(shape, line[:240])
        if levels:
            findings[path.stem] = {
                **dict(levels),
                "lines": [
                    {"count": n, "first": first[shape]}
                    for shape, n in samples.most_common(LOG_SAMPLES)
                ],
            }
    return findings


def goals(report: ChaosReport, takeover_goal: float) -> dict[str, bool]:
    """The run's goals: no match lost, every reconnect back as the same player within the grace
    period, no input applied twice, engine takeover p99 under ``takeover_goal`` seconds."""
    p99 = report.takeover.get("p99")
    return {
        "no match lost": report.matches["lost"] == 0,
        "reconnects back with the same id": report.reconnects["same_id_ratio"] == 1.0,
        "no input applied twice": report.inputs["applied_twice"] == 0,
        f"takeover p99 < {takeover_goal:g} s": report.takeover["unrecovered"] == 0
        and (p99 is None or p99 < takeover_goal),
    }


# -- the table -----------------------------------------------------------------------------------


def _n(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def _triple(stats: dict[str, Any]) -> str:
    return " / ".join(_n(stats.get(q)) for q in ("p50", "p99", "max"))


def _codes(counts: dict[str, int]) -> str:
    return ", ".join(f"{code}×{n}" for code, n in counts.items()) or "-"


def format_report(report: ChaosReport) -> str:
    """The report as plain text: options, matches, faults, reconnects, inputs, goals."""
    o, m, r, i = report.options, report.matches, report.reconnects, report.inputs
    t = report.takeover
    lines = [
        f"Arena chaos run: {o['game']} {o['mode']}, "
        f"{o['matches']} matches × {o['players']} players, "
        f"{o['webs']} web processes, {o['engines']} engine workers, a private Redis; "
        f"time limit {o['time_limit']:g} s, reconnect grace {o['grace']:g} s",
        "faults: " + ", ".join(f"{f['kind']} at {f['at_s']:g} s" for f in report.faults),
        "",
        "matches",
        f"  created / started                      {m['created']} / {m['started']}",
        f"  ended with a RESULT                    {m['ended']}   (results stored: "
        f"{m['results_stored']}; reasons seen by players: {m['reasons']})",
        f"  lost (goal 0)                          {m['lost']}   (no RESULT for its players, "
        "a 4004/4006 close without one, or an abandoned RESULT)",
    ]
    lines += [f"    {match_id}: {why}" for match_id, why in m["lost_matches"].items()]
    lines += [
        "",
        "faults (recovery: fault -> first snapshot after it, slowest player of each match, s)",
    ]
    header = (
        f"  {'fault':<6} {'at s':>5}  {'target':<11} {'matches':>7} {'players back':>12}  "
        f"{'recovery p50 / p99 / max':>24}  {'closes until next fault':<24} rolled back"
    )
    lines += [header, "  " + "-" * (len(header) - 2)]
    for f in report.faults:
        back = f"{f['players_back']}/{f['players']}"
        lines.append(
            f"  {f['kind']:<6} {f['at_s']:>5.1f}  {f['target']:<11} {f['matches']:>7} "
            f"{back:>12}  {_triple(f['recovery_s']):>24}  {_codes(f['closes']):<24} "
            f"{f['inputs_rolled_back']}"
        )
        notes = "; ".join(f["notes"])
        if f["kind"] == "redis" and f["recovery_after_repair_s"]["count"]:
            notes += "; snapshots again after the restart, s p50 / p99 / max: " + _triple(
                f["recovery_after_repair_s"]
            )
        if f["unrecovered_matches"]:
            notes += f"; NOT recovered: {', '.join(f['unrecovered_matches'])}"
        lines.append(f"         {notes}")
    lines += [
        "",
        f"engine takeover per match, s p50 / p99 / max   {_triple(t)}   ({t['count']} matches, "
        f"{t['unrecovered']} not recovered; goal p99 < {o['takeover_goal']:g} s)",
        "",
        "reconnects",
        f"  connections lost (by close code)       {r['drops']}   ({_codes(r['causes'])})",
        f"  back with the same player id in grace  {r['back_same_id_in_grace']}   "
        f"({100 * r['same_id_ratio']:.1f} %, goal 100 %)",
        f"  back with another id / failed / away   {r['back_other_id']} / {r['failed']} / "
        f"{r['still_away']}   (failed with: {_codes(r['failed_codes'])})",
        f"  attempts (failed attempts by cause)    {r['attempts']}   "
        f"({_codes(r['failed_attempts'])})",
        f"  time away s p50 / p99 / max            {_triple(r['seconds_away'])}",
        f"  replaced (4019)                        {r['replaced_4019']}",
    ]
    if r["players_gave_up"]:
        lines.append(f"  players that gave up (close code)      {r['players_gave_up']}")
    lines += [
        "",
        "inputs",
        f"  sent                                   {i['sent']}",
        f"  applied twice (goal 0)                 {i['applied_twice']}",
        f"  rolled back (acked, then undone by a resume from a checkpoint)   {i['rolled_back']} "
        f"in {i['rollbacks']} rollbacks",
        f"  match moves seen (WELCOME on an open socket)   {i['moves']}; chain breaks "
        f"{i['chain_breaks']}; snapshots received {i['snapshots']}",
        "",
        _format_timeline(report),
    ]
    if report.exits:
        lines += ["", "processes that exited by themselves:"]
        lines += [f"  {e['name']} (code {e['code']}) at {e['at_s']} s" for e in report.exits]
    lines += ["", f"server log warnings and errors (logs in {report.log_dir}):"]
    if not report.logs:
        lines.append("  none")
    for name, found in report.logs.items():
        counts = ", ".join(f"{k} {v}" for k, v in found.items() if k != "lines")
        lines.append(f"  {name}: {counts}")
        lines += [f"    {entry['count']:>4}× {entry['first']}" for entry in found["lines"]]
    lines += ["", "goals"]
    lines += [f"  {'ok  ' if met else 'FAIL'} {goal}" for goal, met in report.goals.items()]
    return "\n".join(lines)


def _format_timeline(report: ChaosReport) -> str:
    per_second = report.timeline
    starts: dict[int, list[str]] = {}
    for f in report.faults:
        starts.setdefault(int(f["at_s"] // TIMELINE_BUCKET), []).append(f["kind"])
    expected = report.options["matches"] * report.options["players"] * report.options["tick_rate"]
    lines = [f"snapshots/s received by all players (of {expected} when all play), per 5 s"]
    for index in range(0, len(per_second), TIMELINE_BUCKET):
        chunk = per_second[index : index + TIMELINE_BUCKET]
        rate = sum(chunk) / len(chunk)
        bar = "#" * round(40 * rate / expected) if expected else ""
        marks = (
            " <- " + ", ".join(starts[index // TIMELINE_BUCKET])
            if index // TIMELINE_BUCKET in starts
            else ""
        )
        lines.append(f"  {index:>4}-{index + len(chunk):<4} s {rate:>7.0f}  {bar}{marks}")
    return "\n".join(lines)
