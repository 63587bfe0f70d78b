import pytest

from app.orgs.models import Role
from tests.factories import make_member, make_org, make_shop
from tests.orders.tables import stranger  # noqa: F401


class Team:
    """An organization with a Czech shop (cs, sk) and one member of each role; nobody is logged in."""

    def __init__(self, db):
        self.org = make_org(db.session)
        self.owner = make_member(db.session, self.org, Role.owner)
        self.manager = make_member(db.session, self.org, Role.manager)
        self.translator = make_member(db.session, self.org, Role.translator)
        self.viewer = make_member(db.session, self.org, Role.viewer)
        self.shop = make_shop(db.session, self.org, "Zahrada CZ")
        self.shop.default_language, self.shop.languages = "cs", "cs,sk"
        self.other = make_shop(db.session, self.org, "Víno SK")
        self.other.default_language, self.other.languages, self.other.currency = "sk", "sk,cs,hu", "EUR"
        db.session.flush()


@pytest.fixture
def team(db):
    return Team(db)
