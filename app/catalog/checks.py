"""Checks of a translation against its source: HTML structure, numbers and placeholders survive, the
glossary is followed, the shop's length limit holds. Each finding is a short flag the editor and the reviewer
see; none blocks saving (a person may know better), they are for the reviewer's eye."""

from __future__ import annotations

import re
from collections import Counter
from html.parser import HTMLParser

from app.catalog.models import TEXT_FIELDS

NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
PLACEHOLDER = re.compile(r"\{\{[^}]*\}\}|\{[A-Za-z0-9_]+\}|%(?:\d+\$)?[sd]|\[[A-Z_]+\]")
ENTITY = re.compile(r"&(?:[a-zA-Z]+|#\d+|#x[0-9a-fA-F]+);")


class _Structure(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=False)
        self.tags: list[tuple] = []

    def handle_starttag(self, tag, attrs):
        # Attributes that carry text for people may be translated; the others must stay as they are.
        self.tags.append(("<", tag, tuple(sorted((k, v) for k, v in attrs if k not in ("alt", "title")))))

    def handle_endtag(self, tag):
        self.tags.append(("</", tag))


def html_structure(value: str) -> list[tuple]:
    parser = _Structure()
    parser.feed(value)
    parser.close()
    return parser.tags


def _numbers(value: str) -> Counter:
    """Numbers as digits only: 1 000,5 and 1,000.5 are the same number in another locale."""
    return Counter(re.sub(r"\D", "", n) for n in NUMBER.findall(re.sub(r"<[^>]*>", " ", value)))


def check_text(field: str, source: str, target: str, glossary: dict[str, str | None] | None = None) -> list[str]:
    """Flags for `target`, the translation of `source` in `field`."""
    flags = []
    if ("<" in source or "<" in target) and html_structure(source) != html_structure(target):
        flags.append("html")
    if Counter(ENTITY.findall(source)) != Counter(ENTITY.findall(target)):
        flags.append("entities")
    if _numbers(source) != _numbers(target):
        flags.append("numbers")
    if Counter(PLACEHOLDER.findall(source)) != Counter(PLACEHOLDER.findall(target)):
        flags.append("placeholders")
    for term, translation in (glossary or {}).items():
        if term.lower() in source.lower():
            expected = term if translation is None else translation
            if expected.lower() not in target.lower():
                flags.append(f"glossary:{term}")
    limit = TEXT_FIELDS.get(field)
    if limit is not None and len(target) > limit:
        flags.append(f"length>{limit}")
    return flags
