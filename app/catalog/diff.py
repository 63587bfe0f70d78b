"""The source's change, word by word, for an outdated translation: what was removed and what was added."""

from __future__ import annotations

import difflib
import re

from markupsafe import Markup, escape

TOKENS = re.compile(r"\s+|[^\s<>]+|<[^>]*>")


def word_diff(before: str | None, after: str | None) -> Markup:
    """`before` → `after` as escaped text with <del> and <ins> around what changed."""
    old, new = TOKENS.findall(before or ""), TOKENS.findall(after or "")
    out = []
    for op, a1, a2, b1, b2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(escape("".join(old[a1:a2])))
            continue
        if a2 > a1:
            out.append(Markup("<del>") + escape("".join(old[a1:a2])) + Markup("</del>"))
        if b2 > b1:
            out.append(Markup("<ins>") + escape("".join(new[b1:b2])) + Markup("</ins>"))
    return Markup("").join(out)
