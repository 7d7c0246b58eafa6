from django.db import models


class CaseStatus(models.TextChoices):
    OPEN = "open", "Open"
    SUSPENDED = "suspended", "Suspended"
    CLOSED = "closed", "Closed"
