"""One env-driven settings module. Every value has a default that serves `make run` on a laptop.

Production sets DEBUG=0, SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL, REDIS_URL and S3_* in the environment
(or in a `.env` file next to manage.py).
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from dotenv import load_dotenv

BASE_DIR = Path(__file__).resolve().parent.parent
load_dotenv(BASE_DIR / ".env")


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)
SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"  # noqa: S105 - DEBUG only
# Earlier keys, still accepted while rotating SECRET_KEY (signatures, stored platform credentials).
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# The public address of the site, used in e-mails, certificates and verification links.
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "lofi_site.apps.CockpitAdminConfig",  # replaces django.contrib.admin with the label's cockpit
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI and ReDoc files, so /api/docs/ works offline
    "django_q",
    "storages",
    "lofi_site.apps.LofiSiteConfig",
    "catalog",
    "production",
    "distribution",
    "monetization",
    "community",
    "operations",
    "listeners",
    "radio",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "lofi_site.middleware.RejectNulBytesMiddleware",
    "lofi_site.middleware.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "lofi_site.urls"
WSGI_APPLICATION = "lofi_site.wsgi.application"

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
                "lofi_site.context_processors.label",
            ],
        },
    },
]

# SQLite in the project by default (embedded, for `make run`); PostgreSQL (psycopg 3) via DATABASE_URL.
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(env("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,  # a persistent connection the server dropped is replaced, not used
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server and the worker's processes share the file. WAL lets readers go on while one writes;
    # IMMEDIATE takes the write lock when a transaction starts, so two writers queue (up to `timeout` s)
    # instead of one failing with "database is locked" when it upgrades a read lock halfway through.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        timeout=20,
        transaction_mode="IMMEDIATE",
        init_command="PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# --- Files -----------------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
# The web processes serve public media themselves (streamed, with Range requests): on for `make run` and `make
# serve` on local files; off in production, where S3/a CDN or the proxy serves them.
SERVE_MEDIA = env_bool("SERVE_MEDIA", DEBUG)
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / "media")))
# Masters, stems, packs and certificates: never served by URL, only streamed by views that check access.
PRIVATE_MEDIA_ROOT = Path(env("PRIVATE_MEDIA_ROOT", str(BASE_DIR / "private_media")))

S3_BUCKET = env("S3_BUCKET")
if S3_BUCKET:
    _s3 = {
        "bucket_name": S3_BUCKET,
        "endpoint_url": env("S3_ENDPOINT_URL") or None,  # MinIO, R2, moto... empty for AWS itself
        "region_name": env("S3_REGION") or None,
        "access_key": env("S3_ACCESS_KEY_ID") or None,
        "secret_key": env("S3_SECRET_ACCESS_KEY") or None,
        "file_overwrite": False,
        # "path" for emulators and MinIO reached by IP; empty lets botocore choose (virtual hosts on AWS).
        "addressing_style": env("S3_ADDRESSING_STYLE") or None,
        # Signature v4: v2 presigned URLs are refused by newer AWS regions and deprecated everywhere.
        "signature_version": "s3v4",
    }
    _public_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            **_s3,
            "location": "public",
            "querystring_auth": False,
            "custom_domain": env("S3_PUBLIC_DOMAIN") or None,
        },
    }
    _private_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        # Presigned URLs only, valid for a few minutes: downloads are authorised by our own signed links.
        "OPTIONS": {
            **_s3,
            "location": "private",
            "querystring_auth": True,
            "querystring_expire": 300,
            "default_acl": "private",
        },
    }
else:
    _public_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT, "base_url": MEDIA_URL},
    }
    _private_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_MEDIA_ROOT, "base_url": None},
    }

STORAGES = {
    "default": _public_storage,
    "private": _private_storage,
    # No manifest: pages render even before collectstatic (tests, `make run`); whitenoise still compresses.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024  # larger uploads spool to disk, never whole into memory
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024

# --- Background work (django-q2) --------------------------------------------------------------------
REDIS_URL = env("REDIS_URL")
Q_CLUSTER = {
    "name": "lofi",
    "workers": int(env("Q_WORKERS", "2")),
    "timeout": int(env("Q_TIMEOUT_S", "1800")),  # a long mix or video may take many minutes
    "retry": int(env("Q_RETRY_S", "1900")),  # must exceed timeout, or a running task is handed out twice
    "max_attempts": int(env("Q_MAX_ATTEMPTS", "3")),
    "queue_limit": 50,
    "catch_up": False,  # a worker that was down runs a missed schedule once, not once per missed minute
    "label": "Background tasks",
    # The interactive cluster above runs what a person waits for (a single render, previews, publishing,
    # e-mail); bulk work (batch renders, analysis of imports, long mixes, training) has its own queue and
    # workers, so a batch of 200 renders never delays a customer's e-mail. Start it with
    # `Q_CLUSTER_NAME=bulk manage.py qcluster` (`make run` starts both).
    "ALT_CLUSTERS": {
        "bulk": {
            "workers": int(env("Q_BULK_WORKERS", "1")),
            # A cluster takes at most this many tasks ahead of its workers: renders are long, so a host that
            # grabbed the whole queue would leave other hosts idle (and lose them all if it died).
            "queue_limit": int(env("Q_BULK_WORKERS", "1")),
            "timeout": int(env("Q_BULK_TIMEOUT_S", "3600")),
            "retry": int(env("Q_BULK_RETRY_S", "3700")),
            "label": "Bulk tasks",
        }
    },
}
Q_BULK_CLUSTER = "bulk"
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"
# Tests and one-off scripts can run tasks inline.
Q_CLUSTER["sync"] = env_bool("Q_SYNC", False)

# --- Audio engine ------------------------------------------------------------------------------------
# The label's own SoundFont folder: a file named <voice id>.sf2/.sf3 there plays that voice before the OS's
# free SoundFonts and pretty_midi's TimGM6mb (production/engine/instruments.py); empty: no label files.
LOFI_SOUNDFONT_DIR = env("LOFI_SOUNDFONT_DIR")

# --- Render jobs' heartbeat (production/services/render_heartbeat.py) ------------------------------------
# A running job writes a heartbeat every RENDER_HEARTBEAT_S; one silent for RENDER_HEARTBEAT_STALE_S has lost its
# worker and is queued again by the every-minute sweep, up to RENDER_MAX_ATTEMPTS runs in all.
RENDER_HEARTBEAT_S = float(env("RENDER_HEARTBEAT_S", "15"))
RENDER_HEARTBEAT_STALE_S = float(env("RENDER_HEARTBEAT_STALE_S", "120"))
RENDER_MAX_ATTEMPTS = int(env("RENDER_MAX_ATTEMPTS", "3"))
# A job still queued this long after it was queued may have lost its task with a dead worker host (the Redis broker
# has no acknowledgement): the sweep queues it again (harmless if the task still exists). Default: the bulk retry.
RENDER_QUEUED_RESCUE_S = float(env("RENDER_QUEUED_RESCUE_S", env("Q_BULK_RETRY_S", "3700")))
# Customer e-mails (operations/outbox.py): attempts before the outbox gives a message up (the cockpit lists it).
OUTBOX_MAX_ATTEMPTS = int(env("OUTBOX_MAX_ATTEMPTS", "10"))

# --- Ingest (cockpit upload, API, import_audio; read by production/services/ingest.py) --------------------
# Checked from the header before any decoding: more channels or a higher rate is refused at once.
INGEST_MAX_CHANNELS = int(env("INGEST_MAX_CHANNELS", "2"))
INGEST_MAX_SAMPLE_RATE = int(env("INGEST_MAX_SAMPLE_RATE", "96000"))
# Declared samples (channels x frames) decoded whole while the uploader waits; larger files are decoded at both
# ends in the request and whole by the analysis task (bulk queue) under INGEST_ANALYSIS_TIMEOUT_S.
INGEST_FULL_DECODE_SAMPLES = int(env("INGEST_FULL_DECODE_SAMPLES", "60000000"))
INGEST_ANALYSIS_TIMEOUT_S = int(env("INGEST_ANALYSIS_TIMEOUT_S", "1200"))

# --- Cache: shared through Redis when there is one, so API throttles count across processes and hosts ---
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "lofi_site.cache.ReusedClientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "lofi",
        }
    }
else:
    # Without Redis: a table in the database every process shares (created by `migrate`), never a per-process
    # memory cache, which let each web process allow the whole rate limit again. Entries are not culled early:
    # a culled counter would reset a client's limit.
    CACHES = {
        "default": {
            "BACKEND": "lofi_site.cache.SharedDatabaseCache",
            "LOCATION": "lofi_cache",
            "OPTIONS": {"MAX_ENTRIES": int(env("CACHE_MAX_ENTRIES", "200000"))},
        }
    }

# Seconds a public page (storefront, public API lists) is served from the shared cache to visitors without a
# session (lofi_site/pagecache.py); catalogue writes invalidate it at once. 0 turns the page cache off.
PUBLIC_PAGE_CACHE_S = int(env("PUBLIC_PAGE_CACHE_S", "60"))

# --- API ---------------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Reads are public; writes need the model permission (Editors), checked per model.
    "DEFAULT_PERMISSION_CLASSES": ["lofi_site.api_permissions.ModelPermissionsOrPublicRead"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.AnonRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"anon": env("API_ANON_RATE", "120/minute")},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "LoFi label API",
    "DESCRIPTION": "Catalogue, releases and artists of the label. Reads are public; writes need a staff token.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The docs pages load their scripts from this site's static files: no third-party host, works offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Label identity ----------------------------------------------------------------------------------
LABEL_NAME = env("LABEL_NAME", "Lantern LoFi")
# ISRC: country code + registrant code assigned to the label (e.g. by the national ISRC agency).
ISRC_PREFIX = env("ISRC_PREFIX", "QZLF1").replace("-", "").upper()
# Optional GS1 company prefix: when set, UPCs can be assigned from it; otherwise editors type them in.
UPC_COMPANY_PREFIX = env("UPC_COMPANY_PREFIX")

# --- Distribution (release media and publishing; read by distribution/) -------------------------------
# Key for the platform credentials encrypted at rest; empty: derived from SECRET_KEY (and SECRET_KEY_FALLBACKS).
DISTRIBUTION_CREDENTIALS_KEY = env("DISTRIBUTION_CREDENTIALS_KEY")
# Local hour a release goes public on its release date when no publish time is set.
DISTRIBUTION_PUBLISH_HOUR = int(env("DISTRIBUTION_PUBLISH_HOUR", "16"))
# Hours ahead of going public that YouTube uploads start (private with publishAt, processed by then).
DISTRIBUTION_YOUTUBE_UPLOAD_LEAD_H = float(env("DISTRIBUTION_YOUTUBE_UPLOAD_LEAD_H", "24"))
# Resumable upload chunk size in bytes (a multiple of 256 KiB).
DISTRIBUTION_YOUTUBE_CHUNK_BYTES = int(env("DISTRIBUTION_YOUTUBE_CHUNK_BYTES", str(8 * 1024 * 1024)))
# Release videos: frame rate, length of the repeated loop, of the vertical preview (15-30) and the canvas (3-8).
DISTRIBUTION_VIDEO_FPS = int(env("DISTRIBUTION_VIDEO_FPS", "24"))
DISTRIBUTION_VIDEO_LOOP_S = float(env("DISTRIBUTION_VIDEO_LOOP_S", "4"))
DISTRIBUTION_PREVIEW_S = float(env("DISTRIBUTION_PREVIEW_S", "20"))
DISTRIBUTION_CANVAS_S = float(env("DISTRIBUTION_CANVAS_S", "6"))
# OAuth redirect URIs registered with Google / SoundCloud; empty: the cockpit's own callback URL.
YOUTUBE_OAUTH_REDIRECT_URI = env("YOUTUBE_OAUTH_REDIRECT_URI")
SOUNDCLOUD_OAUTH_REDIRECT_URI = env("SOUNDCLOUD_OAUTH_REDIRECT_URI")
# The label's DDEX Party ID (DPID), the sender of delivery packages; empty: packages say it is missing.
DDEX_SENDER_DPID = env("DDEX_SENDER_DPID")

# --- Radio (read by radio/) ------------------------------------------------------------------------
# Where `manage.py radio` keeps each station's generated configs, safety copies and logs.
RADIO_RUN_DIR = Path(env("RADIO_RUN_DIR", str(BASE_DIR / "radio_run")))
# Icecast passwords of local stations; empty: derived per station from SECRET_KEY.
RADIO_ICECAST_SOURCE_PASSWORD = env("RADIO_ICECAST_SOURCE_PASSWORD")
RADIO_ICECAST_ADMIN_PASSWORD = env("RADIO_ICECAST_ADMIN_PASSWORD")
# Listener track requests per visitor per hour.
RADIO_REQUEST_RATE_LIMIT_PER_HOUR = int(env("RADIO_REQUEST_RATE_LIMIT_PER_HOUR", "1"))
# Seconds Liquidsoap waits for the AutoDJ's answer before playing the safety playlist.
RADIO_AUTODJ_TIMEOUT_S = float(env("RADIO_AUTODJ_TIMEOUT_S", "3"))

# --- E-mail ------------------------------------------------------------------------------------------
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("EMAIL_PORT", "587"))
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
# Seconds an SMTP connection may hang: well under the mail outbox's claim lease (10 min), so a stuck send fails and
# is retried instead of outliving its claim and going twice.
EMAIL_TIMEOUT = int(env("EMAIL_TIMEOUT_S", "60"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", f"{LABEL_NAME} <hello@localhost>")
# Where visitors write to the label (storefront footer, "ask by e-mail" when payments are off); empty: the
# address of DEFAULT_FROM_EMAIL.
CONTACT_EMAIL = env("CONTACT_EMAIL")

# --- Storefront and Stripe (read through monetization/conf.py) --------------------------------------
# Secret API key (sk_live_/sk_test_); empty: the checkout says online payment is not available.
STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY")
# Signing secret of the /stripe/webhook/ endpoint (whsec_...); empty: every webhook is refused.
STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET")
# Where the stripe library sends API calls (tests and staging point it at a local server).
STRIPE_API_BASE = env("STRIPE_API_BASE", "https://api.stripe.com")
# Minutes a Checkout Session stays payable (Stripe accepts 30 to 1440).
STRIPE_CHECKOUT_EXPIRY_MIN = int(env("STRIPE_CHECKOUT_EXPIRY_MIN", "60"))
# Download links: hours a link works and downloads it allows (buyers regenerate them on My downloads).
DOWNLOAD_LINK_TTL_H = float(env("DOWNLOAD_LINK_TTL_H", "24"))
DOWNLOAD_MAX_COUNT = int(env("DOWNLOAD_MAX_COUNT", "5"))
# Hours the e-mailed "My downloads" sign-in link (and the session it opens) lasts.
MAGIC_LINK_TTL_H = float(env("MAGIC_LINK_TTL_H", "24"))
# Checkout attempts per client address per hour.
CHECKOUT_RATE_LIMIT_PER_HOUR = int(env("CHECKOUT_RATE_LIMIT_PER_HOUR", "20"))
# "My downloads" e-mails per e-mail address per hour (four times that per client address).
MAGIC_LINK_RATE_LIMIT_PER_HOUR = int(env("MAGIC_LINK_RATE_LIMIT_PER_HOUR", "5"))
# LABEL part of sample-pack file names (Splice convention); empty: the initials of LABEL_NAME.
PACK_LABEL_CODE = env("PACK_LABEL_CODE")
# Tracks per page when browsing the storefront.
STOREFRONT_PAGE_SIZE = int(env("STOREFRONT_PAGE_SIZE", "24"))

# --- Community (read through community/conf.py) -----------------------------------------------------
# Best upload time: weekday/hour slots suggested while fewer than BEST_UPLOAD_MIN_VIDEOS videos have a full first
# week of statistics (label's local time, TIME_ZONE).
BEST_UPLOAD_DEFAULTS = env_list("BEST_UPLOAD_DEFAULTS", "Friday 17,Sunday 18,Tuesday 17")
BEST_UPLOAD_MIN_VIDEOS = int(env("BEST_UPLOAD_MIN_VIDEOS", "8"))
# YouTube quota units comment sync and replies leave untouched each day, so an upload (1600 units) still fits.
COMMUNITY_QUOTA_RESERVE_UNITS = int(env("COMMUNITY_QUOTA_RESERVE_UNITS", "2000"))
# Public forms, per client address per hour (sign-ups also per e-mail address).
TRACK_REQUEST_RATE_LIMIT_PER_HOUR = int(env("TRACK_REQUEST_RATE_LIMIT_PER_HOUR", "5"))
NEWSLETTER_RATE_LIMIT_PER_HOUR = int(env("NEWSLETTER_RATE_LIMIT_PER_HOUR", "5"))
# Hours the double opt-in link and the free pack's download link work.
NEWSLETTER_CONFIRM_MAX_AGE_H = float(env("NEWSLETTER_CONFIRM_MAX_AGE_H", "48"))
LEAD_MAGNET_LINK_MAX_AGE_H = float(env("LEAD_MAGNET_LINK_MAX_AGE_H", "72"))
# Recipients one run of the campaign task mails before it queues the next run.
NEWSLETTER_BATCH_SIZE = int(env("NEWSLETTER_BATCH_SIZE", "100"))

# --- Security (all on when DEBUG is off; `manage.py check --deploy` must print nothing) ----------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
# Load balancers probe over plain HTTP inside the network: /healthz answers them instead of redirecting.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# Bearer token that unlocks /healthz's detailed check (storages, broker, queue) for monitors; staff need none.
HEALTHZ_TOKEN = env("HEALTHZ_TOKEN")
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Nothing is framed; a view that must be (none yet) opts in with @xframe_options_sameorigin.
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (lofi_site.middleware): scripts from this site only and never inline; styles may be
# inline (style attributes in pages, Swagger UI and ReDoc); images and media also from HTTPS hosts (public files
# on S3 or a CDN, radio streams); previews' peaks are fetched from here or the public files' host.
if S3_BUCKET:
    _public_files_origin = (
        f"https://{env('S3_PUBLIC_DOMAIN')}"
        if env("S3_PUBLIC_DOMAIN")
        else (env("S3_ENDPOINT_URL").rstrip("/") or "https://*.amazonaws.com")
    )
else:
    _public_files_origin = ""
CONTENT_SECURITY_POLICY = env(
    "CONTENT_SECURITY_POLICY",
    "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: blob: https:",
            "media-src 'self' blob: https:" + (" http:" if DEBUG else ""),
            f"connect-src 'self' {_public_files_origin}".strip(),
            "font-src 'self' data:",
            "worker-src 'self' blob:",
            "object-src 'none'",
            "base-uri 'self'",
            # No form-action: Chromium applies it to the redirect after a POST, and checkout redirects to Stripe.
            "frame-ancestors 'none'",
        ]
    ),
)

# --- Logs go to stdout (12-factor); the platform's log collector takes them from there ---------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"stdout": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout", "formatter": "plain"}},
    "root": {"handlers": ["stdout"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
