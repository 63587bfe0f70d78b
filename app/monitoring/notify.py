"""Deliver an alert: e-mail over SMTP and/or a JSON POST to a webhook URL.

Where an alert goes: incidents of an organization (its shops' syncs) to that organization's `alert_email`
and `alert_webhook_url` settings, and every incident to the operators (HUB_OPS_ALERT_EMAIL,
HUB_OPS_ALERT_WEBHOOK_URL). A URL an organization entered is checked before the hub POSTs to it: in
production it must be https and must not resolve to a loopback, private or link-local address (the hub
must not become a way into its own network).
"""

from __future__ import annotations

import ipaddress
import smtplib
import socket
from dataclasses import dataclass, field
from email.message import EmailMessage
from urllib.parse import urlsplit

import httpx
from flask_babel import gettext as _

TIMEOUT_SECONDS = 10.0


class DeliveryError(RuntimeError):
    """An alert could not be delivered to at least one destination."""


@dataclass
class Destinations:
    emails: list[str] = field(default_factory=list)
    webhooks: list[tuple[str, bool]] = field(default_factory=list)  # (url, trusted: configured by ops)

    def __bool__(self) -> bool:
        return bool(self.emails or self.webhooks)


def split_addresses(value: str) -> list[str]:
    return [address.strip() for address in value.replace(";", ",").split(",") if address.strip()]


def check_webhook_url(url: str, *, production: bool) -> None:
    """Refuse URLs that would make the hub call into its own network (the reason in the request's language: the
    settings page shows it)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise DeliveryError(_("%(url)s is not an http(s) URL.", url=repr(url)))
    if not production:
        return
    if parts.scheme != "https":
        raise DeliveryError(_("Alert webhooks must use https."))
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(parts.hostname, parts.port or 443)}
    except socket.gaierror as exc:
        raise DeliveryError(_("%(host)s does not resolve: %(error)s", host=parts.hostname, error=exc)) from exc
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%")[0])
        if not ip.is_global:
            raise DeliveryError(_("%(host)s resolves to %(address)s, which is not a public address.",
                                  host=parts.hostname, address=ip))


def send_email(config, recipients: list[str], subject: str, body: str) -> None:
    if not config.get("SMTP_HOST"):
        raise DeliveryError("SMTP_HOST is not set, so alert e-mails cannot be sent.")
    message = EmailMessage()
    message["From"] = config["SMTP_FROM"]
    message["To"] = ", ".join(recipients)
    message["Subject"] = subject
    message.set_content(body)
    try:
        with smtplib.SMTP(config["SMTP_HOST"], int(config["SMTP_PORT"]), timeout=TIMEOUT_SECONDS) as smtp:
            smtp.ehlo()
            if config.get("SMTP_STARTTLS") and smtp.has_extn("starttls"):
                smtp.starttls()
                smtp.ehlo()
            if config.get("SMTP_USER"):
                smtp.login(config["SMTP_USER"], config["SMTP_PASSWORD"])
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise DeliveryError(f"SMTP {config['SMTP_HOST']}:{config['SMTP_PORT']}: {exc}") from exc


def post_webhook(url: str, payload: dict, *, trusted: bool, production: bool) -> None:
    if not trusted:
        check_webhook_url(url, production=production)
    try:
        response = httpx.post(url, json=payload, timeout=TIMEOUT_SECONDS, follow_redirects=False)
    except httpx.HTTPError as exc:
        raise DeliveryError(f"webhook {urlsplit(url).hostname}: {exc}") from exc
    if response.status_code >= 300:
        raise DeliveryError(f"webhook {urlsplit(url).hostname} answered {response.status_code}")


def deliver(config, destinations: Destinations, subject: str, body: str, payload: dict) -> tuple[int, list[str]]:
    """Try every destination: (how many got the alert, errors of those that did not)."""
    delivered, errors = 0, []
    if destinations.emails:
        try:
            send_email(config, destinations.emails, subject, body)
            delivered += 1
        except DeliveryError as exc:
            errors.append(str(exc))
    production = config.get("HUB_ENV") == "production"
    for url, trusted in destinations.webhooks:
        try:
            post_webhook(url, payload, trusted=trusted, production=production)
            delivered += 1
        except DeliveryError as exc:
            errors.append(str(exc))
    return delivered, errors
