"""The shipped sentiment model: loads offline, gets obvious sentences right, honours the interface."""

import numpy as np

from analyzer.nlp.types import LABELS, Prediction, TextModel

CLEAR = [
    ("Quarterly profit more than doubled and the company raised its full-year guidance.", "positive"),
    ("Net sales jumped 35 percent, beating analyst expectations by a wide margin.", "positive"),
    ("The shares surged to a record high after the upbeat earnings report.", "positive"),
    ("The company swung to a heavy loss and cut its dividend.", "negative"),
    ("Shares plunged 20 percent after the lender warned of mounting bad loans.", "negative"),
    ("Operating profit fell sharply as demand collapsed and costs soared.", "negative"),
    ("The annual general meeting will be held in Helsinki on 15 March.", "neutral"),
    ("The company is headquartered in Espoo and employs about 300 people.", "neutral"),
    ("The report covers the period from January to June.", "neutral"),
]


def test_shipped_model_gets_clear_sentences_right(shipped_model):
    assert isinstance(shipped_model, TextModel)
    assert shipped_model.name == "default"
    assert shipped_model.version.startswith("minilm-sent-")
    pred = shipped_model.predict([t for t, _ in CLEAR])
    got = [LABELS[i] for i in pred.probs.argmax(1)]
    assert got == [lab for _, lab in CLEAR]


def test_prediction_shapes_and_rows(shipped_model):
    texts = ["Revenue rose.", "", "x" * 10_000, "Der Umsatz stieg deutlich.", "Loss widened."]
    pred = shipped_model.predict(texts, batch_size=2)
    assert isinstance(pred, Prediction)
    assert pred.probs.shape == (5, 3)
    np.testing.assert_allclose(pred.probs.sum(1), 1.0, atol=1e-5)
    assert pred.embeddings.shape == (5, 384)
    assert np.isfinite(pred.embeddings).all()
    scores = pred.scores
    assert ((scores >= -1) & (scores <= 1)).all()


def test_order_and_batching_do_not_change_results(shipped_model):
    texts = [t for t, _ in CLEAR]
    a = shipped_model.predict(texts, batch_size=64)
    b = shipped_model.predict(texts[::-1], batch_size=3)
    np.testing.assert_allclose(a.probs, b.probs[::-1], atol=2e-2)
    np.testing.assert_allclose(a.embeddings, b.embeddings[::-1], atol=5e-2)


def test_empty_batch(shipped_model):
    pred = shipped_model.predict([])
    assert pred.probs.shape == (0, 3)
    assert pred.embeddings.shape[0] == 0


def test_vader_baseline():
    from analyzer.nlp.model import load_model

    vader = load_model("vader")
    assert vader.name == "vader" and vader.version.startswith("vader-")
    pred = vader.predict(["This is a wonderful, excellent result.", "A terrible, awful disaster.", "The table."])
    assert [LABELS[i] for i in pred.probs.argmax(1)] == ["positive", "negative", "neutral"]
    assert pred.embeddings is None
    np.testing.assert_allclose(pred.probs.sum(1), 1.0, atol=1e-6)
