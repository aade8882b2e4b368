"""Loaders for the labelled sentiment data in ../shared/data/sentiment/ and the dev splits.

Only the 80 % train portions of the public sets are in ../shared. We carve a dev split out of
each (20 %, random_state=13, stratified by label, whole units on one side) and never train on
it: every number in the model card is measured on these dev splits.

Licences differ, so each data set can be left out of training:
  phrasebank  Financial PhraseBank v1.0 (50 %-agree)   CC BY-NC-SA 3.0
  twitter     Twitter Financial News sentiment v1.0     MIT
  sentfin     SEntFiN 1.0 headlines (headline level)    MIT
  fiqa        FiQA 2018 task 1 (headlines and posts)    research use only (not in the default)
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from analyzer.errors import AnalyzerError
from analyzer.paths import SHARED_DIR

LABELS = ("negative", "neutral", "positive")
DEV_FRACTION = 0.2
SEED = 13

LICENCES = {
    "phrasebank": "CC BY-NC-SA 3.0 (Malo et al. 2014)",
    "twitter": "MIT (zeroshot/twitter-financial-news-sentiment v1.0.0)",
    "sentfin": "MIT (Sinha et al. 2022, SEntFiN 1.0)",
    "fiqa": "research use only (FiQA 2018 challenge data; no licence stated)",
}
ALL_DATASETS = tuple(LICENCES)
DEFAULT_TRAIN = ("phrasebank", "twitter", "sentfin")

# SEntFiN "Decisions" are not always valid Python literals (see the data README).
_DECISION = re.compile(r"""(['"])(.*?)\1:\s*(['"])(positive|negative|neutral)\3""")


def data_dir() -> Path:
    """../shared/data/sentiment relative to the repository root; ANALYZE_SENTIMENT_DATA overrides."""
    env = os.environ.get("ANALYZE_SENTIMENT_DATA")
    return Path(env) if env else (SHARED_DIR / "data" / "sentiment").resolve()


@dataclass
class Split:
    name: str
    train: Any  # pandas.DataFrame with columns text, label (pandas is imported lazily)
    dev: Any


def _read_csv(path: Path, **kw):
    import pandas as pd

    if not path.is_file():
        raise AnalyzerError(f"{path}: sentiment data file not found (is ../shared/data present?)")
    return pd.read_csv(path, keep_default_na=False, **kw)


def _split_units(units: list[str], keys: list[str]) -> tuple[set[str], set[str]]:
    from sklearn.model_selection import train_test_split

    tr, dv = train_test_split(units, test_size=DEV_FRACTION, random_state=SEED, shuffle=True, stratify=keys)
    return set(tr), set(dv)


def _by_text(df, name: str) -> Split:
    """Split on distinct texts (first-seen order, key = first label) so duplicates stay together."""
    first = df.drop_duplicates("text", keep="first")
    tr, dv = _split_units(first["text"].tolist(), first["label"].tolist())
    train = df[df["text"].isin(tr)].reset_index(drop=True)
    # a dev sentence with two conflicting labels is scored once, with its first label
    dev = df[df["text"].isin(dv)].drop_duplicates("text", keep="first").reset_index(drop=True)
    return Split(name, train, dev)


def phrasebank(root: Path | None = None) -> Split:
    root = root or data_dir()
    df = _read_csv(root / "financial_phrasebank" / "sentences_50agree_train.csv")
    return _by_text(df[["text", "label"]], "phrasebank")


def phrasebank_allagree_dev(root: Path | None = None):
    """The all-agree sentences that fall in the PhraseBank dev split."""
    root = root or data_dir()
    dev = phrasebank(root).dev
    allagree = _read_csv(root / "financial_phrasebank" / "sentences_allagree_train.csv")
    keep = set(allagree["text"])
    return dev[dev["text"].isin(keep)].reset_index(drop=True)


def twitter(root: Path | None = None) -> Split:
    root = root or data_dir()
    df = _read_csv(root / "twitter_financial_news_sentiment" / "train.csv")
    return _by_text(df[["text", "label"]], "twitter")


def _sentfin_label(decisions: str) -> str:
    found = {m.group(4) for m in _DECISION.finditer(decisions)}
    if len(found) == 1:
        return found.pop()
    return "mixed" if found else ""


def sentfin(root: Path | None = None) -> Split:
    """Headline-level labels: the one sentiment all entities share; 'mixed' headlines are skipped
    (they take part in the stratified split so the split is the same with or without them)."""
    root = root or data_dir()
    raw = _read_csv(root / "sentfin_1_0" / "train.csv")
    df = raw.assign(text=raw["Title"], label=raw["Decisions"].map(_sentfin_label))[["text", "label"]]
    df = df[df["label"] != ""]
    s = _by_text(df, "sentfin")
    s.train = s.train[s.train["label"] != "mixed"].reset_index(drop=True)
    s.dev = s.dev[s.dev["label"] != "mixed"].reset_index(drop=True)
    return s


def fiqa(root: Path | None = None) -> Split:
    """One row per sentence; label from the sign of its mean score over targets."""
    root = root or data_dir()
    raw = _read_csv(root / "fiqa_2018_task1" / "train.csv")
    g = raw.groupby("sentence", sort=False)["sentiment_score"].mean().reset_index()
    label = g["sentiment_score"].map(lambda s: "positive" if s > 0 else "negative" if s < 0 else "neutral")
    df = g.assign(text=g["sentence"], label=label)[["text", "label"]]
    # only a handful are neutral; too few to stratify on, fold them into the split by sign
    first = df.drop_duplicates("text")
    keys = [lab if lab != "neutral" else "positive" for lab in first["label"]]
    tr, dv = _split_units(first["text"].tolist(), keys)
    return Split("fiqa", df[df["text"].isin(tr)].reset_index(drop=True), df[df["text"].isin(dv)].reset_index(drop=True))


LOADERS = {"phrasebank": phrasebank, "twitter": twitter, "sentfin": sentfin, "fiqa": fiqa}


def load_split(name: str, root: Path | None = None) -> Split:
    if name not in LOADERS:
        raise AnalyzerError(f"unknown data set {name!r}; choose from {', '.join(LOADERS)}")
    return LOADERS[name](root)


def training_frame(names: tuple[str, ...] | list[str], root: Path | None = None):
    """Train portions (dev removed) of the named sets, with a `source` column."""
    import pandas as pd

    if not names:
        raise AnalyzerError("no training data sets selected")
    parts = [load_split(n, root).train.assign(source=n) for n in names]
    return pd.concat(parts, ignore_index=True)


def dev_sets(root: Path | None = None) -> dict:
    """The acceptance dev sets, by name: phrasebank50, phrasebank_allagree, twitter, sentfin."""
    root = root or data_dir()
    pb = phrasebank(root)
    return {
        "phrasebank50": pb.dev,
        "phrasebank_allagree": phrasebank_allagree_dev(root),
        "twitter": twitter(root).dev,
        "sentfin": sentfin(root).dev,
    }
