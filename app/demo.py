"""`make demo`'s sandbox process: start the Shoptet sandbox and a WooCommerce store beside it, connect their
shops to the demo organization, import them once, then keep both running (honcho stops them with the rest on
Ctrl-C).

    python -m app.demo [--port 8900] [--shops 3] [--orders 5000] [--woo-port 8901] [--woo-orders 3000]

The WooCommerce store answers on plain http, so the hub signs its calls with OAuth 1.0a (as over http).
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


def start_woo_store(port: int, orders: int) -> tuple[subprocess.Popen, dict]:
    process = subprocess.Popen(
        [sys.executable, "-m", "sandbox.woocommerce", "--port", str(port), "--seed", "1", "--orders", str(orders),
         "--exit-with-parent"], stdout=subprocess.PIPE, text=True,
    )
    line = process.stdout.readline()
    if not line:
        raise SystemExit("the WooCommerce sandbox did not start; see its output above")
    return process, json.loads(line)


def connect_woo_store(app, description: dict) -> list[str]:
    """The WooCommerce store through the same connect service (`shop-add --platform woocommerce`)."""
    with app.app_context():
        org = db.session.execute(select(Organization).where(Organization.name == DEMO_ORG)).scalar_one_or_none()
        if org is None:
            raise SystemExit("run `flask hub demo-seed` first (make demo does)")
        credentials = channel_named("woocommerce").credentials({
            "url": description["base_url"], "consumer_key": description["consumer_key"],
            "consumer_secret": description["consumer_secret"]})
        connected = connect_shop(db.session, org.id, "woocommerce", credentials, name="Zelená zahrada (WooCommerce)",
                                 url=description["base_url"])
        db.session.commit()
    messages = [f"WooCommerce store: {warning}" for warning in connected.warnings]
    if connected.imports:
        messages.append(f"importing the WooCommerce store at {description['base_url']}")
    return messages


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
    parser.add_argument("--woo-port", type=int, default=8901)
    parser.add_argument("--woo-orders", type=int, default=3000)
    args = parser.parse_args(argv)
    process, description = start_sandbox(args.port, args.shops, args.orders)
    print(f"sandbox at {description['base_url']} with {len(description['shops'])} shops", flush=True)
    woo_process, woo = start_woo_store(args.woo_port, args.woo_orders)
    print(f"WooCommerce store at {woo['base_url']}", flush=True)
    app = create_app()
    for message in connect_shops(app, description) + connect_woo_store(app, woo):
        print(message, flush=True)

    def stop(*_):
        woo_process.terminate()
        process.terminate()

    signal.signal(signal.SIGTERM, stop)
    status = process.wait()
    woo_process.terminate()
    woo_process.wait()
    return status


if __name__ == "__main__":
    sys.exit(main())
