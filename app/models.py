"""Import every model module, so the metadata (and Alembic's autogenerate) sees all tables."""

from app.analytics.models import AnalyticsFit, CustomerAnalytics, MarketingConsent, ProductPair  # noqa: F401
from app.audit.models import AuditEvent  # noqa: F401
from app.auth.models import LoginSession, User  # noqa: F401
from app.catalog.models import Product, ProductText, ProductVariant, VariantStock  # noqa: F401
from app.customers.models import Customer  # noqa: F401
from app.dashboard.models import (  # noqa: F401
    SalesDay,
    SalesMethodDay,
    SalesMethodMonth,
    SalesMonth,
    SalesProductDay,
    SalesProductMonth,
)
from app.inventory.models import (  # noqa: F401
    Backtest,
    DailySales,
    DraftLine,
    StockLogCursor,
    StockoutSpan,
    SupplierTerms,
    VariantMetrics,
    VariantSeries,
    VariantTerms,
)
from app.master.models import VariantPair  # noqa: F401
from app.money.models import ShopCurrencyRate  # noqa: F401
from app.monitoring.models import Incident  # noqa: F401
from app.orders.models import (  # noqa: F401
    CreditNote,
    CreditNoteItem,
    Order,
    OrderItem,
    OrderStatusChange,
    OrderStatusChangeItem,
)
from app.orgs.models import Invitation, Membership, Organization  # noqa: F401
from app.search.models import SEARCH_INDEXES  # noqa: F401
from app.settings.models import SettingValue  # noqa: F401
from app.shops.models import Shop, ShopInstall  # noqa: F401
from app.sync.models import (  # noqa: F401
    ImportBadLine,
    SyncCursor,  # noqa: F401
    SyncRun,
)
from app.tables.models import SavedView, TableExport  # noqa: F401
from app.webhooks.models import WebhookEvent  # noqa: F401
