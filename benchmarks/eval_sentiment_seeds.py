"""How much of a sentiment run's dev figures is its seed, and whether seeds combine.

Trains the shipped recipe's student again at other seeds from the same teacher labels, then
judges on the dev splits, each paired against the shipped model over the same sentences (4,000
bootstrap draws): every student alone, the uniform weight average ("soup") of the shipped model
and each student and of all of them (`analyzer.training.lora.soup_tensors`: one artifact, the
shipped model's cost), and the mean of all their probabilities (an ensemble: one forward pass per
member). `--vary init` gives each student its own initial adapters, head and batch order
(`TrainConfig.student_seed`); `--vary order` keeps the shipped model's initial weights and changes
the batch order only (`TrainConfig.order_seed`), the setting in which soups usually work.

    pip install '.[teacher]'
    .venv/bin/python benchmarks/eval_sentiment_seeds.py --teacher-labels FILE --seeds 14 15
        # about 17 min a student on two threads; the teacher first (about 20 min) when FILE is absent

The dev splits chose every release, so these figures compare candidates; the shipped model's own
seed was never chosen among others.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

DRAWS = 4000
SHIPPED = REPO / "models" / "sentiment"


def write_soup(dirs: list[Path], out: Path) -> Path:
    from safetensors.torch import load_file, save_file

    from analyzer.nlp.model import ARTIFACT_META, ARTIFACT_WEIGHTS
    from analyzer.training.lora import soup_tensors

    tensors = soup_tensors([load_file(str(d / ARTIFACT_WEIGHTS)) for d in dirs])
    out.mkdir(parents=True, exist_ok=True)
    save_file({k: v.contiguous() for k, v in tensors.items()}, str(out / ARTIFACT_WEIGHTS))
    meta = json.loads((dirs[0] / ARTIFACT_META).read_text())
    meta["version"] = "soup of " + ", ".join(d.name for d in dirs)
    (out / ARTIFACT_META).write_text(json.dumps(meta, indent=1))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=int, nargs="+", default=[14, 15])
    ap.add_argument("--vary", choices=("init", "order"), default="init")
    ap.add_argument("--teacher-labels", required=True, help="saved teacher labels (written first when absent)")
    ap.add_argument("--out", type=Path, default=Path("build/sentiment_seeds"))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--max-steps", type=int, default=None, help="smoke runs only")
    args = ap.parse_args()

    from analyzer.nlp.model import EncoderSentimentModel
    from analyzer.nlp.types import LABELS
    from analyzer.training.sentiment import TrainConfig, train_sentiment
    from analyzer.training.sentiment_data import dev_sets

    shipped = json.loads((SHIPPED / "sentiment.json").read_text())["train_config"]
    # the shipped recipe, as its metadata records it, with the student's seed changed
    recipe = {k: v for k, v in shipped.items() if k in TrainConfig.__dataclass_fields__}
    seed_field = "student_seed" if args.vary == "init" else "order_seed"
    members = {"shipped": SHIPPED}
    for seed in args.seeds:
        out = args.out / f"{args.vary}{seed}"
        cfg = TrainConfig(
            **{**recipe, "data": tuple(recipe["data"]), "threads": args.threads, "max_steps": args.max_steps},
            teacher_labels=args.teacher_labels,
            **{seed_field: seed},
        )
        if not (out / "sentiment.json").exists():
            train_sentiment(out, cfg)
        members[out.name] = out
    students = [n for n in members if n != "shipped"]
    dirs = dict(members)
    soups = {f"soup shipped+{n}": [dirs["shipped"], dirs[n]] for n in students}
    if len(students) > 1:
        soups["soup of all"] = list(dirs.values())
    for name, ds in soups.items():
        dirs[name] = write_soup(ds, args.out / name.replace(" ", "_").replace("+", "_"))

    dev = dev_sets()
    gold = {k: np.array([LABELS.index(label) for label in df["label"]]) for k, df in dev.items()}
    probs = {}
    for name, d in dirs.items():
        model = EncoderSentimentModel(d)
        probs[name] = {k: model.predict(df["text"].tolist()).probs for k, df in dev.items()}
    probs["ensemble of all (probabilities)"] = {k: np.mean([probs[n][k] for n in members], 0) for k in dev}

    rng = np.random.default_rng(0)
    draws = {k: rng.integers(0, len(g), (DRAWS, len(g))) for k, g in gold.items()}
    print(f"accuracy on the dev splits, and minus the shipped model's [95 %, {DRAWS} paired draws]")
    print(f"{'':34}" + "".join(f"{k:>33}" for k in dev))
    base = {k: (probs["shipped"][k].argmax(1) == gold[k]).astype(float) for k in dev}
    for name, p in probs.items():
        row = f"{name:34}"
        for k in dev:
            right = (p[k].argmax(1) == gold[k]).astype(float)
            diff = (right - base[k])[draws[k]].mean(1)
            lo, hi = np.percentile(diff, [2.5, 97.5])
            row += f"  {right.mean():.3f} {right.mean() - base[k].mean():+.3f} [{lo:+.3f}, {hi:+.3f}]"
        print(row, flush=True)


if __name__ == "__main__":
    main()
