"""Orders: order i is rebuilt from random.Random(mix(seed, WOO_ORDER, i)).

The head (times, status, customer) is drawn first and is all the list index
needs; the rest of the record continues from the same random stream.  History:

* statuses by age: old orders are mostly completed, with cancelled, refunded,
  failed and trashed ones; recent ones are processing, on-hold, pending, and a
  few block-checkout `checkout-draft`s (which `status=any` leaves out);
* `date_modified` follows the order's last event (paid, completed, refunded...);
  30 % of finished orders were then touched by a nightly job at 03:00:00 site
  time, and a one-off migration set a share of the oldest orders to one single
  second (like the HPOS migration did): many records share a second, some far
  more than a page of 100;
* 70 % of orders belong to registered customers created before them, the rest
  are guests (`customer_id: 0`, billing details only).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from sandbox.formats import mix
from sandbox.generator.people import draw_person
from sandbox.generator.profiles import Profile
from sandbox.generator.timeline import Timeline
from sandbox.woocommerce.dates import StoreClock
from sandbox.woocommerce.generator import ids
from sandbox.woocommerce.generator.catalog import WooCatalog
from sandbox.woocommerce.generator.customers import WooCustomers, billing, shipping
from sandbox.woocommerce.orderlines import (
    LineSource,
    fee_line,
    finish_order,
    product_line,
    refund_entry,
    shipping_line,
)

DAY = 86400
WOO_ORDER = 101
WOO_ORDER_BODY = 102
WOO_TIME_ORDER = 111
WOO_MIGRATION = 112
STATUSES = ("pending", "processing", "on-hold", "completed", "cancelled", "refunded", "failed", "trash",
            "checkout-draft")
CODE = {name: k for k, name in enumerate(STATUSES)}
#: `status=any` (the default) leaves these out.
HIDDEN = frozenset({CODE["trash"], CODE["checkout-draft"]})
VISIBLE = frozenset(range(len(STATUSES))) - HIDDEN
FINISHED = frozenset({"completed", "cancelled", "refunded", "failed"})
TEMPLATE_CACHE = 20_000
_LINE_COUNTS = (1,) * 30 + (2,) * 25 + (3,) * 18 + (4,) * 12 + (5,) * 8 + (6,) * 4 + (8,) * 3
PAYMENTS = (("bacs", "Přímá bankovní platba"), ("cod", "Platba při doručení"), ("stripe", "Platební karta"))
USER_AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
    "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
)


@dataclass(slots=True)
class Head:
    """What the list index needs."""

    i: int
    created: int
    modified: int
    paid: int | None
    completed: int | None
    refunded: int | None
    status: int
    customer: int  # customer index j, -1 for a guest


class WooOrders:
    def __init__(self, seed: int, n: int, start: int, end: int, profile: Profile, clock: StoreClock,
                 catalog: WooCatalog, customers: WooCustomers, migration_share: float, home: str):
        self.seed = seed
        self.n = n
        self.end = end
        self.profile = profile
        self.clock = clock
        self.catalog = catalog
        self.customers = customers
        self.home = home
        self.ids = ids.OrderIds(seed, n)
        self.timeline = Timeline(n, start, end, mix(seed, WOO_TIME_ORDER), power=0.6)
        self.source = LineSource(catalog)
        self._templates: dict[tuple[int, int, int], dict] = {}
        # The migration touched orders created before this second, and set their date_modified to it.
        self.migration_at = start + int((end - start) * 0.35)
        eligible = max(1, self.timeline.count_at(self.migration_at))
        self.migration_odds = int(min(1.0, migration_share * n / eligible) * 1_000_000)

    # -- head --------------------------------------------------------------------------------
    def head(self, i: int) -> Head:
        """Drawn from two hashes (not a seeded Random): the index of 200 k orders builds in about a second."""
        h1 = mix(self.seed, WOO_ORDER, i)
        h2 = mix(h1, 2)
        created = self.timeline.time(i)
        status = _status((h1 & 0xFFFFF) / 1048576.0, self.end - created)
        customer = -1
        if (h1 >> 20) & 0x3FF < 717:  # 70 % registered
            j_max = self.customers.timeline.count_at(created)
            if j_max:
                customer = int(((h1 >> 30) & 0xFFFFF) / 1048576.0 * j_max)
        last = self.end - 1
        paid_at = min(last, created + 30 + (h2 & 0xFFF) % 3600)
        done_at = min(last, paid_at + 3600 + ((h2 >> 12) & 0x7FFFF) % (4 * DAY))
        later = min(last, done_at + ((h2 >> 31) & 0xFFFFF) % (10 * DAY))
        paid = completed = refunded = None
        name = STATUSES[status]
        if name in ("processing", "completed", "refunded", "trash"):
            paid = paid_at
        if name in ("completed", "refunded", "trash"):
            completed = done_at
        if name == "refunded":
            refunded = later
        if name == "processing":
            modified = paid_at
        elif name == "completed":
            modified = done_at
        elif name in ("refunded", "trash"):
            modified = later
        elif name == "cancelled":
            modified = min(last, created + ((h2 >> 12) & 0x7FFFF) % (2 * DAY))
        elif name == "failed":
            modified = min(last, created + 60 + (h2 >> 51) % 600)
        elif name == "on-hold":
            modified = min(last, created + 5)
        else:
            modified = created
        if name in FINISHED and (h1 >> 50) & 0x3FF < 307:  # 30 %: a nightly job touched it
            nightly = self.clock.next_local_time(modified, 3)
            if nightly < self.end:
                modified = nightly
        if created < self.migration_at and modified < self.migration_at and \
                mix(self.seed, WOO_MIGRATION, i) % 1_000_000 < self.migration_odds:
            modified = self.migration_at
        return Head(i, created, modified, paid, completed, refunded, status, customer)

    # -- record ------------------------------------------------------------------------------
    def record(self, i: int) -> dict:
        """The raw order (REST shape; dates as epochs under `_ts`)."""
        head = self.head(i)
        rng = random.Random(mix(self.seed, WOO_ORDER_BODY, i))
        oid = self.ids.id(i)
        if head.customer >= 0:
            person = self.customers.person(head.customer)
            customer_id = ids.customer_id(head.customer)
        else:
            person = draw_person(rng, self.profile.customer_countries, "", with_extras=False)
            customer_id = 0
        bill = billing(person)
        ship = shipping(person)
        payment = PAYMENTS[int(rng.random() * len(PAYMENTS))]
        eligible = self.catalog.eligible(head.created)
        lines = []
        for k in range(_LINE_COUNTS[int(rng.random() * len(_LINE_COUNTS))]):
            p = int(rng.random() * eligible)
            variant = int(rng.random() * 16)
            quantity = 1 + (rng.random() < 0.25) + (rng.random() < 0.08)
            lines.append(self._line(p, variant, quantity, self.ids.item_id(i, k)))
        method = int(rng.random() * 3)
        shipping_lines = [shipping_line(method, self.ids.item_id(i, 12))]
        key = f"{rng.getrandbits(52):013x}"
        via = "store-api" if STATUSES[head.status] == "checkout-draft" else \
            "admin" if rng.random() < 0.03 else "checkout"
        order = {
            "id": oid, "parent_id": 0, "status": STATUSES[head.status], "currency": self.profile.currency,
            "version": "9.8.5" if head.created > self.end - 400 * DAY else "8.9.3", "prices_include_tax": True,
            "customer_id": customer_id, "order_key": f"wc_order_{key}", "billing": bill, "shipping": ship,
            "payment_method": payment[0], "payment_method_title": payment[1],
            "transaction_id": f"ch_{mix(oid, 7):016x}" if payment[0] == "stripe" and head.paid else "",
            "customer_ip_address": f"{1 + int(rng.random() * 222)}.{int(rng.random() * 255)}."
                                   f"{int(rng.random() * 255)}.{1 + int(rng.random() * 253)}",
            "customer_user_agent": USER_AGENTS[int(rng.random() * len(USER_AGENTS))], "created_via": via,
            "customer_note": "Prosím doručit odpoledne." if rng.random() < 0.05 else "",
            "cart_hash": f"{mix(oid, 9):016x}{mix(oid, 10):016x}" if via != "admin" else "", "number": str(oid),
            "meta_data": [{"id": ids.ORDER_BASE * 10 + ids.ORDER_STRIDE * i, "key": "is_vat_exempt", "value": "no"}],
            "line_items": lines, "tax_lines": [], "shipping_lines": shipping_lines, "fee_lines": [],
            "coupon_lines": [],
            "_ts": {"created": head.created, "modified": head.modified, "paid": head.paid,
                    "completed": head.completed},
            "_refunds": [],
        }
        if payment[0] == "cod":
            order["fee_lines"].append(fee_line("Dobírka", 3900, self.ids.item_id(i, 13)))
        finish_order(order, self.ids.item_id(i, 14))
        if head.refunded is not None:
            order["_refunds"].append(refund_entry(self.ids.refund_id(i, 0), order["total"], "Vráceno zboží",
                                                  head.refunded))
        elif head.completed is not None and rng.random() < 0.04:
            order["_refunds"].append(refund_entry(self.ids.refund_id(i, 0), lines[0]["total"], "Poškozený kus",
                                                  min(self.end - 1, head.completed + DAY)))
        return order


    def _line(self, p: int, variant: int, quantity: int, item_id: int) -> dict:
        """A line from a shared template per (product, variant, quantity): lines are never changed in place
        (writes deep-copy the order first), so generated orders may share their nested parts."""
        key = (p, variant, quantity)
        template = self._templates.get(key)
        if template is None:
            if len(self._templates) >= TEMPLATE_CACHE:
                self._templates.clear()
            template = self._templates[key] = product_line(self.source.pick(p, variant), quantity, 0)
        line = dict(template)
        line["id"] = item_id
        return line


def _status(r: float, age: int) -> int:
    if age > 30 * DAY:
        table = (("completed", .84), ("cancelled", .05), ("refunded", .03), ("failed", .03), ("trash", .02),
                 ("processing", .01), ("on-hold", .01))
    elif age > 3 * DAY:
        table = (("completed", .55), ("processing", .2), ("on-hold", .08), ("cancelled", .05), ("refunded", .03),
                 ("failed", .03), ("trash", .02))
    else:
        table = (("processing", .4), ("pending", .2), ("on-hold", .15), ("completed", .1), ("failed", .05),
                 ("checkout-draft", .08))
    for name, share in table:
        if r < share:
            return CODE[name]
        r -= share
    return CODE["pending"]
