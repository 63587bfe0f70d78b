"""Settings: declared once in app/config.py, loaded from the environment with errors that name the variable."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from app.config import Config, ConfigError, env_name
from app.config_docs import ENV_EXAMPLE, README, readme_with_table, render_env_example
from tests.environ import hub_environ

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {"HUB_ENV": "production", "SECRET_KEY": "s" * 40, "DATABASE_URL": "postgresql://hub@db/hub",
              "REDIS_URL": "redis://cache:6379/0", "TOKEN_ENCRYPTION_KEYS": Fernet.generate_key().decode()}


def test_every_setting_is_read_from_its_variable():
    """Each declared variable reaches its attribute and the Flask config (the addon's five included)."""
    environ = {**PRODUCTION, "HUB_LEASE_SECONDS": "7.5", "HUB_BACKUP_VERIFY": "off", "SMTP_PORT": "2525",
               "SHOPTET_CLIENT_ID": "client", "SHOPTET_CLIENT_SECRET": "secret",
               "SHOPTET_OAUTH_URL": "https://partner.example/action/ApiOAuthServer",
               "SHOPTET_ADDON_URL": "https://partner.example/addon", "SHOPTET_API_URL": "https://api.example",
               "SESSION_COOKIE_SECURE": "true", "HUB_VAR_DIR": "/srv/var"}
    config = Config.from_env(environ)
    assert (config.ENV, config.LEASE_SECONDS, config.BACKUP_VERIFY, config.SMTP_PORT) == ("production", 7.5, False,
                                                                                          2525)
    flask = config.to_flask()
    for name in ("SHOPTET_CLIENT_ID", "SHOPTET_CLIENT_SECRET", "SHOPTET_OAUTH_URL", "SHOPTET_ADDON_URL",
                 "SHOPTET_API_URL"):
        assert flask[name] == environ[name]
    assert flask["HUB_ENV"] == "production" and flask["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://hub@db/hub"
    assert "VAR_DIR" not in flask  # read by the embedded servers' bootstrap, not by the app
    assert config.VAR_DIR == "/srv/var"


def test_an_empty_value_means_the_default_and_unknown_variables_are_ignored():
    config = Config.from_env({"HUB_LEASE_SECONDS": "", "SMTP_PORT": " ", "ENV": "/etc/shrc", "LEASE_SECONDS": "1"})
    assert (config.ENV, config.LEASE_SECONDS, config.SMTP_PORT) == ("development", 60.0, 587)


def test_malformed_values_are_refused_in_one_error_naming_each_variable():
    with pytest.raises(ConfigError) as error:
        Config.from_env({"HUB_LEASE_SECONDS": "soon", "SMTP_STARTTLS": "maybe", "HUB_ENV": "staging",
                         "HUB_BACKUP_HOUR_UTC": "24", "HUB_PUBLIC_URL": "hub.example.com",
                         "TOKEN_ENCRYPTION_KEYS": "not-a-key", "SMTP_PASSWORD": "x"})
    message = str(error.value)
    for variable in ("HUB_LEASE_SECONDS", "SMTP_STARTTLS", "HUB_ENV", "HUB_BACKUP_HOUR_UTC", "HUB_PUBLIC_URL",
                     "TOKEN_ENCRYPTION_KEYS"):
        assert f"{variable}:" in message, variable
    assert "'soon'" in message and "not-a-key" not in message  # secrets are not echoed
    assert "SMTP_PASSWORD" not in message


def test_production_names_what_is_missing():
    with pytest.raises(ConfigError, match="SECRET_KEY, TOKEN_ENCRYPTION_KEYS must be set in production"):
        Config.from_env({key: value for key, value in PRODUCTION.items()
                         if key not in ("SECRET_KEY", "TOKEN_ENCRYPTION_KEYS")})
    with pytest.raises(ConfigError, match="DATABASE_URL, REDIS_URL must be set"):
        Config.from_env({"HUB_ENV": "production", "SECRET_KEY": "x",
                         "TOKEN_ENCRYPTION_KEYS": PRODUCTION["TOKEN_ENCRYPTION_KEYS"]})
    Config.from_env(PRODUCTION)  # all there: loads
    Config.from_env({})  # development needs nothing


def test_keyword_values_build_a_config_without_reading_the_environment(monkeypatch):
    monkeypatch.setenv("HUB_LEASE_SECONDS", "3")
    monkeypatch.setenv("BACKUP_DIR", "/var/backups/x")
    config = Config(ENV="test", SECRET_KEY="k")
    assert config.LEASE_SECONDS == 60.0 and config.BACKUP_DIR == ""
    config.SNAPSHOT_FIRST_POLL_SECONDS = 0.3  # tests adjust a built config
    assert config.to_flask()["SNAPSHOT_FIRST_POLL_SECONDS"] == 0.3


def test_the_env_example_and_the_readme_table_follow_the_declarations():
    assert ENV_EXAMPLE.read_text() == render_env_example(), "run `flask --app wsgi hub env-example`"
    readme = README.read_text()
    assert readme_with_table(readme) == readme, "run `flask --app wsgi hub env-example`"
    for name in Config.model_fields:
        assert re.search(rf"^#? ?{env_name(name)}=", ENV_EXAMPLE.read_text(), re.M), name


def test_deploy_sh_falls_back_to_the_declared_grace_period():
    script = (ROOT / "deploy" / "deploy.sh").read_text()
    default = Config.model_fields["WORKER_GRACE_SECONDS"].default
    assert f"WORKER_GRACE=${{HUB_WORKER_GRACE_SECONDS:-{default}}}" in script


def test_no_other_module_reads_a_declared_variable_from_the_environment():
    """Only app/config.py reads the hub's variables; everything else asks Config (or the Flask config)."""
    variables = {env_name(name) for name in Config.model_fields}
    offenders = []
    for path in [*ROOT.joinpath("app").rglob("*.py"), *ROOT.joinpath("workers").rglob("*.py"),
                 ROOT / "deploy" / "gunicorn.conf.py", ROOT / "wsgi.py"]:
        if path.name == "config.py" and path.parent.name == "app":
            continue
        text = path.read_text()
        for variable in variables:
            if re.search(rf"(environ(\.get)?|getenv)\(?\[?\s*[\"']{variable}[\"']", text):
                offenders.append(f"{path.relative_to(ROOT)}: {variable}")
    assert offenders == []


def test_the_bootstrap_reads_one_setting_with_the_same_validation(monkeypatch):
    monkeypatch.setenv("HUB_WEB_WORKERS", "5")
    assert Config.env_value("WEB_WORKERS") == 5
    monkeypatch.setenv("HUB_WEB_WORKERS", "many")
    with pytest.raises(ConfigError, match="HUB_WEB_WORKERS"):
        Config.env_value("WEB_WORKERS")
    monkeypatch.delenv("HUB_WEB_WORKERS")
    assert Config.env_value("WEB_WORKERS") == 3


def test_the_cli_checks_and_writes_the_generated_files(app):
    result = app.test_cli_runner().invoke(args=["hub", "env-example", "--check"])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("module", ["workers.worker", "workers.scheduler"])
def test_a_process_with_a_malformed_setting_stops_with_one_clear_line(module):
    environ = hub_environ(HUB_ENV="production", HUB_LEASE_SECONDS="soon", DATABASE_URL="postgresql://h/db")
    done = subprocess.run([sys.executable, "-m", module], cwd=ROOT, env=environ, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip() == ("error: invalid settings: HUB_LEASE_SECONDS: Input should be a valid number, "
                                   "unable to parse string as a number (got 'soon')")
