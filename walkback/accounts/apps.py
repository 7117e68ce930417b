from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "walkback.accounts"
    label = "accounts"
