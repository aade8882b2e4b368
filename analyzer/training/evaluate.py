"""Accuracy, macro-F1 and confusion matrices for one or more models on labelled text."""

from __future__ import annotations

import csv
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from analyzer.errors import AnalyzerError
from analyzer.nlp.types import LABELS, TextModel


@dataclass
class EvalResult:
    model: str
    version: str
    n: int
    accuracy: float
    macro_f1: float
    confusion: list[list[int]]  # rows = true label, columns = predicted, order LABELS

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def read_labelled_csv(path: str | Path) -> tuple[list[str], list[str]]:
    """A CSV with columns text,label (labels negative/neutral/positive, any case)."""
    path = Path(path)
    if not path.is_file():
        raise AnalyzerError(f"{path}: no such file")
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    try:
        with path.open(newline="", encoding="utf-8", errors="replace") as fh:
            reader = csv.DictReader(fh)
            names = list(reader.fieldnames or [])
            fields = [f.strip().lower() for f in names]
            if "text" not in fields or "label" not in fields:
                raise AnalyzerError(f"{path}: needs a header with columns text,label (found {names})")
            tk = names[fields.index("text")]
            lk = names[fields.index("label")]
            texts, labels = [], []
            for n, row in enumerate(reader, start=2):
                lab = (row.get(lk) or "").strip().lower()
                if lab not in LABELS:
                    raise AnalyzerError(f"{path}: line {n}: label {lab!r} is not one of {', '.join(LABELS)}")
                texts.append(row.get(tk) or "")
                labels.append(lab)
    except csv.Error as exc:
        raise AnalyzerError(f"{path}: not a readable CSV ({exc})") from None
    if not texts:
        raise AnalyzerError(f"{path}: no labelled rows")
    return texts, labels


def evaluate(model: TextModel, texts: list[str], labels: list[str], batch_size: int = 64) -> EvalResult:
    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score

    y = np.array([LABELS.index(lab) for lab in labels])
    pred = model.predict(list(texts), batch_size=batch_size).probs.argmax(1)
    return EvalResult(
        model=model.name,
        version=model.version,
        n=len(y),
        accuracy=float(accuracy_score(y, pred)),
        macro_f1=float(f1_score(y, pred, average="macro", labels=[0, 1, 2], zero_division=0)),
        confusion=confusion_matrix(y, pred, labels=[0, 1, 2]).tolist(),
    )


def format_results(results: list[EvalResult], title: str = "") -> str:
    lines = []
    if title:
        lines.append(title)
    w = max([len(r.model) for r in results] + [5])
    lines.append(f"{'model':<{w}}  {'n':>6}  {'accuracy':>8}  {'macro-F1':>8}  version")
    for r in results:
        lines.append(f"{r.model:<{w}}  {r.n:>6}  {r.accuracy:>8.3f}  {r.macro_f1:>8.3f}  {r.version}")
    for r in results:
        lines.append("")
        lines.append(f"confusion matrix for {r.model} (rows: true, columns: predicted)")
        lines.append(f"{'':>10}" + "".join(f"{lab:>10}" for lab in LABELS))
        for lab, row in zip(LABELS, r.confusion):
            lines.append(f"{lab:>10}" + "".join(f"{v:>10d}" for v in row))
    return "\n".join(lines)


def evaluate_dev_sets(models: list[TextModel], root=None) -> dict[str, list[EvalResult]]:
    """Every model on every dev split (see sentiment_data.dev_sets)."""
    from analyzer.training.sentiment_data import dev_sets

    out = {}
    for name, df in dev_sets(root).items():
        out[name] = [evaluate(m, df["text"].tolist(), df["label"].tolist()) for m in models]
    return out


def write_dev_metrics(model_dir) -> str:
    """Evaluate the artifact in model_dir on the dev splits; dev_metrics.json beside it."""
    import json

    from analyzer.nlp.model import EncoderSentimentModel

    model = EncoderSentimentModel(Path(model_dir))
    results = evaluate_dev_sets([model])
    # the artifact is named by its version, not by the folder it happened to be trained in
    data = {k: {**v[0].as_dict(), "model": "sentiment artifact"} for k, v in results.items()}
    (Path(model_dir) / "dev_metrics.json").write_text(json.dumps(data, indent=2) + "\n")
    return "\n\n".join(format_results(v, title=f"== dev: {k}") for k, v in results.items())
