"""`make demo`'s sandbox process: start the Shoptet sandbox, connect its shops to the demo organization,
import them once, then keep the sandbox running (honcho stops it with the rest on Ctrl-C).

    python -m app.demo [--port 8900] [--shops 3] [--orders 5000]

The sandbox's data is deterministic (seeded), but its URL and tokens belong to this start, so every start
updates the shops' API URL and token. Imports are started only for shops that have never been imported.
"""

from __future__ import annotations

import argparse
import json
import signal
import subprocess
import sys

from sqlalchemy import select

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


def connect_shops(description: dict) -> list[str]:
    from app import create_app
    from app.channels.shoptet.api import client_for_shop
    from app.crypto import encrypt
    from app.extensions import db
    from app.orgs.models import Organization
    from app.shops.install import register_webhooks
    from app.shops.models import Shop
    from app.shops.services import add_shop
    from app.sync.models import SyncRun
    from app.sync.services import start_import
    from app.webhooks.services import webhook_url

    app = create_app()
    messages = []
    with app.app_context():
        org = db.session.execute(select(Organization).where(Organization.name == DEMO_ORG)).scalar_one_or_none()
        if org is None:
            raise SystemExit("run `flask hub demo-seed` first (make demo does)")
        for info in description["shops"]:
            shop = db.session.execute(select(Shop).where(Shop.organization_id == org.id,
                                                         Shop.external_id == info["eshop_id"])).scalar_one_or_none()
            if shop is None:
                shop = add_shop(db.session, org.id, name=info["name"], eshop_id=info["eshop_id"], url=info["url"],
                                private_token=info["private_token"], api_url=description["api_url"],
                                languages=",".join(info["languages"]), currency=info["currency"])
            shop.api_url = description["api_url"]
            shop.url = info["url"]
            shop.api_token_encrypted = encrypt(info["private_token"])
            with client_for_shop(shop) as client:  # the sandbox is new each start: register again
                register_webhooks(client, shop, webhook_url(shop.id))
            db.session.commit()
            imported = db.session.execute(select(SyncRun.id).where(SyncRun.shop_id == shop.id).limit(1)).first()
            if not imported:
                for kind in ("products", "customers", "orders"):
                    start_import(db.session, shop, kind, actor_id=None)
                    db.session.commit()
                messages.append(f"importing {info['name']} (eshop {info['eshop_id']})")
    return messages


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=8900)
    parser.add_argument("--shops", type=int, default=3)
    parser.add_argument("--orders", type=int, default=5000)
    args = parser.parse_args(argv)
    process, description = start_sandbox(args.port, args.shops, args.orders)
    print(f"sandbox at {description['base_url']} with {len(description['shops'])} shops", flush=True)
    for message in connect_shops(description):
        print(message, flush=True)
    signal.signal(signal.SIGTERM, lambda *_: process.terminate())
    return process.wait()


if __name__ == "__main__":
    sys.exit(main())
