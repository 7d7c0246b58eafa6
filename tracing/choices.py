from django.db import models


class TraceStatus(models.TextChoices):
    COMPLETED = "completed", "Completed"
    NOT_COMPLETED = "not_completed", "Not completed"
    PENDING = "pending", "Pending"
    UNKNOWN = "unknown", "Unknown"


class MentionRole(models.TextChoices):
    PURCHASER = "purchaser", "Purchaser"
    POSSESSOR = "possessor", "Possessor"
