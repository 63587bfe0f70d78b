"""Snapshot endpoints (202 + jobId), job detail/list and result-file downloads."""

from __future__ import annotations

from flask import Blueprint, abort, g, request, send_file

from sandbox.api import ApiError, arg, dt_arg, envelope, include_arg, page_args
from sandbox.routes import language
from sandbox.routes.orders import order_filter
from sandbox.routes.products import product_filters
from sandbox.snapshots import JobError

bp = Blueprint("jobs", __name__)
JOB_STATUSES = ("pending", "running", "completed", "failed", "expired", "killed")


def _require_job_webhook() -> None:
    if g.sandbox.hub.hook_for(g.eshop_id, "job:finished") is None:
        # Shoptet answers 403 and queues nothing; the exact errorCode is not
        # documented (UNCERTAIN).
        raise ApiError(403, "webhook-not-registered",
                       "Webhook for job:finished is not registered. Register it to use asynchronous requests.",
                       "job:finished")


def _submit(producer, lang: str | None = None):
    job = g.sandbox.jobs.submit(g.eshop_id, request.full_path.rstrip("?"), lang, producer)
    # Spec: 202 Accepted.  The Postman collection shows 200 for the snapshot
    # endpoints; we follow the spec.
    return envelope({"jobId": job.job_id}, status=202)


@bp.get("/api/orders/snapshot")
def orders_snapshot():
    f, include = order_filter(), include_arg()
    _require_job_webhook()
    store = g.store

    def produce():
        selection = store.orders.select(f)
        return len(selection), (store.orders.record(i, include) for i in selection)

    return _submit(produce)


@bp.get("/api/customers/snapshot")
def customers_snapshot():
    filters = {"created_from": dt_arg("creationTimeFrom"), "created_to": dt_arg("creationTimeTo"),
               "changed_from": dt_arg("changeTimeFrom"), "changed_to": dt_arg("changeTimeTo")}
    _require_job_webhook()
    store = g.store

    def produce():
        selection = store.customers.select(**filters)
        return len(selection), (store.customers.detail(j) for j in selection)

    return _submit(produce)


@bp.get("/api/credit-notes/snapshot")
def credit_notes_snapshot():
    created = {"created_from": dt_arg("creationTimeFrom"), "created_to": dt_arg("creationTimeTo")}
    changed_from, changed_to = dt_arg("changeTimeFrom"), dt_arg("changeTimeTo")
    _require_job_webhook()
    notes = g.store.credit_notes

    def produce():
        selection = [k for k in notes.select(**created)
                     if (changed_from is None or notes.changed_at(k) >= changed_from)
                     and (changed_to is None or notes.changed_at(k) <= changed_to)]
        return len(selection), (notes.detail(k) for k in selection)

    return _submit(produce)


@bp.get("/api/products/snapshot")
def products_snapshot():
    lang, include, filters = language(), include_arg(), product_filters()
    for module_include in ("consumptionTax",):
        if module_include in include:
            raise ApiError(403, "missing-module", f'Unable to process request with {module_include} include as '
                           f'"{module_include}" module is not active.', module_include)
    _require_job_webhook()
    store = g.store

    def produce():
        selected = store.products.select(lang, **filters)
        return len(selected), (store.products.detail(p, lang, include) for p in selected)

    return _submit(produce, lang if arg("language") else None)


@bp.get("/api/system/jobs/<job_id>")
def job_detail(job_id: str):
    sandbox = g.sandbox
    try:
        job = sandbox.jobs.detail(g.eshop_id, job_id)
    except JobError as exc:
        raise ApiError(exc.status, exc.code, exc.message, exc.instance) from None
    return envelope({"job": job.as_detail(sandbox.shop_url(g.eshop_id) + "/api-results")})


@bp.get("/api/system/jobs")
def job_list():
    status = arg("status")
    if status is not None and status not in JOB_STATUSES:
        raise ApiError(400, "invalid-parameter", 'Invalid "status" parameter.', "status")
    bounds = {name: dt_arg(name) for name in ("creationTimeFrom", "creationTimeTo", "completionTimeFrom",
                                                "completionTimeTo")}
    jobs = []
    for job in g.sandbox.jobs.jobs(g.eshop_id):
        if status is not None and job.status != status:
            continue
        if bounds["creationTimeFrom"] is not None and job.created < bounds["creationTimeFrom"]:
            continue
        if bounds["creationTimeTo"] is not None and job.created > bounds["creationTimeTo"]:
            continue
        done = job.completed
        if bounds["completionTimeFrom"] is not None and (done is None or done < bounds["completionTimeFrom"]):
            continue
        if bounds["completionTimeTo"] is not None and (done is None or done > bounds["completionTimeTo"]):
            continue
        jobs.append(job)
    page = page_args(100, 500)
    page.check(len(jobs))
    chunk = jobs[page.offset:page.offset + page.per_page]
    return envelope({"jobs": [j.as_list_item() for j in chunk], "paginator": page.paginator(len(jobs), len(chunk))})


@bp.get("/shops/<int:eshop_id>/api-results/<name>")
def result_file(eshop_id: int, name: str):
    """The file behind `resultUrl`: served without authentication, like Shoptet's."""
    path = g.sandbox.jobs.result_path(eshop_id, name)
    if path is None:
        abort(404)
    # Named .json but gzip-compressed, without Content-Encoding (clients must gunzip
    # themselves; UNCERTAIN what content type Shoptet sends).
    return send_file(path, mimetype="application/json", conditional=False, etag=False)
