"""Settings shared by every environment. Everything a deployment changes comes from env vars."""

import json
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from whitenoise.compress import Compressor

from .secrets import load_secrets

PACKAGE_DIR = Path(__file__).resolve().parent.parent
BASE_DIR = PACKAGE_DIR.parent
# expanduser: a systemd unit or crontab passes "~/fangkong/var" unexpanded.
VAR_DIR = Path(os.environ.get("FANGKONG_VAR_DIR", BASE_DIR / "var")).expanduser().resolve()


def _env_int(name: str, default: int) -> int:
    """A whole-number variable, or ImproperlyConfigured naming it (not int()'s bare
    "invalid literal" traceback)."""
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(
            f"环境变量 {name}={value!r} 应为整数（不带单位），例如 {default}。 / "
            f"{name} must be a whole number without a unit, e.g. {default}."
        ) from None


def _env_json(name: str, default):
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    try:
        return json.loads(value)
    except ValueError:
        raise ImproperlyConfigured(
            f'环境变量 {name} 不是有效的 JSON，例如 {{"health.checkin": 365}}（英文双引号）。 / '
            f"{name} is not valid JSON."
        ) from None


_secrets = load_secrets(VAR_DIR)
SECRET_KEY = os.environ.get("FANGKONG_SECRET_KEY", _secrets["SECRET_KEY"])
FANGKONG_FIELD_KEYS = _secrets["FIELD_KEYS"]
FANGKONG_INDEX_KEY = _secrets["INDEX_KEY"]

DEBUG = os.environ.get("FANGKONG_DEBUG", "0") == "1"
ALLOWED_HOSTS = [
    h for h in os.environ.get("FANGKONG_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h
]
CSRF_TRUSTED_ORIGINS = [
    o for o in os.environ.get("FANGKONG_CSRF_TRUSTED_ORIGINS", "").split(",") if o
]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "fangkong.core",
    "fangkong.areas",
    "fangkong.accounts",
    "fangkong.registry",
    "fangkong.screening",
    "fangkong.risk",
    "fangkong.tracing",
    "fangkong.health",
    "fangkong.status",
    "fangkong.venues",
    "fangkong.volunteers",
    "fangkong.pairing",
    "fangkong.supervision",
    "fangkong.tips",
    "fangkong.enterprises",
    "fangkong.supplies",
    "fangkong.prices",
    "fangkong.duty",
    "fangkong.dashboard",
    "fangkong.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "fangkong.core.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "fangkong.core.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "fangkong.core.middleware.SessionIdleTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "fangkong.core.middleware.LoginRequiredMiddleware",
    "fangkong.accounts.middleware.PasswordChangeRequiredMiddleware",
    # Last: the first to see a view's exception.
    "fangkong.core.middleware.WriteConflictMiddleware",
]

ROOT_URLCONF = "fangkong.urls"
WSGI_APPLICATION = "fangkong.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "fangkong.core.context_processors.fangkong",
            ],
        },
    },
]


def _parse_database_url(url: str) -> dict:
    """DATABASE_URL as Django's settings, or ImproperlyConfigured naming what is wrong (never
    the URL itself: it holds the password)."""
    scheme = url.partition("://")[0] if "://" in url else ""
    try:
        db = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    except ValueError:
        db = None
    if db is None or db["ENGINE"] not in (
        "django.db.backends.postgresql",
        "django.db.backends.sqlite3",
    ):
        raise ImproperlyConfigured(
            f"DATABASE_URL 无法识别（协议“{scheme}”）：请写成 "
            "postgres://用户名:密码@主机:端口/数据库名 或 sqlite:////绝对路径/文件.sqlite3；"
            "密码中的 @ : / # % 等字符须写成 %40 %3A %2F %23 %25。 / DATABASE_URL is not a "
            "PostgreSQL or SQLite URL (or a character in the password is not percent-encoded)."
        )
    if not db.get("NAME"):
        raise ImproperlyConfigured(
            "DATABASE_URL 缺少数据库名：请写成 postgres://用户名:密码@主机:端口/数据库名。 / "
            "DATABASE_URL names no database."
        )
    return db


def _database_from_env() -> dict:
    url = os.environ.get("DATABASE_URL")
    if url:
        db = _parse_database_url(url)
    else:
        db = {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "fangkong.sqlite3",
            # Kept per thread like PostgreSQL's: reopening ran the PRAGMAs and Django's
            # function registrations on every request (~3 ms of a 5 ms API call).
            "CONN_MAX_AGE": 60,
        }
    if db["ENGINE"] == "django.db.backends.postgresql":
        # Django turns psycopg's automatic preparation off; the hot fixed-shape statements run
        # on server-binding cursors (status one-person recomputation) are prepared once per
        # connection. Django's own client-binding cursors are not affected.
        db.setdefault("OPTIONS", {}).setdefault("prepare_threshold", 5)
    if db["ENGINE"] == "django.db.backends.sqlite3":
        # IMMEDIATE avoids "database is locked" when a read transaction upgrades to a write;
        # WAL lets readers (the web pages) go on while an import or a worker writes. A commit
        # that finds the log over wal_autocheckpoint pages copies it into the database while
        # every other writer waits (at SQLite's 1,000 pages, many times a second while scans
        # pour in). The server copies it between requests
        # (core.dbfiles.start_checkpointer); 20,000 pages (80 MB) is the bound for commands.
        db["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                "PRAGMA temp_store=MEMORY; PRAGMA cache_size=-65536; "
                "PRAGMA wal_autocheckpoint=20000;"
            ),
        }
    return db


DATABASES = {"default": _database_from_env()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["fangkong.accounts.backends.RoleBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "fangkong.accounts.validators.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "fangkong.accounts.validators.CommonPasswordValidator"},
    {"NAME": "fangkong.accounts.validators.NumericPasswordValidator"},
]

SESSION_COOKIE_AGE = _env_int("FANGKONG_SESSION_AGE", 8 * 3600)
# Days an API token lasts (0: until its holder ends it, the password changes or the account
# is deactivated); a device asks /api/v1/auth/token/ again for a new one.
FANGKONG_TOKEN_DAYS = _env_int("FANGKONG_TOKEN_DAYS", 90)
SESSION_EXPIRE_AT_BROWSER_CLOSE = (
    os.environ.get("FANGKONG_SESSION_EXPIRE_AT_BROWSER_CLOSE", "1") == "1"
)
# Signed out after this long without a request (0: never; the absolute limit still holds).
FANGKONG_SESSION_IDLE_MINUTES = _env_int("FANGKONG_SESSION_IDLE_MINUTES", 30)
# Rate-limit counters shared by every process of the deployment (gunicorn workers, several
# app servers on one PostgreSQL) without another service: a table in our database
# (core/cache.py; README "Deployment notes"). Hot paths count per process in "local".
CACHES = {
    "default": {
        "BACKEND": "fangkong.core.cache.SharedDatabaseCache",
        "LOCATION": "fangkong_cache",
        # Culling deletes rows by key order: an attacker spraying addresses would reset
        # other counters, so cull only far beyond what a site's failures fill.
        "OPTIONS": {"MAX_ENTRIES": 100_000},
    },
    "local": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
}
# Sign-in guard (accounts.security): lockout per account, throttling per address.
FANGKONG_LOGIN_MAX_FAILURES = _env_int("FANGKONG_LOGIN_MAX_FAILURES", 5)
FANGKONG_LOGIN_LOCK_MINUTES = _env_int("FANGKONG_LOGIN_LOCK_MINUTES", 15)
FANGKONG_LOGIN_ADDRESS_MAX_FAILURES = _env_int("FANGKONG_LOGIN_ADDRESS_MAX_FAILURES", 20)
FANGKONG_LOGIN_ADDRESS_WINDOW_MINUTES = _env_int("FANGKONG_LOGIN_ADDRESS_WINDOW_MINUTES", 15)
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [
    ("zh-hans", "简体中文"),
    ("zh-hant", "繁體中文"),
    ("en", "English"),
]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
# Chinese numbers grouped by three digits where a page asks for grouping (fangkong.formats).
FORMAT_MODULE_PATH = ["fangkong.formats"]
# A filter drop-down's blank choice: 全部 ("all") rather than django-filter's "---------".
FILTERS_EMPTY_CHOICE_LABEL = _("全部")
TIME_ZONE = os.environ.get("FANGKONG_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
# Hashed names cached for good, and compressed copies beside the static files sent to the
# browsers that accept them (``core.staticfiles``).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "fangkong.core.staticfiles.StaticFilesStorage"},
}
# Source maps are opened by a developer's tools only: compressing their 8 MB took as long
# as compressing everything else at the first start.
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = (*Compressor.SKIP_COMPRESS_EXTENSIONS, "map")
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
MEDIA_ROOT = VAR_DIR / "media"
FANGKONG_UPLOAD_DIR = VAR_DIR / "uploads"
FANGKONG_EXPORT_DIR = VAR_DIR / "exports"
# A list longer than this is exported by a background job with progress, not in the request.
FANGKONG_EXPORT_BACKGROUND_ROWS = _env_int("FANGKONG_EXPORT_BACKGROUND_ROWS", 5_000)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FANGKONG_MAX_UPLOAD_BYTES = _env_int("FANGKONG_MAX_UPLOAD_BYTES", 200 * 1024 * 1024)
# Above this many rows a web import runs in the background with a progress bar.
FANGKONG_SYNC_IMPORT_ROWS = 2000
# Photos (inspections, rectification evidence, tips): largest upload, checked by content.
FANGKONG_MAX_PHOTO_BYTES = _env_int("FANGKONG_MAX_PHOTO_BYTES", 8 * 1024 * 1024)
# Rate limits count the peer address; behind a reverse proxy set this to 1 so the address
# the proxy appends to X-Forwarded-For is counted (core/ratelimit.py). Never without a proxy:
# clients could then name any address they like.
FANGKONG_TRUST_X_FORWARDED_FOR = os.environ.get("FANGKONG_TRUST_X_FORWARDED_FOR", "0") == "1"
# Public tip form: accepted tips per client address per hour; seconds a human needs at least.
FANGKONG_TIP_LIMIT_PER_HOUR = _env_int("FANGKONG_TIP_LIMIT_PER_HOUR", 5)
FANGKONG_TIP_MIN_SECONDS = _env_int("FANGKONG_TIP_MIN_SECONDS", 5)
# Hostile uploads: refuse a sheet with more data rows than this, and an .xlsx whose parts
# would unzip to more than this many bytes (zip bombs), before reading it.
FANGKONG_IMPORT_MAX_ROWS = _env_int("FANGKONG_IMPORT_MAX_ROWS", 1_000_000)
# A file of at least this many rows into a table holding fewer sets its secondary indexes
# aside and rebuilds them before commit (core/importing/indexes.py; on SQLite the audit log's
# too, by the same rule); 0 = never. On SQLite the rebuild sorts through a temporary file
# (the import's temp_store, core/importing/engine.py).
FANGKONG_IMPORT_DEFER_INDEXES_MIN_ROWS = _env_int("FANGKONG_IMPORT_DEFER_INDEXES_MIN_ROWS", 50_000)
# SQLite: a file of at least this many rows, imported while no other process has the database
# open (a command-line load with the server stopped), is written straight into the database
# with a rollback journal rather than through the write-ahead log (core/dbfiles.py); 0 = never.
FANGKONG_IMPORT_SQLITE_DIRECT_MIN_ROWS = _env_int("FANGKONG_IMPORT_SQLITE_DIRECT_MIN_ROWS", 50_000)
# Worker processes that parse, validate and encrypt a large file's rows while the importing
# process writes them (core/importing/pipeline.py); 0 = all in one process. Files of fewer
# rows than FANGKONG_IMPORT_WORKERS_MIN_ROWS are imported in one process.
FANGKONG_IMPORT_WORKERS = _env_int("FANGKONG_IMPORT_WORKERS", 2)
FANGKONG_IMPORT_WORKERS_MIN_ROWS = _env_int("FANGKONG_IMPORT_WORKERS_MIN_ROWS", 20_000)
FANGKONG_IMPORT_MAX_UNZIPPED_BYTES = _env_int("FANGKONG_IMPORT_MAX_UNZIPPED_BYTES", 1024**3)

REST_FRAMEWORK = {
    # Token first: its WWW-Authenticate header makes unauthenticated calls 401, not 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "fangkong.core.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["fangkong.core.api.permissions.RolePermission"],
    "DEFAULT_FILTER_BACKENDS": [
        "fangkong.core.api.filters.StrictFilterBackend",
        "fangkong.core.api.filters.StrictOrderingFilter",
    ],
    # JSON bodies only. A form-encoded body reads with HTML form rules: a boolean left out is
    # false (a tip "verified" without ``founded`` became unfounded, a warehouse PUT without
    # ``active`` was deactivated) and a list cannot be written at all. The token view keeps
    # its own form parsers (devices sign in with ``curl -d``).
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "DEFAULT_PAGINATION_CLASS": "fangkong.core.api.pagination.StandardPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "fangkong.core.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "fangkong.core.api.exceptions.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"auth-token": os.environ.get("FANGKONG_TOKEN_RATE", "10/min")},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Fangkong API",
    "DESCRIPTION": "防控平台 REST API. Every endpoint is scoped to the caller's area subtree.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "fangkong.core.api.schema.add_error_responses",
        "fangkong.core.api.schema.document_blank_values",
    ],
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # Names for choice sets whose field names ("kind", "state", "category"…) several apps use;
    # one block for every app, so the schema stays free of enum-name collision warnings.
    "ENUM_NAME_OVERRIDES": {
        "ColourEnum": "fangkong.status.choices.Colour",
        "ResidentCategoryEnum": "fangkong.registry.choices.ResidentCategory",
        "VenueKindEnum": "fangkong.venues.choices.VenueKind",
        "ScanColourEnum": "fangkong.venues.choices.ScanColour",
        "VolunteerSkillEnum": "fangkong.volunteers.choices.Skill",
        "VolunteerWeekdayEnum": "fangkong.volunteers.choices.Weekday",
        "VolunteerTimeOfDayEnum": "fangkong.volunteers.choices.TimeOfDay",
        "VolunteerStateEnum": "fangkong.volunteers.choices.PoolState",
        "VolunteerNeedKindEnum": "fangkong.volunteers.choices.NeedKind",
        "VolunteerNeedStateEnum": "fangkong.volunteers.choices.NeedState",
        "VolunteerTaskStateEnum": "fangkong.volunteers.choices.AssignmentState",
        "VolunteerTeamKindEnum": "fangkong.volunteers.choices.TeamKind",
        "ProblemStateEnum": "fangkong.supervision.choices.ProblemState",
        "InspectionTaskStateEnum": "fangkong.supervision.choices.TaskState",
        "TipStateEnum": "fangkong.tips.choices.TipState",
        "TipCategoryEnum": "fangkong.tips.choices.TipCategory",
        "DifficultyCategoryEnum": "fangkong.enterprises.choices.DifficultyCategory",
        "SupplyUnitEnum": "fangkong.supplies.choices.Unit",
        "ItemCategoryEnum": "fangkong.supplies.choices.ItemCategory",
        "WarehouseKindEnum": "fangkong.supplies.choices.WarehouseKind",
        "MovementKindEnum": "fangkong.supplies.choices.MovementKind",
        "DonationKindEnum": "fangkong.supplies.choices.DonationKind",
        "FundKindEnum": "fangkong.supplies.choices.FundKind",
        "MarketKindEnum": "fangkong.prices.choices.MarketKind",
        "CommodityCategoryEnum": "fangkong.prices.choices.CommodityCategory",
    },
    # Intranet: Swagger UI must not call validator.swagger.io; Redoc uses system fonts.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "REDOC_UI_SETTINGS": {
        "theme": {
            "typography": {
                "fontFamily": "system-ui, 'PingFang SC', 'Microsoft YaHei', sans-serif",
                "headings": {
                    "fontFamily": "system-ui, 'PingFang SC', 'Microsoft YaHei', sans-serif"
                },
            }
        }
    },
}
TASKS = {
    "default": {
        "BACKEND": os.environ.get("FANGKONG_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Every handler drops ID and phone numbers from messages and tracebacks.
    "filters": {"redact": {"()": "fangkong.core.logging.RedactPersonalData"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["redact"]}},
    "root": {
        "handlers": ["console"],
        "level": os.environ.get("FANGKONG_LOG_LEVEL", "INFO").strip().upper(),
    },
    # Request lines carry URLs only; personal data never appears in URLs (POST bodies only).
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

FANGKONG_NAV_TITLE = _("防控平台")

# --- data retention (core.retention, core.keys) ---
# {"health.checkin": 365}: days per model, overriding each app's default (README).
FANGKONG_RETENTION_DAYS = _env_json("FANGKONG_RETENTION_DAYS", {})
# Days personal values in the audit log stay readable before their key may be retired.
FANGKONG_AUDIT_PERSONAL_DAYS = _env_int("FANGKONG_AUDIT_PERSONAL_DAYS", 730)
