"""Numbers, money, dates and times in each locale the hub speaks, in the organization's display time zone."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from babel import numbers as babel_numbers

from app.formats import format_day, format_moment, format_money, format_number, parse_day
from app.settings.services import update_settings
from tests.orders.tables import add_customer, add_order

NBSP = "\xa0"


@pytest.mark.parametrize(("locale", "amount", "currency", "expected"), [
    ("cs", Decimal("2359"), "CZK", f"2{NBSP}359,00{NBSP}Kč"),
    ("cs", Decimal("-1234.5"), "EUR", f"-1{NBSP}234,50{NBSP}€"),
    ("sk", Decimal("2359"), "EUR", f"2{NBSP}359,00{NBSP}€"),
    ("sk", Decimal("2359"), "CZK", f"2{NBSP}359,00{NBSP}CZK"),
    ("en", Decimal("2359"), "CZK", "CZK2,359.00"),
    ("en", Decimal("1234567.891"), "EUR", "€1,234,567.89"),
    ("cs", Decimal("1500"), "HUF", f"1{NBSP}500{NBSP}HUF"),  # forints have no decimals
])
def test_money_with_its_currency(locale, amount, currency, expected):
    assert format_money(amount, currency, locale) == expected


@pytest.mark.parametrize("locale", ["cs", "sk", "en", "de", "pl"])
@pytest.mark.parametrize("amount", ["0", "0.004", "1", "-1", "999.995", "1234.5", "-98765432.1", "12"])
@pytest.mark.parametrize("currency", ["CZK", "EUR", "USD", "HUF", "PLN"])
def test_the_fast_path_writes_what_babel_writes(locale, amount, currency):
    assert format_money(Decimal(amount), currency, locale) == babel_numbers.format_currency(
        Decimal(amount), currency, locale=locale)


@pytest.mark.parametrize(("locale", "value", "expected"), [
    ("cs", 12345, f"12{NBSP}345"), ("sk", 12345, f"12{NBSP}345"), ("en", 12345, "12,345"),
    ("cs", Decimal("21.00"), "21"), ("cs", Decimal("1234.5"), f"1{NBSP}234,5"), ("en", Decimal("0.25"), "0.25"),
])
def test_numbers(locale, value, expected):
    assert format_number(value, locale) == expected


@pytest.mark.parametrize(("locale", "expected"), [("cs", "30. 11. 2026"), ("sk", "30. 11. 2026"),
                                                  ("en", "Nov 30, 2026")])
def test_dates(locale, expected):
    assert format_day(date(2026, 11, 30), locale) == expected


@pytest.mark.parametrize(("locale", "expected"), [("cs", "30. 11. 2026 14:05"), ("sk", "30. 11. 2026, 14:05"),
                                                  ("en", "Nov 30, 2026, 2:05\u202fPM")])
def test_times_in_the_display_zone(locale, expected):
    from zoneinfo import ZoneInfo

    moment = datetime(2026, 11, 30, 13, 5, tzinfo=UTC)
    assert format_moment(moment, locale, ZoneInfo("Europe/Prague")) == expected


@pytest.mark.parametrize("text", ["2026-11-30", "30. 11. 2026", "30.11.2026", " 30 . 11 . 2026 ", "30/11/2026"])
def test_date_inputs_read_the_czech_way_and_iso(text):
    assert parse_day(text, "cs") == date(2026, 11, 30)


def test_date_inputs_read_the_english_way():
    assert parse_day("Nov 30, 2026", "en") == date(2026, 11, 30)


@pytest.mark.parametrize("text", ["31. 11. 2026", "30. 13. 2026", "yesterday", "11/30/2026x"])
def test_what_is_not_a_date_is_refused(text):
    with pytest.raises(ValueError):
        parse_day(text, "cs")


def test_pages_in_czech(client, db, tenant):
    order = add_order(db.session, tenant.shop_a, total_with_vat=Decimal("2359"), currency="CZK",
                      created=datetime(2026, 11, 30, 13, 5, tzinfo=UTC))
    html = client.get("/orders", headers={"Accept-Language": "cs"}).get_data(as_text=True)
    assert f"2{NBSP}359,00{NBSP}Kč" in html
    assert "30. 11. 2026 14:05" in html and 'title="Europe/Prague"' in html
    detail = client.get(f"/orders/{order.id}", headers={"Accept-Language": "cs"}).get_data(as_text=True)
    assert f"2{NBSP}359,00{NBSP}Kč" in detail and "Europe/Prague" in detail


def test_the_display_zone_is_the_organizations(app, client, db, tenant):
    update_settings(db.session, app.extensions["settings_cache"], tenant.org.id,
                    {"display_timezone": "America/New_York"})
    add_order(db.session, tenant.shop_a, created=datetime(2026, 11, 30, 13, 5, tzinfo=UTC))
    html = client.get("/orders", headers={"Accept-Language": "cs"}).get_data(as_text=True)
    assert "30. 11. 2026 8:05" in html and 'title="America/New_York"' in html


def test_a_date_filter_typed_the_czech_way(client, db, tenant):
    inside = add_customer(db.session, tenant.shop_a, orders_count=1, total_spent=Decimal(10),
                          last_order_at=datetime(2026, 11, 30, 23, 30, tzinfo=UTC))  # 1 Dec in Prague
    outside = add_customer(db.session, tenant.shop_a, orders_count=1, total_spent=Decimal(10),
                           last_order_at=datetime(2026, 11, 30, 12, 0, tzinfo=UTC))
    html = client.get("/customers?last_order_from=1.%2012.%202026", headers={"Accept-Language": "cs"}
                      ).get_data(as_text=True)
    assert f'data-customer-id="{inside.id}"' in html and f'data-customer-id="{outside.id}"' not in html
    assert 'value="1. 12. 2026"' in html  # the input shows the day the Czech way
    bad = client.get("/customers?last_order_from=32.%2012.%202026")
    assert bad.status_code == 400 and "30. 11. 2026" in bad.get_data(as_text=True)


def test_an_amount_that_rounds_to_zero_has_no_minus():
    assert format_money(Decimal("-0.004"), "CZK", "cs") == f"0,00{NBSP}Kč"  # Babel would write -0,00 Kč


@pytest.mark.parametrize("locale", ["cs", "sk", "en", "de", "pl", "hu"])
def test_the_fast_dates_write_what_babel_writes(locale):
    from datetime import time

    from babel import dates as babel_dates

    from app.formats import _day_text, _minute_text

    for day in (date(2026, 1, 5), date(2026, 11, 30), date(1999, 12, 31)):
        assert _day_text(locale, day) == babel_dates.format_date(day, "medium", locale=locale)
    for hour, minute in ((0, 0), (0, 5), (9, 7), (12, 0), (13, 45), (23, 59)):
        assert _minute_text(locale, hour, minute) == babel_dates.format_time(time(hour, minute), "short",
                                                                              locale=locale)


def test_a_czech_page_speaks_czech_and_a_slovak_one_slovak(client, tenant):
    html = client.get("/orders", headers={"Accept-Language": "cs"}).get_data(as_text=True)
    assert "Objednávky" in html and "Žádná objednávka neodpovídá." in html and "Nalezeno: 0" in html
    sk = client.get("/customers", headers={"Accept-Language": "sk"}).get_data(as_text=True)
    assert "Zákazníci" in sk and "Najviac míňajúci" in sk
