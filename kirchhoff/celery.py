"""The Celery app. With no broker configured, settings make tasks run eagerly."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kirchhoff.settings")

app = Celery("kirchhoff")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["tutor"])
