"""A local Hugging Face sequence-classification model (`--model PATH`) with its own label names."""

import json

import numpy as np
import pytest

from analyzer.errors import AnalyzerError


def _tiny_model(path, id2label):
    import torch
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizer

    from analyzer.nlp.encoder import encoder_dir

    torch.manual_seed(0)
    cfg = BertConfig(
        vocab_size=30522,
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=128,
        num_labels=len(id2label),
        id2label=id2label,
        label2id={v: k for k, v in id2label.items()},
    )
    model = BertForSequenceClassification(cfg)
    with torch.no_grad():  # make the outputs clearly differ per class
        model.classifier.bias.copy_(torch.tensor([0.0, 1.0, 2.0][: len(id2label)]))
    model.save_pretrained(path)
    BertTokenizer(vocab=str(encoder_dir() / "vocab.txt")).save_pretrained(path)
    return model


def test_finbert_style_labels_are_mapped(tmp_path, cli):
    from analyzer.nlp.model import load_model

    path = tmp_path / "finbert-like"
    tiny = _tiny_model(path, {0: "Bearish", 1: "Bullish", 2: "Neutral"})
    model = load_model(str(path))
    assert model.name == str(path) and model.version.startswith("hf:finbert-like+")
    texts = ["Profit rose sharply.", "Loss widened."]
    pred = model.predict(texts)
    assert pred.embeddings is None

    import torch

    enc = model.tokenizer(texts, padding=True, return_tensors="pt")
    with torch.no_grad():
        raw = torch.softmax(tiny.eval()(**enc).logits, -1).numpy()
    # raw columns: bearish, bullish, neutral -> ours: negative, neutral, positive
    np.testing.assert_allclose(pred.probs, raw[:, [0, 2, 1]], atol=1e-5)

    res = cli("sentiment", "--model", str(path), input="Profit rose sharply.\n")
    assert res.exit_code == 0, res.output
    row = json.loads(res.stdout)
    assert row["label"] == "neutral"  # the bias makes output 2 ("Neutral") win
    assert row["probs"]["neutral"] == pytest.approx(float(raw[0, 2]), abs=1e-3)


def test_generic_label_names_need_labels_option(tmp_path, cli):
    from analyzer.nlp.model import load_model

    path = tmp_path / "generic"
    _tiny_model(path, {0: "LABEL_0", 1: "LABEL_1", 2: "LABEL_2"})
    with pytest.raises(AnalyzerError, match="--labels"):
        load_model(str(path))
    model = load_model(str(path), labels="positive,negative,neutral")
    p = model.predict(["anything"]).probs[0]
    assert p.argmax() == 1  # output 2 ("neutral") has the largest bias

    res = cli("sentiment", "--model", str(path), input="Profit rose.\n")
    assert res.exit_code == 1 and "--labels" in res.stderr
    res = cli("sentiment", "--model", str(path), "--labels", "negative,neutral,positive", input="Profit rose.\n")
    assert res.exit_code == 0 and json.loads(res.stdout)["label"] == "positive"


def test_two_label_model(tmp_path):
    from analyzer.nlp.model import load_model

    path = tmp_path / "binary"
    _tiny_model(path, {0: "negative", 1: "positive"})
    p = load_model(str(path)).predict(["x", "y"]).probs
    assert (p[:, 1] == 0).all()
    np.testing.assert_allclose(p.sum(1), 1.0, atol=1e-6)


def test_broken_model_dir_is_one_line_error(tmp_path, cli):
    path = tmp_path / "broken"
    path.mkdir()
    (path / "config.json").write_text("{not json")
    res = cli("sentiment", "--model", str(path), input="Profit rose.\n")
    assert res.exit_code == 1
    assert res.stderr.startswith(f"error: --model {path}: cannot load")
    assert len(res.stderr.strip().splitlines()) == 1


def test_hub_id_not_in_cache_is_a_clear_error(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))  # an empty cache: nothing may be fetched
    res = cli("sentiment", "--model", "ProsusAI/finbert", input="Profit rose.\n")
    assert res.exit_code == 1
    assert "local Hugging Face cache" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1
