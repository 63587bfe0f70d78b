"""Snapshot files through the import pipeline: exact rows, nothing lost, nothing written twice."""

import json

import orjson
import pytest
from sqlalchemy import func, select, text

from app.catalog.models import Product, ProductText, ProductVariant, VariantStock
from app.customers.models import Customer
from app.orders.models import Order, OrderItem
from app.sync.models import ImportBadLine, SyncRun
from app.sync.runner import ImportFailed, run_file_import
from tests.imports.snapshot_files import corrupt_crc, read_lines, rewrite, truncate, write_lines


def _count(db, model, **filters):
    statement = select(func.count()).select_from(model)
    for key, value in filters.items():
        statement = statement.where(getattr(model, key) == value)
    return db.session.execute(statement).scalar_one()


def _expected_orders(path):
    lines = [orjson.loads(raw) for raw in read_lines(path)]
    return len({o["code"] for o in lines}), sum(len(o["items"]) for o in lines)


def test_cli_imports_a_file_and_prints_a_json_summary(app, db, shop, snapshots):
    result = app.test_cli_runner().invoke(
        args=["hub", "import-snapshot", "--shop", str(shop.id), "--kind", "orders", str(snapshots["orders"])])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    orders, items = _expected_orders(snapshots["orders"])
    assert summary["inserted"] == orders and summary["updated"] == 0 and summary["unchanged"] == 0
    assert summary["bad_lines"] == 0 and summary["seconds"] > 0
    assert _count(db, Order, shop_id=shop.id) == orders
    assert _count(db, OrderItem, shop_id=shop.id) == items


def test_cli_refuses_bad_input_with_a_clear_message(app, db, shop, snapshots):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["hub", "import-snapshot", "--shop", "999999", "--kind", "orders",
                                 str(snapshots["orders"])])
    assert result.exit_code == 2 and "no shop with id 999999" in result.output


def test_every_field_of_a_line_is_kept(db, shop, snapshots):
    def add_unknown(number, order):
        if number == 1:
            order["fieldFromTheFuture"] = {"x": 1}
            order["items"][0]["itemFieldFromTheFuture"] = "kept"
            return order
        return None

    path = rewrite(snapshots["orders"], snapshots["folder"] / "future.jsonl.gz", add_unknown)
    run_file_import(db.session, shop, "orders", str(path))
    first = orjson.loads(read_lines(path)[0])
    order = db.session.execute(select(Order).where(Order.code == first["code"])).scalar_one()
    assert order.raw["fieldFromTheFuture"] == {"x": 1}
    assert order.raw["billingAddress"] == first["billingAddress"]
    item = db.session.execute(
        select(OrderItem).where(OrderItem.order_id == order.id, OrderItem.position == 1)).scalar_one()
    assert item.raw["itemFieldFromTheFuture"] == "kept"


def test_reimport_of_the_same_file_changes_no_row(db, shop, snapshots):
    run_file_import(db.session, shop, "orders", str(snapshots["orders"]))
    before = db.session.execute(text("SELECT count(*), sum(xmin::text::bigint) FROM orders")).one()
    items_before = db.session.execute(text("SELECT count(*), sum(xmin::text::bigint) FROM order_items")).one()
    progress = run_file_import(db.session, shop, "orders", str(snapshots["orders"]))
    assert (progress.counts.inserted, progress.counts.updated) == (0, 0)
    assert progress.counts.unchanged == _expected_orders(snapshots["orders"])[0]
    assert db.session.execute(text("SELECT count(*), sum(xmin::text::bigint) FROM orders")).one() == before
    assert db.session.execute(text("SELECT count(*), sum(xmin::text::bigint) FROM order_items")).one() == items_before


def _newer(number, order):
    order["changeTime"] = "2030-01-01T10:00:00+0100"
    order["status"] = {"id": -4, "name": "Newer status"}
    order["items"] = order["items"][:1]
    return order


def test_an_older_file_never_overwrites_newer_rows(db, shop, snapshots):
    newer = rewrite(snapshots["orders"], snapshots["folder"] / "newer.jsonl.gz", _newer)
    run_file_import(db.session, shop, "orders", str(newer))
    progress = run_file_import(db.session, shop, "orders", str(snapshots["orders"]))
    orders, _items = _expected_orders(snapshots["orders"])
    assert progress.counts.unchanged == orders and progress.counts.updated == 0
    assert _count(db, Order, status_name="Newer status") == orders
    assert _count(db, OrderItem, shop_id=shop.id) == orders  # one item each, as in the newer file


def test_a_newer_file_updates_orders_and_replaces_their_items(db, shop, snapshots):
    run_file_import(db.session, shop, "orders", str(snapshots["orders"]))
    newer = rewrite(snapshots["orders"], snapshots["folder"] / "newer2.jsonl.gz", _newer)
    progress = run_file_import(db.session, shop, "orders", str(newer))
    orders, _items = _expected_orders(snapshots["orders"])
    assert progress.counts.updated == orders
    assert _count(db, OrderItem, shop_id=shop.id) == orders


def test_malformed_lines_are_reported_with_their_numbers_and_the_rest_imported(db, shop, snapshots):
    def damage(number, order):
        if number in (5, 17):
            return b'{"code": "broken", "items": [ this is not json'
        if number == 9:
            del order["code"]
            return order
        if number == 12:
            return b'["an array, not an order"]'
        return None

    path = rewrite(snapshots["orders"], snapshots["folder"] / "bad.jsonl.gz", damage)
    progress = run_file_import(db.session, shop, "orders", str(path))
    orders, _ = _expected_orders(snapshots["orders"])
    assert progress.bad_lines == 4
    assert _count(db, Order, shop_id=shop.id) == orders - 4
    bad = db.session.execute(select(ImportBadLine.line_no, ImportBadLine.error).order_by(ImportBadLine.line_no)).all()
    assert [n for n, _ in bad] == [5, 9, 12, 17]
    assert "missing required field 'code'" in bad[1][1] and bad[0][1].startswith("line 5:")


@pytest.mark.parametrize("damage", ["truncated", "bad_crc", "not_gzip"])
def test_a_damaged_file_fails_the_run_without_losing_or_deleting_rows(db, shop, snapshots, damage):
    run_file_import(db.session, shop, "orders", str(snapshots["orders"]))
    orders, items = _expected_orders(snapshots["orders"])
    newer = rewrite(snapshots["orders"], snapshots["folder"] / f"newer-{damage}.jsonl.gz", _newer)
    target = snapshots["folder"] / f"{damage}.jsonl.gz"
    if damage == "truncated":
        truncate(newer, target)
    elif damage == "bad_crc":
        corrupt_crc(newer, target)
    else:
        target.write_bytes(b"this is not a gzip file at all\n")
    with pytest.raises(ImportFailed, match="damaged"):
        run_file_import(db.session, shop, "orders", str(target))
    run = db.session.execute(select(SyncRun).order_by(SyncRun.id.desc()).limit(1)).scalar_one()
    assert run.status == "failed" and "nothing was deleted" in run.error
    assert _count(db, Order, shop_id=shop.id) == orders  # nothing lost, nothing deleted
    assert _count(db, Order, shop_id=shop.id, deleted_at=None) == orders
    # Complete lines before the damage may have been applied; each order keeps a consistent item list.
    updated = _count(db, Order, status_name="Newer status")
    assert _count(db, OrderItem, shop_id=shop.id) == items - sum(
        len(orjson.loads(raw)["items"]) - 1 for raw in read_lines(snapshots["orders"])[:updated])


def test_customer_metrics_are_kept_current_whichever_arrives_first(db, shop, snapshots):
    run_file_import(db.session, shop, "orders", str(snapshots["orders"]))
    run_file_import(db.session, shop, "customers", str(snapshots["customers"]))
    expected = db.session.execute(text("""
        SELECT customer_guid, count(*), round(sum(total_with_vat * coalesce(exchange_rate, 1)), 2),
               min(creation_time), max(creation_time) FROM orders
        WHERE shop_id = :s AND customer_guid IS NOT NULL AND status NOT IN ('cancelled', 'refunded', 'failed')
        GROUP BY customer_guid
    """), {"s": shop.id}).all()
    assert expected, "the generated orders should reference customers"
    actual = {c.guid: c for c in db.session.execute(select(Customer).where(Customer.shop_id == shop.id)).scalars()}
    for guid, count, total, first, last in expected:
        customer = actual[guid]
        assert (customer.orders_count, customer.total_spent, customer.first_order_at, customer.last_order_at) == (
            count, total, first, last)
    # A newer order file (one item, cancelled status) changes the metrics as it arrives.
    newer = rewrite(snapshots["orders"], snapshots["folder"] / "newer-metrics.jsonl.gz", _newer)
    run_file_import(db.session, shop, "orders", str(newer))
    db.session.expire_all()
    assert db.session.execute(select(func.sum(Customer.orders_count)).where(Customer.shop_id == shop.id)).scalar() == 0


def test_products_variants_stock_and_texts_per_language(db, shop, snapshots):
    shop.languages = "cs,de"
    progress = run_file_import(db.session, shop, "products", str(snapshots["products"]))
    lines = [orjson.loads(raw) for raw in read_lines(snapshots["products"])]
    assert progress.counts.inserted == len(lines)
    assert _count(db, Product, shop_id=shop.id) == len(lines)
    assert _count(db, ProductVariant, shop_id=shop.id) == sum(len(p["variants"]) for p in lines)
    assert _count(db, VariantStock, shop_id=shop.id) == sum(
        len(v.get("perStockAmounts") or []) for p in lines for v in p["variants"])

    def in_german(number, product):
        product["name"] = f"Deutsch {number}"
        return product

    german = rewrite(snapshots["products"], snapshots["folder"] / "products-de.jsonl.gz", in_german)
    run_file_import(db.session, shop, "products", str(german), language="de")
    assert _count(db, ProductText, shop_id=shop.id, language="de") == len(lines)
    assert _count(db, ProductText, shop_id=shop.id, language="cs") == len(lines)
    name = db.session.execute(select(Product.name).where(Product.guid == lines[0]["guid"])).scalar_one()
    assert name == lines[0]["name"]  # the German file changed only the German texts


def test_a_duplicate_line_in_one_file_keeps_the_newest(db, shop, snapshots):
    lines = read_lines(snapshots["orders"])[:3]
    first = orjson.loads(lines[0])
    newer = dict(first, changeTime="2031-01-01T00:00:00+0100", status={"id": 7, "name": "Latest"})
    path = write_lines(snapshots["folder"] / "dupes.jsonl.gz", [orjson.dumps(newer), *lines])
    run_file_import(db.session, shop, "orders", str(path))
    assert db.session.execute(select(Order.status_name).where(Order.code == first["code"])).scalar_one() == "Latest"
