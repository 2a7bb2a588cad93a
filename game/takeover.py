"""A player's new match socket takes the match over from its older one, which closes (4019).

The lobby store moves the player's match presence to the new socket and names the old one
(``LobbyStore.enter_match``); the new socket then sends the old one REPLACED over the channel
layer. The engine gives the same seat to the new socket (it seats by player key).
"""

from __future__ import annotations

import logging
from typing import Any

from engine import messages

logger = logging.getLogger(__name__)


async def tell_replaced(layer: Any, channel: str, match_id: str) -> None:
    """Tell the socket on ``channel`` that a newer socket took its place in ``match_id``."""
    message: messages.ReplacedMessage = {"type": "match.replaced", "match_id": match_id}
    try:
        await layer.send(channel, dict(message))
    except Exception:  # the old socket is gone or its channel is full: it closes on its own
        logger.warning("could not tell %s that it was replaced", channel, exc_info=True)
