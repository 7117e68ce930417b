"""The compose file keeps the production shape the README promises."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def test_compose_runs_web_worker_one_beat_postgres_and_redis_from_one_image():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"web", "worker", "worker-reports", "beat", "db", "redis"} <= services.keys()
    # Reminders and reports are served by different workers (issue 16).
    assert "--queues=celery" in services["worker"]["command"]
    assert "--queues=reports" in services["worker-reports"]["command"]
    images = {services[name]["image"] for name in ("web", "worker", "beat")}
    assert images == {"walkback:latest"}
    for name in ("web", "worker", "db", "redis"):
        assert "healthcheck" in services[name], name
    assert services["beat"]["deploy"]["replicas"] == 1
    assert "gunicorn" in (ROOT / "Dockerfile").read_text()
    assert {"pgdata", "redisdata"} <= compose["volumes"].keys()
    assert all(services[name]["env_file"] == ".env" for name in ("web", "worker", "beat"))


def test_env_example_names_every_production_setting():
    example = (ROOT / ".env.example").read_text()
    for name in (
        "DJANGO_SECRET_KEY",
        "DJANGO_ALLOWED_HOSTS",
        "DATABASE_URL",
        "REDIS_URL",
        "EMAIL_URL",
    ):
        assert f"{name}=" in example
