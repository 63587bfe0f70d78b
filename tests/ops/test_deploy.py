"""deploy/: unit files that let jobs finish, a deploy script that plans, switches, and rolls back.

systemd, nginx and a real VPS are not here: the units are checked against app/queues.py (and by
`systemd-analyze verify` where it exists), the nginx site by `nginx -t` where nginx is installed, the
Redis settings by starting redis-server with them, and deploy.sh end to end with stand-ins for
make, systemctl and curl that record what they were asked to do.
"""

from __future__ import annotations

import configparser
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory

from app.queues import QUEUES

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
UNITS = DEPLOY / "systemd"


def _unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read(UNITS / name)
    return parser


def _worker_units():
    return sorted(UNITS.glob("commerce-hub-worker-*@.service"))


def test_every_queue_has_workers_that_wait_for_its_longest_job():
    served = set()
    for path in _worker_units():
        service = _unit(path.name)["Service"]
        queues = service["ExecStart"].split("-m workers.worker", 1)[1].split()
        served |= set(queues)
        longest = max(QUEUES[name].job_timeout for name in queues)
        assert int(service["TimeoutStopSec"]) >= longest + 60, path.name
        assert service["KillMode"] == "mixed" and service["KillSignal"] == "SIGTERM", path.name
    assert served == set(QUEUES)


def test_web_and_scheduler_stop_gracefully():
    web = _unit("commerce-hub-web.service")["Service"]
    assert web["KillMode"] == "mixed" and web["ExecReload"].startswith("/bin/kill -s HUP")
    assert "PROMETHEUS_MULTIPROC_DIR" in web["Environment"] and web["RuntimeDirectory"]
    assert _unit("commerce-hub-web.socket")["Socket"]["ListenStream"] == "127.0.0.1:8000"
    assert _unit("commerce-hub-scheduler.service")["Service"]["KillMode"] == "mixed"


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze is not installed")
def test_systemd_accepts_the_units(tmp_path):
    """Paths rewritten into a temporary root with stand-in executables; users are the current one."""
    root = tmp_path / "srv"
    for binary in ("python", "gunicorn"):
        path = root / "current/.venv/bin" / binary
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("#!/bin/sh\n")
        path.chmod(0o755)
    user = os.environ.get("USER") or "root"
    out = tmp_path / "units"
    out.mkdir()
    for path in UNITS.iterdir():
        text = path.read_text().replace("/srv/commerce-hub", str(root)).replace("User=hub", f"User={user}")
        text = text.replace("Group=hub", f"Group={user}").replace("/etc/commerce-hub/hub.env", str(tmp_path / "env"))
        (out / path.name).write_text(text)
    (tmp_path / "env").write_text("HUB_ENV=production\n")
    names = [str(out / name) for name in ("commerce-hub-web.socket", "commerce-hub-web.service",
                                          "commerce-hub-scheduler.service", "commerce-hub.target")]
    names += [str(out / path.name.replace("@.", "@1.")) for path in _worker_units()]
    for path in _worker_units():
        shutil.copy(out / path.name, out / path.name.replace("@.", "@1."))
    result = subprocess.run(["systemd-analyze", "verify", "--man=no", *names], capture_output=True, text=True,
                            timeout=60)
    problems = [line for line in result.stderr.splitlines() if "commerce-hub" in line]
    assert result.returncode == 0 and problems == [], result.stderr


@pytest.mark.skipif(not shutil.which("nginx"), reason="nginx is not installed (apt-get install nginx)")
def test_nginx_accepts_the_site(tmp_path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=hub.test", "-days",
                    "1", "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True, timeout=60)
    site = (DEPLOY / "nginx/commerce-hub.conf").read_text()
    site = site.replace("/etc/letsencrypt/live/hub.example.com/fullchain.pem", str(cert))
    site = site.replace("/etc/letsencrypt/live/hub.example.com/privkey.pem", str(key))
    site = site.replace("listen 443", "listen 127.0.0.1:18443").replace("listen [::]:443", "listen [::1]:18443")
    site = site.replace("listen 80", "listen 127.0.0.1:18080").replace("listen [::]:80", "listen [::1]:18080")
    (tmp_path / "proxy_params").write_text("proxy_set_header Host $host;\n")
    (tmp_path / "site.conf").write_text(site.replace("/etc/nginx/proxy_params", str(tmp_path / "proxy_params")))
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n access_log off;\n include {tmp_path}/site.conf;\n}}\n")
    result = subprocess.run(["nginx", "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.skipif(not shutil.which("redis-server"), reason="redis-server is not installed")
def test_redis_settings_never_evict_and_append_only(tmp_path):
    from redis import Redis

    port = _free_port()
    server = subprocess.Popen(["redis-server", str(DEPLOY / "redis/commerce-hub.conf"), "--port", str(port),
                               "--dir", str(tmp_path), "--daemonize", "no", "--bind", "127.0.0.1"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    client = Redis(port=port)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except Exception:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.05)
        assert client.config_get("maxmemory-policy")["maxmemory-policy"] == "noeviction"
        assert client.config_get("appendonly")["appendonly"] == "yes"
        assert client.config_get("appendfsync")["appendfsync"] == "everysec"
    finally:
        client.close()
        server.terminate()
        server.wait(timeout=10)


# --- deploy.sh ---------------------------------------------------------------------------------------

STUB_MAKE = """#!/bin/bash
# make -C DIR setup|test: "build" a release with stand-in flask and squawk that log their arguments.
echo "make $*" >> "$STUB_LOG"
dir=$2
if [ "$3" = setup ]; then
  mkdir -p "$dir/.venv/bin"
  cat > "$dir/.venv/bin/flask" <<'FLASK'
#!/bin/bash
echo "flask [$(basename "$PWD")] PGOPTIONS=${PGOPTIONS:-} $*" >> "$STUB_LOG"
case "$*" in
  *"db current"*) echo "0003" ;;
  *"--sql"*) echo "CREATE TABLE things (id bigint PRIMARY KEY);" ;;
esac
FLASK
  printf '#!/bin/bash\\necho "squawk $*" >> "$STUB_LOG"\\n' > "$dir/.venv/bin/squawk"
  chmod +x "$dir/.venv/bin/flask" "$dir/.venv/bin/squawk"
fi
"""

STUB_SYSTEMCTL = """#!/bin/bash
# Records calls; each restart gives the unit a new MainPID.
echo "systemctl $*" >> "$STUB_LOG"
unit=${@: -1}
state="$STUB_DIR/pid-$unit"
case "$1" in
  restart) echo $(( $(cat "$state" 2>/dev/null || echo 100) + 1 )) > "$state" ;;
  show) cat "$state" 2>/dev/null || echo 100 ;;
esac
exit 0
"""

STUB_CURL = """#!/bin/bash
echo "curl $*" >> "$STUB_LOG"
exit "$(cat "$STUB_DIR/curl_rc")"
"""


@pytest.fixture
def stage(tmp_path):
    """A git repo to deploy from, a HUB_ROOT, and stand-ins for make, systemctl and curl on PATH."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git = ["git", "-C", str(repo), "-c", "user.email=t@t", "-c", "user.name=t"]
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    (repo / "wsgi.py").write_text("app = None\n")
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "first"], check=True)
    stubs = tmp_path / "stubs"
    stubs.mkdir()
    for name, body in (("make", STUB_MAKE), ("systemctl", STUB_SYSTEMCTL), ("curl", STUB_CURL)):
        (stubs / name).write_text(body)
        (stubs / name).chmod(0o755)
    (stubs / "curl_rc").write_text("0")
    (tmp_path / "hub.env").write_text(f"BACKUP_DIR={tmp_path / 'backups'}\n")
    log = tmp_path / "calls.log"
    env = {**os.environ, "PATH": f"{stubs}:{os.environ['PATH']}", "HUB_ROOT": str(tmp_path / "srv"),
           "HUB_REPO": str(repo), "HUB_ENV_FILE": str(tmp_path / "hub.env"), "STUB_LOG": str(log),
           "STUB_DIR": str(stubs), "HUB_MIN_FREE_MB": "1", "HUB_HEALTH_TIMEOUT_SECONDS": "3",
           "HUB_WORKER_GRACE_SECONDS": "2", "HUB_KEEP_RELEASES": "2"}
    env.pop("DATABASE_URL", None)

    class Stage:
        root = tmp_path / "srv"

        def deploy(self, *args):
            return subprocess.run(["bash", str(DEPLOY / "deploy.sh"), "--skip-tests", *args], env=env,
                                  capture_output=True, text=True, timeout=120)

        def calls(self) -> list[str]:
            return log.read_text().splitlines() if log.exists() else []

        def fail_health(self):
            (stubs / "curl_rc").write_text("22")

        def commit(self, message):
            (repo / "wsgi.py").write_text(f"app = None  # {message}\n")
            subprocess.run([*git, "commit", "-qam", message], check=True)

    return Stage()


def test_a_dry_run_prints_the_plan_and_changes_nothing(stage):
    result = stage.deploy("--dry-run")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    order = ["dry run", "pre-flight", "MB free", "build", "lint the SQL", "backup before migrating",
             "migrations (lock_timeout=5s)", "switch current", "restart web", "restart workers", "health check",
             "keep the newest"]
    positions = [out.index(marker) for marker in order]
    assert positions == sorted(positions), out
    assert "would run: make -C" in out and "would run: flask_in" in out
    assert "would run: systemctl restart --no-block commerce-hub-worker-imports@1.service" in out
    assert not stage.root.exists()  # nothing was made
    assert all(call.startswith("systemctl show ") for call in stage.calls())  # only read-only questions


def test_a_deploy_switches_and_a_failed_health_check_rolls_back(stage):
    first = stage.deploy()
    assert first.returncode == 0, first.stdout + first.stderr
    release_one = (stage.root / "current").resolve()
    calls = stage.calls()
    assert any("squawk --config" in call for call in calls)
    upgrade = next(call for call in calls if call.endswith("db upgrade"))
    assert "PGOPTIONS=-c lock_timeout=5s" in upgrade
    backup = next(i for i, call in enumerate(calls) if "hub backup" in call)
    assert backup < calls.index(upgrade)
    assert "systemctl restart commerce-hub-web.service" in calls
    assert "systemctl restart --no-block commerce-hub-worker-background@1.service" in calls

    time.sleep(1.1)  # release folders are named by the second
    stage.commit("second")
    stage.fail_health()
    second = stage.deploy()
    assert second.returncode == 1
    assert "rolling back" in second.stderr
    assert (stage.root / "current").resolve() == release_one
    after = stage.calls()[len(calls):]
    restarts = [call for call in after if call == "systemctl restart commerce-hub-web.service"]
    assert len(restarts) == 2  # the new release, then the previous one again
    assert any("hub backup" in call and release_one.name in call for call in after)  # backup ran with the old


def test_old_releases_are_pruned(stage):
    for n in range(4):
        stage.commit(f"change {n}")
        assert stage.deploy().returncode == 0
        time.sleep(1.1)
    releases = sorted(path.name for path in (stage.root / "releases").iterdir())
    assert len(releases) == 2 and (stage.root / "current").resolve().name == releases[-1]


@pytest.mark.skipif(not shutil.which("shellcheck"), reason="shellcheck is not installed")
def test_deploy_script_passes_shellcheck():
    result = subprocess.run(["shellcheck", str(DEPLOY / "deploy.sh")], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout


# The first three created the tables of an empty database, before deploy.sh linted migrations.
BEFORE_SQUAWK = {"0001", "0002", "0003"}
LINTED_REVISIONS = sorted(revision.revision for revision in ScriptDirectory(str(ROOT / "migrations")).walk_revisions()
                          if revision.revision not in BEFORE_SQUAWK)


@pytest.mark.parametrize("revision", LINTED_REVISIONS)
def test_pending_migration_sql_passes_squawk(app, tmp_path, revision):
    """The SQL of an issue's migration through squawk with deploy/squawk.toml, as deploy.sh lints it."""
    squawk = ROOT / ".venv/bin/squawk"
    assert squawk.exists(), "squawk-cli is pinned in requirements-dev.txt: run make setup"
    with app.app_context():
        config = app.extensions["migrate"].migrate.get_config(app.extensions["migrate"].directory)
        before = ScriptDirectory.from_config(config).get_revision(revision).down_revision
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "REDIS_URL": app.config["REDIS_URL"]}
    command = [str(ROOT / ".venv/bin/flask"), "--app", "wsgi", "db", "upgrade", "--sql", f"{before}:{revision}"]
    sql = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True).stdout
    path = tmp_path / "pending.sql"
    path.write_text("SET lock_timeout = '5s';\n" + sql)
    result = subprocess.run([str(squawk), "--config", str(DEPLOY / "squawk.toml"), str(path)], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stdout
