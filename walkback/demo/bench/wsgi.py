"""The WSGI application of ``manage.py bench_http``: the project behind gunicorn with the
benchmarks' settings (``bench_site``: the project's URLs plus the bare pages). Never the
application of a running site: only the benchmark command starts it."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "walkback.settings")
application = get_wsgi_application()

from walkback.demo.bench.support import bench_site  # noqa: E402  (needs the app loaded)

bench_site().enable()
