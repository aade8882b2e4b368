"""Precision is picked from the CPU; bf16 stays within tolerance of fp32."""

import numpy as np
import pytest

from analyzer.nlp import precision
from analyzer.nlp.model import EncoderSentimentModel

CLEAR = [
    ("Quarterly profit more than doubled and the company raised its guidance.", "positive"),
    ("Shares plunged 20 percent after the lender warned of mounting bad loans.", "negative"),
    ("The annual general meeting will be held in Helsinki on 15 March.", "neutral"),
    ("Operating profit fell sharply as demand collapsed.", "negative"),
    ("Net sales jumped 35 percent, beating analyst expectations.", "positive"),
]


def test_env_override(monkeypatch):
    monkeypatch.setenv("ANALYZE_PRECISION", "fp32")
    assert precision.choose_precision() == "fp32"
    monkeypatch.setenv("ANALYZE_PRECISION", "bf16")
    assert precision.choose_precision() == "bf16"
    monkeypatch.delenv("ANALYZE_PRECISION")
    assert precision.choose_precision() == ("bf16" if precision.cpu_supports_bf16() else "fp32")


@pytest.mark.skipif(not precision.cpu_supports_bf16(), reason="this CPU has no native bf16 (AMX/AVX512-BF16)")
def test_bf16_predictions_match_fp32():
    texts = [t for t, _ in CLEAR] + [
        "Revenue was flat year on year.",
        "The bank expects margins to stay under pressure next year.",
        "Small caps rallied as yields fell after the CPI report.",
    ]
    fp32 = EncoderSentimentModel(precision="fp32").predict(texts)
    bf16 = EncoderSentimentModel(precision="bf16").predict(texts)
    assert np.abs(fp32.probs - bf16.probs).max() < 0.08
    assert (fp32.probs.argmax(1) == bf16.probs.argmax(1)).mean() >= 0.9
    cos = (fp32.embeddings * bf16.embeddings).sum(1) / (
        np.linalg.norm(fp32.embeddings, axis=1) * np.linalg.norm(bf16.embeddings, axis=1)
    )
    assert cos.min() > 0.99


def test_thread_choice(monkeypatch):
    monkeypatch.setenv("ANALYZE_THREADS", "3")
    assert precision.choose_threads() == 3
    monkeypatch.delenv("ANALYZE_THREADS")
    monkeypatch.setenv("OMP_NUM_THREADS", "2")
    assert precision.choose_threads() is None  # the user's OpenMP setting wins
    monkeypatch.delenv("OMP_NUM_THREADS")
    n = precision.choose_threads()
    assert n is None or n >= 1


def test_threads_follow_the_cores_idle_now(monkeypatch):
    monkeypatch.delenv("ANALYZE_THREADS", raising=False)
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.setattr(precision.os, "sched_getaffinity", lambda _: {0, 1}, raising=False)
    monkeypatch.setattr(precision, "_idle_cores", lambda cores: 1.9)
    assert precision.choose_threads() == 2
    monkeypatch.setattr(precision, "_idle_cores", lambda cores: 0.3)  # another job holds both cores
    assert precision.choose_threads() == 1


def test_idle_cores_reads_the_machine():
    idle = precision._idle_cores(2, seconds=0.05)
    assert idle is None or 0.0 <= idle <= 2.0
