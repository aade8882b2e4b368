"""VADER lexicon baseline (`--model vader`); the vaderSentiment package bundles its lexicon.

Label by the usual compound thresholds (>= 0.05 positive, <= -0.05 negative). VADER has no
class probabilities; we spread the compound score c over the three columns so the argmax is
that label and P(pos) - P(neg) grows with c: neutral -> [max(-c,0), 1-|c|, max(c,0)],
positive -> [0, (1-c)/2, (1+c)/2], negative -> [(1+|c|)/2, (1-|c|)/2, 0].
"""

from __future__ import annotations

import numpy as np

from analyzer.nlp.types import Prediction


class VaderModel:
    name = "vader"

    def __init__(self):
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        self._sia = SentimentIntensityAnalyzer()
        import vaderSentiment

        self.version = f"vader-{getattr(vaderSentiment, '__version__', '3.3.2')}"

    def predict(self, texts: list[str], batch_size: int = 64) -> Prediction:
        probs = np.zeros((len(texts), 3), dtype=np.float32)
        for i, t in enumerate(texts):
            c = float(self._sia.polarity_scores("" if t is None else str(t)[:20000])["compound"])
            if c >= 0.05:
                probs[i] = (0.0, (1 - c) / 2, (1 + c) / 2)
            elif c <= -0.05:
                probs[i] = ((1 - c) / 2, (1 + c) / 2, 0.0)
            else:
                probs[i] = (max(-c, 0.0), 1 - abs(c), max(c, 0.0))
        return Prediction(probs=probs, embeddings=None)
