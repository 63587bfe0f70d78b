"""Order lines and totals, shared by the generator and the order write endpoints.

Prices include VAT: a line's gross amount (unit price x quantity, or a shipping
or fee price) is split into its net `total` and `total_tax` when the line is
made; the order's totals and `tax_lines` are sums of its lines.  This is the hot
path of every order list, hence integer money and no Decimal.
"""

from __future__ import annotations

from dataclasses import dataclass

from sandbox.woocommerce.money import cents, money, parse_money, split_tax, unrounded_tax

# tax_class -> (rate id, basis points, rate code)
TAX_RATES = {"": (1, 2100, "CZ-DPH-1"), "reduced-rate": (2, 1200, "CZ-DPH SNIZENA-1")}
SHIPPING_METHODS = (("flat_rate", "Zásilkovna", "1", 7900), ("flat_rate", "PPL", "2", 12900),
                    ("local_pickup", "Osobní odběr", "3", 0))


@dataclass(frozen=True, slots=True)
class Sellable:
    """A product or variation as an order line needs it."""

    product_id: int
    variation_id: int
    name: str
    sku: str
    gtin: str
    price: int  # hundredths, incl. VAT
    tax_class: str
    parent_name: str | None
    image: dict


def sellable(product: dict, variation: dict | None = None) -> Sellable:
    """From raw product (and variation) records: the price is the current one (sale, else regular)."""
    item = variation or product
    price = parse_money(item["sale_price"] or item["regular_price"] or "0")
    image = (variation or {}).get("image") or (product["images"][0] if product["images"] else None)
    return Sellable(product["id"], variation["id"] if variation else 0, item.get("name") or product["name"],
                    item["sku"], item.get("global_unique_id", ""), price, item["tax_class"],
                    product["name"] if variation else None,
                    {"id": image["id"], "src": image["src"]} if image else {"id": "", "src": ""})


class LineSource:
    """Sellables per product index of the generated catalogue (what history's orders bought)."""

    def __init__(self, catalog):
        self._by_product = []
        for raw in catalog.products:
            children = catalog.variations.get(raw["id"])
            self._by_product.append([sellable(raw, v) for v in children] if children else [sellable(raw)])

    def pick(self, p: int, r: int) -> Sellable:
        options = self._by_product[p]
        return options[r % len(options)]


def product_line(item: Sellable, quantity: int, item_id: int, net_total: int | None = None) -> dict:
    rate_id, rate, _code = TAX_RATES.get(item.tax_class, TAX_RATES[""])
    if net_total is None:
        gross = item.price * quantity
        net, tax = split_tax(gross, rate)
    else:  # the client set `total` (net); the tax is added on top
        net = net_total
        tax = (net * rate + 5000) // 10000
        gross = net + tax
    tax_text = unrounded_tax(gross, rate)
    net_text, tax_money = money(net), money(tax)
    return {
        "id": item_id, "name": item.name, "product_id": item.product_id, "variation_id": item.variation_id,
        "quantity": quantity, "tax_class": item.tax_class, "subtotal": net_text, "subtotal_tax": tax_money,
        "total": net_text, "total_tax": tax_money, "taxes": [{"id": rate_id, "total": tax_text, "subtotal": tax_text}],
        "meta_data": [], "sku": item.sku, "global_unique_id": item.gtin,
        "price": (net / quantity / 100) if quantity else 0, "image": dict(item.image), "parent_name": item.parent_name,
    }


def _priced(line: dict, gross: int, tax_class: str = "") -> dict:
    """Set a shipping or fee line's net total and tax from its gross price."""
    rate_id, rate, _code = TAX_RATES.get(tax_class, TAX_RATES[""])
    net, tax = split_tax(gross, rate)
    line.update(total=money(net), total_tax=money(tax),
                taxes=[{"id": rate_id, "total": unrounded_tax(gross, rate), "subtotal": ""}] if tax else [])
    return line


def shipping_line(method: int, item_id: int) -> dict:
    method_id, title, instance, gross = SHIPPING_METHODS[method]
    return _priced({"id": item_id, "method_title": title, "method_id": method_id, "instance_id": instance,
                    "tax_status": "taxable", "meta_data": []}, gross)


def fee_line(name: str, gross: int, item_id: int, tax_class: str = "") -> dict:
    return _priced({"id": item_id, "name": name, "tax_class": tax_class, "tax_status": "taxable",
                    "amount": money(gross).removesuffix(".00"), "meta_data": []}, gross, tax_class)


def reprice(line: dict, net_total: str) -> dict:
    """A client changed a shipping or fee line's (net) `total`: prices include 21 % VAT here."""
    net = parse_money(net_total)
    return _priced(line, net + (net * 2100 + 5000) // 10000, line.get("tax_class", ""))


def finish_order(order: dict, tax_line_id: int) -> None:
    """Recompute the order totals and `tax_lines` from its lines."""
    by_rate: dict[int, list[int]] = {}  # rate id -> [item and fee tax, shipping tax]
    items_net = cart_tax = ship_net = ship_tax = fee_net = fee_tax = 0
    for key, slot in (("line_items", 0), ("fee_lines", 0), ("shipping_lines", 1)):
        for line in order[key]:
            net, tax = cents(line["total"]), cents(line["total_tax"])
            if key == "line_items":
                items_net, cart_tax = items_net + net, cart_tax + tax
            elif key == "fee_lines":
                fee_net, fee_tax = fee_net + net, fee_tax + tax
            else:
                ship_net, ship_tax = ship_net + net, ship_tax + tax
            if tax:
                by_rate.setdefault(line["taxes"][0]["id"] if line.get("taxes") else 1, [0, 0])[slot] += tax
    total_tax = cart_tax + ship_tax + fee_tax
    order.update(
        discount_total="0.00", discount_tax="0.00", shipping_total=money(ship_net), shipping_tax=money(ship_tax),
        cart_tax=money(cart_tax + fee_tax), total_tax=money(total_tax),
        total=money(items_net + ship_net + fee_net + total_tax),
    )
    codes = {rid: (bp, code) for rid, bp, code in TAX_RATES.values()}
    order["tax_lines"] = [
        {"id": tax_line_id + k, "rate_code": codes[rid][1], "rate_id": rid, "label": "DPH", "compound": False,
         "tax_total": money(items), "shipping_tax_total": money(shipping), "rate_percent": codes[rid][0] // 100,
         "meta_data": []}
        for k, (rid, (items, shipping)) in enumerate(sorted(by_rate.items()))
    ]


def refund_entry(refund_id: int, amount: str, reason: str, ts: int) -> dict:
    return {"id": refund_id, "reason": reason, "amount": parse_money(amount), "ts": ts}
