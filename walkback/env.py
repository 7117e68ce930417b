"""Typed readers for environment variables.

Every setting that differs between the demo, CI and production comes from the environment.
A value that is present but wrong stops start-up with ``ImproperlyConfigured``: a typo in
``DJANGO_DEBUG`` must never silently turn debug on in production.
"""

from __future__ import annotations

import os
from urllib.parse import parse_qs, unquote, urlparse

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be one of true/false/1/0/yes/no/on/off, not {raw!r}")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {value}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def database_from_url(url: str, *, base_dir) -> dict:
    """Turn ``DATABASE_URL`` into a Django ``DATABASES['default']`` entry.

    PostgreSQL uses psycopg 3 with its connection pool and health checks, so a database restart
    costs the requests in flight, not the process. Anything but postgres:// or sqlite:// is an
    error rather than a guess.
    """
    parsed = urlparse(url)
    if parsed.scheme in ("postgres", "postgresql"):
        name = unquote(parsed.path.lstrip("/"))
        if not name:
            raise ImproperlyConfigured(
                "DATABASE_URL must name a database, e.g. postgres:///walkback"
            )
        options = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
        pool_max = int(options.pop("pool_max", "10"))
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": name,
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "",
            "PORT": str(parsed.port or ""),
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": {
                "pool": {"min_size": 1, "max_size": pool_max, "timeout": 10},
                **options,
            },
            "TEST": {"NAME": f"test_{name}"},
        }
    if parsed.scheme == "sqlite":
        # sqlite:///relative/path.sqlite3 or sqlite:////absolute/path.sqlite3
        path = url[len("sqlite:///") :] if url.startswith("sqlite:///") else ""
        if not path:
            raise ImproperlyConfigured("DATABASE_URL for SQLite looks like sqlite:///db.sqlite3")
        if not os.path.isabs(path):
            path = str(base_dir / path)
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": path,
            "OPTIONS": {
                "init_command": "PRAGMA journal_mode=WAL;",
                "transaction_mode": "IMMEDIATE",
            },
        }
    raise ImproperlyConfigured(
        f"DATABASE_URL must start with postgres:// or sqlite:///, not {parsed.scheme or url!r}"
    )


def email_from_url(url: str) -> dict:
    """``EMAIL_URL``: console://, locmem://, file:///folder, smtp://user:pass@host:587 or
    smtp+ssl://... (file:// writes each message to a file, for staging and the worker tests)"""
    parsed = urlparse(url)
    if parsed.scheme == "console":
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if parsed.scheme == "file":
        folder = unquote(parsed.path)
        if not folder or not os.path.isabs(folder):
            raise ImproperlyConfigured("EMAIL_URL for files names a folder: file:///var/mail/out")
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": folder,
        }
    if parsed.scheme == "locmem":
        return {"EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    if parsed.scheme in ("smtp", "smtp+tls", "smtp+ssl"):
        if not parsed.hostname:
            raise ImproperlyConfigured("EMAIL_URL must name a host, e.g. smtp://user:pw@mail:587")
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": parsed.hostname,
            "EMAIL_PORT": parsed.port or (465 if parsed.scheme == "smtp+ssl" else 587),
            "EMAIL_HOST_USER": unquote(parsed.username or ""),
            "EMAIL_HOST_PASSWORD": unquote(parsed.password or ""),
            "EMAIL_USE_TLS": parsed.scheme in ("smtp", "smtp+tls"),
            "EMAIL_USE_SSL": parsed.scheme == "smtp+ssl",
        }
    raise ImproperlyConfigured(
        "EMAIL_URL must start with console://, locmem://, file://, smtp:// or smtp+ssl://, "
        f"not {url!r}"
    )


def broker_from_url(url: str, *, base_dir) -> tuple[str, dict]:
    """``REDIS_URL`` for Celery, or ``filesystem://`` for the serverless demo broker."""
    parsed = urlparse(url)
    if parsed.scheme in ("redis", "rediss"):
        return url, {"visibility_timeout": 3600}
    if parsed.scheme == "filesystem":
        folder = base_dir / ".demo" / "broker"
        for sub in ("in", "processed", "control"):
            (folder / sub).mkdir(parents=True, exist_ok=True)
        return "filesystem://", {
            "data_folder_in": str(folder / "in"),
            "data_folder_out": str(folder / "in"),
            "processed_folder": str(folder / "processed"),
            # Broadcast (pidbox) exchanges; kombu's default is ./control in the working folder.
            "control_folder": str(folder / "control"),
            "store_processed": False,
        }
    raise ImproperlyConfigured(
        f"REDIS_URL must start with redis://, rediss:// or filesystem://, not {url!r}"
    )
