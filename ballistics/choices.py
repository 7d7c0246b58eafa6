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
