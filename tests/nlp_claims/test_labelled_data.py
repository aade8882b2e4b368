"""The claim model's labelled data keeps its promises: the blind split is frozen, no item has
sentences on both sides of it, no publisher text is stored, no test sentence is trained on, and written
labels say what the sentences say."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from analyzer.training.claims_data import pairs

LABELS = Path(__file__).resolve().parents[2] / "models" / "claims" / "labels"
TESTS = Path(__file__).resolve().parents[1]
# sha256 of the sorted ids of the blind split, frozen before any model saw it (936 sentences)
BLIND_IDS_SHA256 = "8191f323728d684f5e6a91b3f0704a45ab387c898b62537262b1e02304ecfb3a"


def _rows(name: str) -> list[dict]:
    return [json.loads(line) for line in (LABELS / name).read_text(encoding="utf-8").splitlines() if line.strip()]


def _norm(text: str) -> str:
    return re.sub(r"\W+", " ", text.lower()).strip()


def test_the_blind_split_is_the_frozen_one():
    ids = sorted(r["id"] for r in _rows("real_units.jsonl") if r["split"] == "blind")
    assert len(ids) == 936
    assert hashlib.sha256("\n".join(ids).encode()).hexdigest() == BLIND_IDS_SHA256


def test_no_item_is_on_both_sides_and_every_unit_is_labelled_once():
    units = _rows("real_units.jsonl")
    sides: dict[tuple, set] = {}
    for u in units:
        sides.setdefault((u["source"], u["key"]), set()).add(u["split"])
    assert all(len(s) == 1 for s in sides.values())
    labelled = [r["id"] for r in _rows("real_labels.jsonl")]
    assert sorted(labelled) == sorted(u["id"] for u in units) and len(set(labelled)) == len(labelled)


def test_real_units_are_stored_by_reference_only():
    for u in _rows("real_units.jsonl"):
        assert set(u) <= {"id", "source", "key", "field", "start", "end", "sha", "date", "split", "round"}


def test_no_sentence_of_the_tests_is_in_the_training_data():
    trained = {_norm(r["text"]) for r in _rows("written.jsonl")}
    trained |= {_norm(r["text"]) for r in _rows("project_sentences.jsonl") if "text" in r}
    trained |= {_norm(e.input.sentence) for e in pairs()}
    quoted = set()
    for path in TESTS.rglob("*.py"):
        for m in re.finditer(r"[\"']([A-Z][^\"'\n]{20,})[\"']", path.read_text(encoding="utf-8")):
            quoted.add(_norm(m.group(1)))
    assert quoted and not (quoted & trained), sorted(quoted & trained)[:5]


def test_direction_pairs_that_say_what_will_happen_are_labelled_forward():
    # a forward sentence labelled backward teaches the orientation head to read forecasts as reports
    future = [e for e in pairs() if re.search(r"\b(will|may)\b", e.input.sentence)]
    assert len(future) >= 50
    assert all(e.orientation == "forward" and e.certainty in ("hedged", "speculative") for e in future)


def test_counterfactual_edits_touch_only_training_units_and_store_no_text():
    from analyzer.training.claims_data import in_dev
    from analyzer.training.counterfactuals import MAX_REPLACEMENT

    units = {u["id"]: u for u in _rows("real_units.jsonl")}
    flips = _rows("real_flips.jsonl")
    assert len(flips) >= 500
    for f in flips:
        u = units[f["id"]]
        assert u["split"] == "train" and not in_dev(f"{u['source']}:{u['key']}"), f["id"]
        assert set(f) == {"id", "edits", "themes"} and f["themes"]
        spans_ok = all(0 <= s < e <= u["end"] - u["start"] and len(new) <= MAX_REPLACEMENT for s, e, new in f["edits"])
        assert spans_ok, f["id"]


def test_an_edit_reverses_the_words_it_names_and_nothing_else():
    from analyzer.training.claims_data import apply_edits
    from analyzer.training.counterfactuals import to_spans

    text = "Yields rose as traders pared bets on cuts; yields rose again later."
    spans = to_spans(text, [["rose", "fell"], ["pared", "added"], ["rose", "slid"]])
    assert apply_edits(text, spans) == "Yields fell as traders added bets on cuts; yields slid again later."


def test_the_teachers_pools_hold_no_blind_or_dev_sentence():
    import pytest

    from analyzer.training import claims_data, realtext, teacher

    if not all(realtext.available(s) for s in realtext.SOURCES):
        pytest.skip(f"the news sources are not all in {realtext.news_dir()}")
    refs = [
        r for r in _rows("real_units.jsonl") if r["split"] == "blind" or claims_data.in_dev(f"{r['source']}:{r['key']}")
    ]
    held = {u.text.strip().lower() for u in realtext.resolve(refs)[0] if u is not None}
    everything = teacher.sentence_pool(10**7, seed=1)
    assert len(held) > 1000 and len(everything) > 100_000
    assert not held & {t.lower() for t in everything}
    claim_pool = [u.text.strip().lower() for u in teacher.pool_units()]
    assert len(claim_pool) > 5000 and not held & set(claim_pool)
    assert len(set(everything)) == len(everything)
    sample = teacher.sentence_pool(400, seed=1, exclude={everything[0].lower()})
    assert 300 <= len(sample) <= 400 and everything[0] not in sample  # the 2022 wraps have few left
