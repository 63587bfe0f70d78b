# ruff: noqa: E501  (whole sentences, one per line)
"""The settings' labels and help as msgids, so `make translations` extracts them (app/settings/registry.py keeps
them as plain text: the CLI and the audit log speak English). The settings page translates each through
gettext; a setting declared later without its words here shows in English until they are added.
"""

from flask_babel import lazy_gettext as _l

WORDS = (
    _l("Display time zone"),
    _l("Times on pages are shown in this zone."),
    _l("Default language"),
    _l("Reporting currency"),
    _l("Empty: figures in different currencies are shown side by side, never added up. A currency: they are also converted into it at the shops' own stated exchange rates, and pages say so."),
    _l("Rows per table page"),
    _l("Alert e-mail"),
    _l("Where operational alerts go."),
    _l("Alert webhook URL"),
    _l("Alerts are also POSTed here as JSON (https; e.g. a Slack or Teams incoming webhook)."),
    _l("Alert when a sync lags (minutes)"),
    _l("An alert opens when the last successful sync of a kind is older than this."),
    _l("Alert after failed syncs in a row"),
    _l("Syncing enabled"),
    _l("Off stops scheduled syncs for the shop; data stays."),
    _l("Sync interval (minutes)"),
    _l("Order change lookback (days)"),
    _l("Shoptet keeps 30 days of change history."),
    _l("Machine translation"),
    _l("DeepL's API, or any OpenAI-compatible chat-completions API (hosted, Ollama, vLLM)."),
    _l("Machine translation API URL"),
    _l("DeepL: its server URL (empty: DeepL's own); OpenAI-compatible: the base URL (…/v1)."),
    _l("Machine translation API key"),
    _l("Machine translation model"),
    _l("OpenAI-compatible APIs: the model to ask (e.g. gpt-4o-mini, llama3.1)."),
    _l("Machine translation budget (characters a month)"),
    _l("Suggestions stop for the month when this many characters were sent."),
    _l("Dead stock after days without a sale"),
    _l("A variant with stock and no sale for this long is dead stock."),
    _l("Bought together: minimum support (1/10 000 of orders)"),
    _l("A pair of products is shown when at least this share of orders has both (and at least 2)."),
    _l("Master shop"),
    _l("The id of the shop whose stock the other shops follow; 0: none."),
    _l("Stock rule"),
    _l("follow: the shop's stock follows the master shop's available stock; off: not touched."),
    _l("Stock reserve"),
    _l("Units of the master's stock this shop does not offer (its stock never goes below 0)."),
    _l("Price rule"),
    _l("rate: the master's price times the price rate, in this shop's currency at its exchange rate and rounding; "
       "fixed: each variant's price set on the master shop page; off: not touched."),
    _l("Price rate"),
    _l("What the master's price is multiplied by under the rate rule (1.1: a tenth more)."),
    _l("Text rule"),
    _l("follow: the shop's product texts come from the master shop's, in its languages only as approved translations (a text kept only for this shop wins); off: not touched."),
    _l("Visibility rule"),
    _l("follow: each product is visible or hidden in this shop as it is in the master shop; off: not touched."),
)

# Choice values that are words, as the settings page shows them (the value stored stays the code).
CHOICE_LABELS = {
    "deepl": _l("DeepL"),
    "openai": _l("OpenAI-compatible API"),
    "follow": _l("follow the master shop"),
    "off": _l("off (not touched)"),
    "rate": _l("master's price × rate"),
    "fixed": _l("fixed price per variant"),
    "": _l("none (side by side)"),
}


def choice_label(value: str) -> str:
    return str(CHOICE_LABELS.get(value, value))
