"""A real server configured by environment variables alone connects a shop through the addon install.

Nothing is set by hand: gunicorn starts `wsgi:app` (so `Config.from_env()`), and the owner's browser and
Shoptet's install call reach it over HTTP. Before the settings were loaded from the environment, the
connect button answered "the Shoptet addon is not configured" here.
"""

import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import select

from app.orgs.models import Role
from app.shops.models import Shop
from app.sync.models import SyncRun
from tests.environ import hub_environ
from tests.factories import CSRF_RE, PASSWORD, make_member, make_org
from tests.imports.processes import wait_for

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def server_from_env(test_config, sandbox, tmp_path):
    info = sandbox.shops[0]
    environ = hub_environ(
        HUB_ENV="test", DATABASE_URL=test_config.DATABASE_URL, REDIS_URL=test_config.REDIS_URL,
        SECRET_KEY="env-only-secret", TOKEN_ENCRYPTION_KEYS=test_config.TOKEN_ENCRYPTION_KEYS,
        HUB_PUBLIC_URL="http://127.0.0.1:9",  # webhooks the sandbox sends go nowhere
        SHOPTET_CLIENT_ID=info["client_id"], SHOPTET_CLIENT_SECRET=info["client_secret"],
        SHOPTET_OAUTH_URL=info["oauth_url"], SHOPTET_ADDON_URL=sandbox.url("/addon?lang=cs"),
        SHOPTET_API_URL=sandbox.base_url)
    log = tmp_path / "server.log"
    with open(log, "w") as output:
        server = subprocess.Popen([sys.executable, "-m", "gunicorn", "--preload", "--workers", "1", "--bind",
                                   "127.0.0.1:0", "wsgi:app"], cwd=ROOT, env=environ, stderr=output)

    def started():
        return server.poll() is not None or re.search(r"Listening at: (http://\S+)", log.read_text())

    try:
        listening = wait_for(started, timeout=60, what="the server to listen")
        if server.poll() is not None:
            pytest.fail("the server did not start:\n" + log.read_text())
        yield listening.group(1)
    finally:
        server.terminate()
        server.wait(timeout=30)


def _csrf(browser: httpx.Client, path: str) -> str:
    match = CSRF_RE.search(browser.get(path).text)
    return match.group(1) or match.group(2)


def test_a_server_configured_by_the_environment_alone_connects_a_shop(app, live_db, sandbox, server_from_env):
    with app.app_context():
        org = make_org(live_db.session)
        owner = make_member(live_db.session, org, Role.owner)
        live_db.session.commit()
        org_id, owner_email = org.id, owner.email
    eshop_id = sandbox.shops[0]["eshop_id"]

    with httpx.Client(base_url=server_from_env, timeout=30) as browser:
        login = browser.post("/login", data={"email": owner_email, "password": PASSWORD,
                                             "csrf_token": _csrf(browser, "/login")})
        assert login.status_code in (302, 303), login.text
        connect = browser.post("/shops/connect", data={"csrf_token": _csrf(browser, "/shops")})
        assert connect.status_code == 303
        addon_page = connect.headers["Location"]
        assert addon_page.startswith(sandbox.url("/addon?lang=cs&state=")), addon_page
        state = parse_qs(urlsplit(addon_page).query)["state"][0]
        # Shoptet calls the install URL with a code for the owner's e-shop.
        install = httpx.get(f"{server_from_env}/shoptet/install", timeout=30,
                            params={"code": sandbox.new_install_code(eshop_id), "state": state})
        assert install.status_code == 200, install.text

    with app.app_context():
        shop = live_db.session.execute(select(Shop).where(Shop.organization_id == org_id)).scalar_one()
        assert (shop.external_id, shop.auth_mode, shop.status) == (eshop_id, "oauth", "active")
        assert shop.api_url == sandbox.base_url  # SHOPTET_API_URL reached the install
        kinds = live_db.session.execute(select(SyncRun.kind).where(SyncRun.shop_id == shop.id)).scalars().all()
        assert sorted(kinds) == ["credit_notes", "customers", "orders", "products"]
