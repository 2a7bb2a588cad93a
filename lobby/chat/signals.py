"""An operator's change to a mute or a ban reaches the player's sockets at once."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from lobby.chat.broadcast import send_standing
from lobby.chat.models import ChatSanction


@receiver(post_save, sender=ChatSanction, dispatch_uid="chat-sanction-saved")
@receiver(post_delete, sender=ChatSanction, dispatch_uid="chat-sanction-deleted")
def sanction_changed(sender: Any, instance: ChatSanction, **kwargs: Any) -> None:
    """Tell every socket of the player (on every web process) its new standing."""
    send_standing(instance.player_id)
