"""The scoring model: reason-code weights from config/model.toml, scored by the kernel."""

from __future__ import annotations

import msgspec
import numpy as np

from engine.config import Config, ModelFile
from engine.schema import Reason
from engine.scoring.kernels import score_batch


class ScoringModel:
    """Maps rule hits (code -> strength) onto the kernel's feature vector."""

    def __init__(self, model: ModelFile) -> None:
        self.version = model.version
        self.bias = float(model.bias)
        self.codes: tuple[str, ...] = tuple(model.weights)
        self.index = {code: i for i, code in enumerate(self.codes)}
        self.weights = np.array([model.weights[c] for c in self.codes], dtype=np.float64)
        self.lowers = model.lowering()  # codes that may only lower the score
        # Reusable single-session buffers: scoring runs on the event loop, one at a time.
        self._x = np.zeros((1, len(self.codes)), dtype=np.float64)
        self._scores = np.zeros(1, dtype=np.float64)
        self._contrib = np.zeros((1, len(self.codes)), dtype=np.float64)

    def score(self, strengths: dict[str, float]) -> tuple[float, list[Reason]]:
        """Score one session. Codes with no weight in the model do not move the score.

        Every code the model knows that fired is a reason, with its contribution: 0 when
        its weight is 0 (a trained model holds a weight at 0 when the data say the code
        adds nothing), so the answer still shows what was seen."""
        x = self._x
        x.fill(0.0)
        for code, strength in strengths.items():
            i = self.index.get(code)
            if i is not None:
                x[0, i] += strength
        score_batch(x, self.weights, self.bias, self._scores, self._contrib)
        reasons = [
            Reason(code=self.codes[j], contribution=round(float(c), 4))
            for j, c in enumerate(self._contrib[0])
            if x[0, j] != 0.0
        ]
        reasons.sort(key=lambda r: -r.contribution)
        return round(float(self._scores[0]), 6), reasons

    def score_many(self, rows: list[dict[str, float]]) -> np.ndarray:
        """Score a batch of sessions (backfills, evaluation): returns the scores."""
        x = np.zeros((len(rows), len(self.codes)), dtype=np.float64)
        for r, strengths in enumerate(rows):
            for code, strength in strengths.items():
                i = self.index.get(code)
                if i is not None:
                    x[r, i] += strength
        scores = np.empty(len(rows), dtype=np.float64)
        contrib = np.empty_like(x)
        score_batch(x, self.weights, self.bias, scores, contrib)
        return scores


class Runtime(msgspec.Struct, frozen=True):
    """Everything a reload replaces, swapped as one reference."""

    config: Config
    model: ScoringModel
    shadow: ScoringModel | None = None  # scored beside `model` (shadow mode), never answered

    @classmethod
    def from_config(cls, config: Config) -> Runtime:
        shadow = config.shadow_model
        return cls(
            config=config,
            model=ScoringModel(config.model),
            shadow=ScoringModel(shadow) if shadow is not None else None,
        )
