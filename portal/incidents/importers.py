"""Importers for incident and alert files: registered with portal.imports in ready()."""
