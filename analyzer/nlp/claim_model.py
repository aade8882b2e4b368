"""The claim model: reads a candidate sentence with its context and judges, for each theme it
has a head for, whether the sentence makes a claim about the theme and with which stance; and
the sentence's orientation and certainty.

    model = ClaimModel()                         # the shipped artifact in models/claims/
    j = model.judge([ClaimInput("Small caps rip after soft CPI")])
    j.themes["small_cap_rotation"][0]            # P(none, -1, 0, +1)

Input: [CLS] sentence [SEP] headline [SEP] previous sentence [SEP], the context cut first when
it is long. The encoder (all-MiniLM-L6-v2 with the artifact's LoRA deltas merged) reads it
all; the heads read the mean of the sentence's own token vectors, so the context informs the
sentence without being judged itself. One forward pass per sentence serves every theme.

The artifact (claims.safetensors + claims.json) holds adapters and heads only: its own, and a
copy of the adapters it started from (the sentiment model's, under "base."), so it does not
depend on the shipped sentiment model and either can be retrained alone.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from analyzer.errors import AnalyzerError

ARTIFACT_WEIGHTS = "claims.safetensors"
ARTIFACT_META = "claims.json"
STANCES = (-1, 0, 1)
THEME_CLASSES = ("none", *STANCES)  # column order of each theme head
ORIENTATIONS = ("backward", "forward")
CERTAINTIES = ("factual", "hedged", "speculative")
SENTENCE_TOKENS = 72  # the sentence is cut here (it is rarely longer)
CONTEXT_TOKENS = 40  # headline + previous sentence together


@dataclass(frozen=True)
class ClaimInput:
    sentence: str
    headline: str = ""  # the article's title ("" when the sentence is the title)
    prev: str = ""  # the previous sentence ("" when first, or when it is the headline)


@dataclass
class Judgement:
    themes: dict[str, np.ndarray]  # theme -> [n, 4] probabilities in THEME_CLASSES order
    orientation: np.ndarray  # [n, 2] in ORIENTATIONS order
    certainty: np.ndarray  # [n, 3] in CERTAINTIES order


def default_dir() -> Path:
    from analyzer.paths import MODELS_DIR

    return MODELS_DIR / "claims"


def is_artifact(path: Path) -> bool:
    return (Path(path) / ARTIFACT_META).is_file() and (Path(path) / ARTIFACT_WEIGHTS).is_file()


def encode(
    tokenizer,
    inputs: list[ClaimInput],
    sentence_tokens: int = SENTENCE_TOKENS,
    context_tokens: int = CONTEXT_TOKENS,
    specials: tuple[str, str] = ("[CLS]", "[SEP]"),
    double_sep: bool = False,
):
    """Token ids, attention mask and sentence mask ([n, t] int64 arrays, padded to the longest).

    `tokenizer` is a `tokenizers.Tokenizer` (the encoder package's tokenizer.json); training and
    inference build their inputs here, so they cannot drift apart. `specials` and `double_sep`
    serve the training-time teacher (MPNet: `<s> A </s></s> B </s>`)."""
    cls, sep = (tokenizer.token_to_id(t) for t in specials)
    texts = []
    for x in inputs:
        texts += [x.sentence, x.headline, x.prev]
    enc = tokenizer.encode_batch(texts, add_special_tokens=False)
    rows = []
    for i in range(len(inputs)):
        sent = enc[3 * i].ids[:sentence_tokens]
        head, prev = enc[3 * i + 1].ids, enc[3 * i + 2].ids
        budget = context_tokens
        head = head[: max(budget // 2, budget - len(prev))] if prev else head[:budget]
        prev = prev[: budget - len(head)]
        ids = [cls, *sent, sep]
        smask = [0] + [1] * len(sent) + [0]
        opening = [sep] if double_sep else []
        for part in (head, prev):
            if part:
                ids += [*opening, *part, sep]
                smask += [0] * (len(opening) + len(part) + 1)
        rows.append((ids, smask))
    width = max((len(r[0]) for r in rows), default=0)
    out_ids = np.zeros((len(rows), width), dtype=np.int64)
    out_mask = np.zeros_like(out_ids)
    out_smask = np.zeros_like(out_ids)
    for i, (r, s) in enumerate(rows):
        out_ids[i, : len(r)] = r
        out_mask[i, : len(r)] = 1
        out_smask[i, : len(s)] = s
    return out_ids, out_mask, out_smask


def sentence_pool(hidden, smask):
    """Mean of the sentence's own token vectors."""
    m = smask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * m).sum(1) / m.sum(1).clamp(min=1e-9)


def threshold(meta: dict, theme: str, context_only: bool = False) -> float:
    """A theme is claimed when P(none) is below this (tuned on the dev split at training, kept in
    the artifact's meta); a stricter one where only the sentence's context names the theme."""
    plain = float(meta.get("thresholds", {}).get(theme, 0.5))
    if context_only:
        return float(meta.get("context_thresholds", {}).get(theme, plain))
    return plain


class ClaimModel:
    def __init__(self, path: Path | str | None = None, precision: str | None = None):
        from analyzer.nlp.model import artifact_version
        from analyzer.nlp.precision import choose_precision

        self.path = Path(path) if path else default_dir()
        if not is_artifact(self.path):
            raise AnalyzerError(
                f"{self.path}: no trained claim model here ({ARTIFACT_META} + {ARTIFACT_WEIGHTS}); "
                "run `analyze train --only claims` to build it"
            )
        self.meta = json.loads((self.path / ARTIFACT_META).read_text())
        self.version = artifact_version(self.path, ARTIFACT_META, ARTIFACT_WEIGHTS, default="claims-1")
        self.themes: tuple[str, ...] = tuple(self.meta["themes"])
        self.precision = precision or choose_precision()
        self._load()

    def _load(self) -> None:
        from safetensors.torch import load_file

        from analyzer.nlp.encoder import FastEncoder, raw_tokenizer
        from analyzer.nlp.model import apply_deltas
        from analyzer.nlp.precision import ready_for_inference

        self.encoder = FastEncoder()
        self.tokenizer = raw_tokenizer()
        tensors = load_file(str(self.path / ARTIFACT_WEIGHTS))
        base = {k[len("base.") :]: v for k, v in tensors.items() if k.startswith("base.")}
        if base:  # the adapters training started from (the sentiment model's, copied in)
            apply_deltas(self.encoder, base, float((self.meta.get("base") or {}).get("lora_scale", 1.0)))
        own = {k: v for k, v in tensors.items() if not k.startswith("base.")}
        apply_deltas(self.encoder, own, float(self.meta.get("lora_scale", 1.0)))
        self.heads = {
            k[len("head.") : -len(".weight")]: (tensors[k].float(), tensors[k[: -len("weight")] + "bias"].float())
            for k in tensors
            if k.startswith("head.") and k.endswith(".weight")
        }
        missing = [t for t in self.themes if f"theme.{t}" not in self.heads]
        if missing or "orientation" not in self.heads or "certainty" not in self.heads:
            raise AnalyzerError(f"{self.path}: the artifact lacks heads for {missing or 'orientation/certainty'}")
        ready_for_inference(self.encoder, self.precision)

    def judge(self, inputs: list[ClaimInput], batch_size: int = 64) -> Judgement:
        import torch

        n = len(inputs)
        out = {t: np.zeros((n, len(THEME_CLASSES)), dtype=np.float32) for t in self.themes}
        orient = np.zeros((n, len(ORIENTATIONS)), dtype=np.float32)
        cert = np.zeros((n, len(CERTAINTIES)), dtype=np.float32)
        # similar lengths pad less
        order = sorted(range(n), key=lambda i: len(inputs[i].sentence) + len(inputs[i].headline) + len(inputs[i].prev))
        with torch.inference_mode():
            for s in range(0, n, batch_size):
                idx = order[s : s + batch_size]
                ids, mask, smask = (torch.from_numpy(a) for a in encode(self.tokenizer, [inputs[i] for i in idx]))
                pooled = sentence_pool(self.encoder(ids, mask), smask).float()
                for t in self.themes:
                    w, b = self.heads[f"theme.{t}"]
                    out[t][idx] = torch.softmax(pooled @ w.T + b, -1).numpy()
                w, b = self.heads["orientation"]
                orient[idx] = torch.softmax(pooled @ w.T + b, -1).numpy()
                w, b = self.heads["certainty"]
                cert[idx] = torch.softmax(pooled @ w.T + b, -1).numpy()
        return Judgement(themes=out, orientation=orient, certainty=cert)

    def threshold(self, theme: str, context_only: bool = False) -> float:
        return threshold(self.meta, theme, context_only)
