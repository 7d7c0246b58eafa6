"""Choices of the incident side: person roles, alert types, link rules."""

from django.db import models


class PersonRole(models.TextChoices):
    VICTIM = "victim", "Victim"
    SUSPECT = "suspect", "Suspect"
    WITNESS = "witness", "Witness"
    ARRESTEE = "arrestee", "Arrestee"
    OTHER = "other", "Other"


class AlertType(models.TextChoices):
    SINGLE_GUNSHOT = "single_gunshot", "Single gunshot"
    MULTIPLE_GUNSHOTS = "multiple_gunshots", "Multiple gunshots"
    GUNSHOT_OR_FIRECRACKER = "gunshot_or_firecracker", "Gunshot or firecracker"
    OTHER = "other", "Other"


class ReceivedVia(models.TextChoices):
    FILE = "file", "Imported file"
    FEED = "feed", "Live feed"
    DEMO = "demo", "Demo data"


class LinkRule(models.TextChoices):
    RADIUS_WINDOW = "radius_window", "Within radius and time window"
    SAME_DAY = "same_day", "Date only: same day, within radius"
    CLUSTER = "cluster", "Alerts close in space and time (one shooting)"
