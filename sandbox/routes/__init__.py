"""HTTP routes, one module per Shoptet area (plus `admin` for /_sandbox)."""

from __future__ import annotations

from flask import Flask, g

from sandbox.api import ApiError, arg


def register_all(app: Flask) -> None:
    from sandbox.routes import (
        admin,
        creditnotes,
        customers,
        eshop,
        jobs,
        mailinglists,
        oauth,
        orders,
        pricelists,
        products,
        stocks,
        webhooks,
    )

    for module in (admin, oauth, eshop, orders, customers, products, pricelists, stocks, creditnotes, mailinglists,
                   webhooks, jobs):
        app.register_blueprint(module.bp)
    from sandbox import translator  # machine translation (DeepL, OpenAI-compatible) for the hub's suggestions

    app.register_blueprint(translator.bp)


def language() -> str:
    """`?language=` (needs the Foreign languages module; all sandbox shops have it)."""
    shop = g.store.data
    lang = arg("language") or shop.profile.language
    if lang not in shop.profile.languages:
        raise ApiError(400, "invalid-parameter",
                       f'Language "{lang}" is not available. Available: {", ".join(shop.profile.languages)}.',
                       "language")
    return lang
