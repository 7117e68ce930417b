from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "walkback.core"
    label = "core"

    def ready(self):
        from walkback.core import checks  # noqa: F401 - registers the deployment checks
