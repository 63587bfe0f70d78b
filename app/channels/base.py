"""What a platform provides to the hub: the channel protocol.

A channel is the one place that knows a platform (Shoptet today, WooCommerce next): how to reach a shop's
API with its stored credentials, what the shop is, how to read all of a kind and what changed since a time,
how the platform's records map onto the hub's rows, what its webhooks mean, how the hub's changes go back,
and how its rate budget is counted. The core (ledger, runner, pipeline, scheduler, inbox, tables, metrics)
calls only this protocol, on the channel `app.channels.channel_for(shop)` picks by `shop.platform`.

The shapes below are what a REST platform without snapshots fits as well as Shoptet does: a full import is
any stream of records resumable from an opaque checkpoint (Shoptet: phase, snapshot job and line of the
downloaded file; WooCommerce: modification date and id of the last page), a change feed is batches of
records read from a watermark, and webhooks are verified and read by the channel before the platform-free
inbox stores them.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar, Protocol

# --- errors ------------------------------------------------------------------------------------------------


class ChannelError(Exception):
    """A platform's failure, told so a person can act on it; `retryable` says whether trying later may help."""

    retryable = False

    def __init__(self, message: str, *, retryable: bool | None = None):
        super().__init__(message)
        if retryable is not None:
            self.retryable = retryable


class MissingCredentials(ChannelError):
    """The shop has no usable credentials; connect it again."""


class SourceDamaged(ChannelError):
    """The data being read turned out damaged (a truncated download, a corrupt file). Rows of complete
    records before the damage stay; nothing is deleted. Retryable when the source can fetch it anew."""


class Unsupported(ChannelError):
    """The platform (or the hub's channel for it) cannot do this; the message says what instead."""


class WebhookRejected(ValueError):
    """A delivery that must not be acted on; `status` is the HTTP answer (401 forged, 400 malformed)."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


class FallbackToFull(Exception):
    """The change feed cannot bring this kind up to date; a full import must (the message says why)."""


# --- connecting --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CurrencyRate:
    """A currency the shop sells in, with the platform's rate of today: base-currency units per unit of it."""

    code: str
    rate: Decimal
    decimals: int | None = None  # how prices in it are rounded (decimal places)
    rounding: str | None = None  # the platform's rounding mode, as it names it


@dataclass(frozen=True)
class ShopFacts:
    """What the platform's API says about the shop (Shoptet: `GET /api/eshop`)."""

    name: str | None = None
    url: str | None = None
    currency: str | None = None  # the shop's base currency (ISO 4217)
    languages: tuple[str, ...] = ()  # default language first
    timezone: str | None = None  # IANA name
    currencies: tuple[CurrencyRate, ...] = ()  # every currency it sells in, the base one included (rate 1)


class Credentials(Protocol):
    """A channel's own credentials type (tokens, keys) with the platform's id of the shop."""

    external_id: int


# --- reading -----------------------------------------------------------------------------------------------


@dataclass
class ImportContext:
    """What the core gives a full import's source: where it stands and how to keep what it did.

    `checkpoint` is the run's checkpoint as last committed: a flat JSON object where the source keeps its
    own keys (the core's are `phase`, `language` of a file import, and `requested_at`, the time the data was
    first asked for, which a source sets: the change feed takes over from just before it). `save` commits
    the source's state at once (fenced by the run's lease), for steps that must not be repeated after a
    crash (a snapshot job asked for, a file downloaded). `scratch` is a file the source may keep a download
    in; the runner deletes it when the run succeeds.
    """

    run_id: int
    phase: int
    language: str | None
    checkpoint: dict
    save: Callable[..., None]  # save(state: dict, *, remote_job_id: str | None = None)
    scratch: Path
    event_received: Callable[[str, str], bool]  # (event name, instance): has a verified webhook said so?


class FullSource(Protocol):
    """One phase of a full import: every record of a kind, resumable from an opaque checkpoint.

    The pipeline (app/imports/pipeline.py) batches what `records()` yields and commits each batch with
    `checkpoint()`: the checkpoint it was given, with its own keys moved to just after the last item yielded.
    A resumed run builds the source with that checkpoint in `ImportContext.checkpoint` and the source goes on
    after it. Items are records of the kind
    (app/imports/records.py) or `BadRecord`s; `done` counts items read (progress), `total()` estimates all.
    """

    done: int

    def records(self) -> Iterator[Any]: ...

    def checkpoint(self) -> dict: ...

    def total(self) -> int | None: ...


@dataclass(frozen=True)
class Deletion:
    key: str  # the hub's key of the kind (an order's code, a customer's or product's guid)
    at: datetime  # when the platform deleted it


@dataclass
class ChangeBatch:
    """What changed, from the feed's last watermark on: records to write, deletions, and the watermark the
    hub may move to once both are committed (the newest change time the batch covers)."""

    records: list
    deletions: list[Deletion]
    watermark: datetime
    entries: int  # feed entries the batch covers (progress)


@dataclass
class StockBatch:
    """Absolute stock of some variants in one warehouse, and the position of that warehouse's stream
    (`stream`, e.g. `stock:3`) the hub may store once the amounts are committed."""

    stream: str
    stock_id: int
    amounts: dict[str, tuple]  # variant code → (amount, location or None)
    position: int
    supplies: int = 0  # amounts read from a whole-warehouse listing
    movements: int = 0  # movements followed


@dataclass
class StockLogBatch:
    """Movements of one warehouse's log in time order, for inventory planning's stock-out history: each is
    (variant code, time, the amount after it); `position` is the stream's position after the last one."""

    stock_id: int
    movements: list[tuple[str, datetime, float]]
    position: int


@dataclass(frozen=True)
class VariantFacts:
    """What inventory planning needs of a variant that only the platform's record says."""

    supplier_key: str | None = None
    supplier_name: str | None = None
    purchase_price: Decimal | None = None  # per unit, in the shop's base currency


# --- webhooks ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InboundEvent:
    """A verified webhook delivery as the inbox stores it (app/webhooks/models.py)."""

    name: str  # the platform's event name (Shoptet `order:update`, WooCommerce `order.updated`)
    instance: str  # what it is about (an order code, a product id, a job id)
    created: str  # when the platform says it happened, as sent
    dedupe_key: str  # the same delivery again has the same key, so it has one effect


@dataclass(frozen=True)
class EventMeaning:
    """What an event asks of the hub: sync a kind now, or disconnect the shop (uninstalled)."""

    sync: str | None = None
    disconnect: bool = False


# --- writing back ------------------------------------------------------------------------------------------


@dataclass
class PushResult:
    """Per key (order code, variant code, product guid): done, or why not."""

    changed: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


class ShopWriter(AbstractContextManager):
    """The hub's changes going to one shop (one API session: build it, then leave the transaction, then
    send). A channel implements what its platform can take; the rest says it is unsupported."""

    title = "the platform"

    def set_order_status(self, codes: list[str], status_id: int) -> PushResult:
        raise Unsupported(f"{self.title} order statuses cannot be changed from the hub yet.")

    def set_stock(self, stock_id: int, amounts: Mapping[str, Any]) -> PushResult:
        """Absolute available amounts per variant code in one warehouse."""
        raise Unsupported(f"{self.title} stock cannot be written from the hub yet.")

    def move_stock(self, stock_id: int, changes: Mapping[str, Any]) -> PushResult:
        """Relative changes per variant code in one warehouse (a sale elsewhere taken from this shop's stock).
        Not safe to resend blindly: an unclear answer raises, and `api_stock_moves` tells what landed."""
        raise Unsupported(f"{self.title} stock cannot be moved from the hub yet.")

    def stock_position(self, stock_id: int) -> int:
        """Where the warehouse's movement log stands now."""
        raise Unsupported(f"{self.title} stock movements cannot be read back yet.")

    def api_stock_moves(self, stock_id: int, after: int) -> dict[str, Any]:
        """Per variant code, the sum of the changes made through the API after log position `after`."""
        raise Unsupported(f"{self.title} stock movements cannot be read back yet.")

    def set_prices(self, prices: Mapping[str, Any]) -> PushResult:
        """Prices per variant code, in the shop's currency."""
        raise Unsupported(f"{self.title} prices cannot be written from the hub yet.")

    def set_texts(self, language: str, texts: Mapping[str, Mapping[str, Any]]) -> PushResult:
        """Texts of products (guid → {name, short_description, description, meta_title, meta_description,
        additional_name})."""
        raise Unsupported(f"{self.title} texts cannot be written from the hub yet.")

    def set_visibility(self, visibility: Mapping[str, str]) -> PushResult:
        """Products' visibility (guid → the platform's value as the hub imported it, e.g. `visible`, `hidden`)."""
        raise Unsupported(f"{self.title} product visibility cannot be written from the hub yet.")

    def __exit__(self, *exc) -> None:
        return None


# --- the protocol ------------------------------------------------------------------------------------------


class Channel(ABC):
    """A platform. Instances are stateless: every method takes the shop it works for."""

    platform: ClassVar[str]  # `shop.platform`, and the segment of the webhook URL
    title: ClassVar[str]  # for people: "Shoptet"
    # How far back the change feeds reach; an older watermark falls back to a full import. None: no limit.
    feed_history: ClassVar[timedelta | None] = None
    blueprint: ClassVar[Any] = None  # routes of its own (an addon install callback), registered by create_app
    # The kinds of records it imports (app/sync/ledger.py KINDS); connecting a shop starts their first imports.
    kinds: ClassVar[tuple[str, ...]] = ("orders", "customers", "products")

    # connecting

    @abstractmethod
    def credentials(self, values: Mapping[str, Any]) -> Credentials:
        """Credentials from an operator's input (`flask hub shop-add` options by name); ValueError says what
        is missing."""

    @abstractmethod
    def attach(self, shop, credentials: Credentials, *, api_url: str | None = None) -> None:
        """Store the credentials on the shop, encrypted, and where its API answers."""

    @abstractmethod
    def shop_facts(self, shop) -> ShopFacts:
        """Read the shop's facts from its API (ChannelError if it cannot)."""

    @abstractmethod
    def register_webhooks(self, shop, url: str) -> None:
        """Point every event the hub follows at `url` and keep the signing secret on the shop (encrypted)."""

    # reading

    @abstractmethod
    def record_mapper(self, shop, kind: str, language: str | None = None) -> Callable[[dict], Any]:
        """How one platform object of `kind` becomes the hub's record (RecordError for a bad one)."""

    @abstractmethod
    def full_import(self, shop, kind: str, context: ImportContext) -> FullSource:
        """Every record of `kind` (products: in `context.language`)."""

    def file_import(self, shop, kind: str, path: str, context: ImportContext) -> FullSource:
        """Every record of a local export file (Shoptet: a snapshot file)."""
        raise Unsupported(f"{self.title} shops have no export files the hub can import; start a full import.")

    @abstractmethod
    def changes(self, shop, kind: str, since: datetime) -> Iterator[ChangeBatch]:
        """What changed since `since`, batch by batch, each with the watermark it reaches; FallbackToFull if
        the feed cannot say."""

    @abstractmethod
    def stock_changes(self, shop, position_of: Callable[[str], int | None]) -> Iterator[StockBatch]:
        """Stock since each warehouse stream's stored position (`position_of(stream)`, None if never read)."""

    # webhooks

    @abstractmethod
    def verify_webhook(self, shop, body: bytes, headers: Mapping[str, str]) -> bool:
        """Is this delivery signed with the shop's secret (over the raw body)?"""

    @abstractmethod
    def parse_webhook(self, shop, body: bytes, headers: Mapping[str, str]) -> InboundEvent | None:
        """The event of a verified delivery; None for one to acknowledge and forget (a ping).
        WebhookRejected for a malformed body or another shop's event."""

    @abstractmethod
    def classify(self, event: str) -> EventMeaning:
        """What an event name asks of the hub."""

    # writing back, errors

    @abstractmethod
    def writer(self, shop) -> ShopWriter:
        """A session for pushing the hub's changes to the shop (MissingCredentials if it has none)."""

    @abstractmethod
    def normalized_status(self, status_id: int | None, status_name: str | None) -> str:
        """The hub's order status (ORDER_STATUSES) for the platform's own."""

    def explain(self, exc: Exception) -> tuple[bool, str] | None:
        """(retryable?, message for the run's error) for one of the platform's own exceptions; None if it is
        not one (the runner then says it was unexpected)."""
        return None

    # inventory planning (optional: a platform without them gets no censoring and no purchase prices)

    def stock_log(self, shop, position_of: Callable[[int], int | None]) -> Iterator[StockLogBatch]:
        """Every warehouse's movement log after its position (None: from the oldest movement kept)."""
        return iter(())

    def variant_facts(self, product_raw: dict, variant_raw: dict) -> VariantFacts:
        """Supplier and purchase price of a variant from the stored records (`products.raw`, the variant's)."""
        return VariantFacts()

    def marketing_consents(self, shop) -> Iterator[tuple[str, datetime | None]] | None:
        """(e-mail, since) of every customer whose marketing consent the shop recorded, or None when the
        platform keeps none the hub can read (then no audience export includes anyone). Customer analytics
        (app/analytics/consent.py) stores them; nothing else is taken as consent."""
        return None
