"""Built-in ingestion plugins.

Entry points (see the service's packaging):
- ``crm.normalizers``: classes in :mod:`ingestion.plugins.normalizers`
- ``crm.intake_adapters``: classes in :mod:`ingestion.plugins.adapters`
"""
