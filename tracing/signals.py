"""Signals other apps may listen to (tracing knows nothing of its listeners)."""

from django.dispatch import Signal

# Sent after an e-Trace import has written its rows (inside its transaction), with
# `agency_id`: entity resolution adds the new records' mentions after the commit.
traces_imported = Signal()
