"""Webhook registrations (`/webhooks`): few, kept in memory."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field


@dataclass
class Webhook:
    id: int
    name: str
    status: str  # active | paused | disabled
    topic: str
    delivery_url: str
    secret: str
    created: int
    modified: int
    user_id: int = 1
    failure_count: int = 0
    deliveries: list[dict] = field(default_factory=list)  # the newest delivery log entries

    @property
    def resource(self) -> str:
        return self.topic.split(".", 1)[0]

    @property
    def event(self) -> str:
        return self.topic.split(".", 1)[1] if "." in self.topic else ""


class WebhookTable:
    def __init__(self):
        self.lock = threading.RLock()
        self.items: dict[int, Webhook] = {}
        self._next = 0

    def new_id(self) -> int:
        with self.lock:
            self._next += 1
            return self._next

    def matching(self, topic: str) -> list[Webhook]:
        with self.lock:
            return [w for w in self.items.values() if w.status == "active" and w.topic == topic]
