"""The sales rollups equal the orders they stand for, to the cent, whatever changed and in what order."""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import text

from app.channels.base import Deletion
from app.dashboard.queries import Span, method_rows, sales_rows, sales_summary, top_products
from app.dashboard.rollups import rebuild_shop
from app.orders import services
from app.orders.models import OrderStatusChange
from app.sync.incremental import _mark_deleted
from tests.dashboard.conftest import STATUSES, later, order_json, utc, write_orders
from tests.factories import make_org, make_shop

ROLLUPS = ("sales_days", "sales_method_days", "sales_product_days")

# What the rollups must be, computed straight from the orders (the definitions, written independently).
FROM_ORDERS = {
    "sales_days": """
        SELECT o.shop_id, (o.creation_time AT TIME ZONE coalesce(s.timezone, 'Europe/Prague'))::date AS day,
               coalesce(o.currency, s.currency) AS currency, coalesce(o.status, '') AS status, count(*) AS orders,
               sum(o.total_with_vat) AS revenue_with_vat, sum(o.total_without_vat) AS revenue_without_vat,
               count(*) FILTER (WHERE f.rank = 1) AS new_customers,
               count(*) FILTER (WHERE f.rank > 1) AS returning_customers,
               coalesce(sum((SELECT sum(i.amount) FROM order_items i WHERE i.order_id = o.id
                             AND i.item_type IN ('product', 'bazar', 'service', 'product-set'))), 0) AS items
        FROM orders o JOIN shops s ON s.id = o.shop_id
        LEFT JOIN (SELECT id, row_number() OVER (PARTITION BY shop_id, customer_guid ORDER BY creation_time, id)
                   AS rank FROM orders
                   WHERE deleted_at IS NULL AND customer_guid IS NOT NULL
                     AND coalesce(status, '') NOT IN ('cancelled', 'refunded', 'failed')) f ON f.id = o.id
        WHERE o.deleted_at IS NULL AND o.shop_id = ANY(:shops)
        GROUP BY 1, 2, 3, 4""",
    "sales_method_days": """
        SELECT o.shop_id, (o.creation_time AT TIME ZONE coalesce(s.timezone, 'Europe/Prague'))::date AS day,
               coalesce(o.currency, s.currency), coalesce(o.status, ''), m.kind, m.method, count(*),
               sum(o.total_with_vat)
        FROM orders o JOIN shops s ON s.id = o.shop_id,
             LATERAL (VALUES ('payment', coalesce(o.payment_method, '')),
                             ('shipping', coalesce(o.shipping_method, ''))) m(kind, method)
        WHERE o.deleted_at IS NULL AND o.shop_id = ANY(:shops)
        GROUP BY 1, 2, 3, 4, 5, 6""",
    "sales_product_days": """
        SELECT o.shop_id, (o.creation_time AT TIME ZONE coalesce(s.timezone, 'Europe/Prague'))::date AS day,
               coalesce(o.currency, s.currency), coalesce(o.status, ''), coalesce(i.code, ''),
               max(i.product_guid), max(i.name), sum(i.amount), count(DISTINCT o.id), sum(i.total_with_vat),
               sum(i.total_without_vat)
        FROM orders o JOIN shops s ON s.id = o.shop_id JOIN order_items i ON i.order_id = o.id
        WHERE o.deleted_at IS NULL AND o.shop_id = ANY(:shops)
          AND i.item_type IN ('product', 'bazar', 'service', 'product-set')
        GROUP BY 1, 2, 3, 4, 5""",
}


def rollup_rows(session, table: str, shops: list[int]) -> set[tuple]:
    return set(session.execute(text(f"SELECT * FROM {table} WHERE shop_id = ANY(:shops)"),  # noqa: S608
                               {"shops": shops}).all())


def expected_rows(session, table: str, shops: list[int]) -> set[tuple]:
    return set(session.execute(text(FROM_ORDERS[table]), {"shops": shops}).all())


MONTHS = {"sales_days": ("sales_months", ("currency", "status"),
                         ("orders", "revenue_with_vat", "revenue_without_vat", "new_customers", "returning_customers",
                          "items")),
          "sales_method_days": ("sales_method_months", ("currency", "status", "kind", "method"),
                                ("orders", "revenue_with_vat")),
          "sales_product_days": ("sales_product_months", ("currency", "status", "code"),
                                 ("orders", "quantity", "revenue_with_vat", "revenue_without_vat"))}


def assert_rollups_match_orders(session, shops: list[int]) -> None:
    for table in ROLLUPS:
        assert rollup_rows(session, table, shops) == expected_rows(session, table, shops), table
        months, keys, sums = MONTHS[table]
        listed = ", ".join(("shop_id", "month", *keys, *sums))
        kept = set(session.execute(text(f"SELECT {listed} FROM {months} WHERE shop_id = ANY(:shops)"),  # noqa: S608
                                   {"shops": shops}).all())
        summed = set(session.execute(text(
            f"SELECT shop_id, date_trunc('month', day)::date AS month, {', '.join(keys)}, "  # noqa: S608
            f"{', '.join(f'sum({c})' for c in sums)} FROM {table} WHERE shop_id = ANY(:shops) "
            f"GROUP BY shop_id, 2, {', '.join(keys)}"), {"shops": shops}).all())
        assert kept == summed, months
    # Product sales per year: the month rows of orders not cancelled, summed.
    kept = set(session.execute(text(
        "SELECT shop_id, year, currency, code, quantity, orders, revenue_with_vat, revenue_without_vat "
        "FROM sales_product_years WHERE shop_id = ANY(:shops)"), {"shops": shops}).all())
    summed = set(session.execute(text(
        "SELECT shop_id, date_trunc('year', month)::date, currency, code, sum(quantity), sum(orders), "
        "sum(revenue_with_vat), sum(revenue_without_vat) FROM sales_product_months "
        "WHERE shop_id = ANY(:shops) AND status <> 'cancelled' GROUP BY 1, 2, 3, 4"), {"shops": shops}).all())
    assert kept == summed, "sales_product_years"


def random_order(rng: random.Random, shop_currency: str, start: datetime) -> dict:
    items = [(f"P{rng.randint(1, 12)}", f"{rng.randint(1, 3)}.000", f"{rng.randint(50, 5000)}.{rng.randint(0, 99):02d}")
             for _ in range(rng.randint(1, 3))]
    total = sum(Decimal(line) for _, _, line in items)
    return order_json(
        start + timedelta(seconds=rng.randint(0, 40 * 86400)),
        status=rng.choice(list(STATUSES)), currency=rng.choice([shop_currency] * 4 + ["EUR", "CZK"]),
        total=f"{total:.2f}", customer=rng.choice([None, *[f"cust-{n}" for n in range(25)]]),
        payment=rng.choice(["Kartou", "Dobírka", "Převodem"]), shipping=rng.choice(["PPL", "Zásilkovna"]),
        items=items)


def test_rollups_follow_every_kind_of_change_and_reconcile_to_the_cent(db):
    rng = random.Random(16)
    org = make_org(db.session)
    prague, bratislava = make_shop(db.session, org), make_shop(db.session, org)
    prague.timezone, bratislava.timezone, bratislava.currency = "Europe/Prague", "America/New_York", "EUR"
    db.session.flush()
    shops = [prague, bratislava]
    written = {shop.id: [] for shop in shops}
    start = utc(2025, 3, 10)  # across the switch to summer time
    for _ in range(8):  # batches in no particular order of days, as a change feed writes them
        for shop in shops:
            batch = [random_order(rng, shop.currency, start) for _ in range(rng.randint(5, 25))]
            write_orders(db.session, shop, batch)
            written[shop.id].extend(batch)
    shop_ids = [shop.id for shop in shops]
    assert len(rollup_rows(db.session, "sales_days", shop_ids)) > 100  # many days, currencies and statuses
    assert_rollups_match_orders(db.session, shop_ids)

    # Late changes: a new version from the platform, a status the hub pushed, a deletion from the feed.
    for shop in shops:
        chosen = rng.sample(written[shop.id], 15)
        write_orders(db.session, shop, [later(order, status=rng.choice(list(STATUSES))) for order in chosen[:8]])
        ids = db.session.execute(text("SELECT id FROM orders WHERE shop_id = :shop AND code = ANY(:codes)"),
                                 {"shop": shop.id, "codes": [o["code"] for o in chosen[8:12]]}).scalars().all()
        change = OrderStatusChange(organization_id=org.id, status_id=-4, status_name="Stornována")
        db.session.add(change)
        db.session.flush()
        services.record_status_outcomes(db.session, change.id, list(ids), {}, status="cancelled")
        _mark_deleted(db.session, "orders", shop.id,
                      [Deletion(order["code"], datetime.now(UTC)) for order in chosen[12:]])
    assert_rollups_match_orders(db.session, shop_ids)

    # Rebuilding from scratch gives the very rows the hook kept.
    kept = {table: rollup_rows(db.session, table, shop_ids) for table in (*ROLLUPS, "sales_product_years")}
    for shop in shops:
        rebuild_shop(db.session.connection().connection.driver_connection.cursor(), shop.id)
    assert {table: rollup_rows(db.session, table, shop_ids) for table in (*ROLLUPS, "sales_product_years")} == kept
    assert_rollups_match_orders(db.session, shop_ids)

    # The summary for random ranges, shops and statuses, against the orders summed in SQL.
    for _ in range(25):
        first = date(2025, 3, 9) + timedelta(days=rng.randint(0, 40))
        last = first + timedelta(days=rng.randint(0, 20))
        chosen_shops = rng.choice([shop_ids, [prague.id], [bratislava.id]])
        expected = {}
        for currency, status, count, revenue in db.session.execute(text("""
                SELECT coalesce(o.currency, s.currency), coalesce(o.status, '') = 'cancelled', count(*),
                       sum(o.total_with_vat)
                FROM orders o JOIN shops s ON s.id = o.shop_id
                WHERE o.shop_id = ANY(:shops) AND o.deleted_at IS NULL
                  AND (o.creation_time AT TIME ZONE s.timezone)::date BETWEEN :first AND :last
                GROUP BY 1, 2"""), {"shops": chosen_shops, "first": first, "last": last}):
            entry = expected.setdefault(currency, {"orders": 0, "revenue": "0.00", "cancelled": 0})
            if status:
                entry["cancelled"] = count
            else:
                entry.update(orders=count, revenue=f"{revenue:.2f}")
        assert sales_summary(db.session, chosen_shops, first, last) == expected


def test_days_are_the_shops_days_at_their_edges(app, db):
    org = make_org(db.session)
    prague, new_york = make_shop(db.session, org), make_shop(db.session, org)
    prague.timezone, new_york.timezone = "Europe/Prague", "America/New_York"
    db.session.flush()
    write_orders(db.session, prague, [
        order_json(utc(2025, 3, 31, 21, 59, 59), total="10.00"),   # 23:59:59 CEST, 31 March
        order_json(utc(2025, 3, 31, 22, 0, 0), total="20.00"),     # 00:00 CEST, 1 April
        order_json(utc(2025, 3, 29, 23, 0, 0), total="40.00"),     # 00:00 CET, 30 March (winter time still)
    ])
    write_orders(db.session, new_york, [order_json(utc(2025, 4, 1, 3, 59), total="80.00"),  # 23:59 EDT, 31 March
                                        order_json(utc(2025, 4, 1, 4, 0), total="160.00")])  # 00:00 EDT, 1 April

    def summary(first: str, last: str, shop=None):
        args = ["hub", "sales-summary", "--org", str(org.id), "--from", first, "--to", last]
        result = app.test_cli_runner().invoke(args=args + (["--shop", str(shop.id)] if shop else []))
        assert result.exit_code == 0, result.output
        return json.loads(result.output.strip().splitlines()[-1])

    assert summary("2025-03-31", "2025-03-31", prague) == {"CZK": {"orders": 1, "revenue": "10.00", "cancelled": 0}}
    assert summary("2025-04-01", "2025-04-01", prague) == {"CZK": {"orders": 1, "revenue": "20.00", "cancelled": 0}}
    assert summary("2025-03-30", "2025-03-30", prague) == {"CZK": {"orders": 1, "revenue": "40.00", "cancelled": 0}}
    assert summary("2025-03-31", "2025-03-31", new_york) == {"CZK": {"orders": 1, "revenue": "80.00", "cancelled": 0}}
    assert summary("2025-03-31", "2025-03-31") == {"CZK": {"orders": 2, "revenue": "90.00", "cancelled": 0}}
    assert summary("2025-03-30", "2025-04-01") == {"CZK": {"orders": 5, "revenue": "310.00", "cancelled": 0}}
    assert summary("2025-04-02", "2025-04-30") == {}


def test_currencies_are_never_added_up(app, db):
    org = make_org(db.session)
    shop = make_shop(db.session, org)
    write_orders(db.session, shop, [
        order_json(utc(2025, 5, 5, 10), currency="CZK", total="1000.50"),
        order_json(utc(2025, 5, 5, 11), currency="EUR", total="40.25"),
        order_json(utc(2025, 5, 5, 12), currency="EUR", total="9.75"),
        order_json(utc(2025, 5, 5, 13), currency="EUR", total="99.00", status="cancelled"),
        order_json(utc(2025, 5, 5, 14), currency="CZK", total="10.00", status="refunded"),
    ])
    result = app.test_cli_runner().invoke(args=["hub", "sales-summary", "--org", str(org.id), "--from", "2025-05-05",
                                                "--to", "2025-05-05"])
    assert result.exit_code == 0
    assert json.loads(result.output.strip().splitlines()[-1]) == {
        "CZK": {"orders": 2, "revenue": "1010.50", "cancelled": 0},
        "EUR": {"orders": 2, "revenue": "50.00", "cancelled": 1},
    }


def test_a_late_change_moves_the_figures_of_the_orders_own_day(db):
    org = make_org(db.session)
    shop = make_shop(db.session, org)
    monday, tuesday = order_json(utc(2025, 6, 2, 9), total="100.00"), order_json(utc(2025, 6, 3, 9), total="7.00")
    write_orders(db.session, shop, [monday, tuesday])
    june = (date(2025, 6, 2), date(2025, 6, 2))
    assert sales_summary(db.session, [shop.id], *june) == {"CZK": {"orders": 1, "revenue": "100.00", "cancelled": 0}}

    write_orders(db.session, shop, [later(monday, status="cancelled")])  # weeks later, from the change feed
    assert sales_summary(db.session, [shop.id], *june) == {"CZK": {"orders": 0, "revenue": "0.00", "cancelled": 1}}
    assert sales_summary(db.session, [shop.id], date(2025, 6, 3), date(2025, 6, 3))["CZK"]["orders"] == 1

    write_orders(db.session, shop, [later(later(monday), status="completed",
                                          price=dict(monday["price"], withVat="80.00"))])  # a partial refund
    assert sales_summary(db.session, [shop.id], *june) == {"CZK": {"orders": 1, "revenue": "80.00", "cancelled": 0}}

    _mark_deleted(db.session, "orders", shop.id, [Deletion(monday["code"], datetime.now(UTC))])
    assert sales_summary(db.session, [shop.id], *june) == {}
    assert sales_summary(db.session, [shop.id], date(2025, 6, 3), date(2025, 6, 3))["CZK"]["revenue"] == "7.00"


def test_new_and_returning_customers_move_when_an_earlier_order_arrives(db):
    shop = make_shop(db.session, make_org(db.session))
    write_orders(db.session, shop, [order_json(utc(2025, 7, 10, 9), customer="c1")])
    day = db.session.execute(text("SELECT new_customers, returning_customers FROM sales_days "
                                  "WHERE shop_id = :shop AND day = '2025-07-10'"), {"shop": shop.id}).one()
    assert tuple(day) == (1, 0)
    earlier = order_json(utc(2025, 7, 1, 9), customer="c1")
    write_orders(db.session, shop, [earlier])  # imported late: the July 10 order is now a returning one
    days = dict(db.session.execute(text("SELECT day, (new_customers, returning_customers)::text FROM sales_days "
                                        "WHERE shop_id = :shop"), {"shop": shop.id}).all())
    assert days == {date(2025, 7, 1): "(1,0)", date(2025, 7, 10): "(0,1)"}
    write_orders(db.session, shop, [later(earlier, status="cancelled")])
    days = dict(db.session.execute(text("SELECT day, (new_customers, returning_customers)::text FROM sales_days "
                                        "WHERE shop_id = :shop"), {"shop": shop.id}).all())
    assert days == {date(2025, 7, 1): "(0,0)", date(2025, 7, 10): "(1,0)"}


def test_the_summary_refuses_what_it_cannot_answer(app, db):
    org, other = make_org(db.session), make_org(db.session)
    foreign = make_shop(db.session, other)
    runner = app.test_cli_runner()
    base = ["hub", "sales-summary", "--from", "2025-01-01", "--to", "2025-01-31"]
    result = runner.invoke(args=[*base, "--org", str(org.id), "--shop", str(foreign.id)])
    assert result.exit_code == 2 and "not a shop of organization" in result.output
    command = ["hub", "sales-summary", "--org", str(org.id)]
    result = runner.invoke(args=[*command, "--from", "2025-13-01", "--to", "2025-01-31"])
    assert result.exit_code == 2 and "YYYY-MM-DD" in result.output
    result = runner.invoke(args=[*command, "--from", "2025-02-01", "--to", "2025-01-31"])
    assert result.exit_code == 2 and "after" in result.output
    result = runner.invoke(args=[*base, "--org", "999999"])
    assert result.exit_code == 2 and "no organization" in result.output


def test_dashboard_reads_of_whole_months_and_edge_days_reconcile_to_the_cent(db):
    """The dashboard's reads (month rollups for whole months, day rollups at the edges, several spans in one
    query) for random ranges, grains and shops, against the orders summed in SQL."""
    rng = random.Random(1616)
    org = make_org(db.session)
    shops = [make_shop(db.session, org), make_shop(db.session, org)]
    shops[1].timezone, shops[1].currency = "America/New_York", "EUR"
    db.session.flush()
    start = utc(2025, 1, 20)
    for _ in range(6):
        for shop in shops:
            spread = start + timedelta(days=rng.randint(0, 100))
            write_orders(db.session, shop, [random_order(rng, shop.currency, spread) for _ in range(30)])
    shop_ids = [shop.id for shop in shops]

    def from_orders(chosen: list[int], first: date, last: date) -> tuple[dict, dict]:
        where = """FROM orders o JOIN shops s ON s.id = o.shop_id
                   WHERE o.shop_id = ANY(:shops) AND o.deleted_at IS NULL
                     AND (o.creation_time AT TIME ZONE coalesce(s.timezone, 'Europe/Prague'))::date
                         BETWEEN :first AND :last"""
        params = {"shops": chosen, "first": first, "last": last}
        sales = {(currency, status): (count, with_vat, without_vat, items) for currency, status, count, with_vat,
                 without_vat, items in db.session.execute(text(f"""
            SELECT coalesce(o.currency, s.currency), coalesce(o.status, ''), count(*), sum(o.total_with_vat),
                   sum(o.total_without_vat), sum((SELECT coalesce(sum(i.amount), 0) FROM order_items i
                       WHERE i.order_id = o.id AND i.item_type IN ('product', 'bazar', 'service', 'product-set')))
            {where} GROUP BY 1, 2"""), params)}  # noqa: S608 (constant)
        methods = {(currency, kind, method): (count, revenue) for currency, kind, method, count, revenue
                   in db.session.execute(text(f"""
            SELECT coalesce(o.currency, s.currency), m.kind, m.method, count(*), sum(o.total_with_vat)
            {where.replace("FROM orders o JOIN shops s ON s.id = o.shop_id", "FROM orders o JOIN shops s ON "
                           "s.id = o.shop_id, LATERAL (VALUES ('payment', o.payment_method), "
                           "('shipping', o.shipping_method)) m(kind, method)")}
              AND coalesce(o.status, '') <> 'cancelled'
            GROUP BY 1, 2, 3"""), params)}  # noqa: S608 (constant)
        return sales, methods

    for n in range(30):
        first = date(2025, 1, 15) + timedelta(days=rng.randint(0, 60))
        last = first + timedelta(days=rng.randint(0, 90))
        chosen = rng.choice([shop_ids, shop_ids[:1], shop_ids[1:]])
        grain = rng.choice(["day", "week", "month", "range"])
        spans = [Span("a", first, last, grain, use_months=grain in ("month", "range")),
                 Span("b", first - timedelta(days=3), last, "range")]
        sales: dict[str, dict] = {"a": {}, "b": {}}
        for row in sales_rows(db.session, chosen, spans):
            entry = sales[row.part].setdefault((row.currency, row.status), [0, 0, 0, 0])
            for at, value in enumerate((row.orders, row.revenue_with_vat, row.revenue_without_vat, row.items)):
                entry[at] += value
        methods = {}
        for row in method_rows(db.session, chosen, Span("m", first, last, "range")):
            entry = methods.setdefault((row.currency, row.kind, row.method), [0, 0])
            entry[0] += row.orders
            entry[1] += row.revenue_with_vat
        expected_sales, expected_methods = from_orders(chosen, first, last)
        assert {key: tuple(value) for key, value in sales["a"].items()} == expected_sales, (n, first, last, grain)
        assert {key: tuple(value) for key, value in sales["b"].items()} == from_orders(
            chosen, first - timedelta(days=3), last)[0]
        assert {key: tuple(value) for key, value in methods.items()} == expected_methods, (n, first, last)


def test_top_products_over_years_with_edges_mid_month_reconcile_to_the_cent(db):
    """Top products and categories of ranges over several years (whole years from the year rollup, whole months
    from the month rollup, edge days from the day rollup), against the order items summed in SQL, after late
    changes that move orders out of and into the sales (cancelled) across the years."""
    rng = random.Random(2416)
    org = make_org(db.session)
    shops = [make_shop(db.session, org), make_shop(db.session, org)]
    shops[1].timezone, shops[1].currency = "America/New_York", "EUR"
    db.session.flush()
    db.session.execute(text("INSERT INTO products (shop_id, guid, name, default_category, content_hash, raw) "
                            "VALUES (:shop, 'guid-P1', 'Product P1', 'Garden', '', '{}'), "
                            "(:shop, 'guid-P2', 'Product P2', 'Tools', '', '{}')"), {"shop": shops[0].id})
    written = {shop.id: [] for shop in shops}
    start = utc(2023, 1, 1)
    for _ in range(4):
        for shop in shops:
            batch = []
            for _ in range(40):  # spread over three years
                order = random_order(rng, shop.currency, start + timedelta(days=rng.randint(0, 3 * 365)))
                batch.append(order)
            write_orders(db.session, shop, batch)
            written[shop.id].extend(batch)
    for shop in shops:  # late changes: cancelled, back to completed, partly refunded
        chosen = rng.sample(written[shop.id], 30)
        write_orders(db.session, shop, [later(order, status=rng.choice(["cancelled", "completed", "refunded"]))
                                        for order in chosen])
    shop_ids = [shop.id for shop in shops]
    assert_rollups_match_orders(db.session, shop_ids)
    assert db.session.execute(text("SELECT count(DISTINCT year) FROM sales_product_years")).scalar() >= 3

    def expected(chosen: list[int], first: date, last: date, revenue: str, limit: int) -> tuple[list, list]:
        sums = db.session.execute(text(f"""
            SELECT coalesce(o.currency, s.currency) AS currency, coalesce(i.code, '') AS code, i.product_guid,
                   o.shop_id, i.amount, i.{revenue.replace('revenue', 'total')} AS revenue
            FROM orders o JOIN shops s ON s.id = o.shop_id JOIN order_items i ON i.order_id = o.id
            WHERE o.shop_id = ANY(:shops) AND o.deleted_at IS NULL AND coalesce(o.status, '') <> 'cancelled'
              AND i.item_type IN ('product', 'bazar', 'service', 'product-set')
              AND (o.creation_time AT TIME ZONE coalesce(s.timezone, 'Europe/Prague'))::date
                  BETWEEN :first AND :last"""), {"shops": chosen, "first": first, "last": last}).all()  # noqa: S608
        categories = dict(((shop, guid), category) for shop, guid, category in db.session.execute(text(
            "SELECT shop_id, guid, coalesce(default_category, '') FROM products")).all())
        products: dict = {}
        by_category: dict = {}
        for row in sums:
            entry = products.setdefault((row.currency, row.code), [Decimal(0), Decimal(0)])
            entry[0] += row.amount
            entry[1] += row.revenue
            category = categories.get((row.shop_id, row.product_guid), "")
            entry = by_category.setdefault((row.currency, category), [Decimal(0), Decimal(0)])
            entry[0] += row.amount
            entry[1] += row.revenue

        def ranked(found: dict) -> list:
            per_currency: dict = {}
            for (currency, key), (quantity, money) in found.items():
                per_currency.setdefault(currency, []).append((-money, key, quantity, money))
            return [(currency, key, quantity, money) for currency in sorted(per_currency)
                    for _, key, quantity, money in sorted(per_currency[currency])[:limit]]

        return ranked(products), ranked(by_category)

    ranges = [(date(2023, 3, 17), date(2025, 11, 9)), (date(2023, 1, 1), date(2025, 12, 31)),
              (date(2023, 12, 31), date(2025, 1, 1)), (date(2024, 2, 29), date(2024, 3, 1)),
              (date(2023, 6, 1), date(2024, 5, 31))]
    ranges += [(first, first + timedelta(days=rng.randint(300, 1000)))
               for first in (date(2023, 1, 1) + timedelta(days=rng.randint(0, 400)) for _ in range(12))]
    for first, last in ranges:
        chosen = rng.choice([shop_ids, shop_ids[:1], shop_ids[1:]])
        revenue = rng.choice(["revenue_with_vat", "revenue_without_vat"])
        products, categories = top_products(db.session, chosen, first, last, revenue, limit=50)
        want_products, want_categories = expected(chosen, first, last, revenue, 50)
        assert [(r.currency, r.code, r.quantity, r.revenue) for r in products] == want_products, (first, last)
        assert [(r.currency, r.category, r.quantity, r.revenue) for r in categories] == want_categories, (first, last)
