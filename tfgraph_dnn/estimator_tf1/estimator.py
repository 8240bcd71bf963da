"""``tf.estimator.Estimator`` (TF 1.15) on ``tf.compat.v1`` graphs, Sessions and hooks.

Every call builds its own ``tf.Graph`` (so it also runs in an eager process), calls the
``input_fn`` and ``model_fn`` in it and runs it with TensorFlow's own
``MonitoredTrainingSession`` / ``MonitoredSession`` and ``tf.compat.v1.train`` hooks, which
TensorFlow 2 still ships: the model directory is laid out as TF1 laid it out
(``checkpoint``, ``model.ckpt-N.*``, ``graph.pbtxt``, events with ``loss`` and
``global_step/sec``, ``eval/``), so directories written by TF1 load and train on.
"""
from __future__ import annotations

import copy
import logging
from typing import Callable, Iterator, Optional

from .. import _quiet, _tf
from . import _util, warm_starting
from .model_fn import LOSS_METRIC_KEY, EstimatorSpec, ModeKeys
from .run_config import RunConfig, config_with_model_dir

tf = _tf.tensorflow
v1 = tf.compat.v1
_log = logging.getLogger("tensorflow")


class Estimator:
    """TF1's Estimator: trains, evaluates, predicts with and exports a ``model_fn``'s model.

    Parameters
    ----------
    model_fn : callable
        ``model_fn(features, labels, mode, params, config)`` (any subset containing
        ``features``) returning an :class:`EstimatorSpec`.
    model_dir : str or path-like, optional
        Where checkpoints and events go; a temporary directory when neither this nor
        ``config.model_dir`` is set.
    config : RunConfig, optional
    params : dict, optional
        Passed (deep-copied) to ``model_fn`` as ``params``.
    warm_start_from : str or WarmStartSettings, optional
        A checkpoint, a directory of checkpoints or a SavedModel to initialize from.

    Raises
    ------
    ValueError
        No ``model_fn``, a ``model_fn`` without ``features`` or with unknown arguments,
        ``params`` it does not take, conflicting model directories.
    """

    def __init__(self, model_fn: Callable, model_dir=None, config: Optional[RunConfig] = None,
                 params: Optional[dict] = None, warm_start_from=None) -> None:
        self._config = config_with_model_dir(config, model_dir)
        self._model_dir = self._config.model_dir
        self._session_config = self._config.session_config
        self._device_fn = self._config.device_fn
        if model_fn is None:
            raise ValueError("model_fn must be provided to Estimator.")
        _util.verify_model_fn_args(model_fn, params)
        self._model_fn = model_fn
        self._params = copy.deepcopy(params or {})
        self._warm_start_settings = warm_starting.settings_from(warm_start_from)

    # -- properties ------------------------------------------------------------------------
    @property
    def model_dir(self) -> str:
        return self._model_dir

    @property
    def config(self) -> RunConfig:
        return copy.deepcopy(self._config)

    @property
    def params(self) -> dict:
        return copy.deepcopy(self._params)

    @property
    def model_fn(self) -> Callable:
        """The ``model_fn`` bound to this Estimator's ``params``/``config``."""
        def public_model_fn(features, labels, mode, config):
            return self._call_model_fn(features, labels, mode, config)
        return public_model_fn

    # -- checkpoints -----------------------------------------------------------------------
    def latest_checkpoint(self) -> Optional[str]:
        """The latest checkpoint's path in ``model_dir``, ``None`` without one."""
        return tf.train.latest_checkpoint(self.model_dir)

    def _require_checkpoint(self) -> str:
        path = self.latest_checkpoint()
        if not path:
            raise ValueError(f"Could not find trained model in model_dir: {self.model_dir}.")
        return path

    def get_variable_names(self) -> list:
        """The names of the variables in the latest checkpoint."""
        return [name for name, _ in tf.train.list_variables(self._require_checkpoint())]

    def get_variable_value(self, name: str):
        """The value (ndarray) of variable ``name`` in the latest checkpoint."""
        return tf.train.load_variable(self._require_checkpoint(), name)

    def eval_dir(self, name: Optional[str] = None) -> str:
        """Where ``evaluate(name=name)`` writes its events."""
        return _util.eval_dir(self.model_dir, name)

    # -- graph building --------------------------------------------------------------------
    def _call_model_fn(self, features, labels, mode, config) -> EstimatorSpec:
        args = _util.fn_args(self._model_fn)
        kwargs = {}
        if "labels" in args:
            kwargs["labels"] = labels
        elif labels is not None:
            raise ValueError("model_fn does not take labels, but input_fn returns labels.")
        if "mode" in args:
            kwargs["mode"] = mode
        if "params" in args:
            kwargs["params"] = self.params
        if "config" in args:
            kwargs["config"] = config
        spec = self._model_fn(features=features, **kwargs)
        if not isinstance(spec, EstimatorSpec):
            raise ValueError("model_fn should return an EstimatorSpec.")
        return spec

    def _input(self, input_fn: Callable, mode: str) -> tuple:
        result = _util.call_input_fn(input_fn, mode, self.params, self.config)
        return _util.parse_input_fn_result(result)

    def _new_graph(self):
        """A fresh graph with the configured seed, device function and a ``global_step``."""
        _quiet.quiet_device_setup()  # its "no GPU" notice captured before our first Session
        graph = tf.Graph()
        with graph.as_default():
            v1.set_random_seed(self._config.tf_random_seed)
            step = v1.train.get_or_create_global_step(graph)
            if step.dtype.base_dtype != tf.int64:
                raise TypeError(f"Existing 'global_step' must be int64, found {step.dtype}.")
        return graph

    def _maybe_warm_start(self, checkpoint_path) -> None:
        if not checkpoint_path and self._warm_start_settings:
            warm_starting.apply(self._warm_start_settings)

    # -- train -----------------------------------------------------------------------------
    def train(self, input_fn: Callable, hooks=None, steps: Optional[int] = None,
              max_steps: Optional[int] = None, saving_listeners=None) -> "Estimator":
        """Trains on ``input_fn``'s data until it ends, ``steps`` more steps or ``max_steps``.

        Parameters
        ----------
        input_fn : callable
            Returns ``(features, labels)`` or a ``tf.data.Dataset`` of them.
        hooks : list of SessionRunHook, optional
        steps : int, optional
            Steps to run in this call (not together with ``max_steps``).
        max_steps : int, optional
            Total step count to reach; nothing is done if the checkpoint is already there.
        saving_listeners : list of CheckpointSaverListener, optional

        Returns
        -------
        Estimator
            ``self``.
        """
        if steps is not None and max_steps is not None:
            raise ValueError("Can not provide both steps and max_steps.")
        if steps is not None and steps <= 0:
            raise ValueError(f"Must specify steps > 0, given: {steps}")
        if max_steps is not None and max_steps <= 0:
            raise ValueError(f"Must specify max_steps > 0, given: {max_steps}")
        if max_steps is not None and max_steps <= _util.global_step_in_checkpoint(self.model_dir):
            _log.info("Skipping training since max_steps has already saved.")
            return self
        hooks = _util.check_hooks(hooks)
        if steps is not None or max_steps is not None:
            hooks.append(v1.train.StopAtStepHook(steps, max_steps))
        listeners = _util.check_listeners(saving_listeners)
        loss = self._train_model(input_fn, hooks, listeners)
        _log.info("Loss for final step: %s.", loss)
        return self

    def _train_model(self, input_fn, hooks, listeners):
        graph = self._new_graph()
        with graph.as_default(), graph.device(self._device_fn):
            # Before the input and model ops, as TF 1.15 did (see _tf.create_global_step_read).
            step_read = _tf.create_global_step_read(graph)
            features, labels, input_hooks = self._input(input_fn, ModeKeys.TRAIN)
            # The model's ops (the train op's increment of the step among them) run after
            # that read: hooks then always see the step of before the run.  Without it the
            # read races the increment and StepCounterHook may warn, on a busy machine,
            # that the step "has not been increased" (as TF 1.15 could).
            with tf.control_dependencies([step_read]):
                spec = self._call_model_fn(features, labels, ModeKeys.TRAIN, self.config)
            global_step = v1.train.get_global_step(graph)
            return self._train_with_spec(spec, input_hooks + hooks, global_step, listeners)

    def _train_with_spec(self, spec, worker_hooks, global_step, listeners):
        if self._warm_start_settings:
            _log.info("Warm-starting with WarmStartSettings: %s", self._warm_start_settings)
            warm_starting.apply(self._warm_start_settings)
        if not any(s.op.name == "loss" for s in v1.get_collection(v1.GraphKeys.SUMMARIES)):
            v1.summary.scalar("loss", spec.loss)
        v1.add_to_collection(v1.GraphKeys.LOSSES, spec.loss)
        worker_hooks = list(worker_hooks)
        worker_hooks.append(v1.train.NanTensorHook(spec.loss))
        if self._config.log_step_count_steps is not None:
            worker_hooks.append(v1.train.LoggingTensorHook(
                {"loss": spec.loss, "step": global_step},
                every_n_iter=self._config.log_step_count_steps))
        worker_hooks.extend(spec.training_hooks)
        if not (spec.scaffold.saver or v1.get_collection(v1.GraphKeys.SAVERS)):
            v1.add_to_collection(v1.GraphKeys.SAVERS, v1.train.Saver(
                sharded=True, max_to_keep=self._config.keep_checkpoint_max,
                keep_checkpoint_every_n_hours=self._config.keep_checkpoint_every_n_hours,
                defer_build=True, save_relative_paths=True))
        chief_hooks = []
        user_savers = [h for h in worker_hooks + list(spec.training_chief_hooks)
                       if isinstance(h, v1.train.CheckpointSaverHook)]
        if (self._config.save_checkpoints_secs or self._config.save_checkpoints_steps) \
                and not user_savers:
            chief_hooks.append(v1.train.CheckpointSaverHook(
                self._model_dir, save_secs=self._config.save_checkpoints_secs,
                save_steps=self._config.save_checkpoints_steps, scaffold=spec.scaffold,
                listeners=listeners, save_graph_def=self._config.checkpoint_save_graph_def))
        elif listeners:
            raise ValueError(
                "There should be a CheckpointSaverHook to use saving_listeners. Please set one "
                "of the RunConfig.save_checkpoints_steps or RunConfig.save_checkpoints_secs."
                if not user_savers else
                "saving_listeners cannot be added to a CheckpointSaverHook passed in hooks: "
                "give them to that hook's `listeners` instead.")
        loss, any_step = None, False
        with _tf.deprecation_notices_silenced(), v1.train.MonitoredTrainingSession(
                master=self._config.master, is_chief=True, checkpoint_dir=self._model_dir,
                scaffold=spec.scaffold, hooks=worker_hooks,
                chief_only_hooks=tuple(chief_hooks) + tuple(spec.training_chief_hooks),
                save_checkpoint_secs=0, save_summaries_steps=self._config.save_summary_steps,
                config=self._session_config,
                max_wait_secs=self._config.session_creation_timeout_secs,
                log_step_count_steps=self._config.log_step_count_steps,
                save_graph_def=self._config.checkpoint_save_graph_def) as session:
            while not session.should_stop():
                _, loss = session.run([spec.train_op, spec.loss])
                any_step = True
        if not any_step:
            _log.warning("Training with estimator made no steps. Perhaps input is empty or "
                         "misspecified.")
        return loss

    # -- evaluate --------------------------------------------------------------------------
    def evaluate(self, input_fn: Callable, steps: Optional[int] = None, hooks=None,
                 checkpoint_path: Optional[str] = None, name: Optional[str] = None) -> dict:
        """Evaluates the latest (or given) checkpoint on ``input_fn``'s data.

        Runs until the input ends or for ``steps`` batches; without a checkpoint, the
        freshly initialized model is evaluated (TF 1.15).  The result is also written as an
        event to ``eval/`` (``eval_<name>/``).

        Returns
        -------
        dict
            ``eval_metric_ops``' values plus ``loss`` (the mean of the batch losses) and
            ``global_step``.
        """
        hooks = _util.check_hooks(hooks)
        if steps is not None:
            if steps <= 0:
                raise ValueError(f"Must specify steps > 0, given: {steps}")
            hooks.append(_util.StopAfterNEvalsHook(steps))
        if not checkpoint_path:
            checkpoint_path = self.latest_checkpoint()
            if not checkpoint_path:
                _log.info("Could not find trained model in model_dir: %s, running "
                          "initialization to evaluate.", self._model_dir)
        graph = self._new_graph()
        with graph.as_default(), graph.device(self._device_fn):
            features, labels, input_hooks = self._input(input_fn, ModeKeys.EVAL)
            spec = self._call_model_fn(features, labels, ModeKeys.EVAL, self.config)
            metrics = dict(spec.eval_metric_ops)
            if LOSS_METRIC_KEY in metrics:
                raise ValueError(f'Metric with name "{LOSS_METRIC_KEY}" is not allowed, because '
                                 "Estimator already defines a default metric with the same "
                                 "name.")
            metrics[LOSS_METRIC_KEY] = v1.metrics.mean(spec.loss)
            self._maybe_warm_start(checkpoint_path)
            if v1.GraphKeys.GLOBAL_STEP in metrics:
                raise ValueError("Metric with name `global_step` is not allowed, because "
                                 "Estimator already defines a default metric with the same "
                                 "name.")
            names = sorted(metrics)
            update_op = tf.group(*[metrics[n][1] for n in names])
            final_ops = {n: metrics[n][0] for n in names}
            final_ops[v1.GraphKeys.GLOBAL_STEP] = v1.train.get_global_step(graph)
            scaffold = spec.scaffold
            if scaffold.local_init_op is not None:
                scaffold = v1.train.Scaffold(
                    local_init_op=tf.group(scaffold.local_init_op,
                                           v1.train.Scaffold.default_local_init_op()),
                    copy_from_scaffold=scaffold)
            final_hook = v1.train.FinalOpsHook(final_ops)
            all_hooks = input_hooks + hooks + list(spec.evaluation_hooks) + [final_hook]
            creator = v1.train.ChiefSessionCreator(
                scaffold=scaffold, checkpoint_filename_with_path=checkpoint_path,
                master=self._config.evaluation_master, config=self._session_config)
            with v1.train.MonitoredSession(session_creator=creator, hooks=all_hooks) as session:
                while not session.should_stop():
                    session.run(update_op)
            results = final_hook.final_ops_values
            # Inside the graph: a new eval/ writer records it, as TF1's did.
            output_dir = self.eval_dir(name)
            step = results[v1.GraphKeys.GLOBAL_STEP]
            _util.write_dict_to_summary(output_dir, results, step)
            if checkpoint_path:
                _util.write_checkpoint_path_summary(output_dir, checkpoint_path, step)
        return results

    # -- predict ---------------------------------------------------------------------------
    def predict(self, input_fn: Callable, predict_keys=None, hooks=None,
                checkpoint_path: Optional[str] = None,
                yield_single_examples: bool = True) -> Iterator:
        """Yields predictions for ``input_fn``'s features (labels, if any, are ignored).

        Parameters
        ----------
        predict_keys : list of str, optional
            Only these keys of a dict of predictions.
        yield_single_examples : bool, default True
            One example at a time; ``False`` yields whole batches.
        """
        hooks = _util.check_hooks(hooks)
        if not checkpoint_path:
            checkpoint_path = self.latest_checkpoint()
        if not checkpoint_path:
            _log.info("Could not find trained model in model_dir: %s, running initialization "
                      "to predict.", self._model_dir)
        graph = self._new_graph()
        with graph.as_default(), graph.device(self._device_fn):
            features, _, input_hooks = self._input(input_fn, ModeKeys.PREDICT)
            spec = self._call_model_fn(features, None, ModeKeys.PREDICT, self.config)
            self._maybe_warm_start(checkpoint_path)
            predictions = _util.select_keys(spec.predictions, predict_keys)
            creator = v1.train.ChiefSessionCreator(
                checkpoint_filename_with_path=checkpoint_path, master=self._config.master,
                scaffold=spec.scaffold, config=self._session_config)
            all_hooks = input_hooks + hooks + list(spec.prediction_hooks)
            with v1.train.MonitoredSession(session_creator=creator, hooks=all_hooks) as session:
                while not session.should_stop():
                    values = session.run(predictions)
                    if not yield_single_examples:
                        yield values
                    elif not isinstance(predictions, dict):
                        yield from values
                    else:
                        for index in range(_util.batch_length(values)):
                            yield {key: value[index] for key, value in values.items()}

    # -- export ----------------------------------------------------------------------------
    def export_saved_model(self, export_dir_base, serving_input_receiver_fn: Callable,
                           assets_extra: Optional[dict] = None, as_text: bool = False,
                           checkpoint_path: Optional[str] = None,
                           experimental_mode: str = ModeKeys.PREDICT) -> bytes:
        """Exports the model as a TF1 SavedModel in ``export_dir_base/<timestamp>``.

        Returns
        -------
        bytes
            The export directory (as TF1 returned it).
        """
        from ._export_model import export_saved_model
        return export_saved_model(self, export_dir_base, serving_input_receiver_fn,
                                  assets_extra, as_text, checkpoint_path, experimental_mode)

    def export_savedmodel(self, export_dir_base, serving_input_receiver_fn: Callable,
                          assets_extra: Optional[dict] = None, as_text: bool = False,
                          checkpoint_path: Optional[str] = None,
                          strip_default_attrs: bool = False) -> bytes:
        """TF1's older name of :meth:`export_saved_model` (``strip_default_attrs`` ignored)."""
        del strip_default_attrs
        return self.export_saved_model(export_dir_base, serving_input_receiver_fn,
                                       assets_extra=assets_extra, as_text=as_text,
                                       checkpoint_path=checkpoint_path)

