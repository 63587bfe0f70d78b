"""Price lists: the generated prices of each variant and their Shoptet rendering.

Shoptet keeps prices out of the product update; they live in price lists
(`GET/PATCH /api/pricelists/{id}`).  Every sandbox shop has the default list 1
(retail, the prices products and orders show) and list 2 (wholesale, 15 % off,
no purchase price: Shoptet keeps `buyPrice` only in the default list).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sandbox.formats import amount, money

DEFAULT_PRICELIST = 1
PRICELISTS = {1: "Základní ceník", 2: "Velkoobchod"}
WHOLESALE_RATIO = 8500  # 1/10000
SALES_DEFAULT = {"minPriceRatio": "0.000", "freeShipping": False, "freeBilling": False, "loyaltyDiscount": True,
                 "volumeDiscount": True, "quantityDiscount": True, "discountCoupon": True}


@dataclass(slots=True)
class Price:
    """Effective price of one variant in one price list (integer hundredths / thousandths)."""

    price: int | None
    common: int | None
    buy: int | None
    ratio: int  # thousandths, 1000 = "1.000"
    action: tuple[int, str | None, str | None] | None  # (price, fromDate, toDate)
    vat_rate: int  # hundredths of a percent
    including_vat: bool
    currency: str
    purchase: int | None  # hundredths
    purchase_vat_rate: int
    purchase_including_vat: bool
    minimum: int | None = None  # orderable amounts, thousandths
    maximum: int | None = None
    sales: dict = field(default_factory=lambda: dict(SALES_DEFAULT))

    def with_vat(self) -> int | None:
        """The selling price including VAT (what an order line charges)."""
        if self.price is None:
            return None
        if self.including_vat:
            return self.price * self.ratio // 1000
        return (self.price * (10000 + self.vat_rate) + 5000) // 10000 * self.ratio // 1000


def base_price(product, variant, pricelist: int, currency: str) -> Price:
    if pricelist == DEFAULT_PRICELIST:
        return Price(variant.price, variant.common_price, variant.purchase, 1000, None, product.vat_rate, True,
                     currency, variant.purchase, product.vat_rate, False)
    price = variant.price * WHOLESALE_RATIO // 10000
    return Price(price, None, None, 1000, None, product.vat_rate, True, currency, None, product.vat_rate, False)


def purchase_obj(price: Price) -> dict | None:
    if price.purchase is None:
        return None
    return {"price": money(price.purchase), "vatRate": money(price.purchase_vat_rate),
            "includingVat": price.purchase_including_vat}


def action_obj(price: Price) -> dict | None:
    if price.action is None:
        return None
    value, start, stop = price.action
    return {"price": money(value), "fromDate": start, "toDate": stop}


def pricelist_row(code: str, price: Price, pricelist: int, with_prices: bool = True) -> dict:
    """One `pricelistDetail` row (GET /api/pricelists/{id}) or `perPricelistPrices` item."""
    row = {
        "code": code, "currencyCode": price.currency, "includingVat": price.including_vat,
        "vatRate": money(price.vat_rate),
        "price": {"price": money(price.price) if price.price is not None else None,
                  "commonPrice": money(price.common) if price.common is not None else None,
                  "buyPrice": money(price.buy) if price.buy is not None else None,
                  "priceRatio": amount(price.ratio), "actionPrice": action_obj(price)},
        "orderableAmount": {"minimumAmount": amount(price.minimum) if price.minimum is not None else None,
                            "maximumAmount": amount(price.maximum) if price.maximum is not None else None},
        "sales": dict(price.sales),
    }
    if with_prices and pricelist == DEFAULT_PRICELIST and price.purchase is not None:
        row["prices"] = {"purchasePrice": purchase_obj(price)}
    return row
