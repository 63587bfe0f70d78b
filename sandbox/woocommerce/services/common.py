"""Helpers shared by the write services."""

from __future__ import annotations

import copy

from sandbox.woocommerce.rest import WooError

ADDRESS_FIELDS = ("first_name", "last_name", "company", "address_1", "address_2", "city", "state", "postcode",
                  "country", "phone")


def merged_address(old: dict | None, new, with_email: bool) -> dict:
    fields = (*ADDRESS_FIELDS, "email") if with_email else ADDRESS_FIELDS
    out = {name: (old or {}).get(name, "") for name in fields}
    if isinstance(new, dict):
        for name in fields:
            if name in new and new[name] is not None:
                out[name] = str(new[name])
    return out


def merged_meta(old: list[dict], new, next_id) -> list[dict]:
    """meta_data entries are matched by `id`, else by `key`; a new key gets a new id."""
    out = [dict(m) for m in old]
    if not isinstance(new, list):
        return out
    for entry in new:
        if not isinstance(entry, dict) or "key" not in entry and "id" not in entry:
            continue
        match = next((m for m in out if ("id" in entry and m["id"] == entry["id"])
                      or ("id" not in entry and m["key"] == entry.get("key"))), None)
        if match is None:
            out.append({"id": next_id(), "key": str(entry.get("key", "")), "value": entry.get("value")})
        else:
            match.update({k: entry[k] for k in ("key", "value") if k in entry})
    return out


def trashed(current: dict, post_type: str, now: int) -> dict:
    """A copy of a record moved to the trash (410 when it is there already); the status it had is kept
    for a restore, and `date_modified` moves (trashing is a save)."""
    if current["status"] == "trash":
        raise WooError(410, "woocommerce_rest_already_trashed", f"The {post_type} has already been deleted.")
    raw = copy.deepcopy(current)
    raw["_trash_status"], raw["status"] = raw["status"], "trash"
    raw["_ts"]["modified"] = max(now, raw["_ts"]["modified"])
    return raw


def invalid_param(name: str, message: str) -> WooError:
    return WooError(400, "rest_invalid_param", f"Invalid parameter(s): {name}",
                    {"params": {name: message}, "details": {name: {"code": "rest_invalid_param",
                                                                   "message": message, "data": None}}})


def missing_param(*names: str) -> WooError:
    return WooError(400, "rest_missing_callback_param", f"Missing parameter(s): {', '.join(names)}",
                    {"params": list(names)})


def as_int(value, name: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise invalid_param(name, f"{name} is not of type integer.") from None


def enum(value, name: str, choices) -> str:
    if value not in choices:
        raise invalid_param(name, f"{name} is not one of {', '.join(choices)}.")
    return value
