"""One module per snapshot kind: how a line becomes rows, and how a batch of rows is written."""

from __future__ import annotations

from app.imports.kinds.base import Importer


def importer_for(kind: str, shop, language: str | None = None) -> Importer:
    from app.imports.kinds.customers import CustomerImporter
    from app.imports.kinds.orders import OrderImporter
    from app.imports.kinds.products import ProductImporter

    if kind == "orders":
        return OrderImporter(shop.id)
    if kind == "customers":
        return CustomerImporter(shop.id)
    if kind == "products":
        language = language or shop.default_language
        return ProductImporter(shop.id, language=language, is_default=language == shop.default_language)
    raise ValueError(f"Unknown import kind '{kind}': choose orders, customers or products.")
