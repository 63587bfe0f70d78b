"""Every setting the hub knows: key, type, default, where it applies. Values are stored only when changed."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from urllib.parse import urlsplit
from zoneinfo import available_timezones

from flask_babel import gettext as _

from app.core.inputs import has_control_characters

EMAIL = re.compile(r"[^@\s,;]+@[^@\s,;]+\.[^@\s,;.]+")
DECIMAL = re.compile(r"(?:0|[1-9]\d{0,5})(?:\.\d{1,4})?")


class SettingError(ValueError):
    """A value that does not fit its setting; the message says what is allowed."""


@dataclass(frozen=True)
class SettingDef:
    key: str
    label: str
    type: type  # bool, int or str
    default: object
    scope: str  # "org": organization only; "shop": per shop, with an organization-wide default
    help: str = ""
    choices: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    max_length: int = 200
    tags: tuple[str, ...] = field(default_factory=tuple)
    # A secret (an API key) is stored encrypted, never shown again (the page says "set"), masked in the audit
    # log and in `flask hub settings-get`; code that needs it reads it with app.settings.secrets.reveal().
    secret: bool = False
    # What a str holds beyond its length: "timezone" (the zone database's names), "email", "url" (http or https;
    # "public_url": also, in production, not a loopback or private address). "" is always allowed (not set).
    kind: str = ""

    def __post_init__(self):
        if self.secret and (self.type is not str or self.default != ""):
            raise ValueError(f"{self.key}: a secret setting is a str whose default is \"\" (not set).")

    def parse(self, raw: object, *, resolve: bool = True) -> object:
        """Turn form input (strings, checkboxes) or JSON into a valid typed value, or raise SettingError."""
        if self.type is bool:
            if isinstance(raw, bool):
                return raw
            return str(raw).strip().lower() in {"1", "true", "on", "yes", "y"}
        if self.type is int:
            try:
                value = int(str(raw).strip())
            except ValueError:
                raise SettingError(_("%(setting)s: enter a whole number.", setting=_(self.label))) from None
            if self.minimum is not None and value < self.minimum:
                raise SettingError(_("%(setting)s: the smallest allowed value is %(minimum)s.",
                                     setting=_(self.label), minimum=self.minimum))
            if self.maximum is not None and value > self.maximum:
                raise SettingError(_("%(setting)s: the largest allowed value is %(maximum)s.",
                                     setting=_(self.label), maximum=self.maximum))
            return value
        value = str(raw if raw is not None else "").strip()
        if self.choices and value not in self.choices:
            raise SettingError(_("%(setting)s: choose one of %(choices)s.", setting=_(self.label),
                                 choices=", ".join(self.choices)))
        if len(value) > self.max_length:
            raise SettingError(_("%(setting)s: at most %(count)s characters.", setting=_(self.label),
                                 count=self.max_length))
        if has_control_characters(value):
            raise SettingError(_("%(setting)s: remove the control characters.", setting=_(self.label)))
        if value and self.kind:
            self._check_kind(value, resolve=resolve)
        return value

    def _check_kind(self, value: str, *, resolve: bool) -> None:
        if self.kind == "decimal" and not DECIMAL.fullmatch(value):
            raise SettingError(f"{self.label}: enter a positive number such as 1.15.")
        if self.kind == "timezone" and value not in _zones():
            raise SettingError(_("%(setting)s: %(value)s is not a time zone of the zone database (e.g. "
                                 "Europe/Prague).", setting=_(self.label), value=repr(value)))
        if self.kind == "email" and not EMAIL.fullmatch(value):
            raise SettingError(_("%(setting)s: %(value)s is not an e-mail address.", setting=_(self.label),
                                 value=repr(value)))
        if self.kind in ("url", "public_url"):
            parts = urlsplit(value)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise SettingError(_("%(setting)s: enter an http:// or https:// address.", setting=_(self.label)))
            if self.kind == "public_url" and resolve and _production():
                from app.monitoring.notify import DeliveryError, check_webhook_url

                try:
                    check_webhook_url(value, production=True)
                except DeliveryError as exc:
                    raise SettingError(f"{_(self.label)}: {exc}") from None

    def is_valid(self, value: object) -> bool:
        """Whether a stored value still fits (reads fall back to the default when it does not). Never resolves a
        name: sending an alert checks its address again."""
        if self.type is bool:
            return isinstance(value, bool)
        if self.type is int and (not isinstance(value, int) or isinstance(value, bool)):
            return False
        if self.type is str and not isinstance(value, str):
            return False
        try:
            return self.parse(value, resolve=False) == value
        except SettingError:
            return False


@cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def _production() -> bool:
    from flask import current_app, has_app_context

    return has_app_context() and current_app.config.get("HUB_ENV") == "production"


SETTINGS: dict[str, SettingDef] = {
    d.key: d
    for d in [
        SettingDef("display_timezone", "Display time zone", str, "Europe/Prague", "org",
                   help="Times on pages are shown in this zone.", kind="timezone"),
        SettingDef("default_language", "Default language", str, "cs", "org",
                   choices=("cs", "sk", "de", "en", "pl", "hu")),
        SettingDef("reporting_currency", "Reporting currency", str, "", "org",
                   choices=("", "CZK", "EUR", "PLN", "HUF", "USD"),
                   help="Empty: figures in different currencies are shown side by side, never added up. A currency: "
                        "they are also converted into it at the shops' own stated exchange rates, and pages say so."),
        SettingDef("table_page_size", "Rows per table page", int, 50, "org", minimum=10, maximum=200),
        SettingDef("alert_email", "Alert e-mail", str, "", "org", help="Where operational alerts go.",
                   kind="email"),
        SettingDef("alert_webhook_url", "Alert webhook URL", str, "", "org", max_length=500, kind="public_url",
                   help="Alerts are also POSTed here as JSON (https; e.g. a Slack or Teams incoming webhook)."),
        SettingDef("sync_lag_alert_minutes", "Alert when a sync lags (minutes)", int, 1440, "shop", minimum=5,
                   maximum=10080, help="An alert opens when the last successful sync of a kind is older than this."),
        SettingDef("sync_failure_alert_count", "Alert after failed syncs in a row", int, 3, "shop", minimum=1,
                   maximum=50),
        SettingDef("sync_enabled", "Syncing enabled", bool, True, "shop",
                   help="Off stops scheduled syncs for the shop; data stays."),
        SettingDef("sync_interval_minutes", "Sync interval (minutes)", int, 15, "shop", minimum=1, maximum=1440),
        SettingDef("order_lookback_days", "Order change lookback (days)", int, 30, "shop", minimum=1, maximum=30,
                   help="Shoptet keeps 30 days of change history."),
        SettingDef("translation_provider", "Machine translation", str, "deepl", "org", choices=("deepl", "openai"),
                   help="DeepL's API, or any OpenAI-compatible chat-completions API (hosted, Ollama, vLLM)."),
        SettingDef("translation_api_url", "Machine translation API URL", str, "", "org", max_length=500,
                   help="DeepL: its server URL (empty: DeepL's own); OpenAI-compatible: the base URL (…/v1)."),
        SettingDef("translation_api_key", "Machine translation API key", str, "", "org", secret=True),
        SettingDef("translation_model", "Machine translation model", str, "", "org",
                   help="OpenAI-compatible APIs: the model to ask (e.g. gpt-4o-mini, llama3.1)."),
        SettingDef("translation_monthly_characters", "Machine translation budget (characters a month)", int,
                   500_000, "org", minimum=0, maximum=1_000_000_000,
                   help="Suggestions stop for the month when this many characters were sent."),
        SettingDef("inventory_dead_stock_days", "Dead stock after days without a sale", int, 90, "shop", minimum=7,
                   maximum=365, help="A variant with stock and no sale for this long is dead stock."),
        SettingDef("bought_together_min_support", "Bought together: minimum support (1/10 000 of orders)", int, 5,
                   "shop", minimum=1, maximum=10000,
                   help="A pair of products is shown when at least this share of orders has both (and at least 2)."),
        # The master shop (issue 17): one shop's catalog and stock feed the organization's other shops.
        SettingDef("master_shop", "Master shop", int, 0, "org", minimum=0,
                   help="The id of the shop whose stock the other shops follow; 0: none."),
        SettingDef("stock_rule", "Stock rule", str, "off", "shop", choices=("follow", "off"),
                   help="follow: the shop's stock follows the master shop's available stock; off: not touched."),
        SettingDef("stock_reserve", "Stock reserve", int, 0, "shop", minimum=0, maximum=1_000_000,
                   help="Units of the master's stock this shop does not offer (its stock never goes below 0)."),
        SettingDef("price_rule", "Price rule", str, "off", "shop", choices=("rate", "fixed", "off"),
                   help="rate: the master's price times the price rate, in this shop's currency at its exchange "
                        "rate and rounding; fixed: each variant's price set on the master shop page; off: not "
                        "touched."),
        SettingDef("price_rate", "Price rate", str, "1", "shop", kind="decimal", max_length=12,
                   help="What the master's price is multiplied by under the rate rule (1.1: a tenth more)."),
        SettingDef("text_rule", "Text rule", str, "off", "shop", choices=("follow", "off"),
                   help="follow: the shop's product texts come from the master shop's, in its languages only as "
                        "approved translations (a text kept only for this shop wins); off: not touched."),
        SettingDef("visibility_rule", "Visibility rule", str, "off", "shop", choices=("follow", "off"),
                   help="follow: each product is visible or hidden in this shop as it is in the master shop; "
                        "off: not touched."),
    ]
}


MASK = "********"


def shown(setting: SettingDef, value: object) -> object:
    """The value as people may see it: a secret becomes MASK when set, "" when not."""
    if setting.secret:
        return MASK if value else ""
    return value


def definition(key: str) -> SettingDef:
    try:
        return SETTINGS[key]
    except KeyError:
        raise SettingError(_("Unknown setting %(key)s; known: %(known)s.", key=repr(key),
                             known=", ".join(SETTINGS))) from None


def defaults_for(shop: bool) -> dict[str, object]:
    return {d.key: d.default for d in SETTINGS.values() if (d.scope == "shop") == shop or not shop}
