"""`forlob load-instrument-texts`: licensed wording loaded all or nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from forlob.measures.models import InstrumentText

pytestmark = pytest.mark.django_db


def write(tmp_path: Path, data: object) -> str:
    path = tmp_path / "texts.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return str(path)


def texts() -> dict[tuple[str, str, str], str]:
    return {(t.instrument, t.item_key, t.language): t.text for t in InstrumentText.objects.all()}


def test_loads_a_list_of_instruments_and_reports_counts(tmp_path, capsys):
    path = write(
        tmp_path,
        [
            {
                "instrument": "eq5d5l",
                "language": "da",
                "texts": {"mobility": "Gang", "vas": "Skala"},
            },
            {"instrument": "copm", "texts": {"performance": "Udførelse "}},
        ],
    )
    call_command("load_instrument_texts", path)
    assert texts() == {
        ("eq5d5l", "mobility", "da"): "Gang",
        ("eq5d5l", "vas", "da"): "Skala",
        ("copm", "performance", "da"): "Udførelse",
    }
    out = capsys.readouterr().out
    assert "eq5d5l (da): 2 texts loaded." in out and "copm (da): 1 texts loaded." in out


def test_loading_again_updates_and_replace_removes_what_the_file_leaves_out(tmp_path):
    call_command(
        "load_instrument_texts",
        write(tmp_path, {"instrument": "eq5d5l", "texts": {"mobility": "A", "vas": "B"}}),
    )
    call_command(
        "load_instrument_texts", write(tmp_path, {"instrument": "eq5d5l", "texts": {"vas": "C"}})
    )
    assert texts() == {("eq5d5l", "mobility", "da"): "A", ("eq5d5l", "vas", "da"): "C"}
    call_command(
        "load_instrument_texts",
        write(tmp_path, {"instrument": "eq5d5l", "texts": {"vas": "D"}}),
        "--replace",
    )
    assert texts() == {("eq5d5l", "vas", "da"): "D"}


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({"instrument": "fim", "texts": {"x": "y"}}, "fim"),
        ({"instrument": "eq5d5l", "texts": {"walking": "Gang"}}, "walking"),
        ({"instrument": "eq5d5l", "language": "xx", "texts": {"vas": "V"}}, "xx"),
        ({"instrument": "eq5d5l", "texts": {"vas": "   "}}, "vas"),
        ({"instrument": "eq5d5l", "texts": {"vas": 3}}, "vas"),
        ({"instrument": "eq5d5l", "texts": ["vas"]}, ""),
        ("just text", ""),
    ],
)
def test_anything_invalid_loads_nothing_at_all(tmp_path, data, problem):
    good = {"instrument": "copm", "texts": {"performance": "Udførelse"}}
    path = write(tmp_path, [good, data] if isinstance(data, dict) else data)
    with pytest.raises(CommandError) as exc:
        call_command("load_instrument_texts", path)
    assert "Nothing was loaded" in str(exc.value)
    assert problem in str(exc.value)
    assert not InstrumentText.objects.exists()


def test_missing_file_and_broken_json_are_clear_errors(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        call_command("load_instrument_texts", str(tmp_path / "none.json"))
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(CommandError, match="not valid JSON"):
        call_command("load_instrument_texts", str(broken))
