"""`make demo`'s sandbox process: start the Shoptet sandbox, connect its shops to the demo organization,
import them once, then keep the sandbox running (honcho stops it with the rest on Ctrl-C).

    python -m app.demo [--port 8900] [--shops 3] [--orders 5000]

The sandbox's data is deterministic (seeded), but its URL and tokens belong to this start, so every start
updates the shops' API URL, token and webhooks (app/shops/connect.py). Imports are started only for kinds never
imported.
"""

from __future__ import annotations

import argparse
import json
import signal
import subprocess
import sys

from sqlalchemy import select

from app import create_app
from app.channels import channel_named
from app.extensions import db
from app.orgs.models import Organization
from app.shops.connect import connect_shop

DEMO_ORG = "Demo Merchant"


def start_sandbox(port: int, shops: int, orders: int) -> tuple[subprocess.Popen, dict]:
    process = subprocess.Popen(
        [sys.executable, "-m", "sandbox", "--port", str(port), "--seed", "1", "--shops", str(shops),
         "--orders", str(orders), "--job-delay", "1"],
        stdout=subprocess.PIPE, text=True,
    )
    line = process.stdout.readline()
    if not line:
        raise SystemExit("the sandbox did not start; see its output above")
    return process, json.loads(line)


def connect_shops(app, description: dict) -> list[str]:
    """Each sandbox shop through the one connect service, as an operator's `flask hub shop-add` would: the
    sandbox is new each start, so its URL, token and webhooks are set again; the first imports start only
    for kinds never imported."""
    messages = []
    with app.app_context():
        org = db.session.execute(select(Organization).where(Organization.name == DEMO_ORG)).scalar_one_or_none()
        if org is None:
            raise SystemExit("run `flask hub demo-seed` first (make demo does)")
        channel = channel_named("shoptet")
        for info in description["shops"]:
            credentials = channel.credentials({"eshop_id": info["eshop_id"], "private_token": info["private_token"]})
            connected = connect_shop(db.session, org.id, "shoptet", credentials, name=info["name"], url=info["url"],
                                     api_url=description["api_url"])
            db.session.commit()
            messages.extend(f"{info['name']}: {warning}" for warning in connected.warnings)
            if connected.imports:
                messages.append(f"importing {info['name']} (eshop {info['eshop_id']})")
        messages.append(use_sandbox_translator(app, org.id, description["base_url"]))
    return messages


def use_sandbox_translator(app, org_id: int, base_url: str) -> str:
    """Machine suggestions of the demo go to the sandbox's DeepL API (offline, deterministic)."""
    from app.settings.services import update_settings

    url = f"{base_url}/deepl"
    update_settings(db.session, app.extensions["settings_cache"], org_id, {
        "translation_provider": "deepl", "translation_api_url": url, "translation_api_key": "sandbox"})
    db.session.commit()
    return f"machine translation: the sandbox translator at {url} (DeepL's API; texts come back marked [xx])"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=8900)
    parser.add_argument("--shops", type=int, default=3)
    parser.add_argument("--orders", type=int, default=5000)
    args = parser.parse_args(argv)
    process, description = start_sandbox(args.port, args.shops, args.orders)
    print(f"sandbox at {description['base_url']} with {len(description['shops'])} shops", flush=True)
    for message in connect_shops(create_app(), description):
        print(message, flush=True)
    signal.signal(signal.SIGTERM, lambda *_: process.terminate())
    return process.wait()


if __name__ == "__main__":
    sys.exit(main())
