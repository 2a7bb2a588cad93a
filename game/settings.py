"""Django settings for Arena, built from the environment by ``game.config``."""

from __future__ import annotations

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from game.config import ConfigError, channel_layer_settings, database_settings, load_config

BASE_DIR = Path(__file__).resolve().parent.parent

try:
    ARENA = load_config(os.environ)
except ConfigError as exc:
    raise ImproperlyConfigured(f"Arena configuration error: {exc}") from None

DEBUG = ARENA.debug
SECRET_KEY = ARENA.secret_key
ALLOWED_HOSTS = list(ARENA.allowed_hosts)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "engine",
    "game",
    "lobby",
    "lobby.chat",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

# Production over TLS (ARENA_HTTPS): the proxy in front terminates TLS and says so in
# X-Forwarded-Proto; cookies are secure, plain HTTP is redirected (but the proxy's own health
# checks and metrics scrapes), and browsers are told to keep to HTTPS. The header is read in
# game.asgi from trusted proxies only (ARENA_TRUSTED_PROXIES, game.proxies), which sets the
# request's scheme: SECURE_PROXY_SSL_HEADER would believe it from any peer.
if ARENA.https:
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^metrics$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = ARENA.hsts_seconds
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True  # allows (does not make) a submission to browsers' preload list
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# POSTs to the API need the csrftoken cookie's value in X-CSRFToken; refusals answer JSON
CSRF_FAILURE_VIEW = "game.views.csrf_failure"

ROOT_URLCONF = "game.urls"
ASGI_APPLICATION = "game.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

# Accounts (game/accounts.py): Django's auth with its password validators; a guest who signs
# up keeps the player it was (lobby/identity.py)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"django.contrib.auth.password_validation.{name}"}
    for name in (
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    )
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

DATABASES = {"default": database_settings(ARENA, BASE_DIR)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CHANNEL_LAYERS = {"default": channel_layer_settings(ARENA)}

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"  # filled by `collectstatic`; served from finders until then
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/msgpack", BASE_DIR / "node_modules" / "@msgpack" / "msgpack" / "dist.esm"),
    ("vendor/fzstd", BASE_DIR / "node_modules" / "fzstd" / "esm"),  # replays (zstd segments)
    ("vendor/uplot", BASE_DIR / "node_modules" / "uplot" / "dist"),  # charts of /ops/
]
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_TZ = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": ARENA.log_level},
    "loggers": {"django": {"level": "INFO" if ARENA.log_level == "DEBUG" else ARENA.log_level}},
}
