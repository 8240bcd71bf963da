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
from sklearn.utils.validation import _get_feature_names, validate_data

from .. import storage
from ..data.features import check_unique, column_order, declared
from ..exceptions import CheckpointError
from ..training.checkpoint import read_latest, rng_from_json
from ..training.transfer import as_warm_start_settings, read_warm_start_values
from ._params import MAX_EPOCHS, hidden_layer_sizes, structural_changes
from ._labels import labels_array
from ._float32 import check_float_params, check_input_range
from ._scaling import fit_scaling
from ._state import FittedState, is_fitted_attribute

_MAX_SEED = 2 ** 31 - 1
_MAX_STEPS = 2 ** 53  # global steps stay exact in float64 (and far from int64's end)


def feature_names_of(X) -> Optional[np.ndarray]:
    """scikit-learn's feature names of ``X`` (a DataFrame's column names when all are
    strings, else ``None``), repeated names included (scikit-learn refuses them with a
    message that names no column; :func:`~tfgraph_dnn._features.column_order` lists them)."""
    columns = getattr(X, "columns", None)
    if columns is not None and not callable(columns) and not isinstance(columns, str):
        try:
            listed = list(columns)
        except TypeError:
            listed = []
        if listed and all(isinstance(name, str) for name in listed) \
                and len(set(listed)) != len(listed):
            return np.asarray(listed, dtype=object)
    return _get_feature_names(X)


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
        check_float_params(self.get_params(deep=False), self._task)  # float32 knobs
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
        (``n_features_in_``, ``feature_names_in_``, ``classes_``, the input
        scaling...), new or checked against ``previous`` (whose scaling a
        continued fit keeps; named columns are matched to its names)."""
        reset = previous is None
        y = labels_array(y, "y", self._task)
        check_input_range(X, "X")  # before the float32 cast: names the column
        if reset:
            scratch = self._scratch()
            given = feature_names_of(X)
            if given is not None:
                check_unique(list(given))
            names = self._declared_for_fit(X)
            X, y = validate_data(scratch, X, y, dtype=np.float32, reset=True,
                                 multi_output=self._task == "regression")
            if names is not None:
                scratch.feature_names_in_ = names
        else:
            X, from_declared = self._matched_columns(X, previous.attributes)
            scratch = self._scratch(previous.attributes)
            if from_declared:  # matched by name already: no names warning for plain X
                scratch.__dict__.pop("feature_names_in_", None)
            X, y = validate_data(scratch, X, y, dtype=np.float32, reset=False,
                                 multi_output=self._task == "regression")
        fitted = {name: value for name, value in vars(scratch).items()
                  if is_fitted_attribute(name)}
        if not reset and "feature_names_in_" in previous.attributes:
            fitted["feature_names_in_"] = previous.attributes["feature_names_in_"]
        y = self._targets(y, fitted, reset, classes)
        if reset:  # on the rows given to fit (as a pipeline's scaler), before any split
            fitted.update(fit_scaling(X, self.feature_scaling, fitted.get("feature_names_in_")))
        return X, y, fitted

    @staticmethod
    def _declared_for_fit(X) -> Optional[np.ndarray]:
        """The names :func:`~tfgraph_dnn._features.declared_feature_names` gives plain ``X``
        (checked: one per column, unique), or ``None``."""
        names = declared()
        if names is None or feature_names_of(X) is not None:
            return None
        n_columns = np.shape(X)[1] if np.ndim(X) == 2 else None
        if n_columns != len(names):
            raise ValueError(f"X has {n_columns} columns but {len(names)} feature names "
                             "were declared for it.")
        check_unique(names)
        return np.asarray(names, dtype=object)

    def _matched_columns(self, X, fitted: dict, source: str = "X"):
        """``(X, declared)``: ``X`` with its named columns in the fitted order.

        Names come from ``X`` (a DataFrame whose column names are all strings)
        or, for plain ``X``, from :func:`~tfgraph_dnn._features.declared_feature_names`
        (then ``declared`` is True and ``X`` a NumPy array in the fitted order).
        Without names on either side, ``X`` is returned as given (by position;
        scikit-learn's validation warns when only one side has names).

        Raises
        ------
        ValueError
            Unknown, missing or repeated names, listed in one message.
        """
        if type(X) is np.ndarray and declared() is None:  # no names: the common, fast case
            return X, False
        fitted_names = fitted.get("feature_names_in_")
        names = feature_names_of(X)
        from_declared = names is None and declared() is not None
        if from_declared:
            names = declared()
            X = np.asarray(X)
            if X.ndim != 2 or X.shape[1] != len(names):
                raise ValueError(f"{source} has shape {X.shape} but {len(names)} feature names "
                                 "were declared for its columns.")
        if fitted_names is None or names is None:
            return X, from_declared
        order = column_order(names, fitted_names, source)
        if order is None:
            return X, from_declared
        if from_declared:
            return X[:, order], True
        try:  # a DataFrame: select by name, so that its names now match
            return X[[str(name) for name in fitted_names]], False
        except Exception:  # a container without selection by a list of names
            return np.asarray(X)[:, order], True

    def _validated_columns(self, X, fitted: dict, source: str = "X") -> np.ndarray:
        """``X`` matched by name (:meth:`_matched_columns`), validated as float32 against
        ``fitted`` (``n_features_in_``; scikit-learn's feature-name rule for plain data)."""
        X, from_declared = self._matched_columns(X, fitted, source)
        check_input_range(X, source, fitted.get("feature_names_in_"))
        if from_declared:  # already matched by name: validate without a names warning
            fitted = {k: v for k, v in fitted.items() if k != "feature_names_in_"}
        return validate_data(self._scratch(fitted), X, dtype=np.float32, reset=False)

    def _validation_data(self, X_valid, y_valid, fitted: dict):
        if (X_valid is None) != (y_valid is None):
            raise ValueError("Pass both X_valid and y_valid, or neither.")
        if X_valid is None:
            return None
        X_valid = self._validated_columns(X_valid, fitted, "X_valid")
        y_valid = self._targets(y_valid, fitted, reset=False, name="y_valid")
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
                    n_train: Optional[int] = None, fit: Optional[dict] = None) -> FittedState:
        """A new, unpublished state with an open Session.

        Without ``previous``: a new network for ``n_train`` rows, warm-started
        from ``warm_start_from`` and/or resumed from ``checkpoint_dir``.  With
        it: ``previous``'s weights (and optimizer state, history, RNG), in its
        graph if the parameters are unchanged, else in a new graph for the same
        variables (built for as many rows as ``previous``'s, as its schedule).
        ``fit`` is the fit's fingerprint (:meth:`_fit_fingerprint`; a continued
        fit without one keeps ``previous``'s).
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
            state.fit = fit if fit is not None else previous.fit
            return self._open(state, previous.capture())
        state = FittedState(dict(fitted, warm_started_vars_=[]), [], rng,
                            int(rng.randint(_MAX_SEED)), n_train, params)
        state.fit = fit
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

    def _fit_fingerprint(self, X, y, valid, previous: Optional[FittedState]) -> Optional[dict]:
        """The fingerprint of this fit (``None`` without ``checkpoint_dir``): parameters,
        training rows in training order, validation rows, and the model it continues."""
        if self.checkpoint_dir is None:
            return None
        before = None
        if previous is not None:
            before = previous.fit["key"] if previous.fit is not None else \
                f"model:{previous.graph_seed}:{len(previous.history)}"
        return storage.fit_fingerprint(type(self).__name__, self.get_params(deep=False),
                                       [X, y, *(valid or (None, None))], before)

    def _restore_checkpoint(self, state: FittedState) -> None:
        """Resume this fit from its own checkpoint in ``checkpoint_dir``, if there is one."""
        expected = self._fingerprint(state.attributes, state.params)

        def check(saved: dict) -> None:
            if saved["fingerprint"] != expected:
                keys = sorted(set(expected) | set(saved["fingerprint"]))
                diff = {k: (saved["fingerprint"].get(k), expected.get(k)) for k in keys
                        if saved["fingerprint"].get(k) != expected.get(k)}
                raise CheckpointError(f"The checkpoint in {self.checkpoint_dir} is of another "
                                      f"model; (checkpoint, this estimator) differ in {diff}")

        if state.fit is None:  # not reached by fit(); kept for callers without a fingerprint
            saved = read_latest(self.checkpoint_dir)
            if saved is None:
                return
            check(saved)
            self._restore_into(state, saved["model_prefix"])
        else:
            with storage.resuming(os.fspath(self.checkpoint_dir), state.fit, check) as saved:
                if saved is None:
                    return
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
