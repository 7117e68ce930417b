"""Education topics written per language (docs/content-languages.md): staff write a topic's
text in the clinic's other languages; a patient reads their language, else the clinic's own
text with a note naming both languages."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from coaching.content_models import EducationTopicTranslation
from coaching.services.content import education_topic_translate
from tests.factories import CoachingSessionFactory, EducationTopicFactory
from tests.patients.conftest import in_programme
from walkback.audit.models import AuditAction, AuditEvent
from walkback.demo.factories import EducationTopicTranslationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def patient(world):
    return in_programme(world.patient_a, days=40)


def reads_in(patient, language):
    patient.user.language = language
    patient.user.save(update_fields=["language"])
    return patient


def test_staff_write_a_topic_in_another_language_and_it_is_audited(world):
    topic = EducationTopicFactory(clinic=world.clinic_a, title="Moving is safe")
    row = education_topic_translate(
        clinic=world.clinic_a,
        by=world.physio_a,
        topic=topic,
        language="zh-hans",
        title=" 活动是安全的 ",
        summary="步行是安全的。",
        body="您的脊柱很强壮。",
    )
    assert (row.title, row.language) == ("活动是安全的", "zh-hans")
    education_topic_translate(
        clinic=world.clinic_a,
        by=world.admin_a,
        topic=topic,
        language="zh-hans",
        title="活动是安全的",
        body="新的文字。",
    )
    row.refresh_from_db()
    assert row.body == "新的文字。" and row.summary == ""
    actions = list(
        AuditEvent.objects.filter(object_type="coaching.EducationTopicTranslation")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == [AuditAction.CREATE, AuditAction.UPDATE]


def test_emptying_every_box_removes_the_language(world):
    row = EducationTopicTranslationFactory(topic__clinic=world.clinic_a, language="ar")
    assert (
        education_topic_translate(
            clinic=world.clinic_a,
            by=world.physio_a,
            topic=row.topic,
            language="ar",
            title="",
            body="",
        )
        is None
    )
    assert not EducationTopicTranslation.objects.exists()
    assert AuditEvent.objects.filter(
        object_type="coaching.EducationTopicTranslation", action=AuditAction.DELETE
    ).exists()


def test_a_title_without_text_is_refused(world):
    topic = EducationTopicFactory(clinic=world.clinic_a)
    with pytest.raises(ValidationError) as error:
        education_topic_translate(
            clinic=world.clinic_a,
            by=world.physio_a,
            topic=topic,
            language="ar",
            title="عنوان",
            body="",
        )
    assert set(error.value.message_dict) == {"body"}
    assert not EducationTopicTranslation.objects.exists()


def test_another_clinics_topic_or_staff_are_refused(world):
    topic = EducationTopicFactory(clinic=world.clinic_b)
    with pytest.raises(ValidationError):
        education_topic_translate(
            clinic=world.clinic_a,
            by=world.physio_a,
            topic=topic,
            language="ar",
            title="x",
            body="y",
        )
    with pytest.raises(ValidationError):
        education_topic_translate(
            clinic=world.clinic_b,
            by=world.physio_a,
            topic=topic,
            language="ar",
            title="x",
            body="y",
        )
    with pytest.raises(ValueError, match="not another language"):
        education_topic_translate(
            clinic=world.clinic_b,
            by=world.physio_b,
            topic=topic,
            language="en-gb",
            title="x",
            body="y",
        )
    assert not EducationTopicTranslation.objects.exists()


def test_the_language_is_checked_by_the_database(world):
    from django.db import IntegrityError, transaction

    topic = EducationTopicFactory(clinic=world.clinic_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        EducationTopicTranslation.objects.create(topic=topic, language="fr", title="t", body="b")
    EducationTopicTranslation.objects.create(topic=topic, language="ar", title="t", body="b")
    with pytest.raises(IntegrityError), transaction.atomic():
        EducationTopicTranslation.objects.create(topic=topic, language="ar", title="t", body="b")


def test_the_topic_page_has_a_tab_per_language_and_the_translation_page_saves(world, client_for):
    topic = EducationTopicFactory(clinic=world.clinic_a, title="Moving is safe")
    client = client_for(world.physio_a)
    page = client.get(reverse("coaching:topic-edit", args=[topic.pk])).content.decode()
    url = reverse("coaching:topic-translation", args=[topic.pk, "zh-hans"])
    assert url in page and "简体中文" in page and "العربية" in page
    response = client.post(url, {"title": "活动是安全的", "summary": "", "body": "步行是安全的。"})
    assert response.status_code == 302
    assert EducationTopicTranslation.objects.get(topic=topic, language="zh-hans").body == (
        "步行是安全的。"
    )
    page = client.get(url).content.decode()
    assert 'lang="zh-hans"' in page and "活动是安全的" in page and "Moving is safe" in page
    arabic = client.get(reverse("coaching:topic-translation", args=[topic.pk, "ar"]))
    assert 'dir="rtl"' in arabic.content.decode()


def test_the_translation_page_refuses_the_clinics_own_or_unknown_languages(world, client_for):
    topic = EducationTopicFactory(clinic=world.clinic_a)
    client = client_for(world.physio_a)
    for language in ("en-gb", "fr"):
        url = reverse("coaching:topic-translation", args=[topic.pk, language])
        assert client.get(url).status_code == 404


def test_a_chinese_clinic_writes_english_as_its_other_language(world, client_for):
    world.clinic_a.language = "zh-hans"
    world.clinic_a.save()
    topic = EducationTopicFactory(clinic=world.clinic_a)
    client = client_for(world.physio_a)
    assert (
        client.get(reverse("coaching:topic-translation", args=[topic.pk, "zh-hans"])).status_code
        == 404
    )
    assert (
        client.get(reverse("coaching:topic-translation", args=[topic.pk, "en-gb"])).status_code
        == 200
    )


def test_a_patient_reads_the_topic_in_their_language(client_for, patient):
    topic = EducationTopicFactory(clinic=patient.clinic, title="Moving is safe", slug="moving")
    EducationTopicTranslationFactory(
        topic=topic,
        language="zh-hans",
        title="活动是安全的",
        summary="步行有益",
        body="您的脊柱很强壮。",
    )
    CoachingSessionFactory(patient=patient, number=1, topics=[topic])
    client = client_for(reads_in(patient, "zh-hans").user)
    listing = client.get(reverse("portal:learn")).content.decode()
    assert "活动是安全的" in listing and "步行有益" in listing and "Moving is safe" not in listing
    assert "topic-language-note" not in listing
    page = client.get(reverse("portal:learn-topic", args=["moving"])).content.decode()
    assert "您的脊柱很强壮。" in page and "topic-language-note" not in page


def test_without_their_language_the_patient_reads_the_clinics_text_with_a_note(client_for, patient):
    topic = EducationTopicFactory(clinic=patient.clinic, title="Moving is safe", slug="moving")
    EducationTopicTranslationFactory(topic=topic, language="zh-hans", title="活动是安全的")
    CoachingSessionFactory(patient=patient, number=1, topics=[topic])
    client = client_for(reads_in(patient, "ar").user)
    for url in (reverse("portal:learn"), reverse("portal:learn-topic", args=["moving"])):
        page = client.get(url).content.decode()
        assert "Moving is safe" in page and "活动是安全的" not in page
        note = page.split('topic-language-note">', 1)[1].split("<", 1)[0]
        # Both languages named in their own names, whatever the page's language.
        assert "العربية" in note and "English" in note
        assert 'lang="en-gb" dir="ltr"' in page


def test_the_note_in_english(client_for, patient):
    topic = EducationTopicFactory(clinic=patient.clinic, slug="moving")
    CoachingSessionFactory(patient=patient, number=1, topics=[topic])
    patient.clinic.language = "ar"
    patient.clinic.save()
    page = (
        client_for(reads_in(patient, "en-gb").user)
        .get(reverse("portal:learn-topic", args=["moving"]))
        .content.decode()
    )
    assert "This topic is not yet written in English, so it is shown in العربية." in page
    assert 'lang="ar" dir="rtl"' in page


def test_a_patient_in_the_clinics_language_gets_no_note(client_for, patient):
    topic = EducationTopicFactory(clinic=patient.clinic, slug="moving")
    CoachingSessionFactory(patient=patient, number=1, topics=[topic])
    page = client_for(patient.user).get(reverse("portal:learn-topic", args=["moving"]))
    assert "topic-language-note" not in page.content.decode()


@pytest.mark.parametrize("language", ["en-gb", "zh-hans", "ar"])
def test_learn_query_count_is_the_same_with_translations(client_for, patient, language):
    from tests.patients.test_portal_pages import LEARN_QUERIES

    client = client_for(reads_in(patient, language).user)
    client.get(reverse("portal:learn"))  # the session's first-visit write is not the page's
    counts = []
    for extra in (1, 8):
        topics = [EducationTopicFactory(clinic=patient.clinic) for _ in range(extra)]
        for topic in topics[::2]:
            EducationTopicTranslationFactory(topic=topic, language="zh-hans")
            EducationTopicTranslationFactory(topic=topic, language="ar")
        CoachingSessionFactory(patient=patient, number=len(counts) + 1, topics=topics)
        with CaptureQueriesContext(connection) as queries:
            page = client.get(reverse("portal:learn"))
        assert page.status_code == 200
        slugs = [item.topic.slug for item in page.context["topics"]]
        assert len(slugs) == len(set(slugs)) == 1 + 8 * (len(counts) == 1)  # no duplicates
        counts.append(len(queries))
    assert counts == [LEARN_QUERIES, LEARN_QUERIES]


def test_the_standard_topics_come_in_every_language(world):
    from coaching.education import DEFAULT_TOPICS, education_library_seed
    from coaching.education_translations import DEFAULT_TOPIC_TEXTS

    assert education_library_seed(clinic=world.clinic_a) == len(DEFAULT_TOPICS)
    for code in ("zh-hans", "ar"):
        assert set(DEFAULT_TOPIC_TEXTS[code]) == {t.slug for t in DEFAULT_TOPICS}
        rows = EducationTopicTranslation.objects.filter(topic__clinic=world.clinic_a, language=code)
        assert rows.count() == len(DEFAULT_TOPICS)
        for title, summary, body in DEFAULT_TOPIC_TEXTS[code].values():
            assert title and summary and body.count("\n\n") >= 1
    assert not EducationTopicTranslation.objects.filter(language="en-gb").exists()
    assert education_library_seed(clinic=world.clinic_a) == 0
    assert EducationTopicTranslation.objects.count() == 2 * len(DEFAULT_TOPICS)


def test_seeding_never_overwrites_and_only_fills_unedited_standard_topics(world):
    from coaching import services
    from coaching.education import education_library_seed
    from coaching.models import EducationTopic

    education_library_seed(clinic=world.clinic_a)
    edited = EducationTopic.objects.get(clinic=world.clinic_a, slug="moving-is-safe")
    services.education_topic_save(
        clinic=world.clinic_a, by=world.physio_a, topic=edited, title="Our title", body="Ours."
    )
    own_chinese = EducationTopicTranslation.objects.get(
        topic__slug="pain-science", topic__clinic=world.clinic_a, language="zh-hans"
    )
    own_chinese.body = "我们自己的文字。"
    own_chinese.save()
    EducationTopicTranslation.objects.filter(topic__clinic=world.clinic_a, language="ar").delete()
    assert education_library_seed(clinic=world.clinic_a) == 0
    own_chinese.refresh_from_db()
    assert own_chinese.body == "我们自己的文字。"
    arabic = set(
        EducationTopicTranslation.objects.filter(
            topic__clinic=world.clinic_a, language="ar"
        ).values_list("topic__slug", flat=True)
    )
    assert "moving-is-safe" not in arabic and len(arabic) == 4


def test_a_chinese_clinic_starts_with_chinese_topics_and_english_as_another_language(world):
    from coaching.education import education_library_seed
    from coaching.models import EducationTopic

    world.clinic_b.language = "zh-hans"
    world.clinic_b.save()
    education_library_seed(clinic=world.clinic_b)
    topic = EducationTopic.objects.get(clinic=world.clinic_b, slug="managing-a-flare-up")
    assert topic.title == "疼痛发作时怎么办"
    assert set(topic.translations.values_list("language", flat=True)) == {"en-gb", "ar"}
    assert topic.translations.get(language="en-gb").title == "What to do in a flare-up"
