"""Django app configuration that makes the ``runengine`` command available."""

from django.apps import AppConfig


class EngineConfig(AppConfig):
    """The engine app: only management commands; the simulation never imports Django."""

    name = "engine"
