"""The audit log in words: what each action means, and its details as label and value, never JSON escapes."""

from __future__ import annotations

import json

from flask_babel import lazy_gettext as _l

ACTIONS = {
    "member.added": _l("Member added"),
    "member.invited": _l("Member invited"),
    "member.removed": _l("Member removed"),
    "member.role_changed": _l("Role changed"),
    "setting.changed": _l("Setting changed"),
    "shop.added": _l("Shop added"),
    "shop.connected": _l("Shop connected"),
    "shop.disconnected": _l("Shop disconnected"),
    "import.started": _l("Import started"),
    "import.cancelled": _l("Import cancelled"),
    "import.retried": _l("Import retried"),
    "job.started": _l("Job started"),
}

GROUPS = {
    "member": _l("Members"),
    "setting": _l("Settings"),
    "shop": _l("Shops"),
    "import": _l("Imports"),
    "job": _l("Jobs"),
}

DETAILS = {
    "email": _l("E-mail"), "role": _l("Role"), "key": _l("Setting"), "shop_id": _l("Shop"), "kind": _l("Kind"),
    "name": _l("Name"), "platform": _l("Platform"), "external_id": _l("Shop's id"), "reason": _l("Reason"),
}


def action_label(action: str) -> str:
    """The action in words; one the hub does not know yet keeps its code."""
    return str(ACTIONS.get(action, action))


def value_text(value) -> str:
    """A detail's value as text: strings as they are (Czech letters included), others as compact JSON."""
    if value is None:
        return "–"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def detail_items(details: dict | None, shop_names: dict[int, str] | None = None) -> list[tuple[str, str]]:
    """(label, text) pairs of an event's details; a change's old and new value as one "old → new" item."""
    details = dict(details or {})
    items = []
    if "old" in details or "new" in details:
        change = f"{value_text(details.pop('old', None))} → {value_text(details.pop('new', None))}"
        label = details.pop("key", None)
        items.append((str(DETAILS["key"]) + f" {label}" if label else str(_l("Change")), change))
    for key, value in details.items():
        if key == "shop_id" and shop_names and value in shop_names:
            value = shop_names[value]
        items.append((str(DETAILS.get(key, key)), value_text(value)))
    return items
