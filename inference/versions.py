"""Model fingerprints: a short, stable hash of what defines a model, recorded on every analysis.

An analysis carries ``"models": {"emotion": ..., "empathy": ..., "safety": ...}`` so a stored
reading can be traced to the model that made it, and readings from different models are not
compared as if they were alike. Plain Python (no torch): the model cards print the fingerprint of
the files beside them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

FINGERPRINT_HEX = 12  # of sha256's 64: plenty to tell a handful of model versions apart


def fingerprint(lines: Iterable[str]) -> str:
    """The first ``FINGERPRINT_HEX`` hex digits of the sha256 of ``lines``, each ended by a newline."""
    digest = hashlib.sha256()
    for line in lines:
        digest.update(line.encode("utf-8") + b"\n")
    return digest.hexdigest()[:FINGERPRINT_HEX]


def file_sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def artefact_fingerprint(artefact_dir: Path, config: Mapping[str, Any], base_identity: str) -> str:
    """The fingerprint of a trained artefact as the loader reads it.

    One line ``<name> <sha256 of the file>`` for ``config.json`` (labels, thresholds, offsets,
    max length) and for each weight shard its ``shards`` lists, in that order, then
    ``base <base_identity>``: the base encoder whose embeddings complete the weights (its
    ``embedding_fingerprint``). The folder's name and place and the model card do not count.
    """
    names = ["config.json", *config.get("shards", [])]
    return fingerprint(
        [*(f"{name} {file_sha256(Path(artefact_dir) / name)}" for name in names), f"base {base_identity}"]
    )
