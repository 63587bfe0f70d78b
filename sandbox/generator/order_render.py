"""Orders as Shoptet writes them: the list item and the detail (= snapshot line).

Line templates (the static part of an order item) are shared across orders and
copied, so rendering a million orders builds each variant's item once.
"""

from __future__ import annotations

from sandbox.formats import amount, fmt_dt, money
from sandbox.generator import rates, words
from sandbox.generator.orders import COMPLETED_STATUSES, Head, Orders, without_vat
from sandbox.generator.profiles import BILLING_METHODS, status_name

# Line templates are shared across orders; the cap keeps memory flat on huge runs.
TEMPLATE_CACHE = 4096


class OrderRenderer:
    def __init__(self, orders: Orders):
        self.orders = orders
        self.data = orders.data
        self.profile = orders.profile
        self.catalog = orders.catalog
        self.customers = orders.customers
        self.shippings = orders.shippings
        self.payments = orders.payments
        self.guids = orders.guids
        self.admin_base = orders.admin_base
        self.stock_id = orders.stock_id
        self._main_images: dict[tuple[int, str], dict] = {}
        self._templates: dict[tuple, dict] = {}

    def exchange_rate(self, head: Head) -> str:
        return rates.rate_text(rates.rate(head.currency, self.profile.currency, head.created))

    def totals(self, specs: list[tuple]) -> tuple[int, int]:
        with_vat = without = 0
        for spec in specs:
            with_vat += spec[7]
            without += spec[8]
        return with_vat, without

    def price_obj(self, head: Head, specs: list[tuple]) -> dict:
        with_vat, without = self.totals(specs)
        return {
            "vat": money(with_vat - without),
            "toPay": money(with_vat),
            "currencyCode": head.currency,
            "withoutVat": money(without),
            "withVat": money(with_vat),
            "exchangeRate": self.exchange_rate(head),
        }

    def list_item(self, head: Head, specs: list[tuple], code: str) -> dict:
        person = head.person
        ship = self.shippings[head.shipping]
        pay = self.payments[head.payment]
        lang = self.profile.language
        return {
            "code": code,
            "guid": self.guids.guid(head.index),
            "creationTime": fmt_dt(head.created),
            "changeTime": fmt_dt(head.changed),
            "fullName": person.first + " " + person.last,
            "company": person.company,
            "email": person.email,
            "phone": person.phone,
            "remark": head.remark,
            "customerGuid": self.customers.guids.guid(head.customer) if head.customer is not None else None,
            "cashDeskOrder": head.source == -2,
            "adminUrl": f"{self.admin_base}/admin/objednavky-detail/?id={head.index + 1}",
            "status": {"id": head.status, "name": status_name(head.status, lang)},
            "source": {"id": head.source, "name": "Pokladna" if head.source == -2 else "E-shop"},
            "shipping": {"guid": ship[0], "name": ship[1]},
            "paymentMethod": {"guid": pay[0], "name": pay[1]},
            "price": self.price_obj(head, specs),
            "paid": head.paid,
        }

    def detail(self, head: Head, specs: list[tuple], code: str, include: frozenset | set) -> dict:
        person = head.person
        ship = self.shippings[head.shipping]
        pay = self.payments[head.payment]
        status = {"id": head.status, "name": status_name(head.status, self.profile.language)}
        completed = head.status in COMPLETED_STATUSES
        items = []
        base_item_id = head.index * 16 + 1
        ship_item_id = pay_item_id = 0
        images = "images" in include
        stock_location = "stockLocation" in include
        surcharges = "surchargeParameters" in include
        flags = "productFlags" in include
        templates = self._templates
        foreign = head.currency != self.profile.currency
        for k, spec in enumerate(specs):
            item_type, product, variant, qty, unit, vat_rate, ratio, line_with, line_without = spec
            if item_type == "discount-coupon" or foreign:
                # A coupon's amount differs per order, a foreign price with the day's rate: never cached.
                template = self._template(head, spec)
            else:
                key = (item_type, variant if product is None else variant.code, unit, head.language)
                template = templates.get(key)
                if template is None:
                    template = self._template(head, spec)
                    if len(templates) >= TEMPLATE_CACHE:
                        templates.clear()
                    templates[key] = template
            item = template.copy()
            item_id = base_item_id + k
            qty_text = _AMOUNTS.get(qty) or amount(qty)
            item["amount"] = qty_text
            item["status"] = status
            if qty != 1000 or ratio != 10000:
                item["priceRatio"] = f"{ratio // 10000}.{ratio % 10000:04d}"
                item["itemPrice"] = {"withVat": money(line_with), "withoutVat": money(line_without),
                                     "vat": money(line_with - line_without),
                                     "vatRate": template["unitPrice"]["vatRate"]}
            item["itemId"] = item_id
            item["amountCompleted"] = qty_text if completed else "0.000"
            if product is not None:
                if images:
                    item["mainImage"] = self._main_image(product, head.language)
                if stock_location:
                    item["stockLocation"] = f"{chr(65 + product.index % 6)}-{product.index % 40 + 1:02d}"
            elif item_type == "shipping":
                ship_item_id = item_id
            elif item_type == "billing":
                pay_item_id = item_id
            if surcharges:
                item["surchargeParametersTexts"] = []
                item["surchargeParameters"] = []
            if flags:
                item["productFlags"] = []
            items.append(item)
        billing = person.billing_address()
        if head.delivery is None:
            delivery = {k: billing[k] for k in _DELIVERY_KEYS}
        else:
            name, street, house, city, zip_code, region, region_code = head.delivery
            delivery = {"company": None, "fullName": name, "street": street, "houseNumber": house,
                        "city": city, "district": None, "additional": None, "zip": zip_code,
                        "countryCode": person.country, "regionName": region,
                        "regionShortcut": region_code}
        order = {
            "code": code,
            "guid": self.guids.guid(head.index),
            "externalCode": None,
            "creationTime": fmt_dt(head.created),
            "changeTime": fmt_dt(head.changed),
            "email": person.email,
            "phone": person.phone,
            "birthDate": None,
            "clientIPAddress": head.ip,
            "customerGuid": self.customers.guids.guid(head.customer) if head.customer is not None else None,
            "cashDeskOrder": head.source == -2,
            "stockId": self.stock_id,
            "addressesEqual": head.delivery is None,
            "vatPayer": True,
            "vatMode": "Normal" if person.country == self.profile.country else "One Stop Shop",
            "billingMethod": {"id": pay[2], "name": BILLING_METHODS[pay[2]]},
            "paymentMethod": {"guid": pay[0], "name": pay[1]},
            "shipping": {"guid": ship[0], "name": ship[1]},
            "adminUrl": f"{self.admin_base}/admin/objednavky-detail/?id={head.index + 1}",
            "status": status,
            "source": {"id": head.source, "name": "Pokladna" if head.source == -2 else "E-shop"},
            "price": self.price_obj(head, specs),
            "paid": head.paid,
            "billingAddress": billing,
            "deliveryAddress": delivery,
            "onlinePaymentLink": None,
            "language": head.language,
            "referer": None,
            "paymentMethods": [{"paymentMethod": {"guid": pay[0], "name": pay[1]}, "itemId": pay_item_id}],
            "shippings": [{"shipping": {"guid": ship[0], "name": ship[1]}, "itemId": ship_item_id}],
            "items": items,
        }
        if "notes" in include:
            order["notes"] = {
                "customerRemark": head.remark,
                "eshopRemark": None,
                "trackingNumber": f"Z{head.index:010d}" if completed and ship[3] else None,
                "trackingUrl": None,
                "additionalFields": [],
            }
        if "shippingDetails" in include:
            order["shippingDetails"] = None if ship[3] is None else {
                "branchId": None, "shippingCompanyCode": ship[3], "shippingServiceCode": None,
                "name": ship[1], "note": None, "place": None, "street": None, "city": None,
                "zipCode": None, "countryCode": person.country, "link": None, "latitude": None,
                "longitude": None, "carrierId": None,
            }
        if "paymentTransactions" in include:
            order["paymentTransactions"] = []
            if pay[2] == 4 and head.paid:
                order["paymentTransactions"].append({
                    "transactionId": f"TX{head.index:09d}",
                    "price": order["price"]["toPay"],
                    "status": "paid",
                    "creationTime": order["creationTime"],
                    "changeTime": order["creationTime"],
                })
        return order

    def _template(self, head: Head, spec: tuple) -> dict:
        """Static part of an order line; shared across orders (copied, never mutated)."""
        item_type, product, variant, _qty, unit, vat_rate, _ratio, _lw, _lwo = spec
        rate = money(vat_rate)
        unit_without = without_vat(unit, vat_rate)
        unit_price = {"withVat": money(unit), "withoutVat": money(unit_without),
                      "vat": money(unit - unit_without), "vatRate": rate}
        if product is not None:
            purchase = rates.convert(variant.purchase, rates.rate(head.currency, self.profile.currency, head.created),
                                     head.currency)
            return {
                "productGuid": product.guid,
                "code": variant.code,
                "ean": variant.ean,
                "itemType": item_type,
                "productType": product.type,
                "name": self.catalog.name(product, head.language),
                "variantName": self.catalog.variant_name(variant, head.language),
                "brand": product.brand[1] if product.brand else None,
                "remark": None,
                "weight": amount(variant.weight),
                "additionalField": None,
                "amount": "1.000",
                "amountUnit": "ks",
                "priceRatio": "1.0000",
                "status": None,
                "itemPrice": unit_price,
                "unitPrice": unit_price,
                # The spec's purchasePrice/unitPrice; older Postman examples use `buyPrice`
                # and a numeric `ean` instead.
                "purchasePrice": {"withVat": money(purchase * (10000 + vat_rate) // 10000),
                                  "withoutVat": money(purchase),
                                  "vat": money(purchase * vat_rate // 10000), "vatRate": rate},
                "recyclingFee": None,
                "supplierName": None,
                "itemId": 0,
                "warrantyDescription": None,
                "amountCompleted": "0.000",
            }
        if item_type == "shipping":
            name, code_value = self.shippings[variant][1], None
        elif item_type == "billing":
            name, code_value = self.payments[variant][1], None
        else:
            name = f"{words.COUPON_NAMES[words.lang_index(head.language)]} {variant}"
            code_value = variant
        return {
            "productGuid": None,
            "code": code_value,
            "ean": None,
            "itemType": item_type,
            "productType": None,
            "name": name,
            "variantName": None,
            "brand": None,
            "remark": None,
            "weight": "0.000",
            "additionalField": None,
            "amount": "1.000",
            "amountUnit": None,
            "priceRatio": "1.0000",
            "status": None,
            "itemPrice": unit_price,
            "unitPrice": unit_price,
            "purchasePrice": None,
            "recyclingFee": None,
            "itemId": 0,
            "warrantyDescription": None,
            "amountCompleted": "0.000",
        }

    def _main_image(self, product, lang: str) -> dict:
        key = (product.index, lang)
        image = self._main_images.get(key)
        if image is None:
            image = self.data.renderer.main_image(product, lang)
            self._main_images[key] = image
        return image


_AMOUNTS = {k * 1000: f"{k}.000" for k in range(1, 11)}
_DELIVERY_KEYS = ("company", "fullName", "street", "houseNumber", "city", "district", "additional",
                  "zip", "countryCode", "regionName", "regionShortcut")
