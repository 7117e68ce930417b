from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "walkback.audit"
    label = "audit"
