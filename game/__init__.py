"""Arena's Django project: settings, ASGI entry point, HTTP API and match consumers."""

from engine.native import use_fresh_modules_only

use_fresh_modules_only()
