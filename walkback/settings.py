"""The one settings module. Everything that differs between demo, CI and production comes from
environment variables read by the typed helpers in ``walkback.env``; a wrong value stops
start-up. With nothing set the site runs on SQLite, a file-system broker and console e-mail.
"""

from __future__ import annotations

import os
from pathlib import Path

from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from walkback.env import (
    broker_from_url,
    database_from_url,
    email_from_url,
    env_bool,
    env_int,
    env_list,
    env_str,
)

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = env_str("DJANGO_SECRET_KEY", "")
# Zero-config start: with nothing set this is a developer's machine, so debug is on (SQLite,
# console e-mail, the demo). Any deployment sets a secret key, and then debug is off unless
# DJANGO_DEBUG turns it on; `check --deploy` also fails if it does. DJANGO_DEBUG=false without
# a key is an error, never a silent insecure key.
DEBUG = env_bool("DJANGO_DEBUG", not SECRET_KEY)
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off")
    SECRET_KEY = "insecure-demo-key-only-for-debug-mode"  # noqa: S105 - debug only

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "bootstrap",  # Bootstrap 5 static files, from the django-bootstrap-static package
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",  # recovery codes, each usable once
    "csp",
    "phonenumber_field",
    "walkback.core",
    "walkback.accounts",
    "walkback.audit",
    "walkback.reports",
    "patients",
    "coaching",
    "walkback.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Outside everything that can answer (login redirects included): no page is cached.
    "walkback.core.middleware.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The browser's language (or the language cookie) for visitors not logged in; the
    # account's own language replaces it below (UserLanguageMiddleware).
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "walkback.accounts.middleware.IdleTimeoutMiddleware",
    "walkback.accounts.middleware.LoginRequiredMiddleware",
    "walkback.accounts.middleware.SecondFactorMiddleware",
    "walkback.accounts.middleware.TimeZoneMiddleware",
    "walkback.accounts.middleware.UserLanguageMiddleware",
    # After the second factor: a form kept at a timeout is given back only on the real page.
    "walkback.accounts.middleware.KeptDraftMiddleware",
    "walkback.audit.middleware.AuditContextMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Axes last, as its documentation asks: it turns lockouts into a response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "walkback.urls"
WSGI_APPLICATION = "walkback.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "walkback.core.context_processors.site",
            ],
        },
    }
]

# --- Data ------------------------------------------------------------------------------------
DATABASES = {
    "default": database_from_url(
        env_str("DATABASE_URL", "sqlite:///.demo/db.sqlite3"), base_dir=BASE_DIR
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Set on the migrate service only (it logs in as the owner role): after every migration, grant
# the app role its rows and keep the audit trail append-only for it (walkback/core/db_roles.sql).
WALKBACK_DB_GRANTS = env_bool("WALKBACK_DB_GRANTS", False)

REDIS_URL = env_str("REDIS_URL", "filesystem://")
CELERY_BROKER_URL, CELERY_BROKER_TRANSPORT_OPTIONS = broker_from_url(REDIS_URL, base_dir=BASE_DIR)
if REDIS_URL.startswith("redis"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "walkback",
            # A cache outage must not turn into a failed page: short timeouts, and no page
            # depends on the cache for correctness.
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Celery (the standard wiring; see walkback/celery.py) -------------------------------------
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 300, minimum=1)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 240, minimum=1)
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
# Reminders stay on the default queue; a clinic's exports and figures, which can take minutes,
# go to their own, served by their own workers (docker-compose.yml), so a reminder never waits
# behind a large export. ``make demo``'s one worker serves both (WALKBACK_QUEUES).
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_ROUTES = {"reports.*": {"queue": "reports"}}
WALKBACK_QUEUES = "celery,reports"
# One beat process runs these (docs/reminders.md). Neither entry uses a countdown or ETA: the
# database holds every future time, the broker only "send now" messages. ``expires`` drops a
# tick that waited behind a worker outage instead of running a pile of them at once.
CELERY_BEAT_SCHEDULE: dict = {
    "reminders-sweep": {
        "task": "coaching.tasks.reminders_sweep_task",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    "reminders-plan": {
        "task": "coaching.tasks.reminders_plan_task",
        "schedule": 30 * 60.0,
        "options": {"expires": 25 * 60},
    },
    # Walking plans step on each patient's own Monday: hourly catches every time zone.
    "plans-advance": {
        "task": "coaching.tasks.plans_advance_task",
        "schedule": 60 * 60.0,
        "options": {"expires": 55 * 60},
    },
    "keeping-going": {
        "task": "coaching.tasks.keeping_going_task",
        "schedule": 60 * 60.0,
        "options": {"expires": 55 * 60},
    },
    # The caseload rows the clock changed (a day ended, a session fell overdue):
    # docs/programme-rules.md, "The caseload's status".
    "caseload-rows-refresh": {
        "task": "coaching.tasks.caseload_rows_refresh_task",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    # The clinic's retention period: docs/security.md#data-rights.
    "account-closings": {
        "task": "coaching.tasks.closings_due_task",
        "schedule": 24 * 60 * 60.0,
        "options": {"expires": 23 * 60 * 60},
    },
    # Forms kept at a timeout and kept phones, past their time (docs/security.md).
    "accounts-sessions-purge": {
        "task": "accounts.sessions_purge",
        "schedule": 60 * 60.0,
        "options": {"expires": 55 * 60},
    },
}

# --- Secure messages (coaching/messaging; docs/messages.md) ----------------------------------
# How many messages a patient may send in an hour (counted in the database, so across workers).
MESSAGES_PER_HOUR = env_int("WALKBACK_MESSAGES_PER_HOUR", 10, minimum=1)
# The number the messages pages tell patients to call in an emergency (Australia's by default).
EMERGENCY_NUMBER = env_str("WALKBACK_EMERGENCY_NUMBER", "000")
# --- Outcome questionnaires (coaching/proms; docs/questionnaires.md) -------------------------
# A folder of licensed instrument files (Oswestry, Roland-Morris...) loaded beside the shipped
# free ones; empty: the shipped ones only.
PROMS_EXTRA_DIR = env_str("WALKBACK_PROMS_EXTRA_DIR", "")
REMINDER_QUESTIONNAIRE_PATH = env_str("WALKBACK_QUESTIONNAIRE_PATH", "/me/questionnaires/")

# --- Reminders (coaching/reminders; docs/reminders.md) ---------------------------------------
# How long the change-or-stop link in a reminder works (every reminder carries a fresh one).
REMINDER_LINK_DAYS = env_int("WALKBACK_REMINDER_LINK_DAYS", 60, minimum=1)
REMINDER_QUIET_HOURS = env_str("WALKBACK_REMINDER_QUIET_HOURS", "21:00-08:00")
REMINDER_DEFAULT_TIME = env_str("WALKBACK_REMINDER_DEFAULT_TIME", "08:00")
REMINDER_CHECK_IN_PATH = env_str("WALKBACK_CHECK_IN_PATH", "/me/check-in/")
REMINDER_MAX_ATTEMPTS = env_int("WALKBACK_REMINDER_MAX_ATTEMPTS", 5, minimum=1)
# A claimed row older than this belongs to a worker that died: longer than a task may live.
REMINDER_CLAIM_LEASE_SECONDS = env_int(
    "WALKBACK_REMINDER_CLAIM_LEASE_SECONDS", CELERY_TASK_TIME_LIMIT + 60, minimum=1
)
# A queued row older than this lost its message (broker restarted, worker killed): requeue.
REMINDER_REQUEUE_SECONDS = env_int("WALKBACK_REMINDER_REQUEUE_SECONDS", 10 * 60, minimum=1)
REMINDER_CHANNELS = {
    "email": "coaching.reminders.channels.EmailChannel",
    "push": "coaching.reminders.push.WebPushChannel",
    # "coaching.reminders.sms.twilio.TwilioSmsChannel" with the TWILIO_* settings below; the
    # console channel prints texts, so the demo needs no provider (docs/reminders.md).
    "sms": env_str("WALKBACK_SMS_CHANNEL", "coaching.reminders.channels.ConsoleSmsChannel"),
}
# --- SMS (coaching/reminders/sms; docs/reminders.md, "Channels") ---
TWILIO_ACCOUNT_SID = env_str("TWILIO_ACCOUNT_SID", "")
TWILIO_AUTH_TOKEN = env_str("TWILIO_AUTH_TOKEN", "")
# The sender: a Messaging Service SID (MG...), which Twilio prefers, or a number in E.164.
TWILIO_MESSAGING_SERVICE_SID = env_str("TWILIO_MESSAGING_SERVICE_SID", "")
TWILIO_FROM_NUMBER = env_str("TWILIO_FROM_NUMBER", "")
# Empty: Twilio's own API. Set for a regional endpoint, or the tests' local fake.
TWILIO_API_BASE_URL = env_str("TWILIO_API_BASE_URL", "")
SMS_TIMEOUT_SECONDS = env_int("WALKBACK_SMS_TIMEOUT_SECONDS", 10, minimum=1)
SMS_CODE_TTL_SECONDS = env_int("WALKBACK_SMS_CODE_TTL_SECONDS", 10 * 60, minimum=60)
SMS_CODE_RESEND_SECONDS = env_int("WALKBACK_SMS_CODE_RESEND_SECONDS", 60, minimum=0)
SMS_CODES_PER_HOUR = env_int("WALKBACK_SMS_CODES_PER_HOUR", 5, minimum=1)
# Web push (docs/web-push.md): a clinic's install makes its pair with `manage.py vapid_keys`.
# Without a public key the reminders page does not offer push at all.
WALKBACK_VAPID_PUBLIC_KEY = env_str("WALKBACK_VAPID_PUBLIC_KEY", "")
WALKBACK_VAPID_PRIVATE_KEY = env_str("WALKBACK_VAPID_PRIVATE_KEY", "")
# Who the push services may contact about our messages (a mailto: or https: address).
WALKBACK_VAPID_SUBJECT = env_str("WALKBACK_VAPID_SUBJECT", "mailto:admin@walkback.invalid")
# Seconds to wait for a push service before the attempt counts as failed (then retried).
WALKBACK_PUSH_TIMEOUT = env_int("WALKBACK_PUSH_TIMEOUT", 10, minimum=1)

# --- Clinic figures and exports (walkback/reports) --------------------------------------------
# The dashboard's figures are precomputed this often; the page says how fresh they are.
WALKBACK_FIGURES_MINUTES = env_int("WALKBACK_FIGURES_MINUTES", 10, minimum=1)
# Exports up to this many rows download at once; larger ones are prepared in the background.
WALKBACK_EXPORT_INLINE_ROWS = env_int("WALKBACK_EXPORT_INLINE_ROWS", 50_000, minimum=0)
# A running export job writes its row count this often (seconds); the job page shows it.
WALKBACK_EXPORT_PROGRESS_SECONDS = env_int("WALKBACK_EXPORT_PROGRESS_SECONDS", 1, minimum=0)
WALKBACK_EXPORT_HOURS = env_int("WALKBACK_EXPORT_HOURS", 24, minimum=1)
# --- Activity import (patients/imports, docs/activity-import.md) ------------------------------
# The largest upload taken, and the most activities one file may hold. Django streams uploads
# over FILE_UPLOAD_MAX_MEMORY_SIZE to a temporary file and does not count files against
# DATA_UPLOAD_MAX_MEMORY_SIZE, so a larger file reaches this check and gets a plain message.
WALKBACK_IMPORT_MAX_BYTES = env_int("WALKBACK_IMPORT_MAX_BYTES", 500 * 1000 * 1000, minimum=1)
WALKBACK_IMPORT_MAX_ROWS = env_int("WALKBACK_IMPORT_MAX_ROWS", 5_000_000, minimum=1)
# Files up to this size are previewed during the upload; larger ones by a worker, with progress.
WALKBACK_IMPORT_INLINE_BYTES = env_int("WALKBACK_IMPORT_INLINE_BYTES", 5 * 1000 * 1000, minimum=0)
CELERY_TASK_ROUTES["imports.*"] = {"queue": "reports"}
# A worker reading a large export may take longer than other tasks (docs/activity-import.md).
WALKBACK_IMPORT_TASK_SECONDS = env_int("WALKBACK_IMPORT_TASK_SECONDS", 30 * 60, minimum=1)
# Uploads (their previews hold the patient's activity) are deleted after this many days.
WALKBACK_IMPORT_KEEP_DAYS = env_int("WALKBACK_IMPORT_KEEP_DAYS", 7, minimum=1)
# Keys research pseudonyms; empty means derived from DJANGO_SECRET_KEY.
WALKBACK_PSEUDONYM_KEY = env_str("WALKBACK_PSEUDONYM_KEY", "")
CELERY_BEAT_SCHEDULE["reports-figures-refresh"] = {
    "task": "reports.figures_refresh",
    "schedule": WALKBACK_FIGURES_MINUTES * 60,
    "options": {"expires": WALKBACK_FIGURES_MINUTES * 60 - 5},
}
CELERY_BEAT_SCHEDULE["reports-exports-requeue"] = {
    "task": "reports.exports_requeue",
    "schedule": 5 * 60,
    "options": {"expires": 5 * 60 - 5},
}
CELERY_BEAT_SCHEDULE["imports-requeue"] = {
    "task": "imports.requeue",
    "schedule": 5 * 60,
    "options": {"expires": 5 * 60 - 5},
}
CELERY_BEAT_SCHEDULE["imports-purge"] = {
    "task": "imports.purge",
    "schedule": 60 * 60,
    "options": {"expires": 60 * 60 - 5},
}
CELERY_BEAT_SCHEDULE["reports-exports-purge"] = {
    "task": "reports.exports_purge",
    "schedule": 60 * 60,
    "options": {"expires": 60 * 60 - 5},
}

# --- E-mail ----------------------------------------------------------------------------------
vars().update(email_from_url(env_str("EMAIL_URL", "console://")))
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "WalkBack <no-reply@walkback.test>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Accounts and security -------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # ModelBackend whose per-request user load also brings the user's clinic.
    "walkback.accounts.backends.UserBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# Django's validators, saying what they check in our words (walkback/accounts/passwords.py).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "walkback.accounts.passwords.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "walkback.accounts.passwords.CommonPasswordValidator"},
    {"NAME": "walkback.accounts.passwords.NumericPasswordValidator"},
    {
        "NAME": "walkback.accounts.passwords.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("full_name", "email")},
    },
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 3
# Reset e-mails: at most this many per address, and per client address, in the window.
PASSWORD_RESET_LIMIT_PER_ADDRESS = env_int("WALKBACK_RESET_PER_ADDRESS", 3, minimum=1)
PASSWORD_RESET_LIMIT_PER_CLIENT = env_int("WALKBACK_RESET_PER_CLIENT", 10, minimum=1)
PASSWORD_RESET_LIMIT_SECONDS = 60 * 60
INVITATION_DAYS = env_int("WALKBACK_INVITATION_DAYS", 7, minimum=1)

# Lock out a username from one address after 5 failures; a colleague on the same clinic
# network (same address, other username) still gets in.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
# One counter per address whatever its letter case (walkback/accounts/emails.py).
AXES_USERNAME_CALLABLE = "walkback.accounts.emails.axes_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_IPWARE_PROXY_COUNT = env_int("WALKBACK_PROXY_COUNT", 0, minimum=0)
AXES_VERBOSE = False

# Staff must use TOTP whenever debug is off; in the demo they may look around without it.
WALKBACK_REQUIRE_STAFF_2FA = env_bool("WALKBACK_REQUIRE_STAFF_2FA", not DEBUG)
OTP_TOTP_ISSUER = "WalkBack"

# Sessions live in the database so logout ends them on the server.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = 60 * 60 * 12
# Activity keeps extending Django's expiry, so the absolute limit is enforced by the idle
# middleware from the time of login.
SESSION_ABSOLUTE_SECONDS = 60 * 60 * 12
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
STAFF_IDLE_TIMEOUT_SECONDS = 15 * 60
PATIENT_IDLE_TIMEOUT_SECONDS = 60 * 60
# No typed work lost (docs/security.md#sessions-and-drafts): the page warns this long before
# the idle timeout; a form sent after it is kept this long for its author to finish.
IDLE_WARNING_SECONDS = 2 * 60
KEPT_DRAFT_SECONDS = 4 * 60 * 60
# "Keep me signed in on this phone": patients only, this many days from login, this many
# phones at once (the oldest is signed out when another is added).
DEVICE_SESSION_DAYS = 30
DEVICE_SESSIONS_PER_PERSON = 5

SECURE_SSL = env_bool("DJANGO_SECURE_SSL", not DEBUG)
SECURE_SSL_REDIRECT = SECURE_SSL
SECURE_REDIRECT_EXEMPT = [r"^healthz(/ready)?$"]  # load balancers probe over plain HTTP
SESSION_COOKIE_SECURE = SECURE_SSL
CSRF_COOKIE_SECURE = SECURE_SSL
CSRF_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 60 * 60 * 24 * 365 if SECURE_SSL else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env_bool("DJANGO_BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# No inline scripts or styles anywhere: every script and stylesheet is a file under /static/.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- Pages -----------------------------------------------------------------------------------
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Phone numbers typed without a country code are Australian (the trial's country); they are
# stored in E.164 (django-phonenumber-field).
PHONENUMBER_DEFAULT_REGION = "AU"

# Languages (docs/languages.md): English plus the two most spoken languages after English in
# Australian homes. A person's own choice (``User.language``) wins over the browser's.
LANGUAGE_CODE = "en-gb"
LANGUAGES = [
    ("en-gb", "English"),
    ("zh-hans", "简体中文"),
    ("ar", "العربية"),
]
# tools/i18n.py points this elsewhere to extract strings without touching the catalogues.
# Our own adjustments to Django's per-language formats (walkback/formats/<language>/formats.py).
FORMAT_MODULE_PATH = ["walkback.formats"]
LOCALE_PATHS = [Path(os.environ.get("WALKBACK_LOCALE_DIR", BASE_DIR / "locale"))]
LANGUAGE_COOKIE_SECURE = not DEBUG
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / ".staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG
MEDIA_ROOT = Path(env_str("WALKBACK_MEDIA_ROOT", str(BASE_DIR / ".demo" / "media")))

# --- Logs: no health data. Loggers carry ids and event names, never record contents. --------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # Django's request log names the path of every 4xx and 5xx: tokens of links come out.
    "filters": {"redact_paths": {"()": "walkback.core.redact.RedactPathsFilter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redact_paths"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("WALKBACK_LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
