"""The checks a fit and a prediction make on parameters and data (room: ``estimator``).

:class:`PrepareMixin` checks parameters and data without touching the
estimator: validation writes into a parameters-only scratch copy, so a
failing ``fit`` leaves ``n_features_in_``, ``classes_``... as they were.  It
matches named columns to the fitted names, holds out a validation split, and
fingerprints a fit for its checkpoint directory.  Nothing here builds a graph
or publishes a model.
"""
from __future__ import annotations

import contextlib
import os
from typing import Optional

import numpy as np
from sklearn.model_selection import train_test_split
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.validation import _get_feature_names, check_array, validate_data

from .. import _habits, storage
from ..data.features import check_unique, column_order, declared
from ..exceptions import CheckpointError
from ..model.init import MAX_SEED
from ._params import MAX_EPOCHS, hidden_layer_sizes, shaping_params
from ._labels import labels_array
from ._float32 import check_float_params, check_input_range
from ._scaling import fit_scaling
from ._description import is_fitted_attribute

_FAST_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
_MAX_STEPS = 2 ** 53  # global steps stay exact in float64 (and far from int64's end)


def feature_names_of(X) -> Optional[np.ndarray]:
    """scikit-learn's feature names of ``X`` (a DataFrame's column names when all are
    strings, else ``None``), repeated names included (scikit-learn refuses them with a
    message that names no column; :func:`~tfgraph_dnn.data.features.column_order` lists them)."""
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
            if "_model" in self.__dict__:
                add_note(error, f"{type(self).__name__}: this fit did not complete; the "
                                "estimator keeps its previous model (predictions unchanged).")
            raise

    def _check_params(self) -> None:
        """scikit-learn's parameter validation, plus what it cannot express.

        A ``checkpoint_dir`` that is not ours (a ``save()`` directory, a user's
        folder) is refused here, before any graph or log directory is made.
        """
        # a value another library spells differently (solver='sgd'...): say ours first
        _habits.check_parameter_values(type(self).__name__, self.get_params(deep=False),
                                       InvalidParameterError)
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

    def _training_data(self, X, y, previous, classes=None):
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
        """The names :func:`~tfgraph_dnn.data.features.declared_feature_names` gives plain ``X``
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
        or, for plain ``X``, from :func:`~tfgraph_dnn.data.features.declared_feature_names`
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
                random_state=rng.randint(MAX_SEED))
        except ValueError:  # a class too rare to stratify: fall back to a plain split
            try:
                X, X_valid, y, y_valid = train_test_split(
                    X, y, test_size=self.validation_fraction,
                    random_state=rng.randint(MAX_SEED))
            except ValueError as error:
                raise ValueError(
                    f"validation_fraction={self.validation_fraction} (early_stopping=True) "
                    f"cannot split {len(X)} samples into training and validation sets; "
                    "use a smaller fraction or pass X_valid, y_valid") from error
        return X, y, (X_valid, y_valid)

    def _validated_features(self, X, fitted) -> np.ndarray:
        """``X`` for inference: named columns matched by name to ``feature_names_in_``
        (reordered; unknown or missing names refused), then validated as float32 --
        with a shortcut for what validation would accept: a finite 2-D
        float32/float64 array of the fitted width, for a model fitted without
        feature names (its checks cost more than a small net's arithmetic on one row)."""
        X, from_declared = self._matched_columns(X, fitted)
        if from_declared:  # matched by name already: validate without a names warning
            return check_array(X, dtype=np.float32, estimator=self, input_name="X")
        if type(X) is np.ndarray and X.dtype in _FAST_DTYPES and X.ndim == 2 \
                and X.shape[1] == fitted["n_features_in_"] and X.shape[0] > 0 \
                and "feature_names_in_" not in fitted:
            with np.errstate(over="ignore"):  # too large for float32: validate_data says so
                cast = X.astype(np.float32, copy=False)
            if np.isfinite(cast).all():  # else validate_data names the problem
                return cast
        check_input_range(X, "X", fitted.get("feature_names_in_"))
        return validate_data(self, X, dtype=np.float32, reset=False)

    def _fit_fingerprint(self, X, y, valid, previous) -> Optional[dict]:
        """The fingerprint of this fit (``None`` without ``checkpoint_dir``): parameters,
        training rows in training order, validation rows, and the model it continues."""
        if self.checkpoint_dir is None:
            return None
        before = None
        if previous is not None:
            before = previous.plan.fit["key"] if previous.plan.fit is not None else \
                f"model:{previous.plan.graph_seed}:{len(previous.history)}"
        return storage.fit_fingerprint(type(self).__name__,
                                       shaping_params(self.get_params(deep=False)),
                                       [X, y, *(valid or (None, None))], before)
