"""Inference: segmentation, theme matching, the sentiment model and the claim judges (training lives in analyzer.training)."""
