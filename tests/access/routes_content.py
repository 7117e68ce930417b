"""The clinic's own content in other languages (docs/content-languages.md): any of the
clinic's staff, like the library and programme settings; another clinic's topic is a 404."""

from tests.access.spec import STAFF, Route


def _topic_in_chinese(staff):
    from coaching.models import EducationTopic

    topic, _ = EducationTopic.objects.get_or_create(
        clinic=staff.clinic, slug="matrix-topic", defaults={"title": "Topic", "body": "Text"}
    )
    return {"pk": topic.pk, "language": "zh-hans"}


ROUTES = {
    "coaching:topic-translation": Route(roles=STAFF, for_staff=_topic_in_chinese),
    "coaching:screening-languages": Route(roles=STAFF),
}
