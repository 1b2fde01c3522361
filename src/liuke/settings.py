"""liuke settings, read from the environment.

Embedded default: a SQLite file under ``LIUKE_DATA_DIR`` and Celery tasks run in-process.
Production: ``DATABASE_URL=postgres://...`` and ``CELERY_BROKER_URL=redis://...``.
"""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("LIUKE_DATA_DIR", Path.cwd() / "data")).resolve()


def _env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


DEBUG = _env_bool("LIUKE_DEBUG")
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    # The embedded default keeps a generated key beside its database, so sessions survive restarts.
    _key_file = DATA_DIR / "secret_key"
    try:
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        if not _key_file.exists():
            from django.utils.crypto import get_random_string

            _key_file.write_text(get_random_string(64))
            _key_file.chmod(0o600)
        SECRET_KEY = _key_file.read_text().strip()
    except OSError:
        SECRET_KEY = "liuke-insecure-fallback-key-set-SECRET_KEY-in-production"

ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "liuke.core",
    "liuke.org",
    "liuke.customers",
    "liuke.channel",
    "liuke.interactions",
    "liuke.alerts",
    "liuke.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "liuke.core.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "liuke.core.middleware.ChangeContextMiddleware",
]

ROOT_URLCONF = "liuke.urls"
WSGI_APPLICATION = "liuke.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "liuke.core.context_processors.navigation",
            ],
        },
    },
]

# Database: SQLite in the data directory unless DATABASE_URL names another.
_sqlite_path = DATA_DIR / "liuke.sqlite3"
DATABASES = {"default": dj_database_url.parse(os.environ.get("DATABASE_URL", f"sqlite:///{_sqlite_path}"))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # IMMEDIATE: writers queue for the lock up front instead of failing on upgrade (change-log chain).
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=20000;"
        ),
    }
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", 60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Internationalisation: Simplified Chinese first, English complete.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("LIUKE_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise expects it even when serving from finders
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# The embedded server serves assets straight from the package, no collectstatic step needed.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = DATA_DIR / "media"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "liuke API",
    "DESCRIPTION": "留客 liuke REST API. Every endpoint applies the same visibility rules as the web UI.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

# The cache: each process has its own in the embedded default. Once web servers and Celery workers are
# separate processes they must share one (flow-upload progress and outcomes live there): LIUKE_CACHE_URL.
if os.environ.get("LIUKE_CACHE_URL"):
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": os.environ["LIUKE_CACHE_URL"]}
    }

# Background jobs: Celery with Redis in production; in-process (eager) in the embedded default.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "verify-change-log-nightly": {"task": "liuke.core.verify_log", "schedule": 60 * 60 * 24},
    "refresh-customer-coverage-nightly": {"task": "liuke.customers.refresh_derived", "schedule": 60 * 60 * 24},
    "refresh-planner-statistics-nightly": {"task": "liuke.core.refresh_statistics", "schedule": 60 * 60 * 24},
    "screen-every-rule-nightly": {"task": "liuke.alerts.screen", "schedule": 60 * 60 * 24},
    "send-alert-digests-daily": {"task": "liuke.alerts.send_digests", "schedule": 60 * 60 * 24},
}

# E-mail (alert notifications and daily digests) through Django's mail settings. Without EMAIL_HOST mails are
# written to the console log (the embedded default has no mail server).
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _env_bool("EMAIL_USE_TLS")
EMAIL_USE_SSL = _env_bool("EMAIL_USE_SSL")
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.console.EmailBackend",
)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "liuke@localhost")
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "10"))  # seconds; a silent mail server never hangs a sender
# The address people open liuke at: links in e-mails and group-robot messages start with it.
LIUKE_SITE_URL = os.environ.get("LIUKE_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# Sending a notification: tries after the first, and the seconds a group robot may take to answer.
LIUKE_NOTIFY_RETRIES = int(os.environ.get("LIUKE_NOTIFY_RETRIES", "5"))
LIUKE_WEBHOOK_TIMEOUT = float(os.environ.get("LIUKE_WEBHOOK_TIMEOUT", "5"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LIUKE_LOG_LEVEL", "WARNING")},
}

# A customer whose archive completeness reaches this score is "handover-ready".
LIUKE_HANDOVER_READY_THRESHOLD = int(os.environ.get("LIUKE_HANDOVER_READY_THRESHOLD", "80"))

# Contact cadence per customer grade, in days (LIUKE_CONTACT_CADENCE_DAYS="A=14,B=30,C=60").
LIUKE_CONTACT_CADENCE_DAYS = {
    k.strip(): int(v)
    for k, v in (
        part.split("=", 1)
        for part in os.environ.get("LIUKE_CONTACT_CADENCE_DAYS", "A=14,B=30,C=60").split(",")
        if "=" in part
    )
}
# A record card dated more than this many days back needs a reason.
LIUKE_BACKDATE_LIMIT_DAYS = int(os.environ.get("LIUKE_BACKDATE_LIMIT_DAYS", "3"))
# A card checked in farther than this from the customer's known location is marked.
LIUKE_CHECKIN_FAR_METRES = int(os.environ.get("LIUKE_CHECKIN_FAR_METRES", "1000"))
# Attachments on record cards.
LIUKE_ATTACHMENT_MAX_BYTES = int(os.environ.get("LIUKE_ATTACHMENT_MAX_MB", "10")) * 1024 * 1024

SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
