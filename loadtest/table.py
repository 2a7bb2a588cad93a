"""The fan-out bench's reports side by side, one column per setup."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Row = tuple[str, Callable[[dict[str, Any]], Any]]


def _num(value: Any, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _get(report: dict[str, Any], *path: str) -> Any:
    value: Any = report
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def _triple(report: dict[str, Any], key: str, digits: int = 1) -> str:
    stats = report.get(key) or {}
    return " / ".join(_num(stats.get(q), digits) for q in ("p50", "p99", "max"))


def _delivered(report: dict[str, Any]) -> str:
    fps, fraction = report.get("frames_per_s"), report.get("delivered_fraction")
    if fps is None:
        return "-"
    return f"{fps:,} ({100 * (fraction or 0):.1f}%)"


def _connected(report: dict[str, Any]) -> str:
    return f"{_num(report.get('connected'))}/{_num(report.get('clients'))}"


def _socket_rates(report: dict[str, Any]) -> str:
    return " / ".join(_num(report.get(f"{q}_socket_frames_per_s")) for q in ("min", "p1", "p50"))


def _with_inputs(cell: Callable[[dict[str, Any]], Any]) -> Callable[[dict[str, Any]], str]:
    """A cell shown only for a setup that sent inputs (the real stack); "-" for the others."""
    return lambda r: "-" if r.get("inputs_per_s") is None else str(cell(r))


def _throttled(report: dict[str, Any]) -> str:
    return f"{_num(report.get('throttled_frames'))} ({_num(report.get('throttled_dropped'))})"


COMMON_ROWS: list[Row] = [
    ("clients connected", _connected),
    ("frames/s delivered (of N×rate)", _delivered),
    ("socket frames/s min/p1/p50", _socket_rates),
    ("open sockets with no frame", lambda r: _num(r.get("starved_sockets"))),
    ("latency ms p50/p99/max", lambda r: _triple(r, "latency_ms")),
    ("jitter ms p99 (|gap−tick|)", lambda r: _num(_get(r, "jitter_ms", "p99"))),
    ("gap ms max", lambda r: _num(_get(r, "gap_ms", "max"))),
    ("dropped sockets", lambda r: _num(r.get("dropped"))),
    ("bytes/client/s", lambda r: _num(r.get("bytes_per_client_per_s"))),
    ("mean frame bytes", lambda r: _num(r.get("mean_frame_bytes"))),
    ("frames without server_ms", lambda r: _num(r.get("frames_without_server_ms"))),
    ("inputs/s sent (total)", lambda r: _num(r.get("inputs_per_s"))),
    ("input→applied ms p50/p99/max", _with_inputs(lambda r: _triple(r, "input_ack_ms"))),
    ("input→applied samples", _with_inputs(lambda r: _num(_get(r, "input_ack_ms", "count")))),
    ("THROTTLED notices (frames dropped)", _with_inputs(_throttled)),
    (
        "baseline ticks skipped",
        lambda r: _num(_get(r, "server_ticks", "web-1", "skipped")),
    ),
]


def _in_group(group: str, cell: Callable[[dict[str, Any]], Any]) -> Callable[[dict[str, Any]], str]:
    """A cell of one group of sockets (``spectators``, ``watched_players``); "-" without it."""

    def show(report: dict[str, Any]) -> str:
        figures = report.get(group)
        return "-" if not figures else str(cell(figures))

    return show


# With --spectators: the spectators' own figures (the common rows are then the players').
SPECTATOR_ROWS: list[Row] = [
    (f"spectators {label}", _in_group("spectators", cell))
    for label, cell in [
        ("connected", _connected),
        ("frames/s delivered (of N×rate)", _delivered),
        ("socket frames/s min/p1/p50", _socket_rates),
        ("open with no frame", lambda r: _num(r.get("starved_sockets"))),
        ("latency ms p50/p99/max", lambda r: _triple(r, "latency_ms")),
        ("jitter ms p99 (|gap−tick|)", lambda r: _num(_get(r, "jitter_ms", "p99"))),
        ("gap ms max", lambda r: _num(_get(r, "gap_ms", "max"))),
        ("dropped sockets", lambda r: _num(r.get("dropped"))),
        ("bytes/client/s", lambda r: _num(r.get("bytes_per_client_per_s"))),
    ]
]
# The players of the match the spectators watch (the first match; reported in every real run).
WATCHED_ROWS: list[Row] = [
    (f"watched match players {label}", _in_group("watched_players", cell))
    for label, cell in [
        ("connected", _connected),
        ("frames/s delivered", _delivered),
        ("latency ms p50/p99/max", lambda r: _triple(r, "latency_ms")),
        ("jitter ms p99", lambda r: _num(_get(r, "jitter_ms", "p99"))),
        ("dropped sockets", lambda r: _num(r.get("dropped"))),
    ]
]


def _chat_connected(chat: dict[str, Any]) -> str:
    if "error" in chat:
        return "error"
    return _connected(chat)


def _chat_deliveries(chat: dict[str, Any]) -> str:
    return f"{_num(chat.get('deliveries'))} (of {_num(chat.get('expected_deliveries'))})"


# With --chat-users: what the lobby chat users sent and received in the window.
CHAT_ROWS: list[Row] = [
    (f"chat {label}", _in_group("chat", cell))
    for label, cell in [
        ("users connected", _chat_connected),
        (
            "messages sent (per s)",
            lambda r: f"{_num(r.get('messages_sent'))} ({_num(r.get('messages_per_s'))})",
        ),
        ("deliveries (expected)", _chat_deliveries),
        ("delivery ms p50/p99/max", lambda r: _triple(r, "delivery_ms")),
        ("lost / refused", lambda r: f"{_num(r.get('lost'))} / {_num(r.get('refused'))}"),
    ]
]


def _group_rows(reports: list[dict[str, Any]]) -> list[Row]:
    """The spectators' and the watched match's rows, when a run had spectators, and the chat
    users' when a run had them."""
    rows: list[Row] = []
    if any(report.get("spectators") for report in reports):
        rows += SPECTATOR_ROWS + WATCHED_ROWS
    if any(report.get("chat") for report in reports):
        rows += CHAT_ROWS
    return rows


def _engine(report: dict[str, Any], engine_id: str) -> dict[str, Any]:
    return _get(report, "engines", engine_id) or {}


def _engine_samples(entry: dict[str, Any]) -> str:
    if not entry:
        return "-"
    warm = " (incl. warm-up)" if entry.get("samples_cover_warmup") else ""
    return f"{entry.get('samples')}{warm}"


def _engine_share(entry: dict[str, Any]) -> str:
    value = entry.get("duration_p99_percent_of_period")
    if value is None:
        return "-"
    return f"{value:.1f}% of {_num(entry.get('period_ms'))}"


def _engine_cpu(entry: dict[str, Any]) -> str:
    if not entry or _get(entry, "cpu_ms", "p99") is None:
        return "-"
    p50, p99 = (_num(_get(entry, "cpu_ms", q), 2) for q in ("p50", "p99"))
    return f"{p50} / {p99} ({entry.get('cpu_p99_percent_of_period'):.1f}%)"


def _engine_durations(entry: dict[str, Any]) -> str:
    return _triple(entry, "duration_ms", 2) if entry else "-"


def _engine_lateness(entry: dict[str, Any]) -> str:
    if not entry:
        return "-"
    return " / ".join(_num(_get(entry, "lateness_ms", q), 2) for q in ("p99", "max"))


def _engine_rows(reports: list[dict[str, Any]]) -> list[Row]:
    """The engines' own tick stats (real setup), a few rows per engine id."""
    ids: list[str] = []
    for report in reports:
        for engine_id in report.get("engines") or {}:
            if engine_id not in ids:
                ids.append(engine_id)
    rows: list[Row] = []
    for e in ids:
        rows += [
            (f"{e} matches", lambda r, e=e: _num(_engine(r, e).get("matches"))),
            (f"{e} stats samples", lambda r, e=e: _engine_samples(_engine(r, e))),
            (f"{e} tick ms p50/p99/max", lambda r, e=e: _engine_durations(_engine(r, e))),
            (f"{e} tick p99 % of period ms", lambda r, e=e: _engine_share(_engine(r, e))),
            (f"{e} tick CPU ms p50/p99 (% of period)", lambda r, e=e: _engine_cpu(_engine(r, e))),
            (f"{e} start lateness ms p99/max", lambda r, e=e: _engine_lateness(_engine(r, e))),
        ]
    return rows


def _process_rows(reports: list[dict[str, Any]]) -> list[Row]:
    names: list[str] = []
    for report in reports:
        for name in report.get("processes", {}):
            if name not in names:
                names.append(name)
    order = {"chat-users": 3, "load-client": 2, "redis-server": 1, "engine": 0}
    names.sort(key=lambda n: (order.get(n, -1), n))
    rows: list[Row] = []
    for name in names:
        rows.append(
            (f"{name} CPU %", lambda r, n=name: _num(_get(r, "processes", n, "cpu_percent")))
        )
        rows.append(
            (
                f"{name} peak RSS MiB",
                lambda r, n=name: _num(_get(r, "processes", n, "peak_rss_mib")),
            )
        )
        if name.startswith("web-"):
            rows.append(
                (
                    f"{name} KiB/socket",
                    lambda r, n=name: _num(_get(r, "processes", n, "kib_per_socket")),
                )
            )
            rows.append(
                (
                    f"{name} inputs/s sent to it",
                    lambda r, n=name: _num(_get(r, "processes", n, "inputs_per_s")),
                )
            )
    return rows


def format_table(setups: dict[str, dict[str, Any]]) -> str:
    """A plain-text table: a row per measure, a column per setup."""
    names = list(setups)
    reports = [setups[n] for n in names]
    rows = COMMON_ROWS + _group_rows(reports) + _engine_rows(reports) + _process_rows(reports)
    cells = [["", *names]]
    for label, cell in rows:
        cells.append([label, *("error" if "error" in r else str(cell(r)) for r in reports)])
    widths = [max(len(row[i]) for row in cells) for i in range(len(cells[0]))]
    lines = []
    for index, row in enumerate(cells):
        first = row[0].ljust(widths[0])
        rest = [value.rjust(width) for value, width in zip(row[1:], widths[1:], strict=True)]
        lines.append("  ".join([first, *rest]))
        if index == 0:
            lines.append("-" * len(lines[0]))
    for name, report in setups.items():
        if "error" in report:
            lines.append(f"{name}: {report['error']}")
    return "\n".join(lines)


def format_header(report: dict[str, Any]) -> str:
    """One line of the run's options, and the real stack's extra settings."""
    o = report.get("options", {})
    line = (
        f"fanout: {_num(o.get('clients'))} clients, {o.get('webs')} web process(es), "
        f"{o.get('tick_rate')} Hz, warm-up {_num(o.get('warmup'))} s, "
        f"measured {_num(o.get('duration'))} s, {_num(o.get('input_rate'))} inputs/s per player, "
        f"channel layer {o.get('channel_layer')}, engine {o.get('engine', 'external')}, "
        f"{report.get('cpus')} CPUs"
    )
    if o.get("spectators"):
        line += f"; real: {_num(o.get('spectators'))} spectators of one match"
        if o.get("compare"):
            line += " (compared with a run without)"
    if o.get("chat_users"):
        line += (
            f"; real: {_num(o.get('chat_users'))} lobby chat users, a message every "
            f"{_num(o.get('chat_interval'))} s each"
        )
        if o.get("compare_chat"):
            line += " (compared with a run without)"
    env = o.get("server_env") or {}
    settings = " ".join(f"{k}={v}" for k, v in env.items()) if env else "(defaults)"
    return f"{line}\nreal stack settings: {settings}"


def _change(entry: dict[str, Any], goal: float) -> str:
    before, after, change = (entry.get(k) for k in ("without_ms", "with_ms", "change_percent"))
    if change is None:
        return f"{_num(before)} ms without, {_num(after)} ms with spectators"
    verdict = "ok" if entry.get("within_goal") else "NOT within the goal"
    return (
        f"{_num(before)} ms without, {_num(after)} ms with spectators: {change:+.1f}% "
        f"(goal: at most +{goal:.0f}%) {verdict}"
    )


def format_comparison(comparison: dict[str, Any]) -> str:
    """``--compare``'s lines: the players' latency p99 without and with spectators."""
    if "error" in comparison:
        return f"comparison: {comparison['error']}"
    goal = comparison.get("goal_percent", 10.0)
    spectators = comparison.get("spectators") or {}
    fraction = spectators.get("delivered_fraction")
    delivered = "-" if fraction is None else f"{100 * fraction:.1f}%"
    return "\n".join(
        [
            "players' latency p99: " + _change(comparison.get("players_p99") or {}, goal),
            "watched match players' latency p99: "
            + _change(comparison.get("watched_players_p99") or {}, goal),
            f"spectators: {_num(spectators.get('connected'))}/{_num(spectators.get('clients'))} "
            f"connected, {delivered} of frames delivered, latency p99 "
            f"{_num(_get(spectators, 'latency_ms', 'p99'))} ms, "
            f"{_num(spectators.get('dropped'))} dropped",
        ]
    )


def _ratio_cell(entry: dict[str, Any], unit: str = " ms", percent: bool = False) -> str:
    before, after, ratio = (entry.get(k) for k in ("without", "with", "ratio"))
    if percent:
        shown = [("-" if v is None else f"{100 * v:.1f}%") for v in (before, after)]
    else:
        shown = [f"{_num(v)}{unit}" for v in (before, after)]
    times = "-" if ratio is None else f"×{ratio:g}"
    return f"{shown[0]} without, {shown[1]} with chat ({times})"


def format_chat_comparison(comparison: dict[str, Any]) -> str:
    """``--compare-chat``'s lines: the players' figures without and with the chat users."""
    if "error" in comparison:
        return f"chat comparison: {comparison['error']}"
    chat = comparison.get("chat") or {}
    if "error" in chat:
        what = f"error: {chat['error']}"
    else:
        what = (
            f"{_num(chat.get('connected'))}/{_num(chat.get('clients'))} users, "
            f"{_num(chat.get('messages_sent'))} messages, {_num(chat.get('deliveries'))} "
            f"deliveries (of {_num(chat.get('expected_deliveries'))}), delivery p50/p99 "
            f"{_num(_get(chat, 'delivery_ms', 'p50'))} / {_num(_get(chat, 'delivery_ms', 'p99'))}"
            f" ms, {_num(chat.get('lost'))} lost, {_num(chat.get('refused'))} refused"
        )
    return "\n".join(
        [
            "players' latency p50: " + _ratio_cell(comparison.get("players_p50_ms") or {}),
            "players' latency p99: " + _ratio_cell(comparison.get("players_p99_ms") or {}),
            "players' frames delivered: "
            + _ratio_cell(comparison.get("players_delivered_fraction") or {}, percent=True),
            "chat: " + what,
        ]
    )
