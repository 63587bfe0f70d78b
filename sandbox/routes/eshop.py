"""GET /api/eshop (with includes) and the order status/source code lists."""

from __future__ import annotations

import time

from flask import Blueprint, g

from sandbox.api import envelope, include_arg
from sandbox.generator import rates, words
from sandbox.generator.profiles import (
    COUNTRY_NAMES,
    DEFAULT_STATUS,
    ORDER_STATUSES,
    SOURCES,
    status_name,
)

bp = Blueprint("eshop", __name__)

TIMEZONES = {"CZ": "Europe/Prague", "SK": "Europe/Bratislava", "DE": "Europe/Berlin"}  # all +0100 in the sandbox
DATE_FORMATS = {"cs": "j.n.Y", "sk": "j.n.Y", "de": "d.m.Y", "en": "m/d/Y", "pl": "d.m.Y", "hu": "Y.m.d."}


def _methods(shop, entries, default_guid_key: str) -> dict:
    methods = [{"guid": e[0], "order": k + 1, "name": e[1], "visible": True} for k, e in enumerate(entries)]
    block = {"methods": methods, default_guid_key: methods[0]["guid"] if methods else None}
    return {"retail": block, "wholesale": {"methods": [], default_guid_key: None}, "wholesaleActive": False}


def _currency(shop, code: str, k: int) -> dict:
    """A currency of the shop with today's rate to the default one (Czech National Bank style)."""
    title, symbol = rates.TITLES[code]
    default = code == shop.profile.currency
    return {
        "code": code, "title": title, "isDefault": default, "isDefaultAdmin": default,
        "isDefaultDocuments": default, "isVisible": True,
        "exchangeRate": rates.rate_text(rates.rate(code, shop.profile.currency, time.time())),
        "priority": k + 1,
        "display": {"text": symbol, "location": "right", "decimalsSeparator": ",", "thousandsSeparator": " "},
        "priceDecimalPlaces": rates.DECIMALS[code], "documentPriceDecimalPlaces": 2, "rounding": "math",
        "minimalOrderValue": None,
        "bankAccount": {"accountNumber": None, "iban": None, "bic": None, "ownerName": None},
    }


@bp.get("/api/eshop")
def eshop():
    shop = g.store.data
    profile = shop.profile
    include = include_arg()
    url = g.sandbox.shop_url(shop.eshop_id) + "/"
    vat_standard, vat_reduced = profile.vat_rates
    data = {
        "contactInformation": {
            "eshopId": shop.eshop_id, "eshopName": profile.name, "eshopCategory": None, "url": url,
            "eshopTitle": profile.name, "eshopSubtitle": None, "contactPerson": None,
            "email": shop.contact_email, "phone": None, "mobilePhone": None, "skypeAccount": None,
            "contactPhotoUrl": None,
        },
        "billingInformation": {
            "billingName": f"{profile.name} {words.COMPANY_SUFFIX.get(profile.country, 's.r.o.')}",
            "company": {"companyId": f"{shop.eshop_id:08d}", "vatId": f"{profile.country}{shop.eshop_id:08d}",
                        "taxId": None},
            "address": {"streetAddress": "Hlavní 1", "city": words.CITIES[profile.country][0][0],
                        "zip": words.CITIES[profile.country][0][1]},
            "country": {"countryCode": profile.country, "countryName": COUNTRY_NAMES[profile.country]},
            "registration": None, "evNumber": None, "phone": None, "email": shop.contact_email,
            "billingEmail": None,
        },
        "settings": {
            "vatPayer": True, "cashDeskOnly": False, "trackStockClaims": True, "maxProductAmount": 9999,
            "maxEmailAmount": 9999, "defaultPricelist": {"id": 1, "name": "Základní ceník"},
            "eshopLanguage": profile.language, "timezone": TIMEZONES.get(profile.country, "Europe/Prague"),
            "dateFormat": DATE_FORMATS.get(profile.language, "d.m.Y"), "timeFormat": "H:i", "internals": "cs",
            "exchangeRateFlip": False, "negativeStockAmount": "allowed", "oss": True,
            "stockControlDisabled": False, "wholesaleSplitActive": False,
        },
        "currencies": [_currency(shop, code, k) for k, code in enumerate(profile.currencies)],
        "taxClasses": [
            {"title": "Základní sazba", "rates": [{"zone": "Default Zone", "vatRate": f"{vat_standard / 100:.2f}"}],
             "isDefault": True},
            {"title": "Snížená sazba", "rates": [{"zone": "Default Zone", "vatRate": f"{vat_reduced / 100:.2f}"}],
             "isDefault": False},
        ],
        "activeModules": [{"name": "languages", "title": "Cizí jazyky"}, {"name": "stocks", "title": "Sklady"},
                          {"name": "massMailing", "title": "Hromadné rozesílání e-mailů"}]
        + ([{"name": "currencies", "title": "Cizí měny"}] if len(profile.currencies) > 1 else []),
        "urls": [
            {"ident": "admin-orders-list", "url": f"{shop.public_url}/admin/prehled-objednavek/"},
            {"ident": "admin-customers-list", "url": f"{shop.public_url}/admin/zakaznici/"},
            {"ident": "oauth", "url": f"{url}action/OAuthServer/"},
        ],
        "languages": [
            {"code": lang, "currencyCode": profile.currency, "dateFormat": DATE_FORMATS.get(lang, "d.m.Y"),
             "timeFormat": "H:i", "isVisible": True, "isDefault": lang == profile.language, "priority": k + 1}
            for k, lang in enumerate(profile.languages)
        ],
        "trial": False,
    }
    if "orderStatuses" in include:
        data["orderStatuses"] = {
            "statuses": [{"id": sid, "order": k + 1, "name": status_name(sid, profile.language),
                          "markAsPaid": paid} for k, (sid, _names, paid, _sys, _claim) in enumerate(ORDER_STATUSES)],
            "defaultStatus": DEFAULT_STATUS,
        }
    if "paymentMethods" in include:
        block = _methods(shop, [(p[0], p[1]) for p in shop.orders.payments], "defaultPayment")
        data["paymentMethods"] = block
    if "shippingMethods" in include:
        data["shippingMethods"] = _methods(shop, [(s[0], s[1]) for s in shop.orders.shippings], "defaultShipping")
    if "imageCuts" in include:
        data["imageCuts"] = [
            {"name": name, "width": w, "height": h, "urlPath": f"{shop.public_url}/user/shop/{name}/",
             "cdnPath": f"https://cdn.shoptet.test/usr/{profile.slug}/user/shop/{name}/"}
            for name, w, h in (("orig", None, None), ("big", 1024, 768), ("detail", 360, 270),
                               ("category", 216, 105), ("related", 100, 100))
        ]
    if "countries" in include:
        data["countries"] = [{"countryCode": code, "countryName": COUNTRY_NAMES[code], "companyIdPattern": None,
                              "companyIdExample": None, "zipCodePattern": None}
                             for code, _share in profile.customer_countries]
    if "cashDesk" in include:
        data["cashDesk"] = {"defaultOrderStatusId": DEFAULT_STATUS}
    if "orderAdditionalFields" in include:
        data["orderAdditionalFields"] = []
    return envelope(data)


@bp.get("/api/orders/statuses")
def statuses():
    lang = g.store.data.profile.language
    items = []
    for k, (sid, _names, paid, system, claim_resolved) in enumerate(ORDER_STATUSES):
        items.append({
            "id": sid, "name": status_name(sid, lang), "system": system, "order": k + 1, "markAsPaid": paid,
            "color": None, "backgroundColor": None, "changeOrderItems": False, "stockClaimResolved": claim_resolved,
            # generateProofPayment is required by the spec, absent from the Postman example.
            "documents": {"generateProformaInvoice": sid == 1, "generateInvoice": sid == -2,
                          "generateDeliveryNote": sid == 3, "generateProofPayment": None},
        })
    return envelope({"defaultStatus": DEFAULT_STATUS, "statuses": items})


@bp.get("/api/orders/sources")
def sources():
    return envelope({"sources": [{"id": sid, "name": name} for sid, name in SOURCES]})
