"""Tiering scheme plugins. Built-ins live in ``schemes``; others can be added as
classes under the ``crm.tiering_schemes`` entry-point group."""
