"""Django app configuration for chat."""

from django.apps import AppConfig


class ChatConfig(AppConfig):
    """Chat messages, reports, mutes and bans, announcements."""

    name = "lobby.chat"
    label = "chat"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """Tell players' sockets when an operator changes a mute or a ban."""
        from lobby.chat import signals  # noqa: F401
