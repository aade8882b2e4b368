"""Low-rank adapters (LoRA) on the MiniLM encoder, shared by the sentiment and claim trainers.

Training wraps the target linear layers of transformers' BertModel; the artifact stores only
the adapters (A, B in fp16) and the LayerNorm changes, which `analyzer.nlp.model.apply_deltas`
merges into the plain-torch encoder at load time.
"""

from __future__ import annotations

import numpy as np

LORA_TARGETS = (
    "attention.self.query",
    "attention.self.key",
    "attention.self.value",
    "attention.output.dense",
    "intermediate.dense",
    "output.dense",
)


def batches(lengths: list[int], batch_size: int, rng: np.random.Generator) -> list[list[int]]:
    """Shuffled batches of similar length: sort within pools of 50 batches, shuffle the batches."""
    idx = rng.permutation(len(lengths))
    pool = batch_size * 50
    out = []
    for s in range(0, len(idx), pool):
        chunk = sorted(idx[s : s + pool], key=lambda i: lengths[i])
        out += [chunk[j : j + batch_size] for j in range(0, len(chunk), batch_size)]
    rng.shuffle(out)
    return out


def add_lora(encoder, rank: int, alpha: float, targets: tuple[str, ...] = LORA_TARGETS):
    """Wrap the target nn.Linear layers (BertModel's names by default) with trainable low-rank
    updates; freeze the rest except LayerNorms. Returns {module name: wrapper}."""
    import math

    import torch
    from torch import nn

    class LoRALinear(nn.Module):
        def __init__(self, base: nn.Linear):
            super().__init__()
            self.base = base
            self.A = nn.Parameter(torch.empty(rank, base.in_features))
            self.B = nn.Parameter(torch.zeros(base.out_features, rank))
            nn.init.kaiming_uniform_(self.A, a=math.sqrt(5))
            self.scale = alpha / rank
            self.drop = nn.Dropout(0.05)

        def forward(self, x):
            return self.base(x) + (self.drop(x) @ self.A.T @ self.B.T) * self.scale

    for p in encoder.parameters():
        p.requires_grad_(False)
    wrapped = {}
    for name, mod in list(encoder.named_modules()):
        if isinstance(mod, nn.Linear) and name.endswith(targets) and ".layer." in name:
            parent = encoder.get_submodule(name.rsplit(".", 1)[0])
            w = LoRALinear(mod)
            setattr(parent, name.rsplit(".", 1)[1], w)
            wrapped[name] = w
    for name, p in encoder.named_parameters():
        if "LayerNorm" in name and ".layer." in name:
            p.requires_grad_(True)
    return wrapped


def adapter_tensors(enc, wrapped: dict, ln_before: dict) -> dict:
    """What the artifact stores of a LoRA-wrapped encoder: A/B in fp16 (what model.apply_deltas
    merges) and the LayerNorm changes as deltas."""
    import torch

    tensors = {}
    for name, w in wrapped.items():
        tensors[f"lora.{name}.A"] = w.A.detach().to(torch.float16)
        tensors[f"lora.{name}.B"] = w.B.detach().to(torch.float16)
    params = dict(enc.named_parameters())
    for n, before in ln_before.items():
        tensors[f"delta.{n}"] = (params[n].detach() - before).float()
    return tensors


def soup_tensors(members: list[dict]) -> dict:
    """One artifact whose merged weights are the mean of the members' (a uniform "model soup"):
    the adapters side by side (A stacked, B stacked and divided by the count, so that B @ A is
    the mean of the members' B @ A at the same scale), every other tensor averaged."""
    import torch

    n = len(members)
    out = {}
    for key in members[0]:
        if key.startswith("lora.") and key.endswith(".A"):
            out[key] = torch.cat([m[key] for m in members], 0)
        elif key.startswith("lora.") and key.endswith(".B"):
            out[key] = (torch.cat([m[key].float() for m in members], 1) / n).to(members[0][key].dtype)
        else:
            out[key] = sum(m[key].float() for m in members) / n
    return out


def optimizer(
    enc_params: list, head_params: list, *, lr: float, head_lr: float, weight_decay: float, warmup: float, total: int
):
    """AdamW over the adapters and the heads (their own learning rates), with a linear warm-up over
    the first `warmup` share of `total` steps and a linear decay to zero after it."""
    import torch

    opt = torch.optim.AdamW(
        [{"params": enc_params, "lr": lr}, {"params": head_params, "lr": head_lr}], weight_decay=weight_decay
    )
    warm = max(1, int(warmup * total))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warm, max(0.0, (total - s) / max(1, total - warm)))
    )
    return opt, sched
