"""Spreadsheet exports for admins: the tables, and their XLSX and CSV writers.

Nothing here imports a channel: the core (/export) and the command line (python -m bot export)
both call report.write_export.
"""
