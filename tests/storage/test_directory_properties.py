"""Property-based fuzzing of every reader of a model or checkpoint directory (issue 19, item 5).

Each property takes a real directory (a ``save()`` directory, a ``checkpoint_dir`` with early
stopping's ``arrays.npz``), replaces one of its marker or JSON files -- arbitrary bytes, a
truncated or bit-flipped copy, arbitrary JSON, or the real document with one value replaced
or removed -- and runs the readers: the outcome is a correct read (a load that predicts) or
one :class:`~tfgraph_dnn.storage.CheckpointError` naming the file, never another exception.
"""
import copy
import itertools
import json
import os
import shutil

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tfgraph_dnn import DNNClassifier, storage
from tfgraph_dnn.storage import fits

SMALL = dict(n_hidden=1, n_neurons=6, n_epochs=2, random_state=0, n_threads=1)
_COUNTER = itertools.count()

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.integers(min_value=-2 ** 70, max_value=2 ** 70)
    | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner,
                                                                 max_size=4),
    max_leaves=10)


def paths_of(document, prefix=()):
    """Every path (tuple of keys/indices) into a JSON document."""
    found = [prefix]
    if isinstance(document, dict):
        for key, value in document.items():
            found += paths_of(value, prefix + (key,))
    elif isinstance(document, list):
        for index, value in enumerate(document[:6]):
            found += paths_of(value, prefix + (index,))
    return found


@st.composite
def damaged(draw, original: bytes):
    """New bytes for a file whose real content is ``original``."""
    kind = draw(st.sampled_from(["bytes", "truncated", "flipped", "json", "mutated",
                                 "mutated", "mutated", "deep"]))
    if kind == "bytes":
        return draw(st.binary(max_size=120))
    if kind == "truncated":
        return original[:draw(st.integers(0, max(len(original) - 1, 0)))]
    if kind == "flipped":
        raw = bytearray(original)
        for _ in range(draw(st.integers(1, 4))):
            raw[draw(st.integers(0, len(raw) - 1))] ^= 1 << draw(st.integers(0, 7))
        return bytes(raw)
    if kind == "deep":  # nesting deeper than Python's recursion limit
        depth = draw(st.integers(900, 5000))
        return ("[" * depth + "]" * depth).encode()
    if kind == "json":
        return json.dumps(draw(json_values)).encode()
    document = json.loads(original)
    path = draw(st.sampled_from(paths_of(document)))
    if not path:
        return json.dumps(draw(json_values)).encode()
    parent = document
    for key in path[:-1]:
        parent = parent[key]
    if isinstance(parent, dict) and draw(st.booleans()):
        del parent[path[-1]]
    else:
        parent[path[-1]] = draw(json_values)
    return json.dumps(document).encode()


@pytest.fixture(scope="module")
def pristine(small_digits, tmp_path_factory):
    X, y = small_digits
    X, y = X[:120], y[:120]
    root = tmp_path_factory.mktemp("fuzz")
    model = DNNClassifier(**SMALL, early_stopping=True, checkpoint_dir=str(root / "ckpt"),
                          checkpoint_every=1).fit(X, y)
    model.save(root / "model")
    storage.write_preprocessing(str(root / "model"), storage.latest_save_dir(str(root / "model")),
                                np.zeros(X.shape[1]), np.ones(X.shape[1]))
    return dict(root=root, model=str(root / "model"), ckpt=str(root / "ckpt"), X=X, y=y,
                proba=model.predict_proba(X[:10]))


def fresh_copy(pristine, which):
    """A copy of the pristine ``which`` directory for one example (the previous one's goes)."""
    scratch = os.path.join(str(pristine["root"]), "scratch")
    shutil.rmtree(scratch, ignore_errors=True)
    target = os.path.join(scratch, f"d{next(_COUNTER)}")
    shutil.copytree(pristine[which], target)
    return target


def replace(path, content):
    with open(path, "wb") as handle:
        handle.write(content)


def read_bytes(path):
    with open(path, "rb") as handle:
        return handle.read()


def expect_named(call, *named):
    """Run ``call``: success, or one CheckpointError whose message names one of ``named``."""
    try:
        return call()
    except storage.CheckpointError as error:
        message = str(error)
        assert any(name in message for name in named), message
        assert "\n" not in message, message
        return error


# The model directory's files, relative to it ("*" is its save-N).
MODEL_FILES = ["tfgraph_dnn.json", "latest", "*/estimator.json", "preprocessing.json"]


def model_file(model, relative):
    if relative.startswith("*/"):
        return os.path.join(storage.latest_save_dir(model), relative[2:])
    return os.path.join(model, relative)


@settings(max_examples=40)
@given(data=st.data(), relative=st.sampled_from(MODEL_FILES))
def test_model_directory_readers_never_raise_raw_errors(pristine, data, relative):
    model = fresh_copy(pristine, "model")
    target = model_file(model, relative)
    replace(target, data.draw(damaged(read_bytes(target))))
    named = (target, model) if relative in ("tfgraph_dnn.json", "latest") else (target,)
    expect_named(lambda: storage.inspect(model), *named)
    expect_named(lambda: storage.model_info(model), *named)
    expect_named(lambda: storage.saved_identity(model), *named)
    expect_named(lambda: storage.read_preprocessing(model, "save-000001"), *named)
    assert isinstance(storage.model_differences(model, {"class": "DNNClassifier"}), list)


@pytest.mark.filterwarnings("ignore:.*standardized features:UserWarning")
@settings(max_examples=25)
@given(data=st.data(), relative=st.sampled_from(MODEL_FILES[:3]))
def test_load_gives_a_working_model_or_one_named_error(pristine, data, relative):
    model = fresh_copy(pristine, "model")
    target = model_file(model, relative)
    replace(target, data.draw(damaged(read_bytes(target))))
    named = (target, model) if relative in ("tfgraph_dnn.json", "latest") else (target,)
    loaded = expect_named(lambda: DNNClassifier.load(model), *named)
    if not isinstance(loaded, Exception):
        proba = loaded.predict_proba(pristine["X"][:10])
        assert proba.shape == (10, len(loaded.classes_)) and np.all(np.isfinite(proba))


def checkpoint_files(ckpt):
    [leaf] = storage.fit_dirs(ckpt)
    save = storage.latest_save_dir(leaf)
    return {"root marker": os.path.join(ckpt, storage.MARKER_FILE),
            "fit marker": os.path.join(leaf, storage.MARKER_FILE),
            "fit.json": os.path.join(leaf, storage.FIT_FILE),
            "latest": os.path.join(leaf, storage.LATEST),
            "state.json": os.path.join(save, storage.STATE_FILE),
            "arrays.npz": os.path.join(save, storage.ARRAYS_FILE)}


def fit_of(ckpt):
    [leaf] = storage.fit_dirs(ckpt)
    with open(os.path.join(leaf, storage.FIT_FILE), encoding="utf-8") as handle:
        return json.load(handle)


@settings(max_examples=40)
@given(data=st.data(), which=st.sampled_from(["root marker", "fit marker", "fit.json",
                                              "latest", "state.json", "arrays.npz"]))
def test_checkpoint_readers_never_raise_raw_errors(pristine, data, which):
    ckpt = fresh_copy(pristine, "ckpt")
    fit = fit_of(ckpt)
    target = checkpoint_files(ckpt)[which]
    original = read_bytes(target)
    content = data.draw(damaged(original) if which != "arrays.npz" else st.one_of(
        st.binary(max_size=200), st.integers(0, len(original) - 1).map(lambda n: original[:n])))
    replace(target, content)
    named = (target, os.path.dirname(target))
    expect_named(lambda: storage.read_latest(ckpt), *named)
    expect_named(lambda: storage.inspect(ckpt), *named)

    def resume():
        with storage.resuming(ckpt, fit, lambda state: None) as saved:
            return saved
    expect_named(resume, *named)


@settings(max_examples=12)
@given(data=st.data(), which=st.sampled_from(["fit marker", "fit.json", "latest",
                                              "state.json"]))
def test_resume_from_a_damaged_checkpoint_is_one_named_error(pristine, data, which):
    ckpt = fresh_copy(pristine, "ckpt")
    target = checkpoint_files(ckpt)[which]
    replace(target, data.draw(damaged(read_bytes(target))))
    estimator = DNNClassifier(**SMALL, early_stopping=True, checkpoint_dir=ckpt, resume=True)
    fitted = expect_named(lambda: estimator.fit(pristine["X"], pristine["y"]), target,
                          os.path.dirname(target))
    if not isinstance(fitted, Exception):
        assert np.all(np.isfinite(fitted.predict_proba(pristine["X"][:10])))


def test_fit_fingerprints_differ_by_data_order_and_parameters():
    """The key depends on the rows, their order, the parameters that shape training and the
    model continued -- and not on where or how verbosely a fit runs (the estimator's
    ``shaping_params`` decides which those are; storage digests what it is given)."""
    from tfgraph_dnn.estimator._params import shaping_params

    X = np.arange(12, dtype=np.float32).reshape(6, 2)
    y = np.array([0, 1, 0, 1, 0, 1])
    params = shaping_params(dict(SMALL, checkpoint_dir="a", verbose=0))
    key = fits.fit_fingerprint("DNNClassifier", params, [X, y, None, None])["key"]
    same = shaping_params(dict(params, checkpoint_dir="b", verbose=2, n_epochs=9))
    assert fits.fit_fingerprint("DNNClassifier", same, [X, y, None, None])["key"] == key
    for other in ([X[::-1], y[::-1], None, None], [X, 1 - y, None, None],
                  [X, y, X[:2], y[:2]]):
        assert fits.fit_fingerprint("DNNClassifier", params, other)["key"] != key
    changed = copy.deepcopy(params)
    changed["learning_rate"] = 0.5
    assert fits.fit_fingerprint("DNNClassifier", changed, [X, y, None, None])["key"] != key
    assert fits.fit_fingerprint("DNNClassifier", params, [X, y, None, None],
                                previous="0123456789abcdef")["key"] != key
