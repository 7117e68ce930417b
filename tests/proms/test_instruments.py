"""Instrument files: the shipped ones load and state a licence; a bad file fails loudly with
its name; a licensed file dropped into the configured folder loads beside them."""

import json
import shutil
from pathlib import Path

import pytest

from coaching.proms import instruments as registry
from coaching.proms.instruments import InstrumentError, load_folder, parse_instrument
from coaching.proms.scoring import score

SHIPPED = registry.SHIPPED_DIR
DOCS = Path(__file__).resolve().parents[2] / "docs" / "questionnaires.md"


def _nprs() -> dict:
    return json.loads((SHIPPED / "nprs-1.json").read_text())


def test_shipped_instruments_load_with_licence_and_citation():
    loaded = {i.key: i for i in load_folder(SHIPPED)}
    assert set(loaded) == {"nprs", "psfs", "startback", "peg"}
    docs = DOCS.read_text()
    for instrument in loaded.values():
        assert instrument.licence and instrument.citation
        # The documentation states each licence too.
        assert instrument.short_name in docs


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.pop("licence"), "'licence' is a required property"),
        (lambda d: d["items"][0].update(type="slider"), "'slider' is not one of"),
        (lambda d: d["items"][0].pop("max"), "'max' is a required property"),
        (lambda d: d["scoring"].update(items=["nothing"]), "no item called nothing"),
        (lambda d: d["scoring"].update(max=9), "its items give 0 to 10, the file says 0 to 9"),
        (lambda d: d["items"][0].update(min=10, max=0), "min must be below max"),
        (lambda d: d["bands"][0]["when"].update(mood={"max": 1}), "no score called"),
        (lambda d: d["bands"].reverse(), "the last band must have no condition"),
        (lambda d: d.update(mic=0), "mic"),
        (lambda d: d.update(surprise=True), "Additional properties are not allowed"),
    ],
)
def test_a_bad_file_fails_loudly(change, message):
    data = _nprs()
    change(data)
    with pytest.raises(InstrumentError, match="nprs-test") as raised:
        parse_instrument(data, source="nprs-test")
    assert message in str(raised.value)


def test_a_file_named_unlike_its_contents_is_refused(tmp_path):
    (tmp_path / "pain-1.json").write_text(json.dumps(_nprs()))
    with pytest.raises(InstrumentError, match="name the file nprs-1.json"):
        load_folder(tmp_path)


def test_a_file_that_is_not_json_is_refused(tmp_path):
    (tmp_path / "broken-1.json").write_text("{not json")
    with pytest.raises(InstrumentError, match="not readable JSON"):
        load_folder(tmp_path)


@pytest.fixture
def extra_folder(tmp_path, settings):
    settings.PROMS_EXTRA_DIR = str(tmp_path)
    registry.clear_cache()
    yield tmp_path
    registry.clear_cache()


def test_a_licensed_file_dropped_in_the_configured_folder_loads(extra_folder):
    # The documented Oswestry example (docs/questionnaires.md#adding-a-licensed-questionnaire).
    shutil.copy(Path(__file__).parent / "oswestry-example.json", extra_folder / "odi-1.json")
    loaded = registry.instruments()
    assert {"nprs", "psfs", "startback", "peg", "odi"} <= set(loaded)
    odi = loaded["odi"]
    # Fairbank & Pynsent 2000: each of the 10 sections scores 0-5; the score is the total as
    # a percentage of 50. Sections totalling 20 of 50 score 40%.
    answers = {item.key: "2" for item in odi.items}
    assert score(odi, answers).score == 40


def test_the_same_version_twice_is_refused(extra_folder):
    (extra_folder / "nprs-1.json").write_text(json.dumps(_nprs()))
    with pytest.raises(InstrumentError, match="also in"):
        registry.instruments()
