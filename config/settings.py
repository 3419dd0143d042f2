"""Settings for schulsozial: one file, configured through environment variables.

Every value that differs between a laptop, CI and production is read from the
environment with a typed helper, so that `DATABASE_URL`, `SECRET_KEY` and
`ALLOWED_HOSTS` are the only things an operator must set (docs/operations.md).
"""

from __future__ import annotations

import datetime
import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, *, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", default=False)
# The development key only works with DEBUG on; production must set SECRET_KEY.
_DEV_SECRET = "dev-only-insecure-key-change-me-0123456789abcdefghijklmnopqrstuvwxyz"  # noqa: S105
SECRET_KEY = env_str("SECRET_KEY", _DEV_SECRET if DEBUG or env_bool("SCHULSOZIAL_TESTING") else "")
if not SECRET_KEY:
    raise RuntimeError("SECRET_KEY must be set when DJANGO_DEBUG is off (see docs/operations.md)")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "django_htmx",
    "template_partials",
    "axes",
    "rest_framework",
    "drf_spectacular",
    "django_tasks",
    "django_tasks_db",
    "schulsozial.core",
    "schulsozial.accounts",
    "schulsozial.masterdata",
    "schulsozial.dashboard",
    "schulsozial.demo",
    "schulsozial.concepts",
    "schulsozial.allocation",
    "schulsozial.activities",
    "schulsozial.statistics",
    "schulsozial.notifications",
    "schulsozial.council",
    "schulsozial.staffing",
    "schulsozial.contracts",
    "schulsozial.quality",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "schulsozial.core.middleware.NoStoreMiddleware",
    "schulsozial.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "schulsozial.accounts.middleware.SessionIdleMiddleware",
    "schulsozial.accounts.middleware.ForcedPasswordChangeMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "schulsozial.core.middleware.MethodNotAllowedPageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "django.template.context_processors.i18n",
                "schulsozial.core.context_processors.platform",
                "schulsozial.accounts.context_processors.navigation",
            ],
        },
    },
]

# Database: DATABASE_URL (sqlite:///PATH or postgres://...). The embedded SQLite
# file is the default for a first start; PostgreSQL is the production database.
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'schulsozial.sqlite3'}")
DATABASES = {
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite keeps its connection too (DB_CONN_MAX_AGE, one per worker process
    # or thread): opening one per request ran the PRAGMAs below every time, and
    # closing the last one checkpointed and removed the WAL file: 3-7 ms of CPU
    # per request in process (docs/performance.md, Entry). An idle connection
    # holds no lock: outside a transaction it is in autocommit.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            # synchronous stays FULL (SQLite's default): NORMAL gained nothing
            # measurable on the entry benchmark and can lose the last commits
            # on a power cut (docs/performance.md, Entry, run 7).
            "init_command": "PRAGMA foreign_keys=ON; PRAGMA journal_mode=WAL; PRAGMA busy_timeout=5000;",
            # Writers take the lock when the transaction begins, so concurrent
            # writes wait (busy_timeout) instead of failing with "database is locked".
            "transaction_mode": "IMMEDIATE",
        }
    )
    DATABASES["default"]["TEST"] = (
        {"NAME": env_str("SQLITE_TEST_NAME", "")} if env_str("SQLITE_TEST_NAME") else {}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # ModelBackend whose get_user reads the request's user with its staff
    # member and role assignments (select_related/prefetch_related).
    "schulsozial.accounts.backends.ModelBackendWithScope",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # A German word, place name or the own name with digits/symbols around it
    # ("Herne2026!!"): accounts/password_validation.py.
    {"NAME": "schulsozial.accounts.password_validation.CommonPatternValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "dashboard:home"
LOGOUT_REDIRECT_URL = "accounts:login"
# Password reset by e-mail needs an SMTP server (docs/operations.md). Without
# EMAIL_HOST the mails are written to the log (console backend).
EMAIL_HOST = env_str("EMAIL_HOST")
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=True)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "schulsozial <noreply@localhost>")
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT_MINUTES", 60) * 60
# The platform's public address, for the links in notification e-mails and
# the calendar feed (the requests' own host is not known to a background job).
PLATFORM_URL = env_str("PLATFORM_URL", "http://localhost:8000")
# Reminders of deadlines (notifications/services.send_reminders, run daily by
# `send_reminders`): the days ahead at which each kind of deadline is
# reminded, once per lead time.
NOTIFICATION_REMINDER_DAYS: dict[str, list[int]] = {
    "framework_review": [90, 30, 7],
    "school_concept_review": [60, 14],
    "school_concept_approval": [7, 1],
    "consultation_closes": [3],
    # A fixed-term contract ending: 12, 6 and 3 months ahead (contracts app).
    "contract_end": [365, 183, 92],
}
# Days after a school concept's submission by which the principal and the
# carrier are asked to approve it (a deadline in their calendar and task list).
SCHOOL_CONCEPT_APPROVAL_DAYS = env_int("SCHOOL_CONCEPT_APPROVAL_DAYS", 28)

# Brute-force protection on the login form (django-axes). After
# AXES_FAILURE_LIMIT wrong passwords in a row for one user name (from any
# address) that name is locked for AXES_COOLOFF_MINUTES, the right password
# included; one client address is locked after AXES_ADDRESS_FAILURE_LIMIT
# failures over any names (password spraying), a higher limit so that
# colleagues mistyping behind one office address do not lock each other
# (accounts/lockout.py). Behind a proxy the address is the client's only
# with TRUSTED_PROXIES set (core/net.py). docs/operations.md, "Login lock-out".
AXES_HANDLER = "schulsozial.accounts.lockout.LockoutHandler"
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_ADDRESS_FAILURE_LIMIT = env_int("AXES_ADDRESS_FAILURE_LIMIT", 30)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = env_list("AXES_LOCKOUT_PARAMETERS", "username,ip_address")
AXES_RESET_ON_SUCCESS = True
# Attempts refused during a lock neither count nor prolong it (else anyone
# could keep a name locked by trying it every few minutes, or a user who
# tries again before the time is up would wait anew).
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_ENABLED = env_bool("AXES_ENABLED", default=True)
AXES_CLIENT_IP_CALLABLE = "schulsozial.core.net.client_ip"
AXES_LOCKOUT_CALLABLE = "schulsozial.accounts.views.locked_out"
# A client address may be read from X-Forwarded-For only when the request
# comes from one of these proxies (addresses or networks, comma-separated).
# Default: the loopback addresses (nginx on the same host, docs/operations.md);
# a client reaching the application directly never has such an address.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", "127.0.0.1,::1")
# Audit log retention (core/retention.py, manage.py apply_audit_retention):
# client addresses are cut to their network (IPv4 /24, IPv6 /48) and
# django-axes' lock-out records deleted after AUDIT_IP_SHORTEN_DAYS; entries
# are deleted after AUDIT_RETENTION_DAYS.
AUDIT_RETENTION_DAYS = env_int("AUDIT_RETENTION_DAYS", 730)
AUDIT_IP_SHORTEN_DAYS = env_int("AUDIT_IP_SHORTEN_DAYS", 7)

LANGUAGE_CODE = "de"
LANGUAGES = [("de", _("German")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Berlin"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
# A directory, or (prefix, directory): the node packages are served under their prefix.
STATICFILES_DIRS: list[Path | tuple[str, Path]] = [BASE_DIR / "static"]
# Front-end packages come from the npm registry at install time (package.json).
_NODE_ASSETS = BASE_DIR / "node_modules"
for _prefix, _folder in (("vendor/kern", "@kern-ux/native/dist"), ("vendor/htmx", "htmx.org/dist")):
    if (_NODE_ASSETS / _folder).exists():
        STATICFILES_DIRS.append((_prefix, _NODE_ASSETS / _folder))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG and not env_bool("SCHULSOZIAL_TESTING")
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = BASE_DIR / "var" / "media"

# Uploads: imports are read in memory and capped (bytes).
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 20 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = IMPORT_MAX_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = IMPORT_MAX_BYTES + 1024 * 1024
# An import preview (mapped columns only, case codes hashed) is deleted after
# this many minutes by `manage.py purge_pending_imports` and on the user's next upload.
PENDING_IMPORT_MAX_AGE_MINUTES = env_int("PENDING_IMPORT_MAX_AGE_MINUTES", 60)
# No activity is dated before this day (ISO date), in any entry path.
ACTIVITY_EARLIEST_DATE = env_str("ACTIVITY_EARLIEST_DATE", "2000-01-01")

# Security headers. The CSP allows only our own origin: no CDN, no third party.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    },
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Idle timeout: a session ends SESSION_IDLE_TIMEOUT minutes after the last
# request (refreshed at most once a minute, accounts/middleware.py), and
# SESSION_ABSOLUTE_TIMEOUT hours after the login in any case.
SESSION_IDLE_TIMEOUT = env_int("SESSION_IDLE_TIMEOUT", 30)
SESSION_COOKIE_AGE = SESSION_IDLE_TIMEOUT * 60
SESSION_REFRESH_SECONDS = 60
SESSION_ABSOLUTE_TIMEOUT = env_int("SESSION_ABSOLUTE_TIMEOUT", 10) * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "schulsozial.core.views_errors.csrf_failure"  # German, in the layout
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_TLS_PROXY") else None
)
SECURE_SSL_REDIRECT = env_bool(
    "SECURE_SSL_REDIRECT", default=not DEBUG and env_bool("BEHIND_TLS_PROXY")
)
SESSION_COOKIE_SECURE = env_bool(
    "SECURE_COOKIES", default=not DEBUG and not env_bool("SCHULSOZIAL_TESTING")
)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=False)
# HSTS preloading binds the whole registrable domain (often the city's own,
# e.g. herne.de): that is the city's decision, not this application's default.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]

# Background work (reports, retention) through django-tasks' database backend:
# no broker; `manage.py db_worker` runs the queue (docs/operations.md).
TASKS = {
    "default": {
        # Tests run a task at once, inside the request that enqueues it.
        "BACKEND": env_str(
            "TASKS_BACKEND",
            "django_tasks.backends.immediate.ImmediateBackend"
            if env_bool("SCHULSOZIAL_TESTING")
            else "django_tasks_db.DatabaseBackend",
        ),
    }
}

# The REST API for carriers' own systems (docs/api.md): token authentication
# only (no session, hence no CSRF), JSON only, throttled per token.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["schulsozial.activities.api_auth.ApiTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["schulsozial.activities.api_auth.HasApiToken"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_RATES": {"api_token": env_str("API_RATE", "600/minute")},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "schulsozial API",
    "DESCRIPTION": "Submit anonymised activity records of school social work (docs/api.md).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
}

# Flash messages ("Saved: ...") travel in a signed cookie, falling back to the
# session only when too large: a form entry then writes its record and nothing
# else (the session storage cost a second write transaction per entry).
MESSAGE_STORAGE = "django.contrib.messages.storage.fallback.FallbackStorage"
# Django's database sessions. Not cached_db: without a cache shared by the
# gunicorn workers (the default is per process) a session ended in one worker
# (logout) would stay valid in the others' caches until it expired.
SESSION_ENGINE = "django.contrib.sessions.backends.db"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}

# Domain defaults (each is overridable per municipality in the app).
SCHULSOZIAL = {
    "FULLTIME_WEEK_HOURS": 39,
    "TARGET_PUPILS_PER_FTE": 150,
    "DEMO_PASSWORD": env_str("DEMO_PASSWORD", "demo-passwort-2026"),
}

if env_bool("SCHULSOZIAL_TESTING"):
    # Fast hashing keeps the suite quick; never used outside tests.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Two-factor login (TOTP, django-otp) and single sign-on (OpenID Connect,
# mozilla-django-oidc): docs/operations.md, "Two-factor login and single sign-on".
INSTALLED_APPS += ["django_otp", "django_otp.plugins.otp_totp", "django_otp.plugins.otp_static"]
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "schulsozial.accounts.twofactor.OTPMiddleware",
)
MIDDLEWARE.insert(
    MIDDLEWARE.index("schulsozial.accounts.twofactor.OTPMiddleware") + 1,
    "schulsozial.accounts.twofactor.TwoFactorMiddleware",
)
MIDDLEWARE.insert(
    MIDDLEWARE.index("schulsozial.accounts.twofactor.TwoFactorMiddleware") + 1,
    "schulsozial.accounts.oidc.ProviderLogoutMiddleware",
)
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "schulsozial")
# Global administrators (administration without a municipality) must use
# two-factor login whenever this is on, whatever any municipality decides.
TWO_FACTOR_REQUIRED_FOR_GLOBAL_ADMINS = env_bool("TWO_FACTOR_REQUIRED_FOR_GLOBAL_ADMINS")
# How often (seconds) a logged-in session re-reads whether two-factor login
# became required for it (a municipality switched it on meanwhile).
TWO_FACTOR_RECHECK_SECONDS = env_int("TWO_FACTOR_RECHECK_SECONDS", 300)
# A session that logged in through the provider skips the local second factor
# only when the provider is trusted to have asked for one.
OIDC_SKIPS_TWO_FACTOR = env_bool("OIDC_SKIPS_TWO_FACTOR")

# Single sign-on is off unless the provider's client id and endpoints are set.
OIDC_RP_CLIENT_ID = env_str("OIDC_RP_CLIENT_ID")
OIDC_RP_CLIENT_SECRET = env_str("OIDC_RP_CLIENT_SECRET")
OIDC_OP_ISSUER = env_str("OIDC_OP_ISSUER")
OIDC_OP_AUTHORIZATION_ENDPOINT = env_str("OIDC_OP_AUTHORIZATION_ENDPOINT")
OIDC_OP_TOKEN_ENDPOINT = env_str("OIDC_OP_TOKEN_ENDPOINT")
OIDC_OP_USER_ENDPOINT = env_str("OIDC_OP_USER_ENDPOINT")
OIDC_OP_JWKS_ENDPOINT = env_str("OIDC_OP_JWKS_ENDPOINT")
OIDC_OP_END_SESSION_ENDPOINT = env_str("OIDC_OP_END_SESSION_ENDPOINT")
OIDC_ENABLED = bool(
    OIDC_RP_CLIENT_ID
    and OIDC_OP_AUTHORIZATION_ENDPOINT
    and OIDC_OP_TOKEN_ENDPOINT
    and OIDC_OP_USER_ENDPOINT
    and OIDC_OP_JWKS_ENDPOINT
)
OIDC_RP_SIGN_ALGO = env_str("OIDC_RP_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = env_str("OIDC_RP_SCOPES", "openid email profile")
OIDC_GROUPS_CLAIM = env_str("OIDC_GROUPS_CLAIM", "groups")
OIDC_USE_PKCE = True
OIDC_PKCE_CODE_CHALLENGE_METHOD = "S256"
OIDC_STORE_ID_TOKEN = True  # the id_token_hint of the logout at the provider
OIDC_OP_LOGOUT_URL_METHOD = "schulsozial.accounts.oidc.provider_logout_url"
OIDC_AUTHENTICATION_CALLBACK_URL = "accounts:oidc_callback"
OIDC_CREATE_USER = env_bool("OIDC_CREATE_USER", default=True)
OIDC_TIMEOUT = env_int("OIDC_TIMEOUT", 10)
LOGIN_REDIRECT_URL_FAILURE = "accounts:login"
# Inert while OIDC_ENABLED is off: it authenticates only the provider's callback.
AUTHENTICATION_BACKENDS.append("schulsozial.accounts.oidc.SchulsozialOIDCBackend")
