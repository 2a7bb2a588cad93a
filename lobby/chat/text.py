"""What a chat text may be: control characters removed, a length cap, a word filter."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from engine.protocol import MAX_CHAT_TEXT_BYTES, ChatErrorCode

# control, format (bidi overrides, zero-width), surrogate, private-use and unassigned characters
_DROPPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})
_SPACES = re.compile(r"\s+")


class TextRefused(ValueError):
    """A chat text that cannot be sent; ``code`` is the CHAT_ERROR code."""

    def __init__(self, code: ChatErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code


def clean_text(text: str, max_length: int) -> str:
    """The text as it is sent: invisible and control characters removed, runs of spaces (and
    line breaks) one space, no leading or trailing space. Raises TextRefused when nothing is
    left or it is longer than ``max_length`` characters or MAX_CHAT_TEXT_BYTES bytes."""
    spaced = _SPACES.sub(" ", text)  # line breaks and tabs are spaces, not dropped controls
    kept = "".join(ch for ch in spaced if unicodedata.category(ch) not in _DROPPED_CATEGORIES)
    cleaned = _SPACES.sub(" ", kept).strip()
    if not cleaned:
        raise TextRefused(ChatErrorCode.EMPTY, "nothing to send")
    if len(cleaned) > max_length or len(cleaned.encode()) > MAX_CHAT_TEXT_BYTES:
        raise TextRefused(
            ChatErrorCode.TOO_LONG,
            f"a message is at most {max_length} characters ({MAX_CHAT_TEXT_BYTES} bytes)",
        )
    return cleaned


@dataclass(frozen=True)
class WordFilter:
    """Masks blocked words (whole words, any case) with asterisks of the same length."""

    words: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        pattern = None
        if self.words:
            alternatives = "|".join(re.escape(w) for w in sorted(self.words, key=len, reverse=True))
            pattern = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)
        object.__setattr__(self, "_pattern", pattern)

    def apply(self, text: str) -> str:
        """``text`` with every blocked word masked."""
        pattern: re.Pattern[str] | None = self._pattern  # type: ignore[attr-defined]
        if pattern is None:
            return text
        return pattern.sub(lambda m: "*" * len(m.group(0)), text)
