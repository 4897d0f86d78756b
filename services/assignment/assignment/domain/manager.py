"""A maintainer on the roster: the one shape assignment uses (pure).

The database keys a maintainer by `_id`; everything above the storage layer (the
domain, the strategies, the metrics, the RPC answers) says `id`. The storage layer
converts in one place (storage.manager_of / manager_doc), so no other module renames.
Frozen: a unit of work replaces a maintainer when a seat is taken or given back, so
the value read stays available for the compare-and-set on commit.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


def utilisation(load: int, capacity: int) -> float:
    """Load divided by capacity; a maintainer of capacity 0 counts as capacity 1."""
    return load / max(capacity, 1)


@dataclass(frozen=True)
class Manager:
    id: str
    role: str | None
    branch: str | None
    capacity: int = 0
    active: bool = False
    load: int = 0
    name: str = ""
    last_assigned_at: datetime | None = None

    @property
    def utilisation(self) -> float:
        return utilisation(self.load, self.capacity)

    def has_room(self) -> bool:
        return self.active and self.load < self.capacity

    def __getitem__(self, key: str) -> Any:
        """Mapping-style reading of the same fields (`m["load"]`), so a strategy plugin or
        a check written against the former dict keeps working; there is no `_id` key."""
        if key not in self.__dataclass_fields__:
            raise KeyError(key)
        return getattr(self, key)

    def listing(self) -> dict[str, Any]:
        """The `managers_list` answer's fields, in their order."""
        return {"id": self.id, "name": self.name, "role": self.role, "branch": self.branch,
                "capacity": self.capacity, "active": self.active, "load": self.load}
