"""Implicit-feedback matrix factorisation by alternating least squares (Hu, Koren and Volinsky, "Collaborative
Filtering for Implicit Feedback Datasets", 2008).

Input: a listeners × tracks matrix of interaction strengths r (plays, playlist adds, favourites, purchases,
weighted). Each cell says the listener prefers the track (p = 1 if r > 0) with confidence c = 1 + alpha * r;
empty cells are weak evidence of no preference. ALS alternates exact ridge solves for listener and track
factors; each solve uses the YᵀY trick, so its cost grows with the listener's own interactions only. The
matrix is kept sparse (CSR): memory grows with the interactions, not with listeners × tracks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse


@dataclass(frozen=True)
class AlsParams:
    factors: int = 16
    regularization: float = 0.1
    alpha: float = 15.0
    iterations: int = 12
    seed: int = 7


@dataclass
class AlsModel:
    listener_factors: np.ndarray  # float32, listeners × factors
    track_factors: np.ndarray  # float32, tracks × factors

    def scores(self, listener_index: int) -> np.ndarray:
        return self.track_factors @ self.listener_factors[listener_index]


def als_fit(strengths: np.ndarray | sparse.spmatrix, params: AlsParams = AlsParams()) -> AlsModel:
    """Factorise a listeners × tracks matrix (dense or scipy sparse) of non-negative interaction strengths.
    Deterministic for a given seed."""
    strengths = sparse.csr_matrix(strengths, dtype=np.float32)
    users, items = strengths.shape
    rng = np.random.default_rng(params.seed)
    user_f = (rng.standard_normal((users, params.factors)) * 0.01).astype(np.float32)
    item_f = (rng.standard_normal((items, params.factors)) * 0.01).astype(np.float32)
    transposed = strengths.T.tocsr()
    for _ in range(params.iterations):
        user_f = _solve_rows(strengths, item_f, params)
        item_f = _solve_rows(transposed, user_f, params)
    return AlsModel(listener_factors=user_f, track_factors=item_f)


def _solve_rows(strengths: sparse.csr_matrix, other: np.ndarray, params: AlsParams) -> np.ndarray:
    """For each row u: x_u = (OᵀO + Oᵀ(C_u - I)O + λI)⁻¹ Oᵀ C_u p_u, over the row's non-zero cells only."""
    k = other.shape[1]
    gram = (other.T @ other).astype(np.float64)
    ridge = params.regularization * np.eye(k)
    out = np.zeros((strengths.shape[0], k), dtype=np.float32)
    for row in range(strengths.shape[0]):  # a loop over listeners (or tracks), each a k × k solve
        start, end = strengths.indptr[row], strengths.indptr[row + 1]
        if start == end:
            continue
        factors = other[strengths.indices[start:end]].astype(np.float64)
        confidence = 1.0 + params.alpha * strengths.data[start:end].astype(np.float64)
        a = gram + (factors.T * (confidence - 1.0)) @ factors + ridge
        b = factors.T @ confidence
        out[row] = np.linalg.solve(a, b)
    return out
