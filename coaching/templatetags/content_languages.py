"""Tags for the clinic's own content in other languages (docs/content-languages.md)."""

from __future__ import annotations

from django import template

from coaching.content import other_languages

register = template.Library()


@register.simple_tag
def topic_language_tabs(topic, active=""):
    """The language tabs of a topic's pages; ``active`` empty is the clinic's own language."""
    from coaching.content_views import topic_language_tabs as tabs
    from walkback.accounts.languages import clinic_language

    return tabs(topic, active or clinic_language(topic.clinic))


@register.simple_tag
def screening_other_languages(clinic):
    """The clinic's other languages, for the link to write its screening conditions in them."""
    return other_languages(clinic)
