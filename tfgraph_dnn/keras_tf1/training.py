"""``compile`` / ``fit`` / ``evaluate`` / ``predict`` of a tf.keras 1.15 model in a TF1 graph.

Room: ``keras_tf1``.  ``compile`` adds to the graph, per output, a target
placeholder (``dense_1_target``), the loss averaged over the batch under
``loss/``, the model's own losses (weight regularizers), and the metrics;
the first ``fit`` adds the update op under ``training/`` (the optimizer's
step grouped with ``model.updates``, i.e. batch-norm moving averages).  The
loops feed NumPy batches to those tensors in :func:`backend.get_session`'s
Session with the learning phase set to 1 (training) or left at 0, and
report, per epoch, sample-weighted means under TF 1.15's names: ``loss``,
``acc``, ``val_loss``, ``val_acc`` (``<output>_loss`` for several outputs).

Not provided (``NotImplementedError`` naming the argument): ``sample_weight``,
``class_weight``, ``sample_weight_mode``, ``weighted_metrics``,
``target_tensors``, ``distribute``, ``steps_per_epoch``/``steps`` and fitting on
graph tensors or ``tf.data`` datasets (feed NumPy arrays).
"""
from __future__ import annotations

from typing import Optional

import numpy as np
import tensorflow as tf

from . import backend, callbacks as callbacks_module, losses, metrics as metrics_module
from . import optimizers
from .engine import HISTORY

v1 = tf.compat.v1

_NOT_PROVIDED = ("sample_weight", "class_weight", "sample_weight_mode", "weighted_metrics",
                 "target_tensors", "distribute", "steps_per_epoch", "steps",
                 "validation_steps")


def _refuse(**arguments) -> None:
    for name, value in arguments.items():
        if value is not None:
            raise NotImplementedError(f"tf.keras argument `{name}` is not provided by "
                                      "tfgraph_dnn.keras_tf1")


def _per_output(spec, names: list, what: str) -> list:
    """A single value, a list or a ``{output name: value}`` dict -> one entry per output."""
    if isinstance(spec, dict):
        unknown = sorted(set(spec) - set(names))
        if unknown:
            raise ValueError(f"Unknown entries in {what} dictionary: {unknown}. Only expected "
                             f"following keys: {names}")
        return [spec.get(name) for name in names]
    if isinstance(spec, (list, tuple)) and what != "metrics":
        if len(spec) != len(names):
            raise ValueError(f"When passing a list as {what}, it should have one entry per "
                             f"model output. The model has {len(names)} outputs, but you "
                             f"passed {what}={spec!r}")
        return list(spec)
    return [spec] * len(names)


def _arrays(data, tensors: list, what: str) -> list:
    """User data (array, list or dict of arrays) as one NumPy array per tensor."""
    if data is None:
        raise ValueError(f"No {what} data given")
    if tf.is_tensor(data) or isinstance(data, tf.data.Dataset) or any(
            tf.is_tensor(d) for d in (data if isinstance(data, (list, tuple)) else [])):
        raise NotImplementedError(f"fit/evaluate/predict on graph tensors or tf.data datasets "
                                  f"({what}) is not provided by tfgraph_dnn.keras_tf1; feed "
                                  "NumPy arrays")
    if isinstance(data, dict):
        names = [t.op.name for t in tensors]
        data = [data[name] for name in names]
    elif not isinstance(data, (list, tuple)) or (len(tensors) == 1 and not (
            len(data) == 1 and isinstance(data[0], np.ndarray))):
        data = [data]
    if len(data) != len(tensors):
        raise ValueError(f"Error when checking model {what}: the list of NumPy arrays that you "
                         f"are passing to your model is not the size the model expected. "
                         f"Expected to see {len(tensors)} array(s), got {len(data)}")
    arrays = []
    for array, tensor in zip(data, tensors):
        array = np.asarray(array)
        rank = tensor.shape.rank
        if array.ndim == 1 and rank is not None and rank > 1:
            array = np.expand_dims(array, 1)
        arrays.append(array)
    lengths = {len(a) for a in arrays}
    if len(lengths) > 1:
        raise ValueError(f"All {what} arrays should have the same number of samples. Got "
                         f"array lengths: {sorted(lengths)}")
    return arrays


def _output_name(tensor, index: int) -> str:
    history = getattr(tensor, HISTORY, None)
    return history[0].name if history is not None else f"output_{index + 1}"


class TrainingMixin:
    """The training half of a tf.keras model (see the module docstring)."""

    def _training_init(self) -> None:
        self.optimizer = None
        self.loss = None
        self.stop_training = False
        self.metrics_names: list = []
        self.history = None
        self._compile_spec = None
        self._targets: list = []
        self._fetches: list = []
        self._train_op = None

    # ------------------------------------------------------------------ compile
    def compile(self, optimizer="rmsprop", loss=None, metrics=None, loss_weights=None,
                sample_weight_mode=None, weighted_metrics=None, target_tensors=None,
                distribute=None, **kwargs) -> None:
        """Set the optimizer (a ``tf.train`` optimizer, a Keras one or its name), loss(es)
        and metrics; the loss graph is added now if the model is built, else at ``fit``."""
        if kwargs:
            raise TypeError(f"compile: invalid keyword argument(s) {sorted(kwargs)}")
        _refuse(sample_weight_mode=sample_weight_mode, weighted_metrics=weighted_metrics,
                target_tensors=target_tensors, distribute=distribute)
        if loss is None:
            raise ValueError("compile: a `loss` is required to train the model")
        self.optimizer = optimizers.get(optimizer)
        self.loss = loss
        self._compile_spec = (loss, list(metrics or []) if not isinstance(metrics, dict)
                              else metrics, loss_weights)
        self._train_op = None
        if self.outputs:
            self._build_loss_graph()

    def _build_loss_graph(self) -> None:
        loss_spec, metric_spec, weight_spec = self._compile_spec
        names = [_output_name(t, i) for i, t in enumerate(self.outputs)]
        loss_fns = [losses.get(spec) for spec in _per_output(loss_spec, names, "loss")]
        weights = _per_output(weight_spec if weight_spec is not None else 1.0, names,
                              "loss_weights")
        metric_lists = _per_output(metric_spec, names, "metrics")
        several = len(self.outputs) > 1
        self._targets, output_losses = [], []
        for name, output, loss_fn in zip(names, self.outputs, loss_fns):
            target = v1.placeholder(output.dtype.base_dtype,
                                    shape=[None] * (output.shape.rank or 0) or None,
                                    name=f"{name}_target")
            self._targets.append(target)
            with v1.name_scope("loss"), v1.name_scope(f"{name}_loss"):
                output_losses.append(tf.reduce_mean(loss_fn(target, output)))
        with v1.name_scope("loss"):
            total = tf.add_n([w * l for w, l in zip(weights, output_losses)]) if several \
                else output_losses[0] * weights[0]
            if self.losses:
                total = total + tf.add_n([tf.cast(l, total.dtype) for l in self.losses])
        self.total_loss = total
        # What `trainable` says now counts, as in TF 1.15 (a GAN sets D.trainable = False
        # between compiling D and compiling the combined model).
        self._compiled_trainable_weights = self.trainable_weights
        self.metrics_names = ["loss"] + ([f"{n}_loss" for n in names] if several else [])
        self._fetches = [total] + (output_losses if several else [])
        with v1.name_scope("metrics"):
            for name, output, target, loss_fn, wanted in zip(
                    names, self.outputs, self._targets, loss_fns, metric_lists):
                for metric in wanted or []:
                    label, fn = metrics_module.resolve(metric, loss_fn, output)
                    self.metrics_names.append(f"{name}_{label}" if several else label)
                    self._fetches.append(tf.reduce_mean(fn(target, output)))

    def _make_train_op(self):
        if self._train_op is None:
            before = {id(v) for v in v1.global_variables()}
            with v1.name_scope("training"):
                step = self.optimizer.get_updates(self.total_loss,
                                                  self._compiled_trainable_weights)
                self._train_op = tf.group(step, *[getattr(u, "op", u) for u in self.updates])
            for variable in v1.global_variables():
                if id(variable) not in before:
                    backend.track_variable(variable)
        return self._train_op

    # -------------------------------------------------------------------- helpers
    def _ensure_ready(self, x, needs_loss: bool) -> None:
        if not self.outputs:  # a Sequential with no input shape: build on the data's shape
            from .layers_core import InputLayer
            first = np.asarray(x[0] if isinstance(x, (list, tuple)) else x)
            entry = InputLayer(batch_input_shape=(None,) + first.shape[1:],
                               dtype=backend.floatx())
            self(entry.output)
        if needs_loss:
            if self._compile_spec is None:
                raise RuntimeError("You must compile your model before training/testing. "
                                   "Use `model.compile(optimizer, loss)`.")
            if not self._fetches:
                self._build_loss_graph()

    def _run_batches(self, session, fetches, arrays, tensors, batch_size, phase, order=None,
                     on_batch=None) -> list:
        count = len(arrays[0])
        order = np.arange(count) if order is None else order
        results = []
        feed_phase = backend.learning_phase_feed(phase)
        for batch, start in enumerate(range(0, count, batch_size)):
            index = order[start:start + batch_size]
            feed = {t: a[index] for t, a in zip(tensors, arrays)}
            feed.update(feed_phase)
            if on_batch is not None:
                on_batch("begin", batch, len(index), None)
            values = session.run(fetches, feed_dict=feed)
            results.append((len(index), values))
            if on_batch is not None:
                on_batch("end", batch, len(index), values)
        return results

    def _mean_logs(self, results, fetch_offset: int = 0) -> list:
        total = sum(size for size, _ in results)
        sums = np.zeros(len(self._fetches))
        for size, values in results:
            sums += np.asarray(values[fetch_offset:], dtype=np.float64) * size
        return [float(v) for v in sums / max(total, 1)]

    # ----------------------------------------------------------------------- fit
    def fit(self, x=None, y=None, batch_size: Optional[int] = None, epochs: int = 1,
            verbose: int = 1, callbacks=None, validation_split: float = 0.0,
            validation_data=None, shuffle=True, class_weight=None, sample_weight=None,
            initial_epoch: int = 0, steps_per_epoch=None, validation_steps=None,
            validation_freq: int = 1, max_queue_size: int = 10, workers: int = 1,
            use_multiprocessing: bool = False, **kwargs):
        """Train on NumPy arrays; returns a :class:`~.callbacks.History`."""
        if kwargs:
            raise TypeError(f"fit: unrecognized keyword argument(s) {sorted(kwargs)}")
        _refuse(class_weight=class_weight, sample_weight=sample_weight,
                steps_per_epoch=steps_per_epoch, validation_steps=validation_steps)
        self._ensure_ready(x, needs_loss=True)
        xs, ys = _arrays(x, self.inputs, "input"), _arrays(y, self._targets, "target")
        if validation_data is not None:
            if len(validation_data) != 2:
                raise NotImplementedError("validation_data with sample weights is not provided")
            val = (_arrays(validation_data[0], self.inputs, "input"),
                   _arrays(validation_data[1], self._targets, "target"))
        elif validation_split:
            if not 0.0 < validation_split < 1.0:
                raise ValueError(f"validation_split must be in (0, 1), got {validation_split}")
            split = int(len(xs[0]) * (1.0 - validation_split))
            val = ([a[split:] for a in xs], [a[split:] for a in ys])
            xs, ys = [a[:split] for a in xs], [a[:split] for a in ys]
        else:
            val = None
        batch_size = batch_size or 32
        train_op = self._make_train_op()
        session = backend.get_session()
        history = callbacks_module.History()
        hooks = [history] + list(callbacks or [])
        params = {"batch_size": batch_size, "epochs": epochs, "samples": len(xs[0]),
                  "verbose": verbose, "do_validation": val is not None,
                  "metrics": self.metrics_names + [f"val_{n}" for n in self.metrics_names]}
        for hook in hooks:
            hook.set_model(self)
            hook.set_params(params)
        if verbose:
            print(f"Train on {len(xs[0])} samples" +
                  (f", validate on {len(val[0][0])} samples" if val else ""))
        self.stop_training = False
        for hook in hooks:
            hook.on_train_begin({})

        def on_batch(stage, batch, size, values):
            logs = {"batch": batch, "size": size}
            if values is not None:
                logs.update(zip(self.metrics_names, (float(v) for v in values[1:])))
            for hook in hooks:
                getattr(hook, f"on_batch_{stage}")(batch, logs)
                getattr(hook, f"on_train_batch_{stage}")(batch, logs)

        for epoch in range(initial_epoch, epochs):
            for hook in hooks:
                hook.on_epoch_begin(epoch, {})
            order = np.random.permutation(len(xs[0])) if shuffle else None
            results = self._run_batches(session, [train_op] + self._fetches, xs + ys,
                                        self.inputs + self._targets, batch_size, 1, order,
                                        on_batch)
            logs = dict(zip(self.metrics_names, self._mean_logs(results, 1)))
            if val is not None and (epoch + 1) % validation_freq == 0:
                scores = self._test_loop(session, val[0], val[1], batch_size)
                logs.update({f"val_{n}": v for n, v in zip(self.metrics_names, scores)})
            if verbose:
                print(f"Epoch {epoch + 1}/{epochs}")
                print(f"{len(xs[0])}/{len(xs[0])} - " +
                      " - ".join(f"{k}: {v:.4f}" for k, v in logs.items()))
            for hook in hooks:
                hook.on_epoch_end(epoch, logs)
            if self.stop_training:
                break
        for hook in hooks:
            hook.on_train_end({})
        self.history = history
        return history

    # ---------------------------------------------------------- evaluate, predict
    def _test_loop(self, session, xs, ys, batch_size) -> list:
        results = self._run_batches(session, self._fetches, xs + ys,
                                    self.inputs + self._targets, batch_size, 0)
        return self._mean_logs(results)

    def evaluate(self, x=None, y=None, batch_size: Optional[int] = None, verbose: int = 1,
                 sample_weight=None, steps=None, callbacks=None, max_queue_size: int = 10,
                 workers: int = 1, use_multiprocessing: bool = False):
        """The loss (and metrics) on NumPy data: a float, or a list in ``metrics_names`` order."""
        _refuse(sample_weight=sample_weight, steps=steps)
        self._ensure_ready(x, needs_loss=True)
        xs, ys = _arrays(x, self.inputs, "input"), _arrays(y, self._targets, "target")
        scores = self._test_loop(backend.get_session(), xs, ys, batch_size or 32)
        if verbose:
            print(f"{len(xs[0])}/{len(xs[0])} - " +
                  " - ".join(f"{k}: {v:.4f}" for k, v in zip(self.metrics_names, scores)))
        return scores[0] if len(scores) == 1 else scores

    def predict(self, x, batch_size: Optional[int] = None, verbose: int = 0, steps=None,
                callbacks=None, max_queue_size: int = 10, workers: int = 1,
                use_multiprocessing: bool = False):
        """The outputs on NumPy inputs (an array, or a list for several outputs)."""
        _refuse(steps=steps)
        self._ensure_ready(x, needs_loss=False)
        xs = _arrays(x, self.inputs, "input")
        results = self._run_batches(backend.get_session(), self.outputs, xs, self.inputs,
                                    batch_size or 32, 0)
        outputs = [np.concatenate([values[i] for _, values in results])
                   for i in range(len(self.outputs))]
        return outputs[0] if len(outputs) == 1 else outputs

    def train_on_batch(self, x, y, sample_weight=None, class_weight=None,
                       reset_metrics: bool = True):
        """One update on one batch; returns the batch's loss (and metrics)."""
        _refuse(sample_weight=sample_weight, class_weight=class_weight)
        self._ensure_ready(x, needs_loss=True)
        xs, ys = _arrays(x, self.inputs, "input"), _arrays(y, self._targets, "target")
        train_op = self._make_train_op()
        [(_, values)] = self._run_batches(backend.get_session(), [train_op] + self._fetches,
                                          xs + ys, self.inputs + self._targets, len(xs[0]), 1)
        scores = [float(v) for v in values[1:]]
        return scores[0] if len(scores) == 1 else scores

    def test_on_batch(self, x, y, sample_weight=None, reset_metrics: bool = True):
        """Loss (and metrics) on one batch, without updating."""
        _refuse(sample_weight=sample_weight)
        self._ensure_ready(x, needs_loss=True)
        xs, ys = _arrays(x, self.inputs, "input"), _arrays(y, self._targets, "target")
        scores = self._test_loop(backend.get_session(), xs, ys, len(xs[0]))
        return scores[0] if len(scores) == 1 else scores

    def predict_on_batch(self, x):
        """The outputs on one batch."""
        return self.predict(x, batch_size=len(np.asarray(
            x[0] if isinstance(x, (list, tuple)) else x)))

    def fit_generator(self, *args, **kwargs):
        raise NotImplementedError("fit_generator is not provided by tfgraph_dnn.keras_tf1; "
                                  "call fit on NumPy arrays")

    evaluate_generator = predict_generator = fit_generator
