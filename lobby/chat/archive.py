"""Chat's storage: messages written in batches (group commit), history, reports, standings.

Every message is stored before it is delivered, so a socket joining a channel finds in its
history every message already delivered. Messages that arrive while a write runs wait and go
together in the next one, so a busy process writes once per batch, not once per message. Each
channel keeps its last ``keep`` messages (pruned every ``PRUNE_EVERY`` stored ones); direct
messages are kept until an operator deletes them.
"""

from __future__ import annotations

import asyncio
import datetime
import logging
import uuid
import weakref
from collections import Counter
from collections.abc import Iterable

from channels.db import database_sync_to_async
from django.db import transaction
from django.db.models import Q

from lobby.chat.lines import ChatLine
from lobby.chat.models import ChatMessage, ChatReport, ChatSanction
from lobby.chat.standing import Standing, standing_of

logger = logging.getLogger(__name__)

PRUNE_EVERY = 10  # stored messages of a channel (in this process) between two prunes
REPORT_CONTEXT = 10  # messages before the reported one kept with a report


def _when(timestamp: float) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(timestamp, datetime.UTC)


def _kind(topic: str) -> str:
    return topic.split(".", 2)[1]


def _line(row: ChatMessage) -> ChatLine:
    return ChatLine(
        row.id.hex,
        row.topic,
        row.sender_id or 0,
        row.sender_name,
        row.text,
        row.sent_at.timestamp(),
        row.recipient_id,
        row.recipient_name or None,
    )


def write_lines(lines: list[ChatLine], keep: int, prune: Iterable[str] = ()) -> None:
    """Store ``lines``, then keep only the last ``keep`` messages of each topic of ``prune``."""
    rows = [
        ChatMessage(
            id=line.id,
            topic=line.topic,
            kind=_kind(line.topic),
            sender_id=line.sender_id,
            sender_name=line.sender_name,
            recipient_id=line.to_id,
            recipient_name=line.to_name or "",
            text=line.text,
            sent_at=_when(line.sent_at),
        )
        for line in lines
    ]
    with transaction.atomic():
        ChatMessage.objects.bulk_create(rows)
        for topic in prune:
            old = ChatMessage.objects.filter(topic=topic).order_by("-sent_at")[keep : keep + 1000]
            ids = list(old.values_list("id", flat=True))
            if ids:
                ChatMessage.objects.filter(id__in=ids).delete()


class ChatArchive:
    """This event loop's writer of chat messages (``store`` waits until its batch is written)."""

    def __init__(self, keep: int) -> None:
        self.keep = keep
        self._waiting: list[tuple[ChatLine, asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None
        self._since_prune: Counter[str] = Counter()
        self.batches = 0
        self.stored = 0

    async def store(self, line: ChatLine) -> None:
        """Store ``line``; raises what the database raised if it could not."""
        done = asyncio.get_running_loop().create_future()
        self._waiting.append((line, done))
        if self._writer is None:
            self._writer = asyncio.create_task(self._write_waiting())
        await done

    async def _write_waiting(self) -> None:
        try:
            while self._waiting:
                batch, self._waiting = self._waiting, []
                lines = [line for line, _ in batch]
                prune = self._due_for_pruning(lines)
                try:
                    await database_sync_to_async(write_lines)(lines, self.keep, prune)
                except Exception as exc:
                    logger.warning("could not store %d chat messages: %r", len(lines), exc)
                    for _, done in batch:
                        if not done.done():
                            done.set_exception(exc)
                    continue
                self.batches += 1
                self.stored += len(lines)
                for _, done in batch:
                    if not done.done():
                        done.set_result(None)
        finally:
            self._writer = None

    def _due_for_pruning(self, lines: list[ChatLine]) -> list[str]:
        due = []
        for line in lines:
            if line.to_id is not None:
                continue  # direct messages stay
            self._since_prune[line.topic] += 1
            if self._since_prune[line.topic] >= PRUNE_EVERY:
                del self._since_prune[line.topic]
                due.append(line.topic)
        return due


_archives: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, ChatArchive] = (
    weakref.WeakKeyDictionary()
)


def chat_archive(keep: int) -> ChatArchive:
    """This event loop's archive."""
    loop = asyncio.get_running_loop()
    archive = _archives.get(loop)
    if archive is None:
        archive = _archives[loop] = ChatArchive(keep)
    return archive


@database_sync_to_async
def history(topic: str, limit: int) -> list[ChatLine]:
    """The last ``limit`` messages of ``topic``, oldest first."""
    rows = ChatMessage.objects.filter(topic=topic).order_by("-sent_at")[:limit]
    return [_line(row) for row in reversed(list(rows))]


@database_sync_to_async
def direct_history(chat_id: int, limit: int) -> list[ChatLine]:
    """The last ``limit`` direct messages from or to a player, oldest first."""
    rows = (
        ChatMessage.objects.filter(kind=ChatMessage.Kind.DIRECT)
        .filter(Q(sender_id=chat_id) | Q(recipient_id=chat_id))
        .order_by("-sent_at")[:limit]
    )
    return [_line(row) for row in reversed(list(rows))]


def standing_now(chat_id: int, now: float) -> Standing:
    """The player's standing at ``now`` from its sanctions in the database."""
    sanctions = ChatSanction.objects.filter(player_id=chat_id).filter(
        Q(until__isnull=True) | Q(until__gt=_when(now))
    )
    return standing_of((s.to_sanction() for s in sanctions), now)


load_standing = database_sync_to_async(standing_now)


@database_sync_to_async
def store_report(
    reporter: int, message_id: str, reason: str, visible: Iterable[str]
) -> ChatReport | None:
    """Store a report of ``message_id`` with the messages before it; None if the message is
    not kept, or is not in a topic of ``visible`` nor a direct message of the reporter."""
    try:
        row = ChatMessage.objects.filter(id=uuid.UUID(message_id)).first()
    except ValueError:
        return None
    if row is None:
        return None
    mine = row.kind == ChatMessage.Kind.DIRECT and reporter in (row.sender_id, row.recipient_id)
    if row.topic not in set(visible) and not mine:
        return None
    before = ChatMessage.objects.filter(topic=row.topic, sent_at__lte=row.sent_at).exclude(
        id=row.id
    )
    earlier = list(before.order_by("-sent_at")[:REPORT_CONTEXT])
    context = [_line(r).to_wire() for r in reversed(earlier)] + [_line(row).to_wire()]
    return ChatReport.objects.create(
        message_id=row.id,
        topic=row.topic,
        reporter_id=reporter,
        reported_id=row.sender_id,
        reported_name=row.sender_name,
        text=row.text,
        sent_at=row.sent_at,
        reason=reason,
        context=context,
    )
