"""`GET /_sandbox/truth`: the parameters that made a shop's data, for tests that check predictions.

Everything here is also written down in sandbox/README.md; this endpoint adds the
per-shop values (q, counts) that depend on the shop's sizes.
"""

from __future__ import annotations

from collections import Counter

from sandbox.generator import buyers, calendar, catalog, demand, people, pool, returns, stocklog, supply, words


def truth_of(data) -> dict:
    stream = data.stream
    shares = Counter(p.share for p in data.catalog.products)
    return {
        "customers": {**stream.summary(), "customers": data.customers.n,
                      "buyingCustomers": sum(1 for j in range(data.customers.n) if stream.buys[j] < stream.q),
                      "consentShare": people.CONSENT, "unsubscribedShare": people.UNSUBSCRIBED,
                      "sharedPersonEvery": people.SHARED_EVERY, "sharedPersonSlot": people.SHARED_SLOT,
                      "sharedPersonChance": people.SHARED_CHANCE},
        "seasonality": {"weekly": list(calendar.WEEKLY), "yearlyMonths": list(calendar.YEARLY_MONTHS),
                        "hourly": list(calendar.HOURLY), "growthPower": calendar.GROWTH_POWER,
                        "categoryMonths": {name[3]: list(months) for name, months in
                                           zip(words.CATEGORIES, calendar.CATEGORY_MONTHS, strict=True)}},
        "demand": {"popularity": "lognormal(0, 1.3) per pool item x lognormal(0, 0.35) per shop",
                   "launchAmplitude": demand.LAUNCH_AMP, "launchDays": demand.LAUNCH_DAYS,
                   "promotionsPerYear": catalog.PROMOS_PER_YEAR, "promotionBoost": "1 + 6 x discount"},
        "supply": {"coverDays": list(supply.COVER_DAYS), "safetyDays": list(supply.SAFETY_DAYS),
                   "cycleDays": [supply.MIN_CYCLE_DAYS, supply.MAX_CYCLE_DAYS],
                   "suppliers": [{"name": name, "leadTimeDays": lead, "lateChance": late, "margin": margin}
                                 for name, (lead, late, margin) in zip(words.SUPPLIERS, pool.SUPPLIER_TERMS,
                                                                       strict=True)],
                   "stockLogRetentionDays": stocklog.RETENTION_DAYS},
        "catalog": {"products": len(data.catalog.products), "variants": len(data.catalog.variants),
                    "sameCodes": shares["code"], "sameEansOwnCodes": shares["ean"], "ownGoods": shares["unique"]},
        "returns": {"rate": returns.RETURN_RATE, "allLines": returns.ALL_LINES},
        "registeredShare": buyers.REGISTERED_SHARE,
    }

