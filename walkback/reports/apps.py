from django.apps import AppConfig


class ReportsConfig(AppConfig):
    """The clinic admin's area: clinic figures and exports."""

    name = "walkback.reports"
    label = "reports"
