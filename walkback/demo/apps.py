from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data, the demo runner and the benchmark commands: the top layer, which may use
    every app and which no app uses (pyproject.toml, import-linter contract)."""

    name = "walkback.demo"
    label = "demo"
