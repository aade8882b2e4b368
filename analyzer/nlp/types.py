"""Types every sentiment model shares (a leaf module: it imports nothing of the project).

Prediction   probabilities [n, 3] in LABELS order, plus pooled embeddings when the model has them
TextModel    what a sentiment model provides: name, version, predict(texts)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

LABELS = ("negative", "neutral", "positive")  # column order of probs everywhere
MAX_CHARS = 2000  # a longer text is cut before tokenising; the encoder reads max_length tokens anyway


@dataclass
class Prediction:
    probs: np.ndarray  # [n, 3], rows sum to 1, order LABELS
    embeddings: np.ndarray | None  # [n, d] pooled sentence embeddings, same forward pass

    @property
    def labels(self) -> list[str]:
        return [LABELS[i] for i in self.probs.argmax(1)] if len(self.probs) else []

    @property
    def scores(self) -> np.ndarray:
        """P(positive) - P(negative), in [-1, 1]."""
        return self.probs[:, 2] - self.probs[:, 0] if len(self.probs) else np.zeros(0)


@runtime_checkable
class TextModel(Protocol):
    name: str
    version: str

    def predict(self, texts: list[str], batch_size: int = 64) -> Prediction: ...
