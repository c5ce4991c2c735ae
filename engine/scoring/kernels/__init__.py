"""Numba-jitted kernels. Compiled (or loaded from the on-disk cache) by `warm_up()`;
the fitting kernel is compiled on its first use (by `anonscore train`, not the service)."""

from engine.scoring.kernels._fit import fit_logistic
from engine.scoring.kernels._score import logistic_score, score_batch, warm_up

__all__ = ["fit_logistic", "logistic_score", "score_batch", "warm_up"]
