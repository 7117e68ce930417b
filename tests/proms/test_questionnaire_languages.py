"""Questionnaires keep their licensed wording: a patient who reads WalkBack in another language
sees the page in theirs, the questions as written, and a short note that says so."""

from django.urls import reverse

from tests.reminders.test_languages import catalogues  # noqa: F401 - a fixture

NOTE = 'class="alert alert-info questionnaire-language"'


def test_a_patient_reading_chinese_is_told_the_questions_are_in_english(
    world,
    client_for,
    catalogues,  # noqa: F811
):
    user = world.patient_a.user
    user.language = "zh-hans"
    user.save(update_fields=["language"])
    page = client_for(user).get(reverse("proms_portal:answer", args=["peg"])).content.decode()
    assert NOTE in page
    assert "这份问卷是英语的" in page
    assert "提交我的回答" in page  # the page itself is in Chinese
    assert "Three questions about your pain over the last week." in page  # the questions not


def test_a_patient_reading_english_sees_no_note(world, client_for):
    page = client_for(world.patient_a.user).get(reverse("proms_portal:answer", args=["peg"]))
    assert NOTE not in page.content.decode()
