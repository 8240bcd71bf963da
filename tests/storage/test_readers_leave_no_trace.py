"""Readers leave a directory that is not ours exactly as they found it.

``load()``, ``predict`` and ``export`` only read a model directory; given one
that is not (an exported SavedModel, an empty folder, a user's folder) they
refuse it -- and used to leave an empty ``.tfgraph_dnn.lock`` behind, because
the reader's lock created its lock file before the directory was looked at.
A directory that is ours keeps its lock file: the lock is only race-free if
that file is never removed (see :mod:`tfgraph_dnn.storage.locks`).
"""
import os
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tfgraph_dnn import DNNClassifier, storage

SMALL = dict(n_hidden=1, n_neurons=4, n_epochs=1, random_state=0, n_threads=1)
_OURS = re.compile(r"^(save-\d+|fit-[0-9a-f]+|latest|tfgraph_dnn\.json|\.tfgraph_dnn.*)$")


def snapshot(root):
    """Every path under ``root`` (relative) with its size for files, ``None`` for directories."""
    found = {}
    for directory, subdirs, files in os.walk(root):
        for name in subdirs:
            found[os.path.relpath(os.path.join(directory, name), root)] = None
        for name in files:
            path = os.path.join(directory, name)
            found[os.path.relpath(path, root)] = os.path.getsize(path)
    return found


def read_everything(path):
    """Every reader of a model or checkpoint directory: each refuses ``path`` (or, for a
    checkpoint reader of an empty directory, finds nothing)."""
    for read in (storage.model_info, lambda p: storage.read_model(p, None), DNNClassifier.load):
        with pytest.raises(storage.CheckpointError, match="not a model directory"):
            read(path)
    try:
        assert storage.read_latest(path) is None  # an empty directory: no checkpoint yet
    except storage.CheckpointError as error:
        assert "not a checkpoint directory" in str(error)


def make_saved_model_like(root):
    os.makedirs(os.path.join(root, "variables"))
    os.makedirs(os.path.join(root, "assets"))
    for name in ("saved_model.pb", "fingerprint.pb", "variables/variables.index"):
        with open(os.path.join(root, name), "wb") as handle:
            handle.write(b"\x08\x01")


@pytest.mark.parametrize("kind", ["empty", "user folder", "SavedModel"])
def test_readers_refuse_a_foreign_directory_and_leave_it_unchanged(tmp_path, kind):
    root = tmp_path / "given"
    root.mkdir()
    if kind == "user folder":
        (root / "notes.txt").write_text("mine")
    elif kind == "SavedModel":
        make_saved_model_like(str(root))
    before = snapshot(root)
    read_everything(str(root))
    assert snapshot(root) == before


names = st.text(st.sampled_from("abcdefgz_-.0123456789"), min_size=1, max_size=12).filter(
    lambda name: name not in (".", "..") and not _OURS.match(name)
    and not name.startswith(storage.TMP_PREFIX))


@settings(max_examples=25, deadline=None)
@given(files=st.dictionaries(names, st.binary(max_size=40), max_size=5),
       subdirs=st.lists(names, max_size=3, unique=True))
def test_any_foreign_directory_is_read_without_a_trace(tmp_path_factory, files, subdirs):
    root = tmp_path_factory.mktemp("foreign")
    for name in subdirs:
        if name not in files:
            (root / name).mkdir()
            (root / name / "inside").write_bytes(b"x")
    for name, content in files.items():
        if name not in subdirs:
            (root / name).write_bytes(content)
    before = snapshot(root)
    for read in (storage.model_info, lambda p: storage.read_model(p, None)):
        with pytest.raises(storage.CheckpointError, match="not a model directory"):
            read(str(root))
    assert snapshot(root) == before


def test_a_model_directory_without_its_lock_file_gets_it_back_on_read(tmp_path, small_digits):
    """Ours (copied without its dot files, say): a reader creates the lock file and keeps
    it, as every save does, so that a writer that comes while it reads waits for it."""
    X, y = small_digits
    model = DNNClassifier(**SMALL).fit(X[:60], y[:60])
    path = str(tmp_path / "model")
    model.save(path)
    os.remove(os.path.join(path, storage.LOCK_FILE))
    assert DNNClassifier.load(path).n_features_in_ == X.shape[1]
    assert os.path.exists(os.path.join(path, storage.LOCK_FILE))
    assert storage.model_info(path)["n_features"] == X.shape[1]
