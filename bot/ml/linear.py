"""Inference for a multinomial logistic regression exported by bot/ml/train.py.

A message's features each weigh 1/sqrt(n), n being how many features it has (known to the model
or not), which is the L2 normalisation the model was trained with; the class scores then go
through a softmax.
"""

from __future__ import annotations

import base64
import gzip
import json
import math
import sys
from array import array
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.ml.features import features

__all__ = ["LinearModel", "ModelFileError"]

FORMAT = "recovery-bot-linear/2"
# Version 1 stored a list of weights per feature, which cost far more memory to parse than the
# model itself; version 2 stores the features in order and the weights as one float32 block.
_FORMAT_V1 = "recovery-bot-linear/1"


class ModelFileError(ValueError):
    """The model file is missing or not one this code can read."""


@dataclass(frozen=True)
class LinearModel:
    labels: tuple[str, ...]
    bias: tuple[float, ...]
    index: Mapping[str, int]  # feature -> row in weights
    weights: array  # type: ignore[type-arg]  # row-major, len(index) * len(labels) float32
    meta: Mapping[str, Any] = field(default_factory=dict)

    def scores(self, feats: Iterable[str]) -> list[float]:
        feats = feats if isinstance(feats, (set, frozenset, list, tuple)) else list(feats)
        k, index, weights = len(self.labels), self.index, self.weights
        # Each known feature's class weights as one slice, summed column by column with zip()
        # and sum(): the per-feature work stays in C, and nothing per feature is kept in memory
        # beyond the flat float32 array.
        found = [weights[row * k : row * k + k] for row in map(index.get, feats) if row is not None]
        n = len(feats)
        scale = 1.0 / math.sqrt(n) if n else 0.0
        if not found:
            return list(self.bias)
        return [
            b + sum(col) * scale for b, col in zip(self.bias, zip(*found, strict=True), strict=True)
        ]

    def proba_features(self, feats: Iterable[str]) -> dict[str, float]:
        raw = self.scores(feats)
        top = max(raw)
        exps = [math.exp(s - top) for s in raw]
        total = sum(exps)
        return {label: e / total for label, e in zip(self.labels, exps, strict=True)}

    def proba(self, text: str) -> dict[str, float]:
        return self.proba_features(features(text))

    # Files -----------------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        ordered = sorted(self.index.items(), key=lambda item: item[1])
        k = len(self.labels)
        block = array("f")
        for _, row in ordered:
            block.extend(self.weights[row * k : row * k + k])
        if sys.byteorder != "little":
            block.byteswap()
        return {
            "format": FORMAT,
            "labels": list(self.labels),
            "bias": [round(b, 6) for b in self.bias],
            "features": [feat for feat, _ in ordered],
            "weights": base64.b64encode(block.tobytes()).decode("ascii"),
            "meta": dict(self.meta),
        }

    def save(self, path: Path) -> None:
        payload = json.dumps(self.to_json(), sort_keys=True, separators=(",", ":"))
        # mtime=0 keeps the file byte-for-byte reproducible from the same training run.
        with path.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as out:
            out.write(payload.encode("utf-8"))

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> LinearModel:
        labels = tuple(str(label) for label in data.get("labels", ()))
        k = len(labels)
        bias = tuple(float(b) for b in data.get("bias", ()))
        if not k or len(bias) != k:
            raise ModelFileError("bias does not match the labels")
        weights = array("f")
        if data.get("format") == FORMAT:
            features = list(data["features"])
            weights.frombytes(base64.b64decode(data["weights"]))
            if sys.byteorder != "little":
                weights.byteswap()
            if len(weights) != len(features) * k:
                raise ModelFileError("the weights do not match the features and labels")
            index = {feat: row for row, feat in enumerate(features)}
        elif data.get("format") == _FORMAT_V1:
            index = {}
            for row, (feat, values) in enumerate(data["weights"].items()):
                if len(values) != k:
                    raise ModelFileError(f"feature {feat!r} has {len(values)} weights, not {k}")
                index[feat] = row
                weights.extend(float(v) for v in values)
        else:
            raise ModelFileError(f"unknown model format {data.get('format')!r}")
        return cls(labels, bias, index, weights, dict(data.get("meta", {})))

    @classmethod
    def load(cls, path: Path) -> LinearModel:
        try:
            with gzip.open(path, "rt", encoding="utf-8") as handle:
                data = json.load(handle)
        except (OSError, ValueError) as exc:
            raise ModelFileError(f"{path}: cannot read the model ({exc})") from exc
        return cls.from_json(data)
