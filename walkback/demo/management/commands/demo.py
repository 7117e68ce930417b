"""``make demo``: migrate, seed, print the logins, then run the web server, a Celery worker and
Celery beat together on the embedded defaults. Ctrl-C stops all three."""

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from walkback.demo.seed.foundation import DEMO_PASSWORD


def _stop(signum, frame):
    raise KeyboardInterrupt


class Command(BaseCommand):
    help = "Run the whole product locally: web, worker and beat."

    def add_arguments(self, parser):
        parser.add_argument("--addr", default="127.0.0.1:8000")

    def handle(self, *args, addr, **options):
        call_command("migrate", interactive=False, verbosity=0)
        call_command("seed_demo")
        state = settings.BASE_DIR / ".demo"
        state.mkdir(exist_ok=True)
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
            name: subprocess.Popen(command, cwd=settings.BASE_DIR, env=os.environ.copy())  # noqa: S603
            for name, command in commands.items()
        }
        self.stdout.write(self.style.SUCCESS(f"\nWalkBack is running at http://{addr}/"))
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
            for p in processes.values():
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()
