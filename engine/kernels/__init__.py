"""Numba-jitted kernels. Compiled (or loaded from the on-disk cache) by `warm_up()`."""

from engine.kernels._score import logistic_score, score_batch, warm_up

__all__ = ["logistic_score", "score_batch", "warm_up"]
