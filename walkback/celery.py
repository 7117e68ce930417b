"""The Celery app, wired the standard way: settings under the CELERY_ namespace, tasks found in
each installed app's ``tasks.py``. Serialisation, acknowledgement and time limits are in
settings.py so they are visible next to everything else.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "walkback.settings")

app = Celery("walkback")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
