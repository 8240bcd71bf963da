"""The estimators compared: ours and every peer a user would pick instead.

One net everywhere: ``n_features -> n_hidden x n_units ReLU -> n_classes softmax``,
Adam, no early stopping, no validation split, shuffled mini-batches.  He-normal
hidden weights where the peer allows it (not MLPClassifier: its initialisation
is fixed).  Each :class:`Peer` makes a *fresh* estimator for a :class:`Net`;
the timed call is then the estimator's whole ``fit`` (a user's search makes
fresh estimators too).

The peers' libraries are imported only when a peer is checked or made
(:meth:`Peer.missing`, :meth:`Peer.make`), so the command line and the report
(``run.py``, ``results_table.py``, ``results_markdown.py``) read :data:`PEER_KEYS` and
:data:`COLUMNS` from here without loading them; nothing here fails to import without
them.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, replace
from typing import Any, Callable, Dict, List, Optional

import numpy as np


@dataclass(frozen=True)
class Net:
    """What every peer trains."""

    n_hidden: int = 5
    n_units: int = 100
    learning_rate: float = 1e-3
    batch_size: int = 50
    n_epochs: int = 2
    seed: int = 0

    def with_(self, **changes: Any) -> "Net":
        return replace(self, **changes)


#: Search space of row 3, by role; each peer maps a role to its own parameter name.
SEARCH_ROLES = ("n_units", "learning_rate", "batch_size")


class Peer:
    """One column of the report."""

    key = ""            # JSON key and --peers name
    column = ""         # report column header
    requires: tuple = ()  # modules that must import
    searchable = True   # a scikit-learn estimator (clone / RandomizedSearchCV)

    def missing(self) -> Optional[str]:
        """``None`` when usable, else a one-line reason."""
        for module in self.requires:
            try:
                importlib.import_module(module)
            except Exception as error:  # ImportError, or a broken install
                return f"{module} not importable ({type(error).__name__}: {error})"
        return None

    def make(self, net: Net, n_features: int, n_classes: int) -> Any:
        """A fresh, unfitted estimator (``fit`` / ``predict_proba``)."""
        raise NotImplementedError

    def search_params(self, net: Net, candidate: Dict[str, Any]) -> Dict[str, Any]:
        """``candidate`` (roles of :data:`SEARCH_ROLES`) in this peer's parameter names."""
        raise NotImplementedError

    def settings(self) -> str:
        """One line for the report: how the net is spelled for this peer."""
        return ""


# ----------------------------------------------------------------------------- ours
class Ours(Peer):
    key, column, requires = "ours", "ours", ("tfgraph_dnn",)
    n_threads: Optional[int] = None  # set by run.py (--threads)

    def make(self, net: Net, n_features: int, n_classes: int) -> Any:
        from tfgraph_dnn import DNNClassifier

        params = dict(n_hidden=net.n_hidden, n_neurons=net.n_units, activation="relu",
                      initializer="he_normal", optimizer="adam",
                      learning_rate=net.learning_rate, batch_size=net.batch_size,
                      n_epochs=net.n_epochs, random_state=net.seed)
        if self.n_threads is not None:
            params["n_threads"] = self.n_threads
        return DNNClassifier(**params)

    def search_params(self, net: Net, candidate: Dict[str, Any]) -> Dict[str, Any]:
        return {"n_neurons": candidate["n_units"], "learning_rate": candidate["learning_rate"],
                "batch_size": candidate["batch_size"]}

    def settings(self) -> str:
        return ("`DNNClassifier(n_hidden, n_neurons, activation='relu', "
                "initializer='he_normal', optimizer='adam', learning_rate, batch_size, "
                f"n_epochs, n_threads={self.n_threads}, random_state=0)`")


# ----------------------------------------------------------------------------- sklearn
class MLP(Peer):
    key, column, requires = "mlp", "MLP", ("sklearn",)

    def make(self, net: Net, n_features: int, n_classes: int) -> Any:
        from sklearn.neural_network import MLPClassifier

        return MLPClassifier(hidden_layer_sizes=(net.n_units,) * net.n_hidden,
                             activation="relu", solver="adam",
                             learning_rate_init=net.learning_rate, batch_size=net.batch_size,
                             max_iter=net.n_epochs, shuffle=True, early_stopping=False,
                             tol=0.0, n_iter_no_change=10 ** 9, random_state=net.seed)

    def search_params(self, net: Net, candidate: Dict[str, Any]) -> Dict[str, Any]:
        return {"hidden_layer_sizes": (candidate["n_units"],) * net.n_hidden,
                "learning_rate_init": candidate["learning_rate"],
                "batch_size": candidate["batch_size"]}

    def settings(self) -> str:
        return ("`MLPClassifier(hidden_layer_sizes=(units,) * n_hidden, activation='relu', "
                "solver='adam', learning_rate_init, batch_size, max_iter=n_epochs, "
                "shuffle=True, early_stopping=False, tol=0, n_iter_no_change=10**9, "
                "random_state=0)`; its own (Glorot-uniform) initialisation, "
                "ConvergenceWarning silenced")


# ----------------------------------------------------------------------------- skorch
class Skorch(Peer):
    key, column, requires = "skorch", "skorch", ("torch", "skorch")

    def make(self, net: Net, n_features: int, n_classes: int) -> Any:
        import torch
        from skorch import NeuralNetClassifier

        from torch_net import TorchMLP

        return NeuralNetClassifier(
            TorchMLP, module__n_features=n_features, module__n_classes=n_classes,
            module__n_hidden=net.n_hidden, module__n_units=net.n_units,
            module__seed=net.seed, criterion=torch.nn.CrossEntropyLoss,
            optimizer=torch.optim.Adam, lr=net.learning_rate, batch_size=net.batch_size,
            max_epochs=net.n_epochs, train_split=None, iterator_train__shuffle=True,
            device="cpu", verbose=0)

    def search_params(self, net: Net, candidate: Dict[str, Any]) -> Dict[str, Any]:
        return {"module__n_units": candidate["n_units"], "lr": candidate["learning_rate"],
                "batch_size": candidate["batch_size"]}

    def settings(self) -> str:
        return ("`NeuralNetClassifier(TorchMLP (Linear + ReLU, kaiming_normal_ weights, "
                "logits out), criterion=CrossEntropyLoss, optimizer=torch.optim.Adam, lr, "
                "batch_size, max_epochs, train_split=None, iterator_train__shuffle=True, "
                "verbose=0)` (softmax applied by skorch's `predict_proba`)")


# ----------------------------------------------------------------------------- Keras
def keras_sequential(n_features: int, n_classes: int, n_hidden: int, n_units: int,
                     seed: int = 0) -> Any:
    """The net as an uncompiled Keras 3 ``Sequential`` (He-normal hidden weights)."""
    import keras

    keras.utils.set_random_seed(seed)
    return keras.Sequential(
        [keras.Input((n_features,))]
        + [keras.layers.Dense(n_units, activation="relu", kernel_initializer="he_normal")
           for _ in range(n_hidden)]
        + [keras.layers.Dense(n_classes, activation="softmax")])


def _scikeras_model(n_hidden: int = 5, n_units: int = 100, seed: int = 0,
                    meta: Optional[Dict[str, Any]] = None) -> Any:
    """scikeras' ``model=`` builder: sizes from ``meta``, compiled by scikeras."""
    return keras_sequential(meta["n_features_in_"], meta["n_classes_"], n_hidden, n_units,
                            seed)


class SciKeras(Peer):
    key, column, requires = "scikeras", "scikeras", ("keras", "scikeras")

    def make(self, net: Net, n_features: int, n_classes: int) -> Any:
        from scikeras.wrappers import KerasClassifier

        # Seeded in the builder, not with random_state=: scikeras' random_state turns on
        # TensorFlow op determinism around fit, which is not what its users time.
        return KerasClassifier(
            model=_scikeras_model, model__n_hidden=net.n_hidden, model__n_units=net.n_units,
            model__seed=net.seed, loss="sparse_categorical_crossentropy", optimizer="adam",
            optimizer__learning_rate=net.learning_rate, metrics=["accuracy"],
            batch_size=net.batch_size, epochs=net.n_epochs, shuffle=True, verbose=0)

    def search_params(self, net: Net, candidate: Dict[str, Any]) -> Dict[str, Any]:
        return {"model__n_units": candidate["n_units"],
                "optimizer__learning_rate": candidate["learning_rate"],
                "batch_size": candidate["batch_size"]}

    def settings(self) -> str:
        return ("`KerasClassifier(model=<Sequential builder, he_normal, seeded>, "
                "loss='sparse_categorical_crossentropy', optimizer='adam', "
                "optimizer__learning_rate, metrics=['accuracy'], batch_size, epochs, "
                "verbose=0)` (no `random_state`: see the README)")


class KerasFit:
    """Keras 3 without a wrapper: ``fit`` builds, compiles and fits a fresh ``Sequential``.

    Not a scikit-learn estimator (no ``get_params``), so it sits out the search.
    ``predict_proba`` is ``model(x)`` (Keras' advice for small inputs);
    :meth:`predict_functions` also offers ``model.predict``.
    """

    def __init__(self, net: Net, n_features: int, n_classes: int) -> None:
        self.net, self.n_features, self.n_classes = net, n_features, n_classes
        self.model_: Any = None

    def fit(self, X: np.ndarray, y: np.ndarray) -> "KerasFit":
        import keras

        net = self.net
        model = keras_sequential(self.n_features, self.n_classes, net.n_hidden, net.n_units,
                                 net.seed)
        model.compile(optimizer=keras.optimizers.Adam(net.learning_rate),
                      loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        model.fit(X, y, batch_size=net.batch_size, epochs=net.n_epochs, shuffle=True,
                  verbose=0)
        self.model_ = model
        return self

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        return np.asarray(self.model_(X, training=False))

    def predict_functions(self) -> Dict[str, Callable[[np.ndarray], Any]]:
        return {"model(x)": self.predict_proba,
                "model.predict(x)": lambda X: self.model_.predict(X, verbose=0)}


class Keras(Peer):
    key, column, requires = "keras", "Keras", ("keras",)
    searchable = False

    def make(self, net: Net, n_features: int, n_classes: int) -> Any:
        return KerasFit(net, n_features, n_classes)

    def settings(self) -> str:
        return ("Keras 3 `Sequential` (Dense ReLU he_normal x n_hidden + softmax), "
                "`compile(Adam(lr), 'sparse_categorical_crossentropy', metrics=['accuracy'])`, "
                "`fit(batch_size, epochs, shuffle=True, verbose=0)`: the timed call builds, "
                "compiles and fits a fresh model (`jit_compile='auto'`: no XLA on a CPU-only "
                "machine)")


ALL_PEERS: List[Peer] = [Ours(), MLP(), Skorch(), SciKeras(), Keras()]
#: ``--peers`` names, in the report's column order.
PEER_KEYS = tuple(peer.key for peer in ALL_PEERS)
#: Report column header of each peer key.
COLUMNS: Dict[str, str] = {peer.key: peer.column for peer in ALL_PEERS}


def accuracy(estimator: Any, X: np.ndarray, y: np.ndarray) -> float:
    """Training-set accuracy from ``predict_proba`` (a check that the net learned)."""
    proba = np.asarray(estimator.predict_proba(X))
    if proba.ndim == 1:  # scikeras returns one row as a 1-D array
        proba = proba[None, :]
    return float(np.mean(np.argmax(proba, axis=1) == y))
