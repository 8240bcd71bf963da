"""``save_weights``/``load_weights`` with HDF5 paths, against a file TF 2.15's tf.keras (Keras 2) wrote."""
import os

import h5py
import numpy as np
import pytest

import tfgraph_dnn.keras_tf1 as keras
from tfgraph_dnn.keras_tf1 import backend as K

DATA = os.path.join(os.path.dirname(__file__), "data")


def text(values):
    return [v.decode() if isinstance(v, bytes) else v for v in values]


def bn_model(units=5):
    return keras.Sequential([
        keras.layers.Dense(units, activation="relu", input_shape=(4,)),
        keras.layers.BatchNormalization(),
        keras.layers.Dropout(0.3),
        keras.layers.Dense(3, activation="softmax"),
    ])


def test_a_tf_keras_hdf5_weights_file_loads_and_predicts_the_same(graph):
    reference = np.load(os.path.join(DATA, "sequential_bn_weights.npz"))
    with K.get_session().graph.as_default():
        model = bn_model()
        model.load_weights(os.path.join(DATA, "sequential_bn_weights.h5"))
        np.testing.assert_allclose(model.predict(reference["x"]), reference["y"], atol=1e-6)


def test_saved_hdf5_has_tf_keras_layout_and_round_trips(graph, tmp_path):
    path = str(tmp_path / "weights.h5")
    model = bn_model()
    model.save_weights(path)
    with h5py.File(path, "r") as f:
        names = text(f.attrs["layer_names"])
        assert names == [layer.name for layer in model.layers]
        assert text(f["dense"].attrs["weight_names"]) == ["dense/kernel:0",
                                                                         "dense/bias:0"]
        np.testing.assert_array_equal(f["dense"]["dense/kernel:0"][()],
                                      K.get_value(model.layers[0].kernel))
        assert len(f["dropout"].attrs["weight_names"]) == 0
    clone = bn_model()  # other variable names (dense_2...): loaded by layer order
    clone.load_weights(path)
    x = np.random.RandomState(1).randn(5, 4).astype("float32")
    np.testing.assert_allclose(clone.predict(x), model.predict(x), atol=1e-6)


def test_load_by_name_and_mismatches_name_the_layer_and_file(graph, tmp_path):
    path = str(tmp_path / "weights.h5")
    model = bn_model()
    model.save_weights(path)
    other = keras.Sequential([keras.layers.Dense(5, input_shape=(4,), name="dense")])
    other.load_weights(path, by_name=True)
    np.testing.assert_array_equal(K.get_value(other.layers[0].kernel),
                                  K.get_value(model.layers[0].kernel))
    with pytest.raises(ValueError, match="containing 3 layers into a model with 1 layers"):
        other.load_weights(path)
    wider = bn_model(units=6)
    with pytest.raises(ValueError, match=r"has shape \(4, 6\).*weights.h5 has shape \(4, 5\)"):
        wider.load_weights(path)
