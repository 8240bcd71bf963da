"""What a fit does before it trains (room: ``estimator``).

:class:`PrepareMixin` checks parameters and data without touching the
estimator (validation writes into a parameters-only scratch copy, so a
failing ``fit`` leaves ``n_features_in_``, ``classes_``... as they were), and
builds the next :class:`~._state.FittedState`: a fresh network (warm-started
from ``warm_start_from``, resumed from ``checkpoint_dir``), or the current
model continued (``warm_start``, ``partial_fit``), refusing parameter changes
that would alter its variables (scikit-learn's convention: a ``ValueError``
naming them).  Nothing here publishes: that is ``_train_and_publish``'s last
step.
"""
from __future__ import annotations

import contextlib
import copy
import os
from typing import Optional

import numpy as np
from sklearn.model_selection import train_test_split
from sklearn.utils.validation import validate_data

from .. import storage
from ..training.checkpoint import CheckpointError, read_latest, rng_from_json
from ..training.transfer import as_warm_start_settings, read_warm_start_values
from ._params import MAX_EPOCHS, hidden_layer_sizes, structural_changes
from ._scaling import fit_scaling
from ._state import FittedState, is_fitted_attribute

_MAX_SEED = 2 ** 31 - 1
_MAX_STEPS = 2 ** 53  # global steps stay exact in float64 (and far from int64's end)


def add_note(error: BaseException, note: str) -> None:
    """``error.add_note(note)`` where Python has it (3.11+)."""
    if hasattr(error, "add_note"):
        error.add_note(note)


class PrepareMixin:
    """Checks and state preparation for :class:`~._base.BaseDNN`."""

    # ------------------------------------------------------------------ checks
    @contextlib.contextmanager
    def _keeping_the_model(self):
        """Add a note to any exception of a fit: the previous model is still there."""
        try:
            yield
        except BaseException as error:
            if "_state" in self.__dict__:
                add_note(error, f"{type(self).__name__}: this fit did not complete; the "
                                "estimator keeps its previous model (predictions unchanged).")
            raise

    def _check_params(self) -> None:
        """scikit-learn's parameter validation, plus what it cannot express.

        A ``checkpoint_dir`` that is not ours (a ``save()`` directory, a user's
        folder) is refused here, before any graph or log directory is made.
        """
        self._validate_params()
        hidden_layer_sizes(self.get_params(deep=False))
        if self.checkpoint_dir is not None:
            try:
                storage.check_writable(os.fspath(self.checkpoint_dir), storage.CHECKPOINTS)
            except storage.ForeignDirectoryError as error:
                if self.resume:  # to be read from: the error of an unusable checkpoint
                    raise CheckpointError(str(error)) from None
                raise

    def _check_step_count(self, n_train: int) -> None:
        steps = self.n_epochs * -(-n_train // self.batch_size)
        if steps > _MAX_STEPS:
            raise ValueError(f"n_epochs={self.n_epochs} with batch_size={self.batch_size} on "
                             f"{n_train} rows makes {steps} training steps; at most "
                             f"{_MAX_STEPS} are supported (n_epochs <= {MAX_EPOCHS}).")

    def _scratch(self, fitted: Optional[dict] = None):
        """A parameters-only copy holding ``fitted``: validation writes there, not here."""
        scratch = object.__new__(type(self))
        scratch.__dict__.update(self.get_params(deep=False))
        scratch.__dict__.update(fitted or {})
        return scratch

    def _training_data(self, X, y, previous: Optional[FittedState], classes=None):
        """Validated ``(X, y, fitted)``: ``fitted`` holds what the data fixes
        (``n_features_in_``, ``classes_``, the input scaling...), new or checked
        against ``previous`` (whose scaling a continued fit keeps)."""
        reset = previous is None
        scratch = self._scratch(None if reset else previous.attributes)
        X, y = validate_data(scratch, X, y, dtype=np.float32, reset=reset,
                             multi_output=self._task == "regression")
        fitted = {name: value for name, value in vars(scratch).items()
                  if is_fitted_attribute(name)}
        y = self._targets(y, fitted, reset, classes)
        if reset:  # on the rows given to fit (as a pipeline's scaler), before any split
            fitted.update(fit_scaling(X, self.feature_scaling))
        return X, y, fitted

    def _validation_data(self, X_valid, y_valid, fitted: dict):
        if (X_valid is None) != (y_valid is None):
            raise ValueError("Pass both X_valid and y_valid, or neither.")
        if X_valid is None:
            return None
        X_valid = validate_data(self._scratch(fitted), X_valid, dtype=np.float32, reset=False)
        y_valid = self._targets(y_valid, fitted, reset=False)
        if len(X_valid) != len(y_valid):
            raise ValueError(f"X_valid has {len(X_valid)} rows but y_valid has {len(y_valid)}.")
        return X_valid, y_valid

    def _split_validation(self, X, y, rng):
        stratify = y if self._task == "classification" else None
        try:
            X, X_valid, y, y_valid = train_test_split(
                X, y, test_size=self.validation_fraction, stratify=stratify,
                random_state=rng.randint(_MAX_SEED))
        except ValueError:  # a class too rare to stratify: fall back to a plain split
            try:
                X, X_valid, y, y_valid = train_test_split(
                    X, y, test_size=self.validation_fraction,
                    random_state=rng.randint(_MAX_SEED))
            except ValueError as error:
                raise ValueError(
                    f"validation_fraction={self.validation_fraction} (early_stopping=True) "
                    f"cannot split {len(X)} samples into training and validation sets; "
                    "use a smaller fraction or pass X_valid, y_valid") from error
        return X, y, (X_valid, y_valid)

    # ------------------------------------------------------------------ preparation
    def _next_state(self, previous: Optional[FittedState], fitted: dict, rng,
                    n_train: Optional[int] = None) -> FittedState:
        """A new, unpublished state with an open Session.

        Without ``previous``: a new network for ``n_train`` rows, warm-started
        from ``warm_start_from`` and/or resumed from ``checkpoint_dir``.  With
        it: ``previous``'s weights (and optimizer state, history, RNG), in its
        graph if the parameters are unchanged, else in a new graph for the same
        variables (built for as many rows as ``previous``'s, as its schedule).
        """
        params = self._graph_params()
        if previous is not None:
            changed = structural_changes(previous.params, params) if previous.params else []
            if changed:
                changes = ", ".join(f"{name} ({previous.params[name]!r} -> {params[name]!r})"
                                    for name in changed)
                raise ValueError(
                    f"{changes}: set_params changed the network's structure since the last "
                    "fit, so warm_start=True (or partial_fit) cannot continue training it. Set "
                    "the parameters back, or fit with warm_start=False to train a new network.")
            state = FittedState({**previous.attributes, **fitted},
                                copy.deepcopy(previous.history), copy.deepcopy(previous.rng),
                                previous.graph_seed, previous.n_train, params,
                                dict(previous.hook_states))
            return self._open(state, previous.capture())
        state = FittedState(dict(fitted, warm_started_vars_=[]), [], rng,
                            int(rng.randint(_MAX_SEED)), n_train, params)
        self._open(state)
        try:
            if self.warm_start_from is not None:
                settings = as_warm_start_settings(self.warm_start_from)
                # The input scaling is this fit's (fitted on its X), never a checkpoint's.
                scaling = {v.op.name for v in state.endpoints.scaling_variables}
                values = read_warm_start_values(settings, [
                    v for v in state.endpoints.variables if v.op.name not in scaling])
                state.ops.snapshot.assign(state.session, values)
                state.attributes["warm_started_vars_"] = sorted(values)
            if self.checkpoint_dir is not None and self.resume:
                self._restore_checkpoint(state)
        except BaseException:
            state.close()
            raise
        return state

    def _restore_checkpoint(self, state: FittedState) -> None:
        saved = read_latest(self.checkpoint_dir)
        if saved is None:
            return
        expected = self._fingerprint(state.attributes, state.params)
        if saved["fingerprint"] != expected:
            keys = sorted(set(expected) | set(saved["fingerprint"]))
            diff = {k: (saved["fingerprint"].get(k), expected.get(k)) for k in keys
                    if saved["fingerprint"].get(k) != expected.get(k)}
            raise CheckpointError(f"The checkpoint in {self.checkpoint_dir} is of another "
                                  f"model; (checkpoint, this estimator) differ in {diff}")
        self._restore_into(state, saved["model_prefix"])
        self._adopt_restored_scaling(state)
        state.history = saved["history"]
        state.rng = rng_from_json(saved["rng_state"])
        state.hook_states = saved["hooks"]
        state.resumed = saved

    @staticmethod
    def _adopt_restored_scaling(state: FittedState) -> None:
        """After a resume, the input scaling is the checkpoint's (its weights were trained
        with it): the fitted attributes follow the restored variables where they differ."""
        variables = state.endpoints.scaling_variables
        if not variables:
            return
        restored = state.session.run(variables)
        for name, value in zip(("feature_offset_", "feature_scale_"), restored):
            if not np.array_equal(np.asarray(state.attributes[name], np.float32), value):
                state.attributes[name] = value.astype(np.float64)
