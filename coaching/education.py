"""The education library's starting content: the themes the sources name
(docs/clinical-rules.md#education).

The published sources give the themes, not a per-session curriculum, so each clinic gets these
topics as a starting point and edits them (``coaching:library``). New clinics, the demo and the
patient portal read the defaults from here; ``education_library_seed`` is the one way to add
them, and it never overwrites a clinic's own edits.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from coaching.models import EducationTopic, EducationTopicTranslation
from walkback.accounts.languages import clinic_language


@dataclass(frozen=True)
class DefaultTopic:
    slug: str
    title: str
    summary: str
    body: str


DEFAULT_TOPICS: tuple[DefaultTopic, ...] = (
    DefaultTopic(
        slug="pain-science",
        title="Why backs hurt: pain in plain words",
        summary="Pain is your body's alarm system. It is real, but it is not a measure of damage.",
        body=(
            "Pain is produced by your nervous system to protect you. It is a real experience, "
            "but how much it hurts does not tell you how much damage there is. After a bout of "
            "low back pain has settled, the alarm can stay sensitive for a while, so ordinary "
            "movements may still feel uncomfortable.\n\n"
            "Many things turn the alarm up or down: sleep, stress, worry, mood, being tired and "
            "how active you are. Gentle, regular movement such as walking is one of the things "
            "that helps turn it down again.\n\n"
            "Scans often show changes in the spine that are a normal part of getting older, in "
            "people with and without back pain. They rarely explain the pain on their own."
        ),
    ),
    DefaultTopic(
        slug="moving-is-safe",
        title="Moving is safe: hurt does not mean harm",
        summary="Your back is strong. Walking is safe, and it helps.",
        body=(
            "Your spine is strong and well supported by muscles and ligaments. Walking does not "
            "wear it out: regular walking keeps it healthy.\n\n"
            "Being afraid of moving is understandable after back pain, but avoiding movement "
            "tends to make backs stiffer and more sensitive. Start at the level your "
            "physiotherapist set with you and build up step by step.\n\n"
            "Some aching during or after a walk can be normal, especially early on. If it "
            "settles within a day, keep going. If pain keeps getting worse, or you have new "
            "symptoms such as numbness or weakness in your legs, contact your physiotherapist "
            "or doctor."
        ),
    ),
    DefaultTopic(
        slug="reducing-recurrence",
        title="Lowering the chance of another episode",
        summary="Regular walking cut recurrences of back pain in the WalkBack trial.",
        body=(
            "About seven in ten people who recover from low back pain have another episode "
            "within a year. In the WalkBack trial, people who followed a walking programme "
            "with six sessions with a physiotherapist had fewer episodes that limited their "
            "activity, and went longer before the next one.\n\n"
            "What helps: walking most days, building up slowly towards about 30 minutes, five "
            "times a week; spreading walks across the week; keeping active in general; and "
            "sleeping well. Choose routes and times you enjoy, and plan your walks into the "
            "week so they happen on busy days too."
        ),
    ),
    DefaultTopic(
        slug="managing-a-flare-up",
        title="What to do in a flare-up",
        summary="A flare-up does not end your programme. Walk less that day, keep moving.",
        body=(
            "A flare-up is a period when your back pain comes back or gets worse. It is common "
            "and it does not mean you have hurt yourself or that the programme has failed.\n\n"
            "On a bad day, walk less: a shorter or slower walk, or a few short walks instead of "
            "one long one. Keep moving gently rather than resting in bed. Go back to your usual "
            "walks as the pain settles.\n\n"
            "Log your walks and your pain as usual, so your physiotherapist can see what "
            "happened. Contact your physiotherapist if the pain does not settle within a few "
            "days, if it keeps getting worse, or if it stops you doing your usual activities. "
            "Seek urgent medical care for numbness around the groin or bottom, trouble "
            "controlling your bladder or bowels, or new weakness in your legs."
        ),
    ),
    DefaultTopic(
        slug="keeping-going",
        title="Keeping going after six months",
        summary="The benefits last while the walking lasts.",
        body=(
            "The six months of sessions with your physiotherapist are the start, not the end. "
            "The protection walking gives your back fades if the walking stops.\n\n"
            "People who kept going in the WalkBack trial said they enjoyed it, felt healthier, "
            "and noticed a small 'niggle' when they skipped walks that pulled them back. Keep "
            "your usual days and times, walk with someone, vary your routes, and keep logging "
            "if it helps you stay on track. If you slip, start again at a level that feels "
            "comfortable and build back up."
        ),
    ),
)


def default_topic_text(topic: DefaultTopic, language: str) -> tuple[str, str, str] | None:
    """A standard topic's (title, summary, body) in ``language``, None when not written."""
    from coaching.education_translations import DEFAULT_TOPIC_TEXTS

    if language == settings.LANGUAGE_CODE:
        return (topic.title, topic.summary, topic.body)
    return DEFAULT_TOPIC_TEXTS.get(language, {}).get(topic.slug)


def _clinic_text(topic: DefaultTopic, language: str) -> tuple[str, str, str]:
    """The standard topic as a clinic writing in ``language`` starts with it."""
    text = default_topic_text(topic, language)
    return text if text is not None else (topic.title, topic.summary, topic.body)


def education_library_seed(*, clinic) -> int:
    """Add the default topics the clinic does not have yet (matched by slug), written in the
    clinic's language, with their text in the other languages (docs/content-languages.md).

    Idempotent and non-destructive: a topic the clinic edited or switched off is left alone,
    and a standard topic the clinic has not edited only gets the languages it lacks.
    Returns how many topics were added.
    """
    own = clinic_language(clinic)
    existing = {
        topic.slug: topic
        for topic in EducationTopic.objects.filter(clinic=clinic).prefetch_related("translations")
    }
    written = {
        slug: {row.language for row in topic.translations.all()} for slug, topic in existing.items()
    }
    missing = [topic for topic in DEFAULT_TOPICS if topic.slug not in existing]
    with transaction.atomic():
        if missing:
            start = len(existing)
            new_topics = []
            for index, default in enumerate(missing):
                title, summary, body = _clinic_text(default, own)
                new_topics.append(
                    EducationTopic(
                        clinic=clinic,
                        slug=default.slug,
                        title=title,
                        summary=summary,
                        body=body,
                        position=(start + index + 1) * 10,
                    )
                )
            EducationTopic.objects.bulk_create(new_topics)
            # Read back for their ids (not every database returns them from a bulk insert).
            existing.update(
                (topic.slug, topic)
                for topic in EducationTopic.objects.filter(
                    clinic=clinic, slug__in=[t.slug for t in missing]
                )
            )
        rows = []
        for default in DEFAULT_TOPICS:
            topic = existing[default.slug]
            if (topic.title, topic.summary, topic.body) != _clinic_text(default, own):
                continue  # the clinic's own words: a standard translation would not match
            for code, _name in settings.LANGUAGES:
                text = default_topic_text(default, code)
                if code == own or code in written.get(default.slug, ()) or text is None:
                    continue
                title, summary, body = text
                rows.append(
                    EducationTopicTranslation(
                        topic=topic, language=code, title=title, summary=summary, body=body
                    )
                )
        EducationTopicTranslation.objects.bulk_create(rows)
    return len(missing)
