"""The portal: the Django project and the platform every app stands on."""

from portal.celery import app as celery_app

__all__ = ["celery_app"]
