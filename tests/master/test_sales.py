"""One pool: a follower's sale lowers the master's stock (told once per order) and reaches the other followers."""

import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select, text

from app.master.models import MasterSale
from app.master.sales import orders_changed
from app.sync.incremental import get_cursor
from app.sync.runner import sync_now
from tests.master.conftest import import_products
from tests.master.test_propagation import _expected, _supplies


def import_orders(db, shop, since=None):
    """Orders followed by the change feed from `since` (a minute ago): no snapshot of the sandbox's history
    needed, and setting it back reads the same orders again (a re-import)."""
    cursor = get_cursor(db.session, shop.id, "orders")
    cursor.watermark = since or datetime.now(UTC) - timedelta(minutes=1)
    db.session.commit()


def _following(db, shops, hub):
    master, seller, other = shops
    org = master.organization_id
    hub("settings-set", "--org", org, "master_shop", master.id)
    for follower in (seller, other):
        hub("settings-set", "--org", org, "--shop", follower.id, "stock_rule", "follow")
        import_orders(db, follower)
    applied = hub("master-apply", "--org", org)  # the first apply: from now on their sales are the pool's
    assert all(f["failed"] == 0 for f in applied["followers"].values())
    assert db.session.execute(select(MasterSale.id)).first() is None
    assert db.session.execute(text("SELECT bool_or(following_since IS NOT NULL) FROM master_variant_pairs "
                                   "WHERE master_code IS NOT NULL")).scalar()
    for shop in shops:
        import_products(db, shop)  # the pushes read back
    return org


def _sold(db, shop, codes):
    """Paired master code → units the given orders of `shop` took."""
    rows = db.session.execute(text(
        "SELECT p.master_code, sum(i.amount) FROM orders o JOIN order_items i ON i.order_id = o.id "
        "AND i.shop_id = o.shop_id JOIN master_variant_pairs p ON p.follower_shop_id = o.shop_id "
        "AND p.follower_code = i.code WHERE o.shop_id = :s AND o.code = ANY(:codes) AND p.master_code IS NOT NULL "
        "AND o.creation_time >= p.following_since "
        "GROUP BY p.master_code"), {"s": shop.id, "codes": list(codes)}).all()
    return {code: Decimal(amount) for code, amount in rows}


def test_a_follower_sale_lowers_the_pool_reaches_the_other_followers_and_is_told_once(db, sandbox, shops, hub):
    master, seller, other = shops
    org = _following(db, shops, hub)
    before = _supplies(sandbox, 0)
    codes = sandbox.mutate(shop=seller.external_id, orders_created=3)["orders_created"]
    sync_now(db.session, seller, "orders")
    sold = _sold(db, seller, codes)
    assert sold, "the sale took paired goods"

    applied = hub("master-apply", "--org", org)
    assert applied["master_sales"]["told"] > 0 and Decimal(applied["master_sales"]["units"]) == sum(sold.values())
    after = _supplies(sandbox, 0)
    assert {code: after[code] for code in sold} == {code: before[code] - sold[code] for code in sold}
    # the other follower follows the lowered pool; the seller, whose own stock the sale lowered, is not drift
    import_products(db, master)
    expected = _expected(db, master, other, 0)
    others = _supplies(sandbox, 2)
    assert {code: others.get(code) for code in expected} == expected
    import_products(db, seller)
    status = hub("master-status", "--org", org)["followers"][str(seller.id)]
    assert (status["drift"], status["pending"], status["awaiting_orders"]) == (0, 0, 0)

    # the same orders read again (the feed from before the sale) subtract nothing more
    import_orders(db, seller, since=datetime.now(UTC) - timedelta(minutes=5))
    sync_now(db.session, seller, "orders")
    touched = ("SELECT id AS order_id, customer_guid, creation_time FROM orders "
               "WHERE shop_id = %(s)s AND code = ANY(%(c)s)")
    for _ in range(2):  # the hook itself, as a retried import batch would run it
        orders_changed(db.session.connection().connection.driver_connection.cursor(), seller.id, touched,
                       {"s": seller.id, "c": codes})
    db.session.commit()
    again = hub("master-apply", "--org", org)
    assert again["master_sales"]["told"] == 0 and _supplies(sandbox, 0) == after


def test_an_unclear_answer_is_settled_from_the_masters_log_never_subtracting_twice(db, sandbox, shops, hub):
    master, seller, _ = shops
    org = _following(db, shops, hub)
    before = _supplies(sandbox, 0)
    codes = sandbox.mutate(shop=seller.external_id, orders_created=2)["orders_created"]
    sync_now(db.session, seller, "orders")
    sold = _sold(db, seller, codes)
    sandbox.set_faults(shop=master.external_id, write_faults=["500-after-write"])  # lands, answers 500
    first = hub("master-apply", "--org", org)
    sandbox.reset_faults()
    assert first["master_sales"]["failed"] > 0 and first["master_sales"]["told"] == 0
    pending = db.session.execute(select(MasterSale).where(MasterSale.sending.is_not(None))).scalars().all()
    assert pending  # written down before it went
    second = hub("master-apply", "--org", org)
    assert second["master_sales"]["confirmed"] == len(pending) and second["master_sales"]["told"] == 0
    after = _supplies(sandbox, 0)
    assert {code: after[code] for code in sold} == {code: before[code] - sold[code] for code in sold}
    # a failure that wrote nothing is simply sent again
    codes = sandbox.mutate(shop=seller.external_id, orders_created=1)["orders_created"]
    sync_now(db.session, seller, "orders")
    more = _sold(db, seller, codes)
    sandbox.set_faults(shop=master.external_id, write_faults=[503] * 12)
    hub("master-apply", "--org", org)
    sandbox.reset_faults()
    assert hub("master-apply", "--org", org)["master_sales"]["told"] > 0
    final = _supplies(sandbox, 0)
    assert all(final[code] == after[code] - more[code] for code in more)


def test_no_sold_unit_is_lost_when_the_master_sells_while_it_is_told_of_follower_sales(db, sandbox, shops, hub):
    master, seller, other = shops
    org = _following(db, shops, hub)
    import_orders(db, master)
    before = _supplies(sandbox, 0)
    made = {shop.id: [] for shop in shops}

    def sell(shop_id, eshop_id, times):
        for _ in range(times):
            made[shop_id] += sandbox.mutate(shop=eshop_id, orders_created=1)["orders_created"]

    followers = [threading.Thread(target=sell, args=(shop.id, shop.external_id, 3)) for shop in (seller, other)]
    for thread in followers:
        thread.start()
    for thread in followers:
        thread.join()
    for shop in (seller, other):
        sync_now(db.session, shop, "orders")
    # the master sells while the hub tells it of the followers' sales: relative movements lose neither
    master_sales = threading.Thread(target=sell, args=(master.id, master.external_id, 4))
    master_sales.start()
    hub("master-apply", "--org", org)
    master_sales.join()
    sync_now(db.session, master, "orders")
    assert hub("master-apply", "--org", org)["master_sales"]["told"] == 0  # nothing more to tell
    master_sold = dict(db.session.execute(text(
        "SELECT i.code, sum(i.amount) FROM orders o JOIN order_items i ON i.order_id = o.id AND i.shop_id = o.shop_id "
        "WHERE o.shop_id = :s AND o.code = ANY(:codes) GROUP BY i.code"),
        {"s": master.id, "codes": made[master.id]}).all())
    taken = {code: Decimal(master_sold.get(code, 0)) for code in before}
    for shop in (seller, other):
        for code, amount in _sold(db, shop, made[shop.id]).items():
            taken[code] = taken.get(code, Decimal(0)) + amount
    after = _supplies(sandbox, 0)
    assert sum(master_sold.values()) > 0 and sum(taken.values()) > sum(master_sold.values())
    assert {code: after[code] for code in before} == {code: before[code] - taken[code] for code in before}
