"""One writer per kind: how a batch of records becomes rows (staging COPY, upsert of what is newer, children)."""

from __future__ import annotations

from app.imports.writers.base import Writer
from app.imports.writers.credit_notes import CreditNoteWriter
from app.imports.writers.customers import CustomerWriter
from app.imports.writers.orders import OrderWriter
from app.imports.writers.products import ProductWriter


def writer_for(kind: str, shop, language: str | None = None) -> Writer:
    """The writer of `kind` for the shop; products are written per language (the default one writes the
    product itself, its variants and stock; any other only its texts)."""
    if kind == "orders":
        return OrderWriter(shop.id)
    if kind == "customers":
        return CustomerWriter(shop.id)
    if kind == "products":
        language = language or shop.default_language
        return ProductWriter(shop.id, language=language, is_default=language == shop.default_language)
    if kind == "credit_notes":
        return CreditNoteWriter(shop.id)
    raise ValueError(f"Unknown import kind '{kind}': choose orders, customers, products or credit_notes.")
