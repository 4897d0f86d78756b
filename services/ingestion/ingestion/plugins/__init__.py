"""Built-in ingestion plugins.

Entry points (see the service's packaging):
- ``crm.normalizers``: classes in :mod:`ingestion.plugins.normalizers`

Reading list files (CSV, XLSX, JSON) is the CLI's job (``crm_cli.listfiles``): the
service only ever receives records.
"""
