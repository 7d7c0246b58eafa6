"""Casing and test-fire evidence, the correlation engine, candidate review, matches."""
