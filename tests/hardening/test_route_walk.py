"""Every route of the app, walked with generated bad input, never answers 5xx, and a rejected request writes nothing.

The routes come from the app's URL map, so a new route is walked without editing this test. For each role
(anonymous, viewer, owner) each Hypothesis example sends one request to every rule and method, with drawn values
for its path parameters (ids past bigint, zero, another organization's id, a real one; text with NUL, slashes,
CR/LF), for query parameters and form fields, mostly with a valid CSRF token so the request gets past it. The
names are the ones the app reads, found in the source of each view's package (`request.args.get("…")`,
`form.get("…")`, WTForms fields, table filters, settings), so a new module's parameters are walked too.
A 4xx answer must come with no INSERT/UPDATE/DELETE sent to the database.

CI runs a few examples per role (under a minute in all); `HUB_ROUTE_WALK_EXAMPLES=200` walks longer.
"""

from __future__ import annotations

import os
import re
import sys
import time
from functools import cache
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event
from werkzeug.datastructures import MultiDict

from app.orgs.models import Role
from app.settings.registry import SETTINGS
from app.tables.registry import TABLES
from tests.factories import csrf_token, login, make_member, make_org, make_shop
from tests.orders.tables import add_customer, add_order

EXAMPLES = int(os.environ.get("HUB_ROUTE_WALK_EXAMPLES", "4"))
LONG_RUN = "HUB_ROUTE_WALK_EXAMPLES" in os.environ

# Routes whose success changes who is logged in or who is a member: walked with bad ids only, so one example
# cannot log the walker out or remove the viewer it walks as.
STATE_CHANGING = {"auth.logout", "orgs.remove", "orgs.change_role", "shops.disconnect"}
# Blueprints added after the walk was written: it must keep finding them in the URL map.
NEW_MODULES = {"products", "translations", "inventory", "analytics", "master", "woocommerce"}
WRITES = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)
ALLOWED_WRITES = re.compile(r"\blogin_sessions\b")  # the session's last-seen touch, on every request

HUGE_IDS = [2**63, 2**63 - 1, 2**64 + 7, 10**30, 0]
BAD_TEXT = ["", "0", "-1", "²", "3.0", "1e999999", "NaN", "-Infinity", "9999-12-31", "0000-00-00", "2025-02-30",
            str(2**31), str(-(2**31) - 1), str(2**63), "\x00", "a\x00b", "\r\nSet-Cookie: x=1", "/%09/evil.example",
            "//evil.example", "javascript:alert(1)", "Not/AZone", "x" * 5000, "%", "'\"<script>", "🙂", "yes",
            "owner", "viewer"]


def bad_values():
    return st.one_of(st.sampled_from(BAD_TEXT), st.text(max_size=40), st.integers().map(str))


# What a package's source reads from a request: `request.args.get("x")`, `form.getlist("x")`, `args["x"]`,
# a table argument `int_arg(args, "x")`, a WTForms field `x = StringField(…)`.
READS = re.compile(r"""\b(?:args|form|values)(?:\.get(?:list)?\(\s*|\[\s*)["']([A-Za-z_][\w-]*)["']""")
TABLE_ARGS = re.compile(r"""_arg\(\s*\w+,\s*["']([A-Za-z_]\w*)["']""")
FIELDS = re.compile(r"^\s+([a-z_]\w*)\s*=\s*\w+Field\(", re.MULTILINE)


@cache
def common_names() -> frozenset[str]:
    """Read by many pages: every table's filters (a table page lives in app/tables), `next`, settings keys."""
    names = {"q", "sort", "cols", "cursor", "shop", "next", "before", "back"}
    for table in TABLES.values():
        for declared in table.filters:
            if declared.is_range:
                names.update(f"{declared.name}_{end}" for end in ("from", "to", "min", "max"))
            else:
                names.add(declared.name)
    names.update(SETTINGS)
    names.update(f"{key}__clear" for key in SETTINGS)
    return frozenset(names)


@cache
def package_names(folder: Path) -> frozenset[str]:
    names: set[str] = set()
    for source in folder.glob("*.py"):
        text = source.read_text()
        names.update(READS.findall(text), TABLE_ARGS.findall(text), FIELDS.findall(text))
    return frozenset(names)


def names_read(app, rule) -> list[str]:
    """The parameter names the view of `rule` may read: its package's and the common ones."""
    module = sys.modules[app.view_functions[rule.endpoint].__module__]
    return sorted((package_names(Path(module.__file__).parent) | common_names()) - {"csrf_token"})


class World:
    """An organization with a shop, an order and a customer; an owner and a viewer; a stranger's shop."""

    def __init__(self, app, db):
        self.org = make_org(db.session)
        self.owner = make_member(db.session, self.org, Role.owner)
        self.viewer = make_member(db.session, self.org, Role.viewer)
        self.shop = make_shop(db.session, self.org, "Walked shop")
        self.order = add_order(db.session, self.shop)
        self.customer = add_customer(db.session, self.shop)
        self.foreign_shop = make_shop(db.session, make_org(db.session), "Foreign")
        self.ids = [self.shop.id, self.order.id, self.customer.id, self.foreign_shop.id]


def _client(app, world, role: str):
    client = app.test_client()
    if role == "anonymous":
        return client, csrf_token(client, "/login")
    user = world.owner if role == "owner" else world.viewer
    assert login(client, user.email).status_code == 302
    return client, csrf_token(client, "/")


def _rules(app):
    return sorted((rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"),
                  key=lambda rule: (rule.rule, rule.endpoint))


def _path(data, rule, world) -> str:
    path = rule.rule
    for name, converter in rule._converters.items():
        if type(converter).__name__ == "BoundedIdConverter" or "Integer" in type(converter).__name__:
            choices = HUGE_IDS + ([] if rule.endpoint in STATE_CHANGING else world.ids)
            value = str(data.draw(st.sampled_from(choices), label=name))
        elif rule.endpoint == "webhooks.receive" and name == "platform":
            value = data.draw(st.sampled_from(["shoptet", "woocommerce", "nope", "a\x00"]), label=name)
        else:
            value = data.draw(st.one_of(st.sampled_from(["orders", "customers", "products", "stock"]), bad_values()),
                              label=name)
        path = re.sub(r"<(?:[^:<>]+:)?" + re.escape(name) + ">", quote(value, safe=""), path)
    return path


def _send(client, token, data, rule, method, world, names):
    path = _path(data, rule, world)
    query = data.draw(st.lists(st.tuples(st.sampled_from(names), bad_values()), max_size=4), label="query")
    kwargs = {"query_string": MultiDict(query)}
    if data.draw(st.booleans(), label="htmx"):  # the partials htmx asks for (a table alone, a progress fragment)
        table = data.draw(st.sampled_from(sorted(TABLES)), label="target")
        kwargs["headers"] = {"HX-Request": "true", "HX-Target": TABLES[table].target}
    if method == "POST":
        if rule.endpoint == "webhooks.receive":
            kwargs["data"] = data.draw(st.one_of(st.binary(max_size=200), st.sampled_from([
                b'{"eshopId": [1], "event": "order:create"}', b'{"event": "\\u0000"}', b"null", b"[]"])),
                label="body")
            kwargs["headers"] = {**kwargs.get("headers", {}), "Content-Type": "application/json",
                                 "Shoptet-Webhook-Signature": data.draw(st.sampled_from(["", "00" * 20]))}
        else:
            form = data.draw(st.lists(st.tuples(st.sampled_from(names), bad_values()), max_size=5), label="form")
            if data.draw(st.integers(0, 9), label="csrf") > 0:
                form.append(("csrf_token", token))
            kwargs["data"] = MultiDict(form)
    try:
        return path, kwargs, client.open(path, method=method, **kwargs)
    except Exception as exc:  # app.testing: an unhandled error propagates instead of answering 500
        raise AssertionError(f"{type(exc).__name__} ({exc}) from {method} {path} {kwargs}") from exc


@pytest.fixture
def world(app, db):
    return World(app, db)


@pytest.fixture
def writes(app, db):
    """INSERT/UPDATE/DELETE statements sent since the last `clear()` (the session's touch aside)."""
    sent: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        if WRITES.match(statement) and not ALLOWED_WRITES.search(statement):
            sent.append(statement.split("\n")[0][:120])

    engine = db.engine.engine  # the test's connection → its engine
    event.listen(engine, "before_cursor_execute", before)
    yield sent
    event.remove(engine, "before_cursor_execute", before)


@pytest.mark.timeout(600 if LONG_RUN else 120)
@pytest.mark.parametrize("role", ["anonymous", "viewer", "owner"])
def test_no_route_answers_5xx_or_writes_on_rejection(app, db, world, writes, role, exports_dir):
    client, token = _client(app, world, role)
    rules = _rules(app)
    assert len(rules) > 30  # the map really is the app's
    assert NEW_MODULES <= {rule.endpoint.split(".")[0] for rule in rules}
    names = {rule.endpoint: names_read(app, rule) for rule in rules}

    problems: list[str] = []
    timings: dict[str, float] = {}
    walked: set[str] = set()

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=not LONG_RUN, database=None,
              suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def walk(data):
        # Problems are collected, not raised: the walk's state (sessions, throttles) makes a replay differ.
        for rule in rules:
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                writes.clear()
                started = time.monotonic()
                try:
                    path, kwargs, response = _send(client, token, data, rule, method, world, names[rule.endpoint])
                except AssertionError as exc:
                    problems.append(str(exc))
                    db.session.rollback()
                    continue
                finally:
                    timings[rule.endpoint] = timings.get(rule.endpoint, 0) + time.monotonic() - started
                    walked.add(f"{method} {rule.rule}")
                where = f"{role} {method} {path} {kwargs}"
                if response.status_code >= 500:
                    problems.append(f"{response.status_code} from {where}")
                elif 400 <= response.status_code < 500 and writes:
                    problems.append(f"{response.status_code} from {where} but it wrote: {writes}")

    walk()
    assert walked == {f"{method} {rule.rule}" for rule in rules for method in rule.methods - {"HEAD", "OPTIONS"}}
    slowest = sorted(timings.items(), key=lambda item: -item[1])[:5]
    shown = "\n".join(problem[:400] for problem in problems[:15])
    assert not problems, f"{len(problems)} problems (slowest routes {slowest}):\n{shown}"
