"""The stance (and theme) head: logistic regressions on the sentiment model's pooled sentence
embedding plus the theme's rule-cue evidence, one per theme.

Artifacts: models/stance/stance_head.npz (weights) and stance_head.json (meta: the encoder
version it was trained on, feature layout, metrics). The head only applies to embeddings of the
model it was trained on; for any other model (vader, a foreign HF model, a retrained encoder
without a retrained head) stance comes from the rule cues alone.
"""

from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from analyzer.paths import MODELS_DIR

HEAD_WEIGHTS = "stance_head.npz"
HEAD_META = "stance_head.json"
STANCES = (-1, 0, 1)  # column order of stance probabilities
# The rules are precise on their own; the theme head only vetoes candidates it is sure about.
THEME_VETO = 0.1


def head_dir() -> Path:
    return MODELS_DIR / "stance"


def cue_features(pos: float, neg: float, neutral: float, n_triggers: int, probs=None) -> np.ndarray:
    """What the heads see beside the embedding: the rule evidence and the sentence's sentiment
    probabilities from the same forward pass (zeros without a model)."""
    net = pos - neg
    p = [0.0, 0.0, 0.0] if probs is None else [float(v) for v in probs]
    return np.array([pos, neg, net, float(neutral > 0), np.sign(net), min(n_triggers, 3) / 3.0, *p], dtype=np.float32)


N_CUE = 9


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


@dataclass
class StanceHead:
    meta: dict
    weights: dict[str, np.ndarray]
    version: str

    @classmethod
    def load(cls, path: Path | None = None) -> StanceHead | None:
        path = Path(path or head_dir())
        if not (path / HEAD_META).is_file() or not (path / HEAD_WEIGHTS).is_file():
            return None
        meta = json.loads((path / HEAD_META).read_text())
        with np.load(path / HEAD_WEIGHTS) as z:
            weights = {k: z[k] for k in z.files}
        h = hashlib.sha256((path / HEAD_WEIGHTS).read_bytes()).hexdigest()[:8]
        return cls(meta=meta, weights=weights, version=f"{meta.get('version', 'stance-1')}+{h}")

    def compatible(self, model, embeddings: np.ndarray | None) -> bool:
        if embeddings is None or embeddings.ndim != 2:
            return False
        if embeddings.shape[1] != int(self.meta.get("dim", -1)):
            return False
        want = self.meta.get("encoder_version")
        if want and getattr(model, "version", None) != want:
            print(
                f"warning: stance head was trained on model {want}, not {getattr(model, 'version', '?')}; "
                "using rule cues for stance (run `analyze train` to retrain it)",
                file=sys.stderr,
            )
            return False
        return True

    def stance_probs(self, theme: str, emb: np.ndarray, cues: np.ndarray) -> np.ndarray | None:
        """[n, 3] probabilities over STANCES, or None when the head has no model for the theme."""
        z = self._logits(f"stance.{theme}", emb, cues)
        if z is None:
            return None
        classes = [int(c) for c in self.weights[f"stance.{theme}.classes"]]
        if len(classes) == 2:  # sklearn's binary form: one column for the second class
            z = np.hstack([-z / 2, z / 2]) if z.ndim == 2 and z.shape[1] == 1 else z
        p = _softmax(z)
        out = np.zeros((len(z), len(STANCES)), dtype=np.float32)
        for j, c in enumerate(classes):
            out[:, STANCES.index(c)] = p[:, j]
        return out

    def theme_prob(self, theme: str, emb: np.ndarray, cues: np.ndarray) -> np.ndarray | None:
        """[n] P(the sentence is about `theme`) for rule candidates, or None without a head."""
        z = self._logits(f"theme.{theme}", emb, cues)
        if z is None:
            return None
        return 1.0 / (1.0 + np.exp(-z.reshape(-1)))

    def _logits(self, key: str, emb: np.ndarray, cues: np.ndarray) -> np.ndarray | None:
        """Linear scores of the logistic regression stored under `key`, None when there is none."""
        w = self.weights.get(f"{key}.coef")
        if w is None:
            return None
        x = np.hstack([emb, cues]).astype(np.float32)
        return x @ w.T + self.weights[f"{key}.intercept"]
