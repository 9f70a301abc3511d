"""HR import: read CSV / XLSX / Entra ID JSON, plan the changes, apply them atomically.

``readers`` turns bytes into tables, ``columns`` knows the template, ``plan`` compares the rows with
what is stored and lists errors and changes; :mod:`veikart.organisations.services` applies a plan.
"""
