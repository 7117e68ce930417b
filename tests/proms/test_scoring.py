"""Each shipped instrument scored against worked examples built from its published scoring
instructions (docs/questionnaires.md cites each source)."""

from decimal import Decimal

import pytest

from coaching.proms.instruments import instruments
from coaching.proms.scoring import change, meets_mic, score, validate_answers

D = Decimal


@pytest.fixture(scope="module")
def shipped():
    return instruments()


# --- Keele STarT Back (Keele University, "Using and scoring the Keele STarT Back Screening
# Tool"; Hill et al. 2008). Items 1-8 score 1 for "Agree"; item 9 (bothersomeness) scores 1
# for "Very much" or "Extremely" only. Overall score 0-9 = all items; distress (psychosocial)
# subscale 0-5 = items 5-9. Overall 0-3: low risk; overall 4-9: medium risk, unless the
# subscale is 4 or 5: high risk.
STARTBACK_ITEMS = [
    "leg_pain",
    "shoulder_neck",
    "walked_short",
    "dressed_slowly",
    "not_safe",
    "worrying",
    "never_better",
    "not_enjoyed",
]


def _startback(agreed: set[int], bothersome: str) -> dict:
    answers = {
        key: ("agree" if n in agreed else "disagree") for n, key in enumerate(STARTBACK_ITEMS, 1)
    }
    return answers | {"bothersome": bothersome}


@pytest.mark.parametrize(
    ("agreed", "bothersome", "total", "psychosocial", "risk"),
    [
        # Nothing positive: 0, low.
        (set(), "not_at_all", 0, 0, "low"),
        # Leg pain, neck pain, walking short distances; "Moderately" bothersome does not count.
        ({1, 2, 3}, "moderately", 3, 0, "low"),
        # Overall 3 with a distress score of 3: still low (overall 0-3 is low whatever the
        # subscale).
        ({5, 6}, "very_much", 3, 3, "low"),
        # The four physical items plus worry and "Very much": overall 6, subscale 2: medium.
        ({1, 2, 3, 4, 6}, "very_much", 6, 2, "medium"),
        # Overall 4 with subscale 3: medium (the boundary of high is 4).
        ({1, 5, 6, 7}, "slightly", 4, 3, "medium"),
        # Overall 4 made only of distress items (subscale 4): high.
        ({5, 6, 7, 8}, "not_at_all", 4, 4, "high"),
        # Every item positive: 9 and 5, high.
        ({1, 2, 3, 4, 5, 6, 7, 8}, "extremely", 9, 5, "high"),
    ],
)
def test_startback_worked_examples(shipped, agreed, bothersome, total, psychosocial, risk):
    result = score(shipped["startback"], _startback(agreed, bothersome))
    assert result.score == D(total)
    assert result.subscales == {"psychosocial": D(psychosocial)}
    assert result.band is not None and result.band.key == risk
    assert result.band.meaning  # each risk group says what it means for the programme


def test_startback_is_asked_at_enrolment_only(shipped):
    assert shipped["startback"].schedule == "enrolment"
    assert shipped["startback"].mic is None
    assert meets_mic(shipped["startback"], D(3)) is None


# --- PEG (Krebs et al. 2009, J Gen Intern Med 24:733): "the PEG score is the average of the
# three items", each 0-10.
@pytest.mark.parametrize(
    ("pain", "enjoyment", "activity", "expected"),
    [
        (6, 7, 8, "7.00"),
        (0, 0, 0, "0.00"),
        (10, 10, 10, "10.00"),
        (5, 6, 6, "5.67"),
        (2, 3, 3, "2.67"),
    ],
)
def test_peg_is_the_mean_of_three(shipped, pain, enjoyment, activity, expected):
    answers = {"pain": pain, "enjoyment": enjoyment, "activity": activity}
    assert score(shipped["peg"], answers).score == D(expected)


def test_peg_improvement_against_its_mic(shipped):
    peg = shipped["peg"]
    # Reed et al. 2024: a change of about 1 point is minimally important.
    assert change(peg, D("7.00"), D("5.67")) == D("1.33")
    assert meets_mic(peg, D("1.33")) is True
    assert meets_mic(peg, change(peg, D("7.00"), D("6.33"))) is False


# --- PSFS (Stratford et al. 1995): each activity rated 0 (unable) to 10 (as before the
# problem); the score is the mean of the activities' ratings, and higher is better.
def test_psfs_worked_example(shipped):
    psfs = shipped["psfs"]
    baseline = {
        "activity_1": "Putting on socks",
        "rating_1": 3,
        "activity_2": "Gardening",
        "rating_2": 2,
        "activity_3": "Walking to the shops",
        "rating_3": 4,
    }
    later = baseline | {"rating_1": 6, "rating_2": 5, "rating_3": 7}
    assert score(psfs, baseline).score == D("3.00")
    assert score(psfs, later).score == D("6.00")
    improvement = change(psfs, D("3.00"), D("6.00"))
    assert improvement == D("3.00")  # higher is better: a rise is an improvement
    assert meets_mic(psfs, improvement) is True  # MIC 2 points for the average


# --- NPRS (Childs et al. 2005, Spine 30:1331): the rating is the score; 2 points is the
# minimal clinically important difference in low back pain.
def test_nprs_worked_example(shipped):
    nprs = shipped["nprs"]
    assert score(nprs, {"pain": 6}).score == D(6)
    assert [score(nprs, {"pain": p}).band for p in (0, 3, 6, 7)] == list(nprs.bands)
    assert change(nprs, D(6), D(4)) == D(2)  # lower is better: a fall is an improvement
    assert meets_mic(nprs, D(2)) is True
    assert meets_mic(nprs, change(nprs, D(6), D(5))) is False
    assert change(nprs, D(4), D(7)) == D(-3)


@pytest.mark.parametrize(
    ("answers", "problem"),
    [
        ({}, "Please answer this question."),
        ({"pain": 11}, "Pick a number from 0 to 10."),
        ({"pain": -1}, "Pick a number from 0 to 10."),
        ({"pain": "7"}, "Pick a whole number from 0 to 10."),
        ({"pain": True}, "Pick a whole number from 0 to 10."),
    ],
)
def test_bad_answers_are_named_in_plain_words(shipped, answers, problem):
    assert validate_answers(shipped["nprs"], answers) == {"pain": problem}
    with pytest.raises(ValueError):
        score(shipped["nprs"], answers)


def test_unknown_choice_and_unknown_item_are_refused(shipped):
    answers = _startback(set(), "a_lot")
    assert validate_answers(shipped["startback"], answers) == {
        "bothersome": "Please pick one of the answers."
    }
    extra = {"pain": 3, "mood": 2}
    assert "__all__" in validate_answers(shipped["nprs"], extra)


def test_text_answers_are_bounded(shipped):
    psfs = shipped["psfs"]
    answers = {
        "activity_1": "x" * 81,
        "rating_1": 3,
        "activity_2": "Line\nbreak",
        "rating_2": 2,
        "rating_3": 4,
    }
    errors = validate_answers(psfs, answers)
    assert errors == {
        "activity_1": "Please keep it to 80 characters.",
        "activity_2": "Please keep it to one line.",
        "activity_3": "Please answer this question.",
    }
