import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.base")
application = get_wsgi_application()
get_resolver().url_patterns  # noqa: B018 - the URL conf and its views, loaded now
# What the server loaded at start (Django, the apps, the views, numpy, pandas, plotly)
# leaves the collector's generations: a full collection then walks only what requests
# made. Walking the hundreds of thousands of objects loaded once took 110 to 155 ms,
# one request in eighty of the state-scale case dashboard; frozen, 5 to 8 ms. Python's
# documentation advises it for a server that forks its workers (copy-on-write).
gc.freeze()
