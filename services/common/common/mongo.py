"""MongoDB access for nameko services: one client per container, one database per service."""
from __future__ import annotations

from typing import Any, Callable

from nameko.extensions import DependencyProvider
from pymongo import MongoClient
from pymongo.database import Database


def database_name(config: dict, service: str) -> str:
    return config.get("MONGO_DATABASE") or f"crm_{service}"


def connect(config: dict, service: str) -> Database:
    """A database handle; each service owns its database and nobody else writes it."""
    # retryWrites is left to the URI (driver default: on); the embedded stack turns it
    # off, see tools/stack (EMBEDDED_MONGO_URI).
    client = MongoClient(config["MONGO_URI"], serverSelectionTimeoutMS=5000,
                         connectTimeoutMS=5000, tz_aware=True)
    return client[database_name(config, service)]


class MongoStore(DependencyProvider):
    """Gives workers the service's storage object, built once over its own database.

    `factory(db)` is the service's storage class: it creates its indexes on start-up
    and offers domain-shaped methods, so handlers never see pymongo.
    """

    def __init__(self, factory: Callable[[Database], Any]):
        self.factory = factory
        self.store = None

    def setup(self) -> None:
        db = connect(self.container.config, self.container.service_name)
        self.store = self.factory(db)
        ensure = getattr(self.store, "ensure_indexes", None)
        if ensure:
            ensure()

    def stop(self) -> None:
        if self.store is not None:
            self.store.db.client.close()

    def get_dependency(self, worker_ctx) -> Any:
        return self.store
