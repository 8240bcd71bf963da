"""``estimator.json``: its keys, reading it, and the little of it storage interprets.

Room ``storage``.  The description is the estimator's: storage checks its
envelope (library, format, the keys of :data:`META_KEYS` and their types) and
reads only the architecture the estimator wrote in its ``fingerprint``
(``n_inputs``, ``n_outputs``, ``hidden_layer_sizes``, ``activation``,
``batch_norm``, ``feature_scaling``) plus scikit-learn's fitted attributes
(``n_features_in_``, ``feature_names_in_``, ``classes_``, ``n_outputs_``).  The
parameters (``params``) are opaque here: the estimator encodes, decodes and
checks them.
"""
from __future__ import annotations

from typing import Any, Dict, List, Tuple

from ..exceptions import CheckpointError
from .files import read_json

__all__ = ["META_FILE", "META_FORMAT", "META_KEYS", "architecture", "read_meta"]

META_FILE = "estimator.json"
META_FORMAT = 1  # of estimator.json itself (the directory's format is the marker's)
# Every key of estimator.json and the type its value must have.
META_KEYS = {"class": str, "params": dict, "fitted": dict, "fingerprint": dict,
             "graph_seed": int, "n_train": int, "history": list, "rng_state": list}


def read_meta(meta_path: str) -> Dict[str, Any]:
    """Read ``estimator.json`` at ``meta_path`` and check its envelope.

    Raises
    ------
    CheckpointError
        Unreadable, not ours, of a newer format, or a key missing or of the
        wrong type; the message names ``meta_path``.
    """
    meta = read_json(meta_path, "model description")
    version = meta.get("format") if isinstance(meta, dict) else None
    if isinstance(version, int) and not isinstance(version, bool) and version > META_FORMAT \
            and meta.get("library") == "tfgraph_dnn":
        raise CheckpointError(
            f"{meta_path} was written by a newer tfgraph_dnn (format {version} > supported "
            f"{META_FORMAT}, version {meta.get('version')!r}); upgrade tfgraph_dnn to load it.")
    if not isinstance(meta, dict) or meta.get("library") != "tfgraph_dnn" \
            or version != META_FORMAT or isinstance(version, bool):
        raise CheckpointError(f"{meta_path} is not a tfgraph_dnn model description "
                              f"(format {META_FORMAT}).")
    for key, kind in META_KEYS.items():
        if not isinstance(meta.get(key), kind) or isinstance(meta.get(key), bool):
            raise CheckpointError(f"{meta_path}: {key!r} is missing or not a {kind.__name__}.")
    return meta


def architecture(meta: Dict[str, Any]) -> Tuple[List[int], int, int]:
    """``(hidden_layer_sizes, n_inputs, n_outputs)`` of the net the description's
    ``fingerprint`` describes.

    Raises
    ------
    KeyError, TypeError, ValueError
        The fingerprint does not describe them.
    """
    fingerprint = meta["fingerprint"]
    sizes = list(fingerprint["hidden_layer_sizes"])
    if not all(isinstance(size, int) and not isinstance(size, bool) for size in sizes):
        raise TypeError(f"hidden layer sizes must be integers, got {sizes!r}")
    return sizes, int(fingerprint["n_inputs"]), int(fingerprint["n_outputs"])
