"""Map embedding vectors from one text encoder's space into another's.

Two encoders that share a vocabulary give two descriptions of the same 49,408 tokens: rows of
their token-embedding tables S (n x a) and T (n x b). The affine map x -> x W + c that best
carries S onto T in the least-squares sense is the natural bridge for vectors that live in S's
space, such as a textual-inversion embedding made for the other encoder. The fit residual says
how much of T the map explains: ~0 when the two tables are linearly related (a fine-tune's
drifted table), near 1 when they have nothing in common.

Solved by the normal equations in float64, accumulated in row chunks so a 49,408 x 1,280 fit
needs a few MB beyond the tables themselves.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

_CHUNK = 8192
_RIDGE = 1e-8  # relative to the mean diagonal: keeps the solve stable when columns are dependent


@dataclass
class LinearMap:
    weight: torch.Tensor   # (a, b) float64
    bias: torch.Tensor     # (b,) float64
    residual: float        # ||S W + c - T|| / ||T - mean(T)||: 0 = exact, ~1 = explains nothing
    rows: int              # tokens the fit used

    def apply(self, vectors: torch.Tensor) -> torch.Tensor:
        out = vectors.double() @ self.weight + self.bias
        return out.to(vectors.dtype if vectors.is_floating_point() else torch.float32)

    @property
    def quality(self) -> str:
        if self.residual < 0.1:
            return "close fit"
        if self.residual < 0.5:
            return "partial fit"
        return "poor fit: the two encoders have little in common, the embedding may not carry over"


def fit_linear_map(source: torch.Tensor, target: torch.Tensor) -> LinearMap:
    """Least-squares affine map from source rows (n, a) to target rows (n, b) over the rows both
    tables have (the shared vocabulary)."""
    if source.ndim != 2 or target.ndim != 2:
        raise ValueError("token tables must be 2-D (tokens x width)")
    rows = min(source.shape[0], target.shape[0])
    if rows <= source.shape[1] + 1:
        raise ValueError(f"{rows} shared tokens cannot determine a map from {source.shape[1]} dimensions")
    a, b = source.shape[1], target.shape[1]
    gram = torch.zeros(a + 1, a + 1, dtype=torch.float64)
    cross = torch.zeros(a + 1, b, dtype=torch.float64)
    for start in range(0, rows, _CHUNK):
        end = min(start + _CHUNK, rows)
        x = _with_ones(source[start:end].double())
        y = target[start:end].double()
        gram += x.T @ x
        cross += x.T @ y
    ridge = _RIDGE * gram.diagonal().mean()
    solution = torch.linalg.solve(gram + ridge * torch.eye(a + 1, dtype=torch.float64), cross)
    weight, bias = solution[:a], solution[a]
    error = spread = 0.0
    mean = target[:rows].double().mean(0)
    for start in range(0, rows, _CHUNK):
        x = source[start:min(start + _CHUNK, rows)].double()
        y = target[start:min(start + _CHUNK, rows)].double()
        error += float(((x @ weight + bias - y) ** 2).sum())
        spread += float(((y - mean) ** 2).sum())
    residual = (error / spread) ** 0.5 if spread > 0 else 0.0
    return LinearMap(weight, bias, residual, rows)


def _with_ones(x: torch.Tensor) -> torch.Tensor:
    return torch.cat([x, torch.ones(x.shape[0], 1, dtype=x.dtype)], dim=1)
