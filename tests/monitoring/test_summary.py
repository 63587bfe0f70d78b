"""The monitoring page opens with a summary (healthy or not, and why), errors grouped by cause, readable charts."""

import re
import time

import orjson

from app.monitoring.charts import line_chart
from app.monitoring.errors import recent_errors_key
from app.monitoring.summary import cause_of
from tests.monitoring.conftest import make_run

TRACEBACK = """Run 42 failed: connection to 10.0.0.{n}:5432 refused
Traceback (most recent call last):
  File "app/sync/runner.py", line 12, in run
psycopg.OperationalError: connection refused"""


def _log_errors(redis_client, messages, *, logger="hub.runs", ago=60):
    for message in messages:
        redis_client.lpush(recent_errors_key(), orjson.dumps({"at": time.time() - ago, "process": "w1:1",
                                                            "logger": logger, "message": message}))


def _text(html):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_a_quiet_organization_reads_healthy_first(tenants, login_as):
    html = login_as(tenants["owner"]).get("/monitoring").get_data(as_text=True)
    summary = html.split('id="health-summary"')[1].split("</article>")[0]
    assert 'data-healthy="1"' in html and "Healthy." in summary
    assert html.index('id="health-summary"') < html.index('id="incidents"')


def test_a_failed_run_makes_the_summary_say_why(tenants, db, login_as):
    alpha, _ = tenants["shops"]
    make_run(db.session, alpha, "customers", status="failed", error="Shoptet said 422")
    html = login_as(tenants["owner"]).get("/monitoring").get_data(as_text=True)
    summary = _text(html.split('id="health-summary"')[1].split("</article>")[0])
    assert 'data-healthy="0"' in html and "Needs attention:" in summary
    assert "1 failed run waits for a retry." in summary


def test_errors_are_grouped_by_cause_with_counts(tenants, login_as, redis_client):
    _log_errors(redis_client, [TRACEBACK.format(n=n) for n in range(27)])
    _log_errors(redis_client, ["Webhook for shop 3 had a bad signature"] * 3, logger="hub.webhooks")
    html = login_as(tenants["operator"]).get("/monitoring").get_data(as_text=True)
    groups = re.findall(r'<tr class="error-group" data-count="(\d+)">', html)
    assert groups == ["27", "3"]  # two causes, the most frequent first; not 30 raw exceptions
    summary = _text(html.split('id="health-summary"')[1].split("</article>")[0])
    assert "30 errors logged in the last hour (2 causes)." in summary and "No worker is alive" in summary
    assert "The scheduler is silent" in summary  # none runs in this test
    assert "OperationalError" in html


def test_what_varies_in_a_message_does_not_split_its_cause():
    first, exception = cause_of(TRACEBACK.format(n=1))
    assert (first, exception) == cause_of(TRACEBACK.format(n=200))
    assert exception == "OperationalError" and "N" in first
    assert cause_of("Order 'ABC-1' not found")[0] == cause_of("Order 'XYZ-99' not found")[0]
    assert cause_of("Order not found")[0] != cause_of("Customer not found")[0]


def test_charts_have_labelled_axes():
    start = 1_764_547_200  # 2025-12-01 00:00 UTC
    chart = line_chart("Rows imported per hour", {"rows": [(start + 3600 * h, 1300 * h) for h in range(25)]},
                       start=start, end=start + 24 * 3600, unit="rows")
    assert chart.y_max == 50_000
    assert [tick.label for tick in chart.y_ticks] == ["0", "12.5k", "25k", "37.5k", "50k rows"]
    assert [tick.label for tick in chart.x_ticks] == ["00:00", "04:00", "08:00", "12:00", "16:00", "20:00", "00:00"]
    ys = [tick.at for tick in chart.y_ticks]
    assert ys == sorted(ys, reverse=True)  # bottom to top


def test_chart_times_are_in_the_display_time_zone():
    """The one time zone rule: ticks and the span in the organization's zone (Prague is UTC+1 in December)."""
    from zoneinfo import ZoneInfo

    start = 1_764_547_200  # 2025-12-01 00:00 UTC
    chart = line_chart("Rows", {"rows": [(start, 1.0)]}, start=start, end=start + 24 * 3600,
                       zone=ZoneInfo("Europe/Prague"))
    assert [tick.label for tick in chart.x_ticks] == ["01:00", "05:00", "09:00", "13:00", "17:00", "21:00", "01:00"]
    assert chart.start_label == "Dec 1, 2025, 1:00\u202fAM" and chart.zone.key == "Europe/Prague"
