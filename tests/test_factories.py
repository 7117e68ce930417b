"""Every factory builds a row the database accepts, with nothing but its defaults."""

import pytest
from django.apps import apps

from walkback.demo import factories

FACTORIES = [
    value
    for value in vars(factories).values()
    if isinstance(value, type)
    and issubclass(value, factories.factory.django.DjangoModelFactory)
    and value is not factories.factory.django.DjangoModelFactory
    and not value._meta.abstract
]
PRODUCT_APPS = ["core", "accounts", "audit", "patients", "coaching", "reports"]


def test_every_model_of_the_product_has_a_factory():
    covered = {f._meta.model for f in FACTORIES}
    models = {m for label in PRODUCT_APPS for m in apps.get_app_config(label).get_models()}
    assert models - covered == set()


@pytest.mark.django_db
@pytest.mark.parametrize("factory_class", FACTORIES, ids=lambda f: f.__name__)
def test_a_factory_makes_a_valid_row(factory_class):
    row = factory_class()
    row.validate_constraints()  # SQLite does not check all of them itself
    assert type(row).objects.filter(pk=row.pk).exists()
