"""Extension objects, created here and bound to the app in create_app; nothing here does I/O at import."""

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from app.db import Base

babel = Babel()
db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()


def limiter_key() -> str:
    """Flask-Limiter's key: the client's address (ProxyFix's) in the database's namespace, so two hubs sharing a
    Redis count their own attempts. (Its `key_prefix` option is one fixed string per Limiter; this prefix is
    derived from the database on first use, per app.)"""
    from app.core.namespace import redis_key

    return redis_key(f"limits:{get_remote_address()}")


limiter = Limiter(key_func=limiter_key, default_limits=[])
