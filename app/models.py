"""Import every model module, so the metadata (and Alembic's autogenerate) sees all tables."""

from app.audit.models import AuditEvent  # noqa: F401
from app.auth.models import LoginSession, User  # noqa: F401
from app.orgs.models import Invitation, Membership, Organization  # noqa: F401
from app.settings.models import SettingValue  # noqa: F401
from app.shops.models import Shop  # noqa: F401
