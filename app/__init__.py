"""Commerce Hub: the application factory."""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import Flask

from app.config import Config
from app.core.inputs import register_inputs
from app.monitoring.setup import init_monitoring
from app.security import redact_access_logs, trust_proxies

log = logging.getLogger(__name__)


def create_app(config: Config | None = None) -> Flask:
    """Build the app: config, services (embedded ones if no URLs are set), extensions, blueprints, CLI."""
    config = config or Config.from_env()
    if not config.DATABASE_URL or not config.REDIS_URL:
        from app.embedded import ensure_services

        urls = ensure_services(config.DATABASE_URL, config.REDIS_URL)
        config.DATABASE_URL, config.REDIS_URL = urls.database_url, urls.redis_url
    if not config.SECRET_KEY:  # production has one (Config refuses to load without it)
        from app.embedded import local_secret_key

        config.SECRET_KEY = local_secret_key()

    app = Flask(__name__, template_folder="../templates", static_folder="../static")
    app.config.update(config.to_flask())
    register_inputs(app)  # the bounded id converter must be in place before any route is added
    _init_extensions(app)
    _register_blueprints(app)
    init_monitoring(app)
    trust_proxies(app)
    redact_access_logs()

    from app.cli import hub_cli
    from app.inventory.cli import register_commands as register_inventory_commands

    register_inventory_commands(hub_cli)
    app.cli.add_command(hub_cli)
    return app


def _init_extensions(app: Flask) -> None:
    from redis import Redis

    from app import models  # noqa: F401  (every table on the metadata)
    from app.auth import sessions
    from app.core.namespace import database_prefix
    from app.extensions import csrf, db, limiter, login_manager, migrate
    from app.i18n import init_i18n
    from app.imports.partitions import include_in_migrations
    from app.orgs.scoping import load_current_org
    from app.security import init_security_headers
    from app.settings.cache import SettingsCache

    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"), include_name=include_in_migrations)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    init_i18n(app)
    login_manager.login_view = "auth.login"
    from app.auth.routes import login_first

    login_manager.unauthorized_handler(login_first)
    login_manager.session_protection = None  # the server-side session row is the protection

    idle = timedelta(minutes=int(app.config["PERMANENT_SESSION_LIFETIME"].total_seconds() // 60))

    @login_manager.user_loader
    def _load_user(token: str):
        user = sessions.load_user(db.session, token, idle)
        if db.session.dirty:  # a last_seen_at touch; nothing else is pending this early in the request
            db.session.commit()
        return user

    redis = Redis.from_url(app.config["REDIS_URL"], socket_timeout=5, socket_connect_timeout=2)
    app.extensions["redis"] = redis
    app.extensions["settings_cache"] = SettingsCache(redis, app.config["SETTINGS_LOCAL_TTL_SECONDS"],
                                                     namespace=lambda: database_prefix(app))
    app.before_request(load_current_org)
    init_security_headers(app)

    @app.context_processor
    def _template_globals():
        from flask import g

        from app.orgs.scoping import can

        return {"current_org": g.get("org"), "current_role": g.get("role"),
                "memberships": g.get("memberships", []), "can": can}


def _register_blueprints(app: Flask) -> None:
    from app.analytics.routes import bp as analytics_bp
    from app.audit.routes import bp as audit_bp
    from app.auth.routes import bp as auth_bp
    from app.catalog.routes import bp as products_bp
    from app.catalog.translation_routes import bp as translations_bp
    from app.channels import channels
    from app.core.routes import bp as core_bp
    from app.core.routes import register_error_pages
    from app.customers.routes import bp as customers_bp
    from app.inventory.routes import bp as inventory_bp
    from app.monitoring.routes import bp as monitoring_bp
    from app.orders.routes import bp as orders_bp
    from app.orgs.routes import bp as orgs_bp
    from app.settings.routes import bp as settings_bp
    from app.shops.routes import bp as shops_bp
    from app.sync.routes import bp as runs_bp
    from app.tables.routes import bp as tables_bp
    from app.webhooks.routes import bp as webhooks_bp

    for blueprint in (core_bp, auth_bp, orgs_bp, settings_bp, audit_bp, shops_bp, runs_bp, webhooks_bp,
                      orders_bp, customers_bp, tables_bp, monitoring_bp, products_bp, translations_bp,
                      inventory_bp):
        app.register_blueprint(blueprint)
    app.register_blueprint(analytics_bp)
    for channel in channels().values():  # a platform's own routes (Shoptet's addon install)
        if channel.blueprint is not None:
            app.register_blueprint(channel.blueprint)
    from app.dashboard.routes import bp as dashboard_bp

    app.register_blueprint(dashboard_bp)
    from app.search.routes import bp as search_bp

    app.register_blueprint(search_bp)
    from app.master.routes import bp as master_bp

    app.register_blueprint(master_bp)
    register_error_pages(app)
