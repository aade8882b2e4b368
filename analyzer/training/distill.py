"""Batches that mix labelled rows with teacher-labelled ones (distillation), for both trainers.

A batch's rows are indices into one list: the labelled rows first (index < n_hard), the
teacher-labelled ones after. Each part's mean loss weighs its share of the batch, a
teacher-labelled part times `distill_weight`, so that every row counts alike whichever part it is in.
"""

from __future__ import annotations

from collections.abc import Callable


def mixed_loss(idx: list[int], n_hard: int, out, hard_loss: Callable, soft_loss: Callable, distill_weight: float):
    """`out`: the model's output for the batch, one row per index in `idx`. hard_loss(out_rows, rows)
    and soft_loss(out_rows, soft_rows) give each part's mean loss, `rows` indexing the labelled
    targets and `soft_rows` the teacher's."""
    import torch

    at = torch.tensor(idx)
    hard, soft = at < n_hard, at >= n_hard
    loss = out.new_zeros(())
    if hard.any():
        loss = loss + hard_loss(out[hard], at[hard]) * (hard.sum() / len(idx))
    if soft.any():
        loss = loss + distill_weight * (soft.sum() / len(idx)) * soft_loss(out[soft], at[soft] - n_hard)
    return loss
