"""Fit a :class:`~bot.ml.linear.LinearModel` with scikit-learn (development time only).

scikit-learn is a training dependency (the ``train`` extra), imported here and nowhere else, so the
running bot never loads it.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from bot.ml.features import features
from bot.ml.linear import LinearModel

__all__ = ["fit"]


def fit(
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    c: float = 4.0,
    min_df: int = 2,
    prune: float = 1e-3,
    class_weight: str | None = "balanced",
    meta: dict[str, Any] | None = None,
    featurize: Callable[[str], Iterable[str]] = features,
) -> LinearModel:
    """Train on ``texts``/``labels``; features seen in fewer than ``min_df`` texts are dropped.

    Weights whose largest magnitude over the classes is under ``prune`` are left out of the file;
    they change no decision and would cost memory in every process. ``featurize`` must be the
    function inference will use on the same model.
    """
    from array import array

    import numpy as np
    from scipy.sparse import csr_matrix
    from sklearn.linear_model import LogisticRegression

    extracted = [frozenset(featurize(text)) for text in texts]
    df = Counter(feat for feats in extracted for feat in feats)
    vocab = sorted(feat for feat, count in df.items() if count >= min_df)
    column = {feat: i for i, feat in enumerate(vocab)}
    rows: list[int] = []
    cols: list[int] = []
    values: list[float] = []
    for r, feats in enumerate(extracted):
        scale = 1.0 / math.sqrt(len(feats)) if feats else 0.0
        for feat in feats:
            col = column.get(feat)
            if col is not None:
                rows.append(r)
                cols.append(col)
                values.append(scale)
    matrix = csr_matrix((values, (rows, cols)), shape=(len(texts), len(vocab)))
    classes = sorted(set(labels))
    model = LogisticRegression(C=c, max_iter=3000, class_weight=class_weight)
    model.fit(matrix, list(labels))
    coef = np.asarray(model.coef_, dtype=float)
    intercept = np.asarray(model.intercept_, dtype=float)
    if len(classes) == 2:  # scikit-learn keeps one row for two classes: expand it to a softmax
        coef = np.vstack([-coef[0] / 2, coef[0] / 2])
        intercept = np.array([-intercept[0] / 2, intercept[0] / 2])
    order = [list(model.classes_).index(label) for label in classes]
    coef, intercept = coef[order], intercept[order]
    keep = np.abs(coef).max(axis=0) >= prune
    index: dict[str, int] = {}
    weights = array("f")
    for kept in np.flatnonzero(keep):
        index[vocab[int(kept)]] = len(index)
        weights.extend(float(v) for v in coef[:, kept])
    return LinearModel(
        labels=tuple(classes),
        bias=tuple(float(b) for b in intercept),
        index=index,
        weights=weights,
        meta=dict(meta or {}),
    )
