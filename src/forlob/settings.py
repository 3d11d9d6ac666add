"""Django settings for Forløb.

Everything that differs between a laptop demo and a municipality's server comes from the
environment, parsed strictly: a value we cannot understand stops start-up with a clear message
instead of silently falling back (healthchecks' ``envbool`` idea).
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent
VAR_DIR = Path(os.environ.get("FORLOB_VAR_DIR", PROJECT_DIR / "var"))


def envbool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), got {raw!r}")


def envint(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from None


def envsecret(name: str, default: str | None = None) -> str | None:
    """Read a secret from NAME or from the file named by NAME_FILE (for container secrets)."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text(encoding="utf-8").strip()
    return os.environ.get(name, default)


# The demo profile is what `make run` uses: debug pages, a fixed development key, no 2FA.
DEMO = envbool("FORLOB_DEMO", True)
DEBUG = envbool("FORLOB_DEBUG", DEMO)

SECRET_KEY = envsecret("SECRET_KEY")
if not SECRET_KEY:
    if not DEMO:
        raise ImproperlyConfigured("SECRET_KEY (or SECRET_KEY_FILE) must be set outside demo mode")
    SECRET_KEY = "forlob-demo-key-not-for-production-use-0123456789abcdef"

ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
    if h.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",  # only for its templates and static files: the API docs page works offline
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "forlob.core",
    "forlob.access",
    "forlob.citizens",
    "forlob.referrals",
    "forlob.pathways",
    "forlob.scheduling",
    "forlob.measures",
    "forlob.questionnaires",
    "forlob.programmes",
    "forlob.notifications",
    "forlob.homecare",
    "forlob.monitoring",
    "forlob.cluster",
    "forlob.imports",
    "forlob.fhir",
    "forlob.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # After the login check: a password-only session reaches nothing but the OTP pages.
    "forlob.core.middleware.RequireVerifiedSessionMiddleware",
    # Last, as django-axes requires: turns a locked-out login attempt into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "forlob.urls"
WSGI_APPLICATION = "forlob.wsgi.application"

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
                "forlob.core.context_processors.navigation",
            ],
        },
    },
]

# Background work (reminders, report generation, imports) goes through Django's task framework
# (the django-tasks backport on 5.2) into the database queue; `forlob worker` runs it.
TASKS = {
    "default": {
        "BACKEND": os.environ.get("FORLOB_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# SQLite (WAL) is the embedded default; PostgreSQL when DATABASE_URL says so.
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'forlob.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers run beside the single writer; IMMEDIATE makes every transaction take
        # the write lock at BEGIN, so two bookings for the same therapist are serialised rather
        # than failing half-way with "database is locked" on upgrade.
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    VAR_DIR.mkdir(parents=True, exist_ok=True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login hardening for health data ---------------------------------------------------------
FORLOB_DEMO = DEMO
# Second factor (TOTP app, django-otp) for every staff user outside the demo; the demo and the
# tests log in with a password only, and tests switch it on with override_settings.
FORLOB_REQUIRE_2FA = envbool("FORLOB_REQUIRE_2FA", not DEMO)
OTP_TOTP_ISSUER = "Forløb"
OTP_ADMIN_HIDE_SENSITIVE_DATA = True  # the admin never shows a device's secret key

# django-axes: after FORLOB_LOGIN_FAILURE_LIMIT wrong passwords for one user name from one client
# address, that pair is locked out for FORLOB_LOGIN_COOLOFF_MINUTES. Its AccessAttempt,
# AccessLog and AccessFailureLog tables (in the admin) are the record of logins and failures;
# forlob.access's AccessLog is for citizen data only.
AUTHENTICATION_BACKENDS = [
    "forlob.core.auth_backends.LockoutBackend",  # an AxesStandaloneBackend; must come first
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = envint("FORLOB_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=envint("FORLOB_LOGIN_COOLOFF_MINUTES", 30))
if AXES_FAILURE_LIMIT < 1 or AXES_COOLOFF_TIME.total_seconds() <= 0:
    raise ImproperlyConfigured(
        "FORLOB_LOGIN_FAILURE_LIMIT and FORLOB_LOGIN_COOLOFF_MINUTES must be positive"
    )
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# A locked-out pair stays locked for the cool-off counted from the last real failure, so the
# page can say how long; further attempts meanwhile do not extend it.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "forlob.core.auth_views.lockout"
# The client address is REMOTE_ADDR only: an X-Forwarded-For header can be forged to dodge the
# lockout. Behind a reverse proxy, have the WSGI server set REMOTE_ADDR from the proxy's header
# (waitress: trusted_proxy).
AXES_IPWARE_META_PRECEDENCE_ORDER = ("REMOTE_ADDR",)

# An idle session ends after FORLOB_SESSION_IDLE_MINUTES: each request moves the expiry forward
# (SESSION_SAVE_EVERY_REQUEST), and the cookie dies with the browser.
SESSION_COOKIE_AGE = envint("FORLOB_SESSION_IDLE_MINUTES", 30) * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Origins (scheme://host[:port]) a form may be posted from, e.g. https://forlob.randers.dk.
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("FORLOB_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]
for _origin in CSRF_TRUSTED_ORIGINS:
    if not _origin.startswith(("https://", "http://")):
        raise ImproperlyConfigured(
            f"FORLOB_CSRF_TRUSTED_ORIGINS entries need a scheme (https://...), got {_origin!r}"
        )
if not DEMO:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # __Host- cookies are only accepted over HTTPS, for this exact host, path /.
    SESSION_COOKIE_NAME = "__Host-forlob_session"
    CSRF_COOKIE_NAME = "__Host-forlob_csrftoken"
    SECURE_SSL_REDIRECT = envbool("FORLOB_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = envint("FORLOB_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    if envbool("FORLOB_BEHIND_TLS_PROXY", False):
        # Only when a proxy terminates TLS and always sets this header itself.
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LANGUAGE_CODE = "da"
# The UI is Danish whatever language the browser asks for (English msgids, Danish catalogue).
LANGUAGES = [("da", "Dansk")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Copenhagen"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"redact_cpr": {"()": "forlob.core.logging.RedactCprFilter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redact_cpr"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("FORLOB_LOG_LEVEL", "INFO")},
    "loggers": {
        # Request logs carry URLs only; CPR numbers never appear in URLs (search is a POST).
        "django.request": {"level": "WARNING"},
        # Failures and lockouts are warnings; every success is in axes' AccessLog table anyway.
        "axes": {"level": "WARNING"},
    },
}

# Domain settings -------------------------------------------------------------------------
# How many days after a pathway closes its team may still read the record (Sundhedsloven §42 a:
# current treatment, plus the follow-up that naturally belongs to it).
FORLOB_ACCESS_GRACE_DAYS = envint("FORLOB_ACCESS_GRACE_DAYS", 30)
# How long an emergency read outside the user's relations ("break the glass") stays open.
FORLOB_BREAK_GLASS_HOURS = envint("FORLOB_BREAK_GLASS_HOURS", 8)
# How long audit entries are kept before `forlob purge-audit` may remove them (default 5 years).
FORLOB_AUDIT_RETENTION_DAYS = envint("FORLOB_AUDIT_RETENTION_DAYS", 5 * 365)
# Questionnaires: how long a link sent to a citizen works (days) and a tablet session (hours);
# how many unknown links one address may try per 15 minutes before it is paused; how far back
# the worker looks for completed pathways to invite to the satisfaction survey; the address
# links in SMS/e-mail point to when no request tells it (the background worker).
FORLOB_QUESTIONNAIRE_LINK_DAYS = envint("FORLOB_QUESTIONNAIRE_LINK_DAYS", 14)
FORLOB_QUESTIONNAIRE_TABLET_HOURS = envint("FORLOB_QUESTIONNAIRE_TABLET_HOURS", 4)
FORLOB_QUESTIONNAIRE_GUESS_LIMIT = envint("FORLOB_QUESTIONNAIRE_GUESS_LIMIT", 20)
FORLOB_SATISFACTION_INVITE_DAYS = envint("FORLOB_SATISFACTION_INVITE_DAYS", 14)
FORLOB_PUBLIC_URL = os.environ.get("FORLOB_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
# Rate limits (core/ratelimit.py; 0 switches one off): requests per API token per minute; failed
# credentials (unknown API tokens, unknown calendar-feed addresses) per client address per minute;
# new API tokens or calendar feeds per user per hour; fetches of one calendar feed per hour.
FORLOB_API_RATE_LIMIT = envint("FORLOB_API_RATE_LIMIT", 600)
FORLOB_API_AUTH_FAILURE_LIMIT = envint("FORLOB_API_AUTH_FAILURE_LIMIT", 20)
FORLOB_TOKEN_CREATE_LIMIT = envint("FORLOB_TOKEN_CREATE_LIMIT", 10)
FORLOB_CALENDAR_FEED_LIMIT = envint("FORLOB_CALENDAR_FEED_LIMIT", 60)
_rate_limits = (
    FORLOB_API_RATE_LIMIT,
    FORLOB_API_AUTH_FAILURE_LIMIT,
    FORLOB_TOKEN_CREATE_LIMIT,
    FORLOB_CALENDAR_FEED_LIMIT,
)
if min(_rate_limits) < 0:
    raise ImproperlyConfigured("The FORLOB_*_LIMIT rate limits must be 0 (off) or positive")

# Reminders and other messages to citizens (notifications; sent by `forlob worker`).
# SMS backend: console (default, prints), file (JSON lines in FORLOB_OUTBOX_DIR/sms.jsonl),
# http (a GatewayAPI-style JSON POST to FORLOB_SMS_HTTP_URL), memory (tests) or a dotted path.
FORLOB_SMS_BACKEND = os.environ.get("FORLOB_SMS_BACKEND", "console").strip() or "console"
if FORLOB_SMS_BACKEND not in {"console", "file", "http", "memory"} and "." not in (
    FORLOB_SMS_BACKEND
):
    raise ImproperlyConfigured(
        f"FORLOB_SMS_BACKEND must be console, file, http or a dotted path, got "
        f"{FORLOB_SMS_BACKEND!r}"
    )
FORLOB_OUTBOX_DIR = Path(os.environ.get("FORLOB_OUTBOX_DIR", VAR_DIR / "outbox"))
FORLOB_SMS_HTTP_URL = os.environ.get("FORLOB_SMS_HTTP_URL", "https://gatewayapi.com/rest/mtsms")
# Basic authentication (GatewayAPI: the API token as user, empty password) or a bearer token.
FORLOB_SMS_HTTP_USER = envsecret("FORLOB_SMS_HTTP_USER", "") or ""
FORLOB_SMS_HTTP_PASSWORD = envsecret("FORLOB_SMS_HTTP_PASSWORD", "") or ""
FORLOB_SMS_HTTP_TOKEN = envsecret("FORLOB_SMS_HTTP_TOKEN", "") or ""
if FORLOB_SMS_BACKEND == "http" and not (FORLOB_SMS_HTTP_USER or FORLOB_SMS_HTTP_TOKEN):
    raise ImproperlyConfigured(
        "FORLOB_SMS_BACKEND=http needs FORLOB_SMS_HTTP_USER (basic) or FORLOB_SMS_HTTP_TOKEN"
    )
if not FORLOB_SMS_HTTP_URL.startswith(("https://", "http://")):
    raise ImproperlyConfigured("FORLOB_SMS_HTTP_URL must start with https:// or http://")
# Shown as the sender: up to 11 letters/digits (GatewayAPI), ASCII is safest.
FORLOB_SMS_SENDER = os.environ.get("FORLOB_SMS_SENDER", "Forlob")[:11]
FORLOB_SMS_TIMEOUT_SECONDS = envint("FORLOB_SMS_TIMEOUT_SECONDS", 10)
# Failed sends that may help to retry (timeouts, 5xx) are tried up to this many times in all,
# waiting 1, 5, 25 ... × FORLOB_MESSAGE_RETRY_SECONDS in between.
FORLOB_MESSAGE_MAX_ATTEMPTS = envint("FORLOB_MESSAGE_MAX_ATTEMPTS", 4)
FORLOB_MESSAGE_RETRY_SECONDS = envint("FORLOB_MESSAGE_RETRY_SECONDS", 60)
if FORLOB_MESSAGE_MAX_ATTEMPTS < 1 or FORLOB_MESSAGE_RETRY_SECONDS < 1:
    raise ImproperlyConfigured(
        "FORLOB_MESSAGE_MAX_ATTEMPTS and FORLOB_MESSAGE_RETRY_SECONDS must be positive"
    )
# The proactive call list shows citizens with low health literacy and an event within N days.
FORLOB_CALL_LIST_DAYS = envint("FORLOB_CALL_LIST_DAYS", 3)
# E-mail: console (default), file (FORLOB_OUTBOX_DIR/email/) or smtp (EMAIL_HOST, EMAIL_PORT,
# EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS).
_EMAIL_BACKENDS = {
    "console": "django.core.mail.backends.console.EmailBackend",
    "file": "django.core.mail.backends.filebased.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
}
_email_backend = os.environ.get("FORLOB_EMAIL_BACKEND", "console").strip() or "console"
EMAIL_BACKEND = _EMAIL_BACKENDS.get(_email_backend, _email_backend)
if "." not in EMAIL_BACKEND:
    raise ImproperlyConfigured(
        f"FORLOB_EMAIL_BACKEND must be console, file, smtp or a dotted path, got {_email_backend!r}"
    )
EMAIL_FILE_PATH = FORLOB_OUTBOX_DIR / "email"
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = envsecret("EMAIL_HOST_PASSWORD", "") or ""
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", 20)
DEFAULT_FROM_EMAIL = os.environ.get("FORLOB_EMAIL_FROM", "forlob@localhost")
