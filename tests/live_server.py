"""The browser tests' live server on SQLite: one request at a time.

Django shares SQLite's in-memory test database with the live server as ONE connection used by
every request thread. Until the service worker (docs/offline.md) a page made one request at a
time; now it fetches the home and "Log a walk" in the background while the page loads another,
and two threads on one SQLite connection can hang for good. PostgreSQL gives each thread its
own connection and keeps the threaded server as it is."""

from __future__ import annotations

import threading

from django.core.servers.basehttp import ThreadedWSGIServer


class OneRequestAtATimeServer(ThreadedWSGIServer):
    """Connections are still threaded (keep-alive works); the application runs under a lock."""

    def set_app(self, application):
        lock = threading.Lock()

        def serialized(environ, start_response):
            with lock:
                response = application(environ, start_response)
                try:
                    return [b"".join(response)]
                finally:
                    if hasattr(response, "close"):
                        response.close()

        super().set_app(serialized)
