"""Reporting: the maintenance KPI read model (issue 20), built from the pipeline's events."""
