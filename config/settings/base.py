"""Settings read from the environment; SQLite (WAL) unless DATABASE_URL says otherwise."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("JIEFEN_VAR_DIR", BASE_DIR / "var"))


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default):
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)
# The development key only ever serves the local demo; production.py refuses to start without one.
SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-insecure-key-change-me-0123456789abcdefghijklmnop")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "rest_framework",
    "drf_spectacular",
    "jiefen.common",
    "jiefen.organisation",
    "jiefen.workdays",
    "jiefen.cases",
    "jiefen.mediation",
    "jiefen.documents",
    "jiefen.meetings",
    "jiefen.reports",
    "jiefen.assessment",
    "jiefen.discovery",
    "jiefen.screening",
    "jiefen.prevention",
    "jiefen.notifications",
    "jiefen.audit",
    "jiefen.api",
    "jiefen.open311",
    "jiefen.citizen",
    "jiefen.scheduler",
    "jiefen.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "jiefen.web.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "django.template.context_processors.i18n",
                "jiefen.web.context_processors.navigation",
            ],
        },
    },
]

VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'jiefen.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Django's backend, with write transactions queueing on a file lock (see its docstring).
    DATABASES["default"]["ENGINE"] = "jiefen.common.backends.sqlite3"
    DATABASES["default"]["OPTIONS"] = {
        # Connections persist (CONN_MAX_AGE) like PostgreSQL's: opening one re-reads the whole
        # schema and re-runs these pragmas, which cost more than a typical page's queries.
        # WAL lets the web server, worker and scheduler read while one of them writes;
        # IMMEDIATE takes the write lock at BEGIN so two writers queue instead of deadlocking.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        # Seconds a writer waits for the write lock before "database is locked".
        "timeout": 10,
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "web:my_work"
LOGOUT_REDIRECT_URL = "login"

TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

# How long before a limit a mediator is told it is due soon, in working days.
JIEFEN_DUE_SOON_WORKING_DAYS = int(os.environ.get("JIEFEN_DUE_SOON_WORKING_DAYS", "1"))
JIEFEN_CASE_PAGE_SIZE = 25
# Largest evidence file (image or PDF) a user may upload, in bytes.
JIEFEN_MAX_UPLOAD_BYTES = int(os.environ.get("JIEFEN_MAX_UPLOAD_BYTES", str(10 * 1024 * 1024)))
# How long before a performance item of an agreement falls due the mediator is reminded, in working days.
JIEFEN_PERFORMANCE_REMIND_WORKING_DAYS = int(os.environ.get("JIEFEN_PERFORMANCE_REMIND_WORKING_DAYS", "3"))
# The largest scan of a signed agreement accepted.
JIEFEN_AGREEMENT_SCAN_MAX_BYTES = 10 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Notifications by email and webhook (jiefen/notifications/delivery.py). Without EMAIL_HOST
# mail goes to the console (tests use Django's in-memory backend); links in messages start
# with SITE_URL.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "10"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "解纷平台 <noreply@jiefen.invalid>")
# Users who never chose get email reminders when they have an address.
JIEFEN_NOTIFY_EMAIL_DEFAULT = env_bool("JIEFEN_NOTIFY_EMAIL_DEFAULT", True)
JIEFEN_WEBHOOK_TIMEOUT_SECONDS = float(os.environ.get("JIEFEN_WEBHOOK_TIMEOUT_SECONDS", "5"))
JIEFEN_OUTBOX_MAX_ATTEMPTS = int(os.environ.get("JIEFEN_OUTBOX_MAX_ATTEMPTS", "12"))

# REST API (jiefen/api). Programs authenticate with a personal token (`Authorization: Token
# <key>` or `Bearer <key>`), browsers with the session (CSRF checked on writes). Every error is
# the JSON body of jiefen.api.errors. The throttle counts token clients in the default cache:
# local memory unless CACHES says otherwise, i.e. per process — see jiefen/api/throttling.py.
INSTALLED_APPS += ["drf_spectacular_sidecar"]  # Swagger UI served from our own static files
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "jiefen.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_THROTTLE_CLASSES": ["jiefen.api.throttling.ApiTokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api_token": os.environ.get("JIEFEN_API_TOKEN_RATE", "120/min")},
    "EXCEPTION_HANDLER": "jiefen.api.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "jiefen.api.schema.AutoSchema",
    # `format` is an ordinary word in this API's parameters, not a renderer switch.
    "URL_FORMAT_OVERRIDE": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "解纷 Jiefen API",
    "DESCRIPTION": (
        "矛盾纠纷多元化解平台开放接口。可见范围与网页相同：看不到的案件返回 404，看得到但无权操作返回 403。"
        "错误统一为 {\"error\": {\"code\", \"message\", \"message_en\", \"fields\"}}。"
        "列表采用游标分页：以上一页的 next_cursor 作为 after 参数。"
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_AUTHENTICATION": [],
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "CaseStateEnum": "jiefen.cases.models.CaseState",
        "AgreementFormEnum": "jiefen.cases.models.AgreementForm",
        "ReferralRouteEnum": "jiefen.cases.models.ReferralRoute",
        "PartyKindEnum": "jiefen.cases.models.PartyKind",
        "EventKindEnum": "jiefen.cases.models.EventKind",
        "SessionKindEnum": "jiefen.mediation.models.SessionKind",
    },
}

# Security (SECURITY.md). Sign-in is throttled per username and address by django-axes; users
# may add an authenticator (TOTP, django-otp); sessions end after SESSION_IDLE_TIMEOUT seconds
# without a request; every page carries a Content-Security-Policy that allows no inline script.
INSTALLED_APPS += ["axes", "django_otp", "django_otp.plugins.otp_totp", "csp"]
MIDDLEWARE.insert(MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1, "django_otp.middleware.OTPMiddleware")
MIDDLEWARE.insert(MIDDLEWARE.index("django.contrib.messages.middleware.MessageMiddleware") + 1, "jiefen.web.security.IdleSessionMiddleware")
MIDDLEWARE += [
    "csp.middleware.CSPMiddleware",
    "jiefen.web.middleware.SecurityHeadersMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes requires
]
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "jiefen.web.security.locked_out"
AXES_VERBOSE = False
# Behind N reverse proxies (nginx …) the client's address is the Nth from the right in
# X-Forwarded-For; 0 means clients connect directly. Lockout and the public look-up's rate
# limit count per address, so this must match the deployment.
JIEFEN_TRUSTED_PROXY_COUNT = int(os.environ.get("JIEFEN_TRUSTED_PROXY_COUNT", "0"))
if JIEFEN_TRUSTED_PROXY_COUNT:
    AXES_IPWARE_PROXY_COUNT = JIEFEN_TRUSTED_PROXY_COUNT
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
SESSION_IDLE_TIMEOUT = int(os.environ.get("SESSION_IDLE_TIMEOUT", str(60 * 60)))
OTP_TOTP_ISSUER = "解纷 Jiefen"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_COOKIE_HTTPONLY = True  # htmx sends the token from the page, never from the cookie
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        # style attributes in templates; no script can be injected through them
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Keys from the environment: field encryption of ID numbers and phones (Fernet keys, newest
# first — see `manage.py pii_rotate`), the keyed hash used to search them, and the key of the
# case-event hash chain. Development derives all three from SECRET_KEY; production requires them.
PII_ENCRYPTION_KEYS = env_list("PII_ENCRYPTION_KEYS", [])
PII_HASH_KEY = os.environ.get("PII_HASH_KEY", "")
AUDIT_HMAC_KEY = os.environ.get("AUDIT_HMAC_KEY", "")
# Bad input (jiefen/common/middleware.py): control characters refused, oversized bodies answered
# in the sender's format. 2.5 MB of form fields (files are limited by JIEFEN_MAX_UPLOAD_BYTES).
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
MIDDLEWARE.insert(MIDDLEWARE.index("jiefen.web.security.IdleSessionMiddleware") + 1, "jiefen.common.middleware.BadInputMiddleware")

# The dashboard and the statistics tables show figures computed at most this many seconds ago
# (older ones are shown while a worker recomputes them); their button recomputes one set of
# figures at most once per STATISTICS_REFRESH_INTERVAL seconds. See jiefen/reports/snapshots.py.
STATISTICS_MAX_AGE = int(os.environ.get("STATISTICS_MAX_AGE", "300"))
STATISTICS_REFRESH_INTERVAL = int(os.environ.get("STATISTICS_REFRESH_INTERVAL", "60"))
# Figures nobody has asked for yet, and those the 重新计算 button asks for again, are computed by
# the background worker while the page says so (seconds over a province's cases); off, the
# visitor waits for them in the request.
STATISTICS_IN_BACKGROUND = env_bool("STATISTICS_IN_BACKGROUND", True)
