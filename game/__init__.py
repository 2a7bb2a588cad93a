"""Arena's Django project: settings, ASGI entry point, HTTP API and match consumers."""
