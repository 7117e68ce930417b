from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate


class CoreConfig(AppConfig):
    name = "walkback.core"
    label = "core"

    def ready(self):
        from walkback.core import checks  # noqa: F401 - registers the deployment checks
        from walkback.core.db_roles import grants_after_migrate

        # Once per migrate run, after every app's migrations: the app role's grants. (Django
        # sends post_migrate only for apps with models; this one has none, audit has.)
        post_migrate.connect(grants_after_migrate, sender=apps.get_app_config("audit"))
