"""Shared runtime of the customer-pool services (kept small on purpose)."""
