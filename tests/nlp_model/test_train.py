"""The training loop runs (one step on a few sentences) and its artifact loads; the LoRA merge
at load time reproduces the adapted encoder exactly."""

import numpy as np
import pytest


def test_lora_merge_reproduces_wrapped_encoder():
    import torch

    from analyzer.nlp.encoder import load_encoder, mean_pool
    from analyzer.nlp.model import apply_deltas
    from analyzer.training.lora import adapter_tensors, add_lora

    torch.manual_seed(0)
    tok, enc = load_encoder()
    ln_before = {n: p.detach().clone() for n, p in enc.named_parameters() if "LayerNorm" in n and ".layer." in n}
    wrapped = add_lora(enc, rank=4, alpha=8.0)
    with torch.no_grad():
        for w in wrapped.values():
            w.B.normal_(0, 0.02)
        enc.encoder.layer[3].output.LayerNorm.weight.add_(0.1)
    enc.eval()
    batch = tok(["Profit rose sharply.", "The shares fell."], padding=True, return_tensors="pt")
    batch.pop("token_type_ids")
    with torch.inference_mode():
        want = mean_pool(enc(**batch).last_hidden_state, batch["attention_mask"])
    tensors = adapter_tensors(enc, wrapped, ln_before)

    _, fresh = load_encoder()
    apply_deltas(fresh, tensors, lora_scale=8.0 / 4)
    with torch.inference_mode():
        got = mean_pool(fresh(**batch).last_hidden_state, batch["attention_mask"])
    assert (got - want).abs().max().item() < 2e-3  # A/B are stored in fp16
    _, plain = load_encoder()
    with torch.inference_mode():
        base = mean_pool(plain(**batch).last_hidden_state, batch["attention_mask"])
    assert (base - want).abs().max().item() > 1e-2  # the adapters did change something


def test_a_mixed_batch_weighs_every_row_alike():
    """Labelled and teacher-labelled rows in one batch: the loss is the mean over its rows, a
    teacher-labelled row times distill_weight, however the batch splits."""
    import torch
    from torch import nn

    from analyzer.training.distill import mixed_loss

    torch.manual_seed(0)
    logits = torch.randn(5, 3)
    hard_y = torch.tensor([0, 2, 1])
    soft_q = torch.softmax(torch.randn(4, 3), -1)
    idx = [2, 4, 0, 3, 5]  # rows 0-2 labelled (n_hard=3), 3-5 teacher-labelled
    per_row = [
        nn.functional.cross_entropy(logits[k : k + 1], hard_y[i : i + 1])
        if i < 3
        else 0.5 * nn.functional.cross_entropy(logits[k : k + 1], soft_q[i - 3 : i - 2])
        for k, i in enumerate(idx)
    ]
    got = mixed_loss(
        idx,
        3,
        logits,
        lambda out, rows: nn.functional.cross_entropy(out, hard_y[rows]),
        lambda out, rows: nn.functional.cross_entropy(out, soft_q[rows]),
        0.5,
    )
    assert torch.allclose(got, torch.stack(per_row).mean())
    only_hard = mixed_loss([1, 0], 3, logits[:2], lambda out, rows: out.sum() * 0 + 1.0, None, 0.5)
    assert only_hard.item() == 1.0


def test_one_step_smoke(tmp_path, shared_sentiment):
    from analyzer.nlp.model import EncoderSentimentModel
    from analyzer.training.sentiment import TrainConfig, train_sentiment

    cfg = TrainConfig(data=("twitter",), limit=48, max_steps=1, batch_size=16, log_every=1, teacher=False)
    lines = []
    meta = train_sentiment(tmp_path / "m", cfg, log=lines.append)
    assert meta["train_steps"] == 1 and meta["train_rows"] == {"twitter": 48}
    assert any("step 1/1" in line for line in lines)
    model = EncoderSentimentModel(tmp_path / "m")
    p = model.predict(["Profit rose.", "Loss widened."]).probs
    assert p.shape == (2, 3)
    np.testing.assert_allclose(p.sum(1), 1.0, atol=1e-5)


def test_the_student_learns_the_teachers_probabilities(tmp_path, shared_sentiment):
    """Sentences the teacher calls positive pull the student towards positive on them; the
    teacher's record is kept in the model's metadata."""
    from analyzer.nlp.model import EncoderSentimentModel
    from analyzer.training.sentiment import Soft, TrainConfig, train_sentiment

    texts = [f"The quarterly widget tally for region {n} was published on Tuesday." for n in range(64)]
    soft = Soft(texts, np.tile(np.array([[0.02, 0.03, 0.95]], dtype=np.float32), (64, 1)), {"pool": 64})
    cfg = TrainConfig(
        data=("twitter",), limit=32, max_steps=8, batch_size=16, log_every=1, teacher=False, label_mix=1.0
    )
    probe = ["The quarterly widget tally for region 99 was published on Tuesday."]
    positive = {}
    for name, given in (("plain", None), ("taught", soft)):
        lines: list[str] = []
        meta = train_sentiment(tmp_path / name, cfg, log=lines.append, soft=given)
        positive[name] = EncoderSentimentModel(tmp_path / name).predict(probe).probs[0, 2]
    assert meta["teacher"] == {"pool": 64}
    assert any("32 labelled and 64 teacher-labelled rows" in line for line in lines)
    assert positive["taught"] > positive["plain"] + 0.1, positive


def test_label_mix_pulls_the_labelled_rows_toward_the_teachers_reading(tmp_path, shared_sentiment):
    """With label_mix < 1 a labelled row's target is its label smoothed toward the teacher's
    probabilities for that row: a teacher that calls every row positive pulls the student there."""
    from analyzer.nlp.model import EncoderSentimentModel
    from analyzer.training.sentiment import Soft, TrainConfig, train_sentiment

    positive_everywhere = np.tile(np.array([[0.02, 0.03, 0.95]], dtype=np.float32), (32, 1))
    soft = Soft([], np.zeros((0, 3), dtype=np.float32), {"pool": 0}, row_probs=positive_everywhere)
    probe = ["Shares of the company closed the session unchanged."]
    positive = {}
    for mix in (1.0, 0.0):
        cfg = TrainConfig(data=("twitter",), limit=32, max_steps=8, batch_size=16, teacher=False, label_mix=mix)
        train_sentiment(tmp_path / str(mix), cfg, log=lambda _: None, soft=soft)
        positive[mix] = EncoderSentimentModel(tmp_path / str(mix)).predict(probe).probs[0, 2]
    assert positive[0.0] > positive[1.0] + 0.1, positive


def test_label_mix_without_the_teachers_reading_of_the_labelled_rows_is_refused(tmp_path, shared_sentiment):
    """Teacher labels saved before the labelled rows' probabilities were kept cannot smooth them:
    the run stops with a message that says so, and writes nothing."""
    from analyzer.errors import AnalyzerError
    from analyzer.training.sentiment import Soft, TrainConfig, train_sentiment

    soft = Soft([], np.zeros((0, 3), dtype=np.float32), {"pool": 0})
    cfg = TrainConfig(data=("twitter",), limit=32, max_steps=1, batch_size=16, teacher=False, label_mix=0.5)
    with pytest.raises(AnalyzerError, match="probabilities for the labelled rows"):
        train_sentiment(tmp_path / "m", cfg, log=lambda _: None, soft=soft)
    assert not (tmp_path / "m").exists()


def test_a_saved_teacher_labels_file_is_reused_for_the_same_rows_only(tmp_path, cli, shared_sentiment):
    """A later student run reads the teacher's labels from the file instead of fitting the teacher
    again; a file made for other rows is refused with its name, and nothing is written."""
    import json

    from analyzer.training.sentiment import TrainConfig, _training_rows, teacher_key

    texts = [f"The quarterly widget tally for region {n} was published on Tuesday." for n in range(16)]
    labels = tmp_path / "teacher.json"
    cfg = TrainConfig(data=("twitter",), limit=32, seed=13)
    key = teacher_key(cfg, _training_rows(cfg)["text"].tolist())
    meta = {"encoder": "all-mpnet-base-v2", "pool": 16}
    probs = [[0.02, 0.03, 0.95]] * 16
    row_probs = [[0.1, 0.8, 0.1]] * 32  # the teacher's reading of the 32 labelled rows
    labels.write_text(json.dumps({"key": key, "meta": meta, "texts": texts, "probs": probs, "row_probs": row_probs}))
    args = ["train", "--only", "sentiment", "--data", "twitter", "--limit", "32", "--max-steps", "2", "--no-eval"]
    res = cli(*args, "--teacher-labels", str(labels), "--out", str(tmp_path / "m"))
    assert res.exit_code == 0, res.stderr
    assert "reusing its labels of 16 sentences" in res.stderr and "teacher dev accuracy" not in res.stderr
    saved = json.loads((tmp_path / "m" / "sentiment.json").read_text())
    assert saved["teacher"] == meta and "teacher_labels" not in saved["train_config"]

    res = cli(*args, "--limit", "31", "--teacher-labels", str(labels), "--out", str(tmp_path / "other"))
    assert res.exit_code == 1
    assert str(labels) in res.stderr and "other training rows" in res.stderr
    assert not (tmp_path / "other").exists()

    # a file saved before the teacher's reading of the labelled rows was kept cannot give it
    old_file = tmp_path / "teacher-1.1.json"
    old_file.write_text(json.dumps({"key": key, "meta": meta, "texts": texts, "probs": probs}))
    res = cli(*args, "--teacher-labels", str(old_file), "--out", str(tmp_path / "old"))
    assert res.exit_code == 1
    assert str(old_file) in res.stderr and "probabilities for the labelled rows" in res.stderr
    assert not (tmp_path / "old").exists()


def test_full_fine_tuning_smoke(tmp_path, shared_sentiment):
    """Method "full" trains every encoder weight and stores them as deltas the loader merges."""
    from safetensors.torch import load_file

    from analyzer.nlp.model import EncoderSentimentModel
    from analyzer.training.sentiment import FULL_LR, TrainConfig, train_sentiment

    cfg = TrainConfig(
        data=("twitter",), method="full", limit=48, max_steps=1, batch_size=16, log_every=1, teacher=False
    )
    lines = []
    meta = train_sentiment(tmp_path / "m", cfg, log=lines.append)
    assert meta["encoder_lr"] == FULL_LR and meta["lora_scale"] == 0.0
    assert any(line.startswith("every encoder weight") for line in lines)
    tensors = load_file(str(tmp_path / "m" / "sentiment.safetensors"))
    assert "delta.embeddings.word_embeddings.weight" in tensors and not any(k.startswith("lora.") for k in tensors)
    assert tensors["delta.encoder.layer.0.attention.self.query.weight"].abs().max() > 0  # one step moved it
    p = EncoderSentimentModel(tmp_path / "m").predict(["Profit rose.", "Loss widened."]).probs
    np.testing.assert_allclose(p.sum(1), 1.0, atol=1e-5)


def test_a_student_seed_changes_the_student_and_leaves_the_teacher_alone(tmp_path, shared_sentiment):
    """student_seed changes the initial adapters and head, order_seed only the batch order; neither
    changes which teacher labels a run may reuse, so students of one teacher can be compared."""
    from safetensors.torch import load_file

    from analyzer.training.sentiment import TrainConfig, _training_rows, teacher_key, train_sentiment

    base = {"data": ("twitter",), "limit": 48, "max_steps": 2, "batch_size": 16, "teacher": False}
    runs = {"seed": {}, "again": {}, "student": {"student_seed": 99}, "order": {"order_seed": 99}}
    heads, keys = {}, set()
    for name, seeds in runs.items():
        cfg = TrainConfig(**base, **seeds)
        keys.add(teacher_key(cfg, _training_rows(cfg)["text"].tolist()))
        meta = train_sentiment(tmp_path / name, cfg, log=lambda _: None)
        assert {k: meta["train_config"][k] for k in seeds} == seeds
        heads[name] = load_file(str(tmp_path / name / "sentiment.safetensors"))["head.weight"]
    assert len(keys) == 1
    assert heads["seed"].equal(heads["again"])
    assert not heads["student"].allclose(heads["seed"], atol=1e-3)
    # the same initial head, moved by other batches
    assert not heads["order"].equal(heads["seed"]) and (heads["order"] - heads["seed"]).abs().max() < 0.05


def test_a_soup_merges_to_the_mean_of_its_members():
    """soup_tensors: one set of adapters whose merged change to every weight (B @ A) is the mean
    of the members', and every other tensor (LayerNorm deltas, the head) their mean."""
    import torch

    from analyzer.training.lora import soup_tensors

    torch.manual_seed(0)
    members = [
        {
            "lora.l.A": torch.randn(4, 8).half(),
            "lora.l.B": torch.randn(6, 4).half(),
            "delta.ln.weight": torch.randn(6),
            "head.weight": torch.randn(3, 6),
        }
        for _ in range(3)
    ]
    soup = soup_tensors(members)
    assert soup["lora.l.A"].shape == (12, 8) and soup["lora.l.A"].dtype == torch.float16
    merged = soup["lora.l.B"].float() @ soup["lora.l.A"].float()
    want = sum(m["lora.l.B"].float() @ m["lora.l.A"].float() for m in members) / 3
    assert (merged - want).abs().max() < 2e-2  # B is stored in fp16
    for key in ("delta.ln.weight", "head.weight"):
        assert torch.allclose(soup[key], sum(m[key] for m in members) / 3)


def test_fast_encoder_matches_transformers_bert():
    """The inference path's plain-torch forward equals transformers' BertModel (fp32)."""
    import torch

    from analyzer.nlp.encoder import FastEncoder, load_encoder, mean_pool

    texts = ["Profit rose sharply in the third quarter.", "Shares fell.", "", "word " * 300]
    fast = FastEncoder()
    ids, mask = fast.tokenize(texts, 128)
    tok, hf = load_encoder()
    b = tok(texts, padding=True, truncation=True, max_length=128, return_tensors="pt")
    assert torch.equal(b["input_ids"], ids) and ids.shape[1] == 128
    with torch.inference_mode():
        got = mean_pool(fast(ids, mask), mask)
        want = mean_pool(
            hf(input_ids=b["input_ids"], attention_mask=b["attention_mask"]).last_hidden_state, b["attention_mask"]
        )
    assert (got - want).abs().max().item() < 1e-4


def test_train_cli_rejects_unknown_data_set(cli, tmp_path):
    res = cli("train", "--only", "sentiment", "--data", "imdb", "--out", str(tmp_path / "m"))
    assert res.exit_code == 2
    assert "imdb" in res.stderr and "phrasebank" in res.stderr
    assert not (tmp_path / "m").exists()


def test_train_cli_leaves_a_data_set_out(cli, tmp_path, shared_sentiment):
    import json

    out = tmp_path / "m"
    res = cli(
        "train",
        "--only",
        "sentiment",
        "--exclude",
        "phrasebank",
        "--limit",
        "32",
        "--max-steps",
        "1",
        "--no-eval",
        "--no-teacher",
        "--out",
        str(out),
    )
    assert res.exit_code == 0, res.output
    meta = json.loads((out / "sentiment.json").read_text())
    assert meta["train_config"]["data"] == ["twitter", "sentfin"]
    assert "phrasebank" not in meta["licences"]
    assert set(meta["train_rows"]) <= {"twitter", "sentfin"}
