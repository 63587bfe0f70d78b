"""Returns: credit notes (opravné daňové doklady) issued for some completed orders.

Shoptet records a return as a credit note linked to the order (`/api/credit-notes`),
not as a change of the order.  RETURN_RATE of completed orders get one, 3..30
days after the order, returning one product line or all of them.  Amounts and
prices on the credit note are negative (it takes money back; UNCERTAIN: the
spec's only example shows positive values).  Generated returns are not restocked
(the goods were written off); `POST /api/credit-notes/{code}/restock` puts them
back in stock at run time.
"""

from __future__ import annotations

from sandbox.formats import amount, fmt_date, fmt_dt, mix, money
from sandbox.generator import kinds
from sandbox.generator.orders import COMPLETED_STATUSES

DAY = 86400
RETURN_RATE = 0.04
ALL_LINES = 0.35  # share of returns that send back every product line
REASONS = {"cs": "Vrácení zboží", "sk": "Vrátenie tovaru", "de": "Warenrücksendung", "en": "Returned goods",
           "pl": "Zwrot towaru", "hu": "Visszárú"}


def returns_of(data) -> list[tuple[int, int, int]]:
    """(credit note time, order index, line choice) of every generated return, in time order."""
    seed, shop, orders, stream = data.seed, data.index, data.orders, data.stream
    threshold = int(RETURN_RATE * 65536)
    out = []
    for i in range(stream.n):
        h = mix(seed, shop, kinds.RETURN, i)
        if h & 0xFFFF >= threshold:
            continue
        when = stream.time(i) + (3 + (h >> 16) % 28) * DAY + (h >> 24) % DAY
        if when >= data.base_end:
            continue
        head = orders.head(i)
        if head.status not in COMPLETED_STATUSES or not head.picks:
            continue
        out.append((when, i, h >> 40))
    out.sort()
    return out


def returned_lines(order: dict, choice: int) -> list[dict]:
    """The order items that come back: one product line, or all of them."""
    products = [item for item in order["items"] if item["itemType"] in ("product", "bazar", "service")]
    if not products:
        return []
    if choice % 100 < ALL_LINES * 100:
        return products
    return [products[choice % len(products)]]


def code_of(k: int) -> str:
    return f"{k + 1:010d}"


def _negate(price: dict) -> dict:
    return {key: ("-" + value if key != "vatRate" and value not in ("0.00",) else value)
            for key, value in price.items()}


def credit_note(order: dict, k: int, when: int, choice: int, restocked: bool, changed: int, lang: str) -> dict:
    """The `creditNote` object for return k of an order (detail = snapshot line)."""
    items = []
    with_vat = without = 0
    weight = 0
    for n, item in enumerate(returned_lines(order, choice)):
        line = _negate(item["itemPrice"])
        with_vat += int(item["itemPrice"]["withVat"].replace(".", ""))
        without += int(item["itemPrice"]["withoutVat"].replace(".", ""))
        qty = int(item["amount"].replace(".", ""))
        weight += int(item["weight"].replace(".", "")) * qty // 1000
        items.append({
            "productGuid": item["productGuid"], "code": item["code"], "itemType": item["itemType"],
            "name": item["name"], "variantName": item["variantName"], "brand": item["brand"],
            "amount": "-" + item["amount"], "amountUnit": item["amountUnit"], "remark": None,
            "priceRatio": item["priceRatio"], "weight": item["weight"], "additionalField": None,
            "itemPrice": line, "unitPrice": item["unitPrice"], "purchasePrice": item["purchasePrice"],
            "itemId": (k + 1) * 100 + n,
        })
    code = code_of(k)
    billing = order["billingAddress"]
    delivery = order["deliveryAddress"]
    return {
        "code": code,
        "isValid": True,
        "invoiceCode": None,
        "orderCode": order["code"],
        "proofPaymentCode": None,
        "creationTime": fmt_dt(when),
        "changeTime": fmt_dt(changed),
        "dueDate": fmt_date(when + 14 * DAY),
        "taxDate": fmt_date(when),
        "varSymbol": int(code),
        "constSymbol": None,
        "specSymbol": None,
        "restocked": restocked,
        "stockAmountChangeType": "load" if restocked else None,
        "weight": amount(weight),
        "completePackageWeight": amount(weight),
        "billingMethod": order["billingMethod"],
        "billingAddress": billing,
        "deliveryAddress": delivery,
        "addressesEqual": order["addressesEqual"],
        "price": {"vat": money(-(with_vat - without)), "toPay": money(-with_vat),
                  "currencyCode": order["price"]["currencyCode"], "withoutVat": money(-without),
                  "withVat": money(-with_vat), "exchangeRate": order["price"]["exchangeRate"]},
        "customer": {"guid": order["customerGuid"], "phone": order["phone"], "email": order["email"],
                     "remark": None},
        "eshop": {"bankAccount": None, "iban": None, "bic": None, "vatPayer": True},
        "items": items,
        "documentRemark": None,
        "vatPayer": True,
        "vatMode": order["vatMode"],
        "reasonRemark": REASONS.get(lang, REASONS["en"]),
    }


def list_item(note: dict) -> dict:
    return {key: note[key] for key in ("code", "varSymbol", "isValid", "invoiceCode", "proofPaymentCode", "orderCode",
                                       "creationTime", "changeTime", "price", "reasonRemark")} | {
        "billCompany": note["billingAddress"]["company"], "billFullName": note["billingAddress"]["fullName"]}
