"""tf.keras 1.15's HDF5 weights file (``model.save_weights("w.h5")`` / ``load_weights``).

Room: ``keras_tf1``.  The layout is Keras 2's: root attributes ``layer_names``,
``backend`` and ``keras_version``; one group per layer (in ``model.layers`` order)
with a ``weight_names`` attribute (``dense/kernel:0``...) and one dataset per
weight, named by the weight's name.  Loading goes by the order of the layers that
have weights (or, with ``by_name``, by layer name), as TF 1.15 did, so a file
written by TF 1.15's tf.keras loads here and the other way round.
``h5py`` is imported only when such a file is used.
"""
from __future__ import annotations

from typing import List

from . import backend

#: File name endings that mean HDF5 to ``save_weights``/``load_weights`` (as in TF 1.15).
HDF5_SUFFIXES = (".h5", ".hdf5", ".keras")


def is_hdf5_path(filepath, save_format=None) -> bool:
    """Whether ``filepath``/``save_format`` ask for the HDF5 format."""
    if save_format is not None:
        if save_format not in ("h5", "hdf5", "tf"):
            raise ValueError(f"save_format must be 'h5' or 'tf', got {save_format!r}")
        return save_format != "tf"
    return str(filepath).endswith(HDF5_SUFFIXES)


def _h5py():
    try:
        import h5py
    except ImportError as error:  # pragma: no cover - h5py ships with the test environment
        raise ImportError("HDF5 weight files need the `h5py` package "
                          "(pip install h5py)") from error
    return h5py


def _decode(values) -> List[str]:
    return [v.decode("utf8") if isinstance(v, bytes) else str(v) for v in values]


def save_weights(layers: list, filepath) -> None:
    """Write every layer's weights to a new HDF5 file at ``filepath`` (TF 1.15's layout)."""
    h5py = _h5py()
    with h5py.File(str(filepath), "w") as f:
        f.attrs["layer_names"] = [layer.name.encode("utf8") for layer in layers]
        f.attrs["backend"] = b"tensorflow"
        f.attrs["keras_version"] = b"2.2.4-tf"
        for layer in layers:
            group = f.create_group(layer.name)
            weights = layer.weights
            values = backend.batch_get_value(weights)
            group.attrs["weight_names"] = [w.name.encode("utf8") for w in weights]
            for weight, value in zip(weights, values):
                dataset = group.create_dataset(weight.name, value.shape, dtype=value.dtype)
                if value.shape:
                    dataset[:] = value
                else:
                    dataset[()] = value


def load_weights(layers: list, filepath, by_name: bool = False) -> None:
    """Assign the weights stored at ``filepath`` to ``layers``.

    Raises
    ------
    ValueError
        If the file holds a different number of layers with weights, or a layer's
        weight count or shape differs (the message names the layer and the file).
    """
    h5py = _h5py()
    with h5py.File(str(filepath), "r") as f:
        if "layer_names" not in f.attrs and "model_weights" in f:
            f = f["model_weights"]  # a whole-model file written by model.save
        stored = [name for name in _decode(f.attrs["layer_names"])
                  if len(f[name].attrs["weight_names"])]
        pairs = []
        if by_name:
            by_layer = {layer.name: layer for layer in layers}
            pairs = [(by_layer[name], name) for name in stored if name in by_layer]
        else:
            with_weights = [layer for layer in layers if layer.weights]
            if len(with_weights) != len(stored):
                raise ValueError(f"You are trying to load a weight file containing "
                                 f"{len(stored)} layers into a model with "
                                 f"{len(with_weights)} layers ({filepath}).")
            pairs = list(zip(with_weights, stored))
        assignments = []
        for layer, name in pairs:
            group = f[name]
            values = [group[weight][()] for weight in _decode(group.attrs["weight_names"])]
            if len(values) != len(layer.weights):
                raise ValueError(f"Layer {layer.name!r} expects {len(layer.weights)} weights, "
                                 f"but the saved weights ({name!r} in {filepath}) have "
                                 f"{len(values)} elements.")
            for weight, value in zip(layer.weights, values):
                if tuple(weight.shape.as_list()) != tuple(value.shape):
                    raise ValueError(f"Layer {layer.name!r}: weight {weight.name} has shape "
                                     f"{tuple(weight.shape.as_list())}, the saved weight in "
                                     f"{filepath} has shape {tuple(value.shape)}.")
                assignments.append((weight, value))
        backend.batch_set_value(assignments)
