from django.db import models


class EvidenceKind(models.TextChoices):
    SCENE_CASING = "scene_casing", "Scene casing"
    TEST_FIRE = "test_fire", "Test-fire of a recovered firearm"


class FiringPinShape(models.TextChoices):
    UNKNOWN = "", "Unknown"
    HEMISPHERICAL = "hemispherical", "Hemispherical"
    RECTANGULAR = "rectangular", "Rectangular"
    ELLIPTICAL = "elliptical", "Elliptical"
    OTHER = "other", "Other"


class Decision(models.TextChoices):
    PENDING = "pending", "Not reviewed"
    POTENTIAL_LEAD = "potential_lead", "Potential lead"
    NOT_A_MATCH = "not_a_match", "Not a match"
    INCONCLUSIVE = "inconclusive", "Inconclusive"
    CONFIRMED = "confirmed", "Confirmed match"
