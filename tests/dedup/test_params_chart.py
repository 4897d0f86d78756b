"""`crm dedup params` text chart (pure: no stack)."""
from crm_cli.dedup import _bar, chart


def test_bars_point_right_for_evidence_of_one_person_and_left_against():
    assert _bar(3.0).split("|")[1] == "######" and not _bar(3.0).split("|")[0].strip()
    assert _bar(-2.0).split("|")[0].strip() == "####" and _bar(-2.0).split("|")[1] == ""
    assert len(_bar(50.0).split("|")[1]) == 20          # capped
    assert _bar(None) == ""


def test_chart_names_the_version_and_every_level():
    result = {"learned": True, "version": 4, "newest": 5, "trained_at": "2026-12-02T01:00:00",
              "training": {"records": 900}, "thresholds": {"match_probability": 0.99},
              "weights": [{"comparison": "prior", "level": "lambda", "m": None, "u": None,
                           "weight": -11.2},
                          {"comparison": "name", "level": "exact", "m": 0.8, "u": 0.0004,
                           "weight": 10.97, "tf_adjusted": True}]}
    lines = chart(result)
    assert lines[0].startswith("parameter version 4 (newest 5)") and "900 records" in lines[0]
    assert any(line.startswith("name") and "exact (tf)" in line and "10.97" in line
               for line in lines)
    hand = chart({"learned": False, "thresholds": {}, "weights": []})
    assert "hand-set" in hand[0]
