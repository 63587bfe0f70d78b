"""Customers buy by a buy-till-you-die process, some are registered in several shops, consent is recorded."""

from __future__ import annotations

import statistics
from collections import defaultdict

import pytest
from sandbox_client import serving
from sandbox_contract import assert_contract

from sandbox.config import ShopSizes
from sandbox.generator import ShopData, buyers
from sandbox.generator.people import SHARED_EVERY, SHARED_SLOT

DAY = 86400


def hyp2f1(a: float, b: float, c: float, z: float) -> float:
    term = total = 1.0
    k = 0
    while abs(term) > 1e-12 * abs(total) and k < 20000:
        term *= (a + k) * (b + k) / ((c + k) * (k + 1)) * z
        total += term
        k += 1
    return total


def bgnbd_expected(x: int, t_x: float, big_t: float, t: float, r: float, alpha: float, a: float, b: float) -> float:
    """E[repeat purchases in (T, T + t] | x, t_x, T] of BG/NBD (Fader, Hardie & Lee 2005, eq. 10)."""
    z = t / (alpha + big_t + t)
    head = (a + b + x - 1) / (a - 1) * (1 - ((alpha + big_t) / (alpha + big_t + t)) ** (r + x)
                                        * hyp2f1(r + x, b + x, a + b + x - 1, z))
    alive = 1 + (a / (b + x - 1)) * ((alpha + big_t) / (alpha + t_x)) ** (r + x) if x > 0 else 1
    return head / alive


@pytest.fixture(scope="module")
def shop():
    return ShopData(3, 0, ShopSizes.derive(40_000))


@pytest.fixture(scope="module")
def histories(shop) -> dict[int, list[int]]:
    stream = shop.stream
    out = defaultdict(list)
    for i in range(stream.n):
        j = stream.owner(i)
        if j is not None:
            out[j].append(stream.time(i))
    return out


def test_truth_predicts_the_holdout_within_15_percent(shop, histories):
    """Calibrate up to a year before the end; BG/NBD with the documented parameters predicts the last year."""
    cut = shop.base_end - 365 * DAY
    predicted = actual = 0.0
    for times in histories.values():
        first = times[0]
        if first >= cut:
            continue
        calibration = [t for t in times if t < cut]
        x = len(calibration) - 1
        predicted += bgnbd_expected(x, (calibration[-1] - first) / DAY, (cut - first) / DAY, 365,
                                    buyers.R, buyers.ALPHA, buyers.A, buyers.B)
        actual += len(times) - len(calibration)
    assert actual > 500
    assert abs(predicted - actual) / actual < 0.15, (predicted, actual)


def test_rates_are_heterogeneous_and_customers_drop_out(shop, histories):
    counts = [len(t) for t in histories.values()]
    assert sum(1 for c in counts if c == 1) > 0.4 * len(counts)  # many never come back
    old = [t for t in histories.values() if t[0] < shop.base_end - 3 * 365 * DAY]
    repeats = [len(t) - 1 for t in old]  # same exposure (3+ years): a single Poisson rate would give var = mean
    assert statistics.pvariance(repeats) > 2 * statistics.fmean(repeats)
    # Of customers who bought again in their first year, fewer buy in their third: some have dropped out.
    year1 = sum(1 for t in old if any(t[0] < x <= t[0] + 365 * DAY for x in t))
    year3 = sum(1 for t in old if any(t[0] + 730 * DAY < x <= t[0] + 1095 * DAY for x in t))
    assert year3 < 0.75 * year1
    stream = shop.stream
    guests = sum(1 for i in range(stream.n) if stream.owner(i) is None)
    assert 0.15 < guests / stream.n < 0.35


def test_some_people_are_registered_in_several_shops():
    sizes = ShopSizes.derive(3000)
    a, b = ShopData(9, 0, sizes), ShopData(9, 1, sizes)
    emails_b = {b.customers.person(j).email for j in range(b.customers.n)}
    both = [j for j in range(a.customers.n) if a.customers.person(j).email in emails_b]
    assert len(both) > 0.02 * a.customers.n
    assert all(j % SHARED_EVERY == SHARED_SLOT for j in both)
    j = both[0]
    assert a.customers.person(j).full_name == b.customers.person(j).full_name


@pytest.fixture(scope="module")
def sb():
    with serving(seed=31, shops=2, orders=400, bucket_leak=100000) as handle:
        yield handle


def test_newsletter_consent_is_the_mailing_list(sb):
    client = sb.client
    lists = assert_contract(client.get("/api/mailing-lists"), "GET", "/api/mailing-lists")["data"]["mailingLists"]
    assert [m["code"] for m in lists] == ["newsletters"]
    body = assert_contract(client.get("/api/mailing-lists/newsletters"), "GET", "/api/mailing-lists/{code}")["data"]
    emails = [e["email"] for e in body["emails"]]
    total = sb.shops[0]["sizes"]["customers"]
    assert 0.25 * total < body["paginator"]["totalCount"] < 0.6 * total
    for email in emails[:5]:
        found = client.get("/api/customers", params={"email": email}).json()["data"]["customers"]
        assert len(found) == 1
    left = assert_contract(client.get("/api/unsubscribed-emails"), "GET", "/api/unsubscribed-emails")["data"]
    assert left["unsubscribedEmails"] and not {e["email"] for e in left["unsubscribedEmails"]} & set(emails)
    later = left["unsubscribedEmails"][-1]["unsubscribedAt"]
    since = client.get("/api/unsubscribed-emails", params={"from": later}).json()["data"]["unsubscribedEmails"]
    assert [e["unsubscribedAt"] for e in since] == [later]
    changes = client.get("/api/mailing-lists/newsletters/changes", params={"from": "2020-01-01T00:00:00+0100"})
    assert_contract(changes, "GET", "/api/mailing-lists/{code}/changes")
    missing = client.get("/api/mailing-lists/nope")
    assert missing.status_code == 404
    assert_contract(missing, "GET", "/api/mailing-lists/{code}")


def test_truth_endpoint(sb):
    eshop_id = sb.shops[0]["eshop_id"]
    truth = sb.truth(eshop_id)
    params = truth["customers"]
    assert (params["r"], params["a"], params["b"]) == (buyers.R, buyers.A, buyers.B)
    assert abs(params["alpha"] * params["rateSpeed"] - buyers.ALPHA) < 1e-6 and params["rateSpeed"] < 1.1
    assert params["registeredOrders"] + params["guestOrders"] == 400
    order = next(o for o in sb.client.get("/api/orders").json()["data"]["orders"] if o["customerGuid"])
    one = sb.truth(eshop_id, customer=order["customerGuid"])
    assert one["buys"] and one["purchases"] >= 1 and one["lambdaPerDay"] >= 0 and 0 < one["dropout"] < 1
    guests = [o for o in sb.client.get("/api/orders", params={"page": 2}).json()["data"]["orders"]
              if o["customerGuid"] is None]
    assert guests and all(o["email"] for o in guests)
