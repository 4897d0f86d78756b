"""Pure domain core of tiering: rules documents (per-branch parameters and their
version) and the bookkeeping around a decision (direction of a move, downgrade
grace). Nothing here does I/O, so every rule can be pinned by unit tests.
"""
