"""The kinds of background jobs the ledger runs (app/sync/jobs.py says how a job is written).

One line per kind, added by the feature that owns it; the function is named by its dotted path so the core
imports no feature until a job of that kind runs.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class JobKind:
    kind: str  # the ledger's kind (one active run per shop and kind)
    title: str  # for people: "Texts pushed to the shop"
    queue: str  # a queue of app/queues.py
    function: str  # "package.module:function", taking a JobContext and returning its stats


JOB_KINDS: dict[str, JobKind] = {job.kind: job for job in (
    JobKind("texts_push", "Texts pushed to the shop", "translations", "app.catalog.push:push_texts"),
    JobKind("texts_suggest", "Texts suggested by machine translation", "translations",
            "app.catalog.suggest:suggest_texts"),
    JobKind("inventory_refresh", "Inventory metrics and forecasts", "analytics", "app.inventory.tasks:refresh_job"),
    JobKind("customer_analytics", "Customer analytics refreshed", "analytics", "app.analytics.refresh:refresh_job"),
    JobKind("master_apply", "Master shop's rules applied", "master", "app.master.jobs:apply_master_rules"),
)}
