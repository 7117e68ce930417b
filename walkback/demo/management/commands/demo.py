"""``make demo``: migrate, seed, print the logins, then run the web server, a Celery worker and
Celery beat together on the embedded defaults. Ctrl-C stops all three.

``--addr HOST:PORT`` is where the web server listens, and (unless ``SITE_URL`` is set in the
environment) where the links in e-mails point: invitations, password resets and reminders are
built on ``SITE_URL`` (README, "Configuration"), so a demo opened from a phone on the same
network gets links that work on that phone. The host is added to the allowed hosts too.
"""

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from walkback.demo.push_keys import demo_vapid_environment
from walkback.demo.seed.foundation import DEMO_PASSWORD


def _stop(signum, frame):
    raise KeyboardInterrupt


# runserver's own reading of "addr", "port", "host:port" or "[ipv6]:port".
ADDR = re.compile(r"^(?:(?P<host>\[[0-9a-fA-F:.]+\]|[^:\[\]]+):)?(?P<port>\d+)$")
# Listening on every address says nothing about the address others use to reach it.
ANY_ADDRESS = {"0.0.0.0", "[::]", "0"}  # noqa: S104 - compared with, never bound to


def demo_environment(addr: str, environ: Mapping[str, str]) -> dict[str, str]:
    """The environment of the web server, worker and beat: ``SITE_URL`` points at ``addr``
    unless the environment sets it, and the host is allowed."""
    match = ADDR.match(addr)
    if match is None:
        raise CommandError(f"--addr must be HOST:PORT or PORT, not {addr!r}.")
    host = match["host"] or "127.0.0.1"
    env = dict(environ)
    if not env.get("SITE_URL"):
        reachable = "127.0.0.1" if host in ANY_ADDRESS else host
        env["SITE_URL"] = f"http://{reachable}:{match['port']}"
    allowed = env.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
    allowed += [host.strip("[]"), urlsplit(env["SITE_URL"]).hostname or ""]
    allowed = [h for h in allowed if h not in ANY_ADDRESS and h not in ("::", "")]
    env["DJANGO_ALLOWED_HOSTS"] = ",".join(dict.fromkeys(h.strip() for h in allowed if h.strip()))
    return env


class Command(BaseCommand):
    help = "Run the whole product locally: web, worker and beat."

    def add_arguments(self, parser):
        parser.add_argument("--addr", default="127.0.0.1:8000")

    def handle(self, *args, addr, **options):
        env = demo_environment(addr, os.environ)
        # The seed runs in this process: its e-mails get the same links as the children's.
        settings.SITE_URL = env["SITE_URL"]
        call_command("migrate", interactive=False, verbosity=0)
        call_command("seed_demo")
        state = settings.BASE_DIR / ".demo"
        state.mkdir(exist_ok=True)
        env.update(demo_vapid_environment(state, env))  # web push works in the demo too
        python = sys.executable
        commands = {
            "web": [python, "manage.py", "runserver", addr, "--noreload"],
            "worker": [
                python,
                "-m",
                "celery",
                "-A",
                "walkback",
                "worker",
                "--loglevel=INFO",
                "--concurrency=2",
                "--pool=threads",
                f"--queues={settings.WALKBACK_QUEUES}",
            ],
            "beat": [
                python,
                "-m",
                "celery",
                "-A",
                "walkback",
                "beat",
                "--loglevel=INFO",
                f"--schedule={state / 'celerybeat-schedule'}",
            ],
        }
        # Ctrl-C and `kill` both stop all three. Install the handlers ourselves: a shell that
        # starts the demo in the background leaves SIGINT ignored, and SIGTERM's default
        # would leave the children running.
        signal.signal(signal.SIGINT, _stop)
        signal.signal(signal.SIGTERM, _stop)
        processes = {
            name: subprocess.Popen(command, cwd=settings.BASE_DIR, env=env)  # noqa: S603
            for name, command in commands.items()
        }
        self.stdout.write(self.style.SUCCESS(f"\nWalkBack is running at http://{addr}/"))
        self.stdout.write(f"Links in e-mails point at {env['SITE_URL']}/")
        if ADDR.match(addr)["host"] in ANY_ADDRESS:  # type: ignore[index]
            self.stdout.write(
                "To open it from a phone, run it again with --addr set to this computer's "
                "address on your network (for example --addr 192.168.1.20:8000)."
            )
        self.stdout.write("Log in as admin@demo.test, physio@demo.test or patient@demo.test")
        self.stdout.write(f"with the password {DEMO_PASSWORD}. Press Ctrl-C to stop.\n")
        try:
            while all(p.poll() is None for p in processes.values()):
                time.sleep(0.5)
            stopped = [name for name, p in processes.items() if p.poll() is not None]
            self.stderr.write(f"{', '.join(stopped)} stopped; stopping the rest.")
        except KeyboardInterrupt:
            self.stdout.write("\nStopping…")
        finally:
            for p in processes.values():
                if p.poll() is None:
                    p.send_signal(signal.SIGTERM)
            # A loaded machine can take a while to stop a worker; one that does not stop is
            # killed and waited for, so nothing of the demo outlives it.
            for p in processes.values():
                try:
                    p.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait(timeout=10)
