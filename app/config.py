"""Configuration from environment variables.

``DATABASE_URL`` defaults to a SQLite file under ``instance/``; ``SECRET_KEY`` is
generated once and kept in ``instance/`` for development, and is required in production.
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

INSTANCE_PATH = Path(os.environ.get("LINLI_INSTANCE_PATH", Path(__file__).resolve().parent.parent / "instance"))


def normalise_database_url(url: str) -> str:
    """Use the psycopg 3 driver for plain ``postgresql://`` URLs."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def development_secret_key(instance_path: Path) -> str:
    """Read the development secret key, creating it on first use."""
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


class Config:
    ENV_NAME = "development"
    INSTANCE_PATH = INSTANCE_PATH
    SQLALCHEMY_DATABASE_URI = normalise_database_url(
        os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE_PATH / 'linli.db'}")
    )
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    UPLOAD_FOLDER = Path(os.environ.get("UPLOAD_FOLDER", INSTANCE_PATH / "uploads"))
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024
    LOGO_MAX_BYTES = 2 * 1024 * 1024
    LOGO_MAX_PIXELS = 25_000_000
    LOGO_MAX_SIDE = 600

    BABEL_DEFAULT_LOCALE = "zh_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = {"zh_CN": "中文", "en": "English"}
    WTF_I18N_ENABLED = True
    WTF_CSRF_TIME_LIMIT = 8 * 3600

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    SESSION_IDLE_TIMEOUT = timedelta(minutes=int(os.environ.get("SESSION_IDLE_MINUTES", "120")))
    SESSION_ABSOLUTE_TIMEOUT = timedelta(hours=int(os.environ.get("SESSION_ABSOLUTE_HOURS", "12")))
    SESSION_TOUCH_INTERVAL = timedelta(minutes=1)
    INVITATION_VALID_FOR = timedelta(days=7)

    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_LIMIT_PER_IP = os.environ.get("LOGIN_LIMIT_PER_IP", "30 per 10 minutes")
    LOGIN_LIMIT_PER_ACCOUNT = os.environ.get("LOGIN_LIMIT_PER_ACCOUNT", "5 per 10 minutes")
    PUBLIC_TRACE_LIMIT = os.environ.get("PUBLIC_TRACE_LIMIT", "10 per minute")
    PUBLIC_FORM_LIMIT = os.environ.get("PUBLIC_FORM_LIMIT", "5 per minute;30 per day")  # objections
    PUBLIC_NEED_LIMIT = os.environ.get("PUBLIC_NEED_LIMIT", "5 per minute;30 per day")
    PUBLIC_SUPPORT_LIMIT = os.environ.get("PUBLIC_SUPPORT_LIMIT", "20 per minute;200 per day")

    HTMX_VERSION = "2.0.11"
    HTMX_CDN_URL = "https://cdn.jsdelivr.net/npm/htmx.org@2.0.11/dist/htmx.min.js"
    HTMX_INTEGRITY = "sha384-2OatzQy1H+Zd/IIrjr1TcuDGqLXeHhbooAyJY1KdQMKnr4LZ22k31GBLdYKHmVjg"

    PAGE_SIZE = 25
    PASSWORD_HASH_METHOD = "scrypt"

    def __init__(self) -> None:
        self.SECRET_KEY = os.environ.get("SECRET_KEY") or development_secret_key(self.INSTANCE_PATH)


class ProductionConfig(Config):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True

    def __init__(self) -> None:
        key = os.environ.get("SECRET_KEY")
        if not key:
            raise RuntimeError("SECRET_KEY must be set in production (LINLI_ENV=production).")
        self.SECRET_KEY = key


def config_from_environment() -> Config:
    """Pick the configuration class named by ``LINLI_ENV``."""
    if os.environ.get("LINLI_ENV") == "production":
        return ProductionConfig()
    return Config()
