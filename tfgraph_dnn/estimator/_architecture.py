"""What a model is made of: parameters -> specs, fingerprint, graph (room: ``estimator``).

:class:`ArchitectureMixin` turns the parameters of a fit (a snapshot taken
when it starts, :meth:`~ArchitectureMixin._graph_params`; for a fitted model,
its description's, :meth:`~ArchitectureMixin._model_params`) and the fitted
attributes into the :class:`~tfgraph_dnn.model.NetworkSpec` and
:class:`~tfgraph_dnn.training.graph.TrainingSpec` a graph is built from, the
fingerprint a checkpoint must match, and the HParams TensorBoard shows.  It
builds graphs but runs nothing.
"""
from __future__ import annotations

from typing import Any, Mapping, Optional

import tensorflow as tf

from ..model import NetworkSpec, build_network
from ..training.cache import BuiltGraph
from ..training.graph import TrainingSpec, build_training_graph
from ..training.optimizers import OptimizerSpec
from ..training.transfer import as_warm_start_settings, selects
from ._params import hidden_layer_sizes
from ._scaling import describe_scaling, scaling_kind
from ._state import FrozenMapping, snapshot_params

v1 = tf.compat.v1


class ArchitectureMixin:
    """Specs and graphs of :class:`~._base.BaseDNN` (parameters in, specs out)."""

    def _graph_params(self) -> FrozenMapping:
        """The parameters of a fit starting now, fixed: deep copies, read-only (the
        state it builds keeps them, and its description after publication)."""
        return snapshot_params(self.get_params(deep=False))

    def _hidden_layer_sizes(self, params: Optional[Mapping[str, Any]] = None) -> tuple:
        return hidden_layer_sizes(params or self.get_params(deep=False))

    def _model_params(self) -> dict:
        """The parameters of the published model's fit (its description's), whatever
        ``set_params`` did since; ``get_params()`` when unfitted."""
        description = self._description
        if description is None:
            return self.get_params(deep=False)
        return dict(description.params)

    def _model_attributes(self) -> Mapping[str, Any]:
        """The published model's fitted attributes; ``vars(self)`` when unfitted."""
        description = self._description
        return vars(self) if description is None else description.attributes

    def _network_spec(self, seed: Optional[int], fitted: Optional[dict] = None,
                      params: Optional[dict] = None) -> NetworkSpec:
        """The net of ``params`` for data as in ``fitted`` (defaults: the published
        model's description)."""
        fitted = self._model_attributes() if fitted is None else fitted
        p = params or self._model_params()
        return NetworkSpec(
            n_inputs=fitted["n_features_in_"], n_outputs=self._n_outputs(fitted),
            hidden_layer_sizes=tuple(self._hidden_layer_sizes(p)), task=self._task,
            activation=p["activation"], initializer=p["initializer"],
            batch_norm_momentum=p["batch_norm_momentum"], dropout_rate=p["dropout_rate"],
            l1=p["l1"], l2=p["l2"], max_norm=p["max_norm"], seed=seed,
            n_frozen=int(p["n_frozen"]),
            feature_scaling=scaling_kind(p.get("feature_scaling")) is not None)

    def _fingerprint(self, fitted: Optional[dict] = None, params: Optional[dict] = None) -> dict:
        """What fixes the variables, hence what a checkpoint must match (defaults: the
        published model's description)."""
        fitted = self._model_attributes() if fitted is None else fitted
        p = params or self._model_params()
        name = lambda value: getattr(value, "__name__", str(value))  # noqa: E731
        fingerprint = {"task": self._task, "n_inputs": int(fitted["n_features_in_"]),
                "n_outputs": int(self._n_outputs(fitted)),
                "hidden_layer_sizes": [int(s) for s in self._hidden_layer_sizes(p)],
                "batch_norm": p["batch_norm_momentum"] is not None,
                "n_frozen": int(p["n_frozen"]),
                "optimizer": p["optimizer"], "activation": name(p["activation"]),
                "lr_schedule": name(p["lr_schedule"])}
        if p.get("reused_lr_multiplier") not in (None, 1.0):  # a second optimizer's slots
            fingerprint["reused_lr"] = True
        kind = scaling_kind(p.get("feature_scaling"))
        if kind is not None:  # absent otherwise: earlier models and checkpoints still match
            fingerprint["feature_scaling"] = kind
        return fingerprint

    def _hparams(self) -> dict:
        """The parameters that shape the model, for TensorBoard's HParams dashboard."""
        # Paths, logging, resumption, caching, threads: where and how fast, not which model.
        plumbing = {"log_dir", "run_name", "log_histograms", "checkpoint_dir", "checkpoint_every",
                    "resume", "warm_start", "warm_start_from", "cache_frozen", "callbacks",
                    "n_threads", "verbose"}
        hparams = {name: value for name, value in self.get_params(deep=False).items()
                   if name not in plumbing}
        hparams["feature_scaling"] = describe_scaling(hparams.get("feature_scaling"))
        return hparams

    def _training_spec(self, seed: int, n_train: int, fitted: Mapping[str, Any],
                       params: Mapping[str, Any]) -> TrainingSpec:
        """What the training graph of a fit is built from (and its knobs' values)."""
        network = self._network_spec(seed, fitted, params)
        optimizer = OptimizerSpec(
            name=params["optimizer"], learning_rate=params["learning_rate"],
            beta1=params["beta1"], beta2=params["beta2"], momentum=params["momentum"],
            schedule=params["lr_schedule"], clip_value=params["gradient_clip_value"],
            clip_norm=params["gradient_clip_norm"],
            clip_global_norm=params["gradient_clip_global_norm"])
        multiplier = params.get("reused_lr_multiplier")
        multiplier = 1.0 if multiplier is None else float(multiplier)
        slow = reused_layers(params.get("warm_start_from"), network) \
            if multiplier != 1.0 else ()
        return TrainingSpec(
            network, optimizer, batch_size=params["batch_size"],
            steps_per_epoch=-(-n_train // params["batch_size"]), n_epochs=params["n_epochs"],
            first_layer=network.n_frozen + 1 if self._caches_frozen(network, params) else 1,
            slow_layers=slow, reused_lr_multiplier=multiplier)

    @staticmethod
    def _build_graph(spec: TrainingSpec) -> BuiltGraph:
        """Build the net and its training ops in a new, finalized graph."""
        graph = tf.Graph()
        with graph.as_default():
            endpoints = build_network(spec.network)
            ops = build_training_graph(spec, endpoints)
            init = v1.global_variables_initializer()
        graph.finalize()  # hooks only run ops: the graph never grows after this
        return BuiltGraph(graph, init, endpoints, ops)


    @staticmethod
    def _caches_frozen(spec, params: dict) -> bool:
        return bool(params["cache_frozen"] and spec.frozen_layers_deterministic)


def reused_layers(warm_start_from, network: NetworkSpec) -> tuple:
    """The trainable hidden layers (``"hidden2"``...) whose kernel ``warm_start_from``
    initializes: those trained at ``reused_lr_multiplier`` times the rate."""
    if warm_start_from is None:
        return ()
    settings = as_warm_start_settings(warm_start_from)
    return tuple(f"hidden{index}"
                 for index in range(network.n_frozen + 1, len(network.hidden_layer_sizes) + 1)
                 if selects(settings, f"hidden{index}/kernel"))
