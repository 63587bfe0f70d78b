"""The translation workflow's field and state names as people read them, in their language (the database and
URLs keep the codes: `additional_name`, `in_review`)."""

from flask_babel import lazy_gettext as _l

FIELD_LABELS = {
    "name": _l("Name"), "short_description": _l("Short description"), "description": _l("Description"),
    "meta_title": _l("Meta title"), "meta_description": _l("Meta description"),
    "additional_name": _l("Additional name"),
}

STATE_LABELS = {
    "missing": _l("missing"), "draft": _l("draft"), "in_review": _l("in review"), "approved": _l("approved"),
    "synced": _l("synced"), "outdated": _l("outdated"), "conflict": _l("conflict"),
}


def field_label(field: str) -> str:
    return str(FIELD_LABELS.get(field, field))


def unit_state_label(state: str) -> str:
    return str(STATE_LABELS.get(state, state))

