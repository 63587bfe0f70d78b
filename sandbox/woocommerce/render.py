"""Raw records -> the REST representation (what GET answers and webhooks deliver).

Raw records are the REST shape without derived fields: dates are epochs under
`_ts`, internal keys start with `_`.  Rendering adds the `date_*`/`date_*_gmt`
pairs in the store's time zone, derived fields (prices of variable products,
payment URL...), `dp` rounding and `_links`.
"""

from __future__ import annotations

from dataclasses import dataclass

from sandbox.woocommerce.dates import StoreClock
from sandbox.woocommerce.money import STORE_DP, money, with_dp
from sandbox.woocommerce.store.products import current_price
from sandbox.woocommerce.store.webhooks import Webhook

ORDER_MONEY = ("discount_total", "discount_tax", "shipping_total", "shipping_tax", "cart_tax", "total", "total_tax")
LINE_MONEY = ("subtotal", "subtotal_tax", "total", "total_tax")
CURRENCY_SYMBOLS = {"CZK": "Kč", "EUR": "€"}
EDITABLE = {"pending", "on-hold", "auto-draft", "checkout-draft"}


@dataclass(frozen=True)
class Context:
    clock: StoreClock
    api: str  # e.g. http://127.0.0.1:PORT/wp-json/wc/v3, for _links
    home: str  # the store's public URL inside records (payment URLs, permalinks)
    dp: int = STORE_DP


INTERNAL = ("_ts", "_refunds", "_trash_status", "_stock_reduced")


def _public(raw: dict) -> dict:
    out = dict(raw)
    for key in INTERNAL:
        out.pop(key, None)
    return out


def _links(ctx: Context, path: str, collection: str, **extra: str) -> dict:
    links = {"self": [{"href": f"{ctx.api}/{path}"}], "collection": [{"href": f"{ctx.api}/{collection}"}]}
    for rel, target in extra.items():
        links[rel] = [{"href": f"{ctx.api}/{target}"}]
    return links


# -- orders -----------------------------------------------------------------------------------------
def order(raw: dict, ctx: Context) -> dict:
    out = _public(raw)
    ts = raw["_ts"]
    for name in ("created", "modified", "completed", "paid"):
        ctx.clock.pair(out, name, ts.get(name))
    out["refunds"] = [{"id": r["id"], "reason": r["reason"], "total": money(-r["amount"])} for r in raw["_refunds"]]
    status = raw["status"]
    out["currency_symbol"] = CURRENCY_SYMBOLS.get(raw["currency"], raw["currency"])
    out["payment_url"] = f"{ctx.home}/pokladna/order-pay/{raw['id']}/?pay_for_order=true&key={raw['order_key']}"
    out["is_editable"] = status in EDITABLE
    out["needs_payment"] = status in ("pending", "failed") and raw["total"] != "0.00"
    out["needs_processing"] = True
    if ctx.dp != STORE_DP:
        _apply_dp(out, ctx.dp)
    extra = {"customer": f"customers/{raw['customer_id']}"} if raw["customer_id"] else {}
    out["_links"] = _links(ctx, f"orders/{raw['id']}", "orders", **extra)
    return out


def _apply_dp(out: dict, dp: int) -> None:
    for key in ("line_items", "shipping_lines", "fee_lines", "tax_lines"):  # copies: the raw lines are shared
        out[key] = [dict(line) for line in out[key]]
    for key in ORDER_MONEY:
        out[key] = with_dp(out[key], dp)
    for line in (*out["line_items"], *out["shipping_lines"], *out["fee_lines"]):
        for key in LINE_MONEY:
            if key in line:
                line[key] = with_dp(line[key], dp)
    for line in out["tax_lines"]:
        line["tax_total"] = with_dp(line["tax_total"], dp)
        line["shipping_tax_total"] = with_dp(line["shipping_tax_total"], dp)
    for refund in out["refunds"]:
        refund["total"] = with_dp(refund["total"], dp)


def refund(order_raw: dict, entry: dict, ctx: Context) -> dict:
    out = {"id": entry["id"], "amount": money(entry["amount"]), "reason": entry["reason"], "refunded_by": 1,
           "refunded_payment": False, "meta_data": [], "line_items": [], "shipping_lines": [], "tax_lines": [],
           "fee_lines": []}
    ctx.clock.pair(out, "created", entry["ts"])
    out["_links"] = _links(ctx, f"orders/{order_raw['id']}/refunds/{entry['id']}",
                           f"orders/{order_raw['id']}/refunds", up=f"orders/{order_raw['id']}")
    return out


# -- customers --------------------------------------------------------------------------------------
def customer(raw: dict, ctx: Context) -> dict:
    out = _public(raw)
    ctx.clock.pair(out, "created", raw["_ts"]["created"])
    ctx.clock.pair(out, "modified", raw["_ts"]["modified"])
    out["_links"] = _links(ctx, f"customers/{raw['id']}", "customers")
    return out


# -- products and variations ------------------------------------------------------------------------
def product(raw: dict, children: list[dict], ctx: Context) -> dict:
    out = _public(raw)
    _dates(out, raw, ctx)
    if raw["type"] == "variable":
        prices = [current_price(c) for c in children if c["status"] == "publish"]
        out["price"] = money(min(prices)).removesuffix(".00") if prices else ""
        out["on_sale"] = any(c["sale_price"] for c in children)
    else:
        out["price"] = raw["sale_price"] or raw["regular_price"]
        out["on_sale"] = bool(raw["sale_price"])
    _sellable(out, raw)
    out["_links"] = _links(ctx, f"products/{raw['id']}", "products")
    return out


def variation(raw: dict, ctx: Context) -> dict:
    out = _public(raw)
    del out["type"], out["name"]
    _dates(out, raw, ctx)
    out["price"] = raw["sale_price"] or raw["regular_price"]
    out["on_sale"] = bool(raw["sale_price"])
    _sellable(out, raw)
    out["name"] = raw["name"]
    out["type"] = "variation"
    out["_links"] = _links(ctx, f"products/{raw['parent_id']}/variations/{raw['id']}",
                           f"products/{raw['parent_id']}/variations", up=f"products/{raw['parent_id']}")
    return out


def variation_as_product(raw: dict, parent: dict, ctx: Context) -> dict:
    """`GET /products/<variation id>` and `/products?sku=` answer a variation in the product shape."""
    out = product(parent, [], ctx)
    shaped = variation(raw, ctx)
    out.update({k: v for k, v in shaped.items() if k in out or k in ("parent_id", "image")})
    out.pop("image", None)
    out.update(id=raw["id"], name=raw["name"], type="variation", parent_id=parent["id"], variations=[],
               images=[raw["image"]] if raw.get("image") else [], attributes=raw["attributes"],
               slug=f"{parent['slug']}-{raw['id']}", permalink=raw["permalink"], has_options=False)
    out["_links"] = _links(ctx, f"products/{raw['id']}", "products", up=f"products/{parent['id']}")
    return out


def _dates(out: dict, raw: dict, ctx: Context) -> None:
    ts = raw["_ts"]
    ctx.clock.pair(out, "created", ts["created"])
    ctx.clock.pair(out, "modified", ts["modified"])
    for name in ("on_sale_from", "on_sale_to"):
        ctx.clock.pair(out, name, ts.get(name))


def _sellable(out: dict, raw: dict) -> None:
    physical = not raw["virtual"]
    out["purchasable"] = out["price"] != "" and raw["status"] == "publish"
    out["shipping_required"] = physical
    out["shipping_taxable"] = physical
    if not raw["manage_stock"]:
        out["stock_quantity"] = None
    if out["price"]:
        out["price_html"] = (f'<span class="woocommerce-Price-amount amount"><bdi>{out["price"]}&nbsp;'
                             f'<span class="woocommerce-Price-currencySymbol">&#75;&#269;</span></bdi></span>')
    else:
        out["price_html"] = ""


# -- webhooks ---------------------------------------------------------------------------------------
def webhook(hook: Webhook, ctx: Context, edit: bool = False) -> dict:
    out = {"id": hook.id, "name": hook.name, "status": hook.status, "topic": hook.topic,
           "resource": hook.resource, "event": hook.event, "hooks": hooks_of(hook.topic),
           "delivery_url": hook.delivery_url}
    if edit:
        out["secret"] = hook.secret
    ctx.clock.pair(out, "created", hook.created)
    ctx.clock.pair(out, "modified", hook.modified)
    out["_links"] = _links(ctx, f"webhooks/{hook.id}", "webhooks")
    return out


HOOKS = {
    "order.created": ["woocommerce_new_order"],
    "order.updated": ["woocommerce_update_order", "woocommerce_order_refunded"],
    "order.deleted": ["wp_trash_post", "woocommerce_trash_order"],
    "order.restored": ["untrashed_post", "woocommerce_untrash_order"],
    "customer.created": ["user_register", "woocommerce_created_customer", "woocommerce_new_customer"],
    "customer.updated": ["profile_update", "woocommerce_update_customer"],
    "customer.deleted": ["delete_user"],
    "customer.restored": [],
    "product.created": ["woocommerce_process_product_meta", "woocommerce_new_product",
                        "woocommerce_new_product_variation"],
    "product.updated": ["woocommerce_process_product_meta", "woocommerce_update_product",
                        "woocommerce_update_product_variation"],
    "product.deleted": ["wp_trash_post"],
    "product.restored": ["untrashed_post"],
    "coupon.created": ["woocommerce_process_shop_coupon_meta", "woocommerce_new_coupon"],
    "coupon.updated": ["woocommerce_process_shop_coupon_meta", "woocommerce_update_coupon"],
    "coupon.deleted": ["wp_trash_post"],
    "coupon.restored": ["untrashed_post"],
}


def hooks_of(topic: str) -> list[str]:
    if topic.startswith("action."):
        return [topic.split(".", 1)[1]]
    return list(HOOKS.get(topic, []))
