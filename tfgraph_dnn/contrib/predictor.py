"""TF 1.15's ``tf.contrib.predictor``: repeated inference from a SavedModel or an Estimator.

``from_saved_model(export_dir)`` loads the model once into its own graph and
Session and returns a callable: ``predict_fn({"x": batch})`` runs the serving
signature (``serving_default`` unless told otherwise) and returns its outputs
as a dict of NumPy arrays.  ``from_estimator(estimator, serving_input_receiver_fn)``
exports the estimator's latest checkpoint to a temporary directory and loads
that, which computes what TF 1.15's graph-rebuilding version computed.
``from_contrib_estimator`` (``tf.contrib.learn`` estimators) is not provided.
"""
from __future__ import annotations

import shutil
import tempfile
from typing import Callable, Optional

from .. import _tf  # noqa: F401  (TensorFlow, imported quietly)

import tensorflow as tf  # noqa: E402

v1 = tf.compat.v1

#: Tags of the MetaGraph loaded when none are given (comma separated, as in TF 1.15).
DEFAULT_TAGS = "serve"
_ALTERNATIVE_KEY = "default_input_alternative:{}"


class Predictor:
    """A loaded model called with a dict of inputs; returns a dict of outputs.

    Attributes ``graph``, ``session``, ``feed_tensors`` and ``fetch_tensors`` are
    TF 1.15's.
    """

    def __init__(self, graph, session, feed_tensors: dict, fetch_tensors: dict) -> None:
        self._graph, self._session = graph, session
        self._feed_tensors, self._fetch_tensors = feed_tensors, fetch_tensors

    graph = property(lambda self: self._graph)
    session = property(lambda self: self._session)
    feed_tensors = property(lambda self: self._feed_tensors)
    fetch_tensors = property(lambda self: self._fetch_tensors)

    def __call__(self, input_dict: dict) -> dict:
        """Run the fetches with ``input_dict`` fed by key (missing or ``None`` keys are not fed).

        Raises
        ------
        ValueError
            For keys that are not inputs of the signature (naming them and the expected ones).
        """
        unexpected = set(input_dict) - set(self._feed_tensors)
        if unexpected:
            raise ValueError(f"Got unexpected keys in input_dict: {unexpected}\n"
                             f"expected: {set(self._feed_tensors)}")
        feed = {tensor: input_dict[key] for key, tensor in self._feed_tensors.items()
                if input_dict.get(key) is not None}
        return self._session.run(self._fetch_tensors, feed_dict=feed)

    def __repr__(self) -> str:
        return (f"{type(self).__name__} with feed tensors {self._feed_tensors} and fetch "
                f"tensors {self._fetch_tensors}")


def _signature(meta_graph, key: Optional[str]):
    key = key or v1.saved_model.signature_constants.DEFAULT_SERVING_SIGNATURE_DEF_KEY
    signatures = meta_graph.signature_def
    for candidate in (key, _ALTERNATIVE_KEY.format(key)):
        if candidate in signatures:
            return signatures[candidate]
    raise ValueError(f'Got signature_def_key "{key}". Available signatures are '
                     f"{sorted(signatures)}.")


def from_saved_model(export_dir, signature_def_key: Optional[str] = None, signature_def=None,
                     input_names: Optional[dict] = None, output_names: Optional[dict] = None,
                     tags: Optional[str] = None, graph=None, config=None) -> Predictor:
    """A :class:`Predictor` for the SavedModel in ``export_dir`` (TF 1.15's signature).

    Give at most one of ``signature_def_key``, ``signature_def`` or (``input_names``
    and ``output_names``: ``{your key: tensor name}``).

    Raises
    ------
    ValueError
        For conflicting arguments or an unknown signature key (listing the available ones).
    """
    if (input_names is None) != (output_names is None):
        raise ValueError("input_names and output_names must both be specified or both be "
                         "unspecified.")
    if (signature_def_key is not None) + (signature_def is not None) + \
            (input_names is not None) > 1:
        raise ValueError("You must specify at most one of signature_def_key OR signature_def "
                         "OR (input_names AND output_names).")
    graph = graph or tf.Graph()
    with graph.as_default():
        session = v1.Session(config=config)
        meta_graph = v1.saved_model.loader.load(
            session, [tag.strip() for tag in (tags or DEFAULT_TAGS).split(",")],
            str(export_dir.decode() if isinstance(export_dir, bytes) else export_dir))
    if input_names is None:
        if signature_def is None:
            signature_def = _signature(meta_graph, signature_def_key)
        input_names = {k: v.name for k, v in signature_def.inputs.items()}
        output_names = {k: v.name for k, v in signature_def.outputs.items()}
    feeds = {k: graph.get_tensor_by_name(name) for k, name in input_names.items()}
    fetches = {k: graph.get_tensor_by_name(name) for k, name in output_names.items()}
    return Predictor(graph, session, feeds, fetches)


def from_estimator(estimator, serving_input_receiver_fn: Callable,
                   output_key: Optional[str] = None, graph=None, config=None) -> Predictor:
    """A :class:`Predictor` for ``estimator``'s latest checkpoint, fed as the receiver builds.

    ``output_key`` picks one of the model's ``export_outputs`` (default
    ``serving_default``).
    """
    base = tempfile.mkdtemp(prefix="predictor_")
    try:
        export_dir = estimator.export_saved_model(base, serving_input_receiver_fn)
        return from_saved_model(export_dir, signature_def_key=output_key, graph=graph,
                                config=config)
    finally:
        shutil.rmtree(base, ignore_errors=True)  # the Session holds everything it needs


def from_contrib_estimator(*args, **kwargs):
    """Not provided: ``tf.contrib.learn`` estimators are not provided either."""
    raise NotImplementedError("tf.contrib.predictor.from_contrib_estimator is not provided: "
                              "tfgraph_dnn does not provide tf.contrib.learn's Estimators")


__all__ = ["Predictor", "from_saved_model", "from_estimator", "from_contrib_estimator"]
