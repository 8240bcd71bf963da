"""What ``tfgraph_dnn.tf1`` holds, described without switching TensorFlow to TF1 mode.

``tfgraph_dnn.tf1`` is ``tf.compat.v1`` plus the TF1 pieces TensorFlow 2 lost
(``layers``, ``nn.rnn_cell``, ``contrib.layers``, ``contrib.framework``,
``contrib.metrics``...).  This module is the
one list of those pieces.  Importing it changes nothing in TensorFlow (unlike
importing ``tfgraph_dnn.tf1``), so ``tfgraph-dnn migrate`` can ask
:func:`resolve` whether ``tf.a.b.c`` exists in the namespace without entering
graph mode itself.
"""
from __future__ import annotations

import importlib
from typing import Optional, Sequence

#: ``tf.contrib.<name>`` -> (module to import, attribute path inside it or "").
CONTRIB: dict = {
    "layers": ("tfgraph_dnn.contrib.layers", ""),
    "framework": ("tfgraph_dnn.contrib.framework", ""),
    "rnn": ("tfgraph_dnn.nn.rnn_cell", ""),
    "losses": ("tfgraph_dnn.contrib.losses", ""),
    "slim": ("tfgraph_dnn.contrib.slim", ""),
    # tf.compat.v1.distributions plus MultivariateNormalDiag/TriL, Independent.
    "distributions": ("tfgraph_dnn.contrib.distributions", ""),
    # Streaming metrics, predictions first (tf.metrics takes labels first).
    "metrics": ("tfgraph_dnn.contrib.metrics", ""),
    # Only MetricSpec, PredictionKey, ModeKeys; its estimators raise "not provided".
    "learn": ("tfgraph_dnn.contrib.learn", ""),
    # from_saved_model / from_estimator (not from_contrib_estimator).
    "predictor": ("tfgraph_dnn.contrib.predictor", ""),
}

#: Top-level names of ``tfgraph_dnn.tf1`` that are not ``tf.compat.v1``'s own.
OVERRIDES: dict = {
    "layers": ("tfgraph_dnn.layers", ""),
    # TF 1.15's tf.keras for graphs (tf.compat.v1.keras is Keras 3 on TensorFlow 2.21).
    "keras": ("tfgraph_dnn.keras_tf1", ""),
    # TF 1.15's tf.estimator (removed from TensorFlow in 2.16).
    "estimator": ("tfgraph_dnn.estimator_tf1", ""),
}

#: ``tf.<module>.<name>`` -> (module, attribute path): members replaced inside a
#: ``tf.compat.v1`` module that is otherwise kept (``tf.nn.rnn_cell`` raises
#: "not available with Keras 3" on TensorFlow 2.21).
MEMBER_OVERRIDES: dict = {
    ("nn", "rnn_cell"): ("tfgraph_dnn.nn.rnn_cell", ""),
}


def load(module: str, attribute_path: str = ""):
    """Import ``module`` and follow the dotted ``attribute_path`` inside it."""
    obj = importlib.import_module(module)
    for name in filter(None, attribute_path.split(".")):
        obj = getattr(obj, name)
    return obj


def contrib_member(name: str):
    """The object behind ``tf.contrib.<name>``.

    Raises
    ------
    AttributeError
        Naming the member and saying it is not provided.
    """
    if name not in CONTRIB:
        raise AttributeError(
            f"tf.contrib.{name} is gone in TensorFlow 2 and tfgraph_dnn does not provide it "
            f"(provided: {', '.join(sorted(CONTRIB))})")
    return load(*CONTRIB[name])


def _walk(obj, parts: Sequence[str], prefix: str) -> Optional[str]:
    path = prefix
    for name in parts:
        path = f"{path}.{name}"
        try:
            obj = getattr(obj, name)
        except Exception as error:  # Keras 3's lazy loaders raise their own errors
            detail = str(error).strip().splitlines()[0] if str(error).strip() else ""
            if detail.startswith(f"{path} is not provided"):  # tfgraph_dnn's own reason
                return detail
            reason = f"{path} does not exist in TensorFlow 2"
            if detail and "has no attribute" not in detail:
                reason += f" ({detail})"
            return reason
    return None


def resolve(parts: Sequence[str]) -> Optional[str]:
    """Whether ``tf.<parts[0]>.<parts[1]>...`` exists in ``tfgraph_dnn.tf1``.

    Parameters
    ----------
    parts : sequence of str
        The attribute chain after the namespace's name, e.g.
        ``["contrib", "layers", "fully_connected"]``.

    Returns
    -------
    str or None
        ``None`` if it exists, else a one-line reason.
    """
    parts = list(parts)
    if not parts:
        return None
    head, rest = parts[0], parts[1:]
    if head == "contrib":
        if not rest:
            return None
        try:
            member = contrib_member(rest[0])
        except AttributeError as error:
            return str(error)
        return _walk(member, rest[1:], f"tf.contrib.{rest[0]}")
    if head in OVERRIDES:
        return _walk(load(*OVERRIDES[head]), rest, f"tf.{head}")
    if tuple(parts[:2]) in MEMBER_OVERRIDES:
        return _walk(load(*MEMBER_OVERRIDES[tuple(parts[:2])]), parts[2:],
                     "tf." + ".".join(parts[:2]))
    import tensorflow as tf

    if head == "compat" and rest[:1] == ["v1"]:
        return resolve(rest[1:])
    return _walk(tf.compat.v1, parts, "tf")
