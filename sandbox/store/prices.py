"""Price lists at run time: generated prices plus what PATCH /api/pricelists/{id} wrote.

Follows the spec's rules: `price` sets prices as given, `priceWithVat` /
`priceWithoutVat` convert with the variant's VAT rate; a purchase price goes to
`prices.purchasePrice` (the deprecated `price.buyPrice` too, never both) and only
to the default list; changing `vatRate` or `includingVat` recalculates the stored
prices.  A price change is a product change (`/api/products/changes`).
"""

from __future__ import annotations

import copy
import time

from sandbox.formats import parse_decimal
from sandbox.generator.catalog import Product, Variant
from sandbox.generator.pricing import DEFAULT_PRICELIST, PRICELISTS, Price, base_price

MAX_ITEMS = 300
SALES_KEYS = ("minPriceRatio", "freeShipping", "freeBilling", "loyaltyDiscount", "volumeDiscount", "quantityDiscount",
              "discountCoupon")


class PriceError(ValueError):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


class PriceBook:
    def __init__(self, data, lock):
        self.data = data
        self.lock = lock
        self.currency = data.profile.currency
        self.overrides: dict[tuple[int, str], Price] = {}

    def price(self, product: Product, variant: Variant, pricelist: int = DEFAULT_PRICELIST) -> Price:
        hit = self.overrides.get((pricelist, variant.code))
        return hit if hit is not None else base_price(product, variant, pricelist, self.currency)

    def selling_price(self, product: Product, variant: Variant, now: float | None = None) -> int:
        """What an order placed now pays per unit (default list, action price when valid), incl. VAT."""
        price = self.price(product, variant)
        unit = price.with_vat() or 0
        if price.action is not None:
            value, start, stop = price.action
            today = time.strftime("%Y-%m-%d", time.gmtime((now or time.time()) + 3600))
            if (start is None or start <= today) and (stop is None or today <= stop):
                unit = value if price.including_vat else (value * (10000 + price.vat_rate) + 5000) // 10000
        return unit

    # -- PATCH -----------------------------------------------------------------------------------
    def update(self, pricelist: int, product: Product, variant: Variant, item: dict) -> None:
        """Apply one validated-shape item of the PATCH body; PriceError if its values are wrong."""
        code = variant.code
        current = copy.deepcopy(self.price(product, variant, pricelist))
        where = f'Input data for code "{code}" is not correct.'
        if "price" in item and "buyPrice" in (item["price"] or {}) and "purchasePrice" in (item.get("prices") or {}):
            raise PriceError("invalid-request-data", f'{where} Cannot set "price.buyPrice" and '
                             '"prices.purchasePrice" at the same time. Please use "prices.purchasePrice" only as buy '
                             "price is deprecated. Code skipped.")
        if "vatRate" in item:
            rate = _money(item["vatRate"], where, "vatRate")
            if rate is None or rate not in self.data.profile.vat_rates:
                raise PriceError("invalid-request-data", f'{where} Invalid "vatRate" value. Code skipped.')
            current = _recalculate(current, rate, current.including_vat)
        if "includingVat" in item:
            if not isinstance(item["includingVat"], bool):
                raise PriceError("invalid-request-data", f'{where} Invalid "includingVat" value. Code skipped.')
            current = _recalculate(current, current.vat_rate, item["includingVat"])
        if "currencyCode" in item:
            if item["currencyCode"] not in self.data.profile.currencies:
                raise PriceError("invalid-request-data", f'{where} Invalid "currencyCode" value. Code skipped.')
            current.currency = item["currencyCode"]
        for key, with_vat in (("price", None), ("priceWithVat", True), ("priceWithoutVat", False)):
            if key in item:
                self._prices(current, item[key], with_vat, pricelist, where, key)
        if "prices" in item:
            purchase = (item["prices"] or {}).get("purchasePrice")
            if purchase is not None and pricelist == DEFAULT_PRICELIST:
                if "price" in purchase:
                    current.purchase = _money(purchase["price"], where, "prices.purchasePrice.price")
                if "vatRate" in purchase:
                    rate = _money(purchase["vatRate"], where, "purchasePriceVatRate")
                    if rate is None or rate not in self.data.profile.vat_rates:
                        raise PriceError("invalid-request-data",
                                         f'{where} Invalid "purchasePriceVatRate" value. Code skipped.')
                    current.purchase_vat_rate = rate
                if "includingVat" in purchase:
                    current.purchase_including_vat = bool(purchase["includingVat"])
        if "orderableAmount" in item:
            amounts = item["orderableAmount"] or {}
            if "minimumAmount" in amounts:
                current.minimum = _amount(amounts["minimumAmount"], where, "orderableAmount.minimumAmount")
            if "maximumAmount" in amounts:
                current.maximum = _amount(amounts["maximumAmount"], where, "orderableAmount.maximumAmount")
        if "sales" in item:
            for key, value in (item["sales"] or {}).items():
                if key == "minPriceRatio":
                    current.sales[key] = f"{_ratio(value, where, 'sales.minPriceRatio') / 1000:.3f}"
                elif isinstance(value, bool):
                    current.sales[key] = value
                else:
                    raise PriceError("invalid-request-data", f'{where} Invalid "sales.{key}" value. Code skipped.')
        with self.lock:
            self.overrides[(pricelist, code)] = current

    def _prices(self, current: Price, values, with_vat: bool | None, pricelist: int, where: str, key: str) -> None:
        if not isinstance(values, dict):
            raise PriceError("invalid-request-data", f'{where} Invalid "{key}" value. Code skipped.')

        def stored(text, name):
            value = _money(text, where, f"{key}.{name}")
            if value is None or with_vat is None or with_vat == current.including_vat:
                return value
            factor = 10000 + current.vat_rate
            return (value * factor + 5000) // 10000 if with_vat is False else (value * 10000 + factor // 2) // factor

        if "price" in values:
            current.price = stored(values["price"], "price")
        if "commonPrice" in values:
            current.common = stored(values["commonPrice"], "commonPrice")
        if "buyPrice" in values and pricelist == DEFAULT_PRICELIST:
            current.buy = stored(values["buyPrice"], "buyPrice")
            current.purchase = current.buy
        if "priceRatio" in values:
            current.ratio = _ratio(values["priceRatio"], where, f"{key}.priceRatio")
        if "actionPrice" in values:
            action = values["actionPrice"]
            if action is None:
                current.action = None
            elif isinstance(action, dict):
                price = stored(action.get("price"), "actionPrice.price")
                current.action = None if price is None else (price, action.get("fromDate"), action.get("toDate"))
            else:
                raise PriceError("invalid-request-data", f'{where} Invalid "{key}.actionPrice" value. Code skipped.')


def pricelist_name(pricelist: int) -> str | None:
    return PRICELISTS.get(pricelist)


def _recalculate(price: Price, rate: int, including: bool) -> Price:
    """Shoptet recalculates the stored prices when vatRate/includingVat change (keeps the gross price)."""
    def convert(value):
        if value is None:
            return None
        gross = value if price.including_vat else (value * (10000 + price.vat_rate) + 5000) // 10000
        return gross if including else (gross * 10000 + (10000 + rate) // 2) // (10000 + rate)

    price.price, price.common = convert(price.price), convert(price.common)
    if price.action is not None:
        price.action = (convert(price.action[0]), price.action[1], price.action[2])
    price.vat_rate = rate
    price.including_vat = including
    return price


def _decimal(value, places: int, where: str, name: str) -> int | None:
    """A price (2 places) or amount/ratio (3 places) from the body; None stays None (removes the value)."""
    if value is None:
        return None
    try:
        return parse_decimal(value, places)
    except (ValueError, TypeError):
        raise PriceError("invalid-request-data", f'{where} Invalid "{name}" value. Code skipped.') from None


def _money(value, where: str, name: str) -> int | None:
    return _decimal(value, 2, where, name)


def _amount(value, where: str, name: str) -> int | None:
    return _decimal(value, 3, where, name)


def _ratio(value, where: str, name: str) -> int:
    ratio = _decimal(value, 3, where, name)
    if ratio is None or ratio < 0:
        raise PriceError("invalid-request-data", f'{where} Invalid "{name}" value. Code skipped.')
    return ratio
