"""Signals other apps may listen to (the incident side knows nothing of its listeners)."""

from django.dispatch import Signal

# Sent after incidents, their persons or alert links were written (inside the
# transaction), with `agency_id`: entity resolution adds their mentions after the commit.
incident_records_saved = Signal()
