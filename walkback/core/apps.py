from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate


class CoreConfig(AppConfig):
    name = "walkback.core"
    label = "core"

    def ready(self):
        from walkback.core import checks  # noqa: F401 - registers the deployment checks
        from walkback.core.db_roles import grants_after_migrate

        # Once per migrate run, after every app's migrations: the app role's grants (sent
        # for each app with models; audit's is the one listened to).
        post_migrate.connect(grants_after_migrate, sender=apps.get_app_config("audit"))
