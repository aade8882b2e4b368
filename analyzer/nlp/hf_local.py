"""Any local Hugging Face sequence-classification model as a sentiment model (`--model PATH`).

Label names come from config.id2label (positive/negative/neutral, bullish/bearish and the like,
any case); `--labels a,b,c` names them in id order when the config has only LABEL_0.. names.
Loads with local_files_only=True: never the network.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from analyzer.errors import AnalyzerError
from analyzer.nlp.types import LABELS, MAX_CHARS, Prediction

SYNONYMS = {
    "negative": "negative",
    "neg": "negative",
    "bearish": "negative",
    "bear": "negative",
    "neutral": "neutral",
    "neu": "neutral",
    "none": "neutral",
    "positive": "positive",
    "pos": "positive",
    "bullish": "positive",
    "bull": "positive",
}


def label_columns(id2label: dict, override: str | None, where: str) -> list[int]:
    """For each model output id, the column in LABELS it maps to."""
    n = len(id2label)
    if override:
        names = [x.strip().lower() for x in override.split(",") if x.strip()]
        if len(names) != n:
            raise AnalyzerError(f"{where}: --labels names {len(names)} labels but the model has {n} outputs")
    else:
        names = [str(id2label[i] if i in id2label else id2label.get(str(i), "")).strip().lower() for i in range(n)]
    cols = []
    for name in names:
        if name not in SYNONYMS:
            raise AnalyzerError(
                f"{where}: cannot map label {name!r} to negative/neutral/positive; "
                "pass --labels with its labels in id order, e.g. --labels positive,negative,neutral"
            )
        cols.append(LABELS.index(SYNONYMS[name]))
    if len(set(cols)) != len(cols):
        raise AnalyzerError(f"{where}: labels {names} map two outputs to the same sentiment")
    return cols


class HFLocalModel:
    def __init__(self, path: Path, labels: str | None = None, max_length: int = 128):
        from analyzer.nlp.encoder import offline, quiet_transformers

        offline()
        self.path = Path(path)
        self.name = str(path)
        where = f"--model {path}"
        if not (self.path / "config.json").is_file():
            raise AnalyzerError(f"{where}: no config.json there; not a Hugging Face model directory")
        try:
            import torch  # noqa: F401
            from transformers import AutoModelForSequenceClassification, AutoTokenizer

            quiet_transformers()
            self.tokenizer = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
            self.model = AutoModelForSequenceClassification.from_pretrained(str(path), local_files_only=True)
        except Exception as exc:  # transformers raises many kinds; one line for the user
            msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise AnalyzerError(
                f"{where}: cannot load a Hugging Face sequence-classification model ({msg[:200]})"
            ) from None
        self.model.eval()
        self.cols = label_columns(dict(self.model.config.id2label or {}), labels, where)
        self.max_length = min(max_length, int(getattr(self.tokenizer, "model_max_length", max_length) or max_length))
        cfg = self.path / "config.json"
        digest = hashlib.sha256(cfg.read_bytes()).hexdigest()[:10] if cfg.is_file() else "nocfg"
        self.version = f"hf:{self.path.name}+{digest}"

    def predict(self, texts: list[str], batch_size: int = 64) -> Prediction:
        import torch

        texts = ["" if t is None else str(t)[:MAX_CHARS] for t in texts]
        probs = np.zeros((len(texts), 3), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        with torch.inference_mode():
            for s in range(0, len(texts), batch_size):
                idx = order[s : s + batch_size]
                enc = self.tokenizer(
                    [texts[i] for i in idx],
                    padding=True,
                    truncation=True,
                    max_length=self.max_length,
                    return_tensors="pt",
                )
                p = torch.softmax(self.model(**enc).logits.float(), dim=-1).numpy()
                out = np.zeros((len(idx), 3), dtype=np.float32)
                for j, c in enumerate(self.cols):
                    out[:, c] += p[:, j]
                probs[idx] = out
        return Prediction(probs=probs, embeddings=None)
