"""Stories on a real SQLite file: copies of one story share a story_id, other news does not,
recurring headlines are not one story, claims carry their novelty, rerunning changes nothing,
and `align --count stories` counts each story once."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from analyzer import store
from analyzer.alignment import align
from analyzer.stories import group_stories

# Text written for this test (no publisher's text): a paraphrased wire copy, an update, other news.
ARTICLES = [
    (
        "wire",
        "wire",
        "2024-07-11T13:00:00Z",
        "Small Caps Surge as Russell 2000 Jumps 3.6% After Cooler CPI",
        "The Russell 2000 index of small companies jumped 3.6% on Thursday, its best day since November, "
        "after consumer prices unexpectedly fell in June and traders priced in a September rate cut.",
    ),
    (
        "copy",
        "other-outlet",
        "2024-07-11T15:30:00Z",
        "Russell 2000 Posts Best Day Since November on Soft Inflation Report",
        "Small-cap stocks rallied 3.6% Thursday as the Russell 2000 notched its best session since November, "
        "with traders betting on a September Fed rate cut after June consumer prices fell unexpectedly.",
    ),
    (
        "update",
        "wire",
        "2024-07-11T18:00:00Z",
        "Small Caps Surge as Russell 2000 Jumps 3.6% After Cooler CPI",
        "The Russell 2000 index of small companies closed up 3.6% on Thursday, its best day since November, "
        "after consumer prices unexpectedly fell in June and traders priced in a September rate cut.",
    ),
    (
        "other",
        "other-outlet",
        "2024-07-11T16:00:00Z",
        "Oil Slips as Hurricane Beryl Damage to Texas Refineries Looks Limited",
        "Crude futures eased 0.5% on Thursday as refiners along the Texas coast reported little damage from the storm.",
    ),
] + [
    (
        f"news{d}",
        "digest",
        f"2024-07-{d:02d}T04:00:00Z",
        "What's News: Business & Finance",
        "What's News: Business & Finance",
    )
    for d in range(8, 14)
]


def make_db(path):
    db = store.open_db(path)
    rows = [
        {"id": i, "source": s, "published_at": t, "title": title, "summary": body, "url": f"https://example.test/{i}"}
        for i, s, t, title, body in ARTICLES
    ]
    claims = [
        {"id": f"{aid}:1:small_cap_rotation", "article_id": aid, "sentence_index": 1, "theme": "small_cap_rotation"}
        for aid in ("wire", "copy", "update")
    ] + [{"id": "other:1:rate_cuts", "article_id": "other", "sentence_index": 1, "theme": "rate_cuts"}]
    for c in claims:
        c.update(stance=1, stance_prob=0.9, certainty="factual", orientation="backward", sentence="synthetic")
    with store.transaction(db):
        db["articles"].insert_all(rows, pk="id")
        db["claims"].insert_all(claims, pk="id")
    return db


def story_of(db) -> dict[str, str]:
    return dict(db.execute("select article_id, story_id from article_stories").fetchall())


def test_copies_share_a_story_and_claims_carry_novelty(tmp_path):
    db = make_db(tmp_path / "s.db")
    summary = group_stories(db)
    stories = story_of(db)
    assert len(stories) == len(ARTICLES)
    assert stories["wire"] == stories["copy"] == stories["update"] == "wire"  # the earliest article names it
    assert stories["other"] == "other"
    assert len({stories[f"news{d}"] for d in range(8, 14)}) == 6  # a recurring headline is no story
    assert summary.stories == 8 and summary.links >= 2
    nov = {r[0]: r[1:] for r in db.execute("select claim_id, first_mention, prior_24h, prior_72h from claim_novelty")}
    assert nov["wire:1:small_cap_rotation"] == (1, 0, 0)
    assert nov["copy:1:small_cap_rotation"] == (0, 1, 1)
    assert nov["update:1:small_cap_rotation"] == (0, 2, 2)
    assert nov["other:1:rate_cuts"] == (1, 0, 0)
    assert summary.first_mentions == 2 and summary.claims == 4
    run = db.execute("select command, status, arguments from runs order by id desc limit 1").fetchone()
    assert run[0] == "stories" and run[1] == "ok" and json.loads(run[2])["window_hours"] == 72

    again = group_stories(db)  # nothing new: nothing regrouped, nothing changed
    assert again.changed == 0 and again.articles_regrouped == 0 and story_of(db) == stories

    with store.transaction(db):  # a later copy is attached to the existing story
        db["articles"].insert(
            {
                "id": "late",
                "source": "third",
                "published_at": "2024-07-12T09:00:00Z",
                "title": "Russell 2000 Jumps 3.6% in Best Day Since November After Cooler CPI",
                "summary": "Small caps jumped 3.6% on Thursday after June consumer prices fell; traders priced in "
                "a September rate cut.",
            }
        )
    third = group_stories(db)
    assert story_of(db)["late"] == "wire" and third.changed == 1
    assert group_stories(db, regroup=True).changed == 0


def test_a_stricter_link_probability_links_less_and_is_recorded(tmp_path):
    from click.testing import CliRunner

    from analyzer.cli import main

    db = make_db(tmp_path / "s.db")
    default = group_stories(db)
    strict = group_stories(db, regroup=True, min_prob=0.99)
    assert strict.links < default.links and strict.stories > default.stories
    assert (
        json.loads(db.execute("select arguments from runs order by id desc limit 1").fetchone()[0])["min_prob"] == 0.99
    )
    res = CliRunner().invoke(main, ["stories", "--db", str(tmp_path / "s.db"), "--regroup", "--min-prob", "0.5"])
    assert res.exit_code == 0, res.output
    assert story_of(db)["copy"] == "wire"  # back to the model's own threshold: the copy joins the wire story
    res = CliRunner().invoke(main, ["stories", "--db", str(tmp_path / "s.db"), "--min-prob", "1.5"])
    assert res.exit_code == 2 and "--min-prob" in res.output


def test_a_pair_model_for_other_features_is_a_clear_error(tmp_path):
    from analyzer.errors import AnalyzerError
    from analyzer.stories import load_pair_model

    db = make_db(tmp_path / "s.db")
    old = {**load_pair_model(), "features": ["cosine", "log_gap"], "weights": [1.0, -1.0]}
    path = tmp_path / "old_pair_model.json"
    path.write_text(json.dumps(old))
    with pytest.raises(AnalyzerError, match=r"refit it with benchmarks/eval_stories\.py --write"):
        group_stories(db, model_file=path)
    assert db.execute("select count(*) from article_stories").fetchone()[0] == 0  # nothing written


def test_align_counts_stories_once(priced_db):
    db = priced_db
    with store.transaction(db):
        db["articles"].insert_all(
            [
                {"id": i, "source": s, "published_at": t, "title": title, "summary": body}
                for i, s, t, title, body in ARTICLES[:3]
            ],
            pk="id",
        )
        db["claims"].insert_all(
            [
                {
                    "id": f"{aid}:1:small_cap_rotation",
                    "article_id": aid,
                    "sentence_index": 1,
                    "theme": "small_cap_rotation",
                    "stance": stance,
                    "stance_prob": 1.0,
                    "certainty": "factual",
                }
                for aid, stance in (("wire", 1), ("copy", 1), ("update", -1))
            ],
            pk="id",
        )
    group_stories(db)
    claims = align(db, themes=["small_cap_rotation"])
    row = db.execute(
        "select claim_count, story_count, index_value, index_claims, index_stories from daily_theme_index "
        "where session = '2024-07-11'"
    ).fetchone()
    # the wire story (+1) and its update (-1) share a headline: averaged first, then with the copy (+1);
    # the story count, kept beside it, reads the wire story's first mention only
    assert row == (3, 1, 0.5, 0.5, 1.0) and claims.count == "claims"
    # the browser's summary tables, rebuilt by align: one row per day x theme x source x stance
    summary = db.execute(
        "select day, source, stance, claims from claim_daily_summary order by source, stance"
    ).fetchall()
    assert summary == [
        ("2024-07-11", "other-outlet", 1, 1),
        ("2024-07-11", "wire", -1, 1),
        ("2024-07-11", "wire", 1, 1),
    ]
    returns = db.execute(
        "select count(*), count(distinct session) from session_returns where theme = 'small_cap_rotation'"
    ).fetchone()
    forward = db.execute(
        "select count(distinct target || horizon || event_session) from claim_returns where kind = 'forward'"
    ).fetchone()[0]
    assert returns == (forward, 1) and forward > 0
    stories = align(db, themes=["small_cap_rotation"], count="stories")
    row = db.execute(
        "select claim_count, story_count, index_value, index_claims, index_stories from daily_theme_index "
        "where session = '2024-07-11'"
    ).fetchone()
    assert row == (1, 1, 1.0, 0.5, 1.0) and stories.repeats_excluded == 2
    args = json.loads(db.execute("select arguments from runs where command = 'align' order by id desc").fetchone()[0])
    assert args["count"] == "stories"


def test_pair_figures_weigh_each_stratum_by_its_sampling_rate():
    """The story benchmark's pool-weighted precision and recall: a labelled pair of a large, thinly
    sampled stratum stands for many more candidate pairs than one of a small stratum."""
    import importlib.util

    path = Path(__file__).resolve().parents[2] / "benchmarks" / "eval_stories.py"
    spec = importlib.util.spec_from_file_location("eval_stories", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    y = np.array([1, 1, 0, 1])
    pred = np.array([True, False, True, False])
    strata = np.array(["emb90", "emb90", "weak", "weak"])
    (p, p_lo, p_hi), (r, r_lo, r_hi) = bench.weighted_pr(y, pred, strata, draws=200)
    near, loose = bench.POOL["emb90"] / 2, bench.POOL["weak"] / 2
    assert p == pytest.approx(near / (near + loose)) and r == pytest.approx(near / (2 * near + loose))
    assert bench.pr(y, pred) == (0.5, pytest.approx(1 / 3))  # unweighted, the same pairs look far better
    assert p_lo <= p <= p_hi and r_lo <= r <= r_hi
