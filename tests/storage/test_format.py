"""The on-disk format (:mod:`tfgraph_dnn.storage`): issue 12's items 1, 4, 5, 10, 11, 12 and
"one home for the on-disk format".

Real TensorFlow checkpoints and real files throughout: directories written by ``save()`` and
by ``checkpoint_dir``, corrupted by bit flips and truncation, edited as a user would, filled
up under ``RLIMIT_FSIZE`` in a child process, and directories written by the previous version
(``tests/fixtures/storage_v1``, no format marker) that must still load and resume.
"""
import ast
import glob
import json
import os
import re
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from tfgraph_dnn import DNNClassifier, cli
from tfgraph_dnn.cli import common as cli_common
from tfgraph_dnn.training import Hook
from tfgraph_dnn.exceptions import CheckpointError

from _support import REPO_ROOT, STORAGE_V1, copy_tree, first_rows, read_json, tree, write_json

PACKAGE = os.path.join(REPO_ROOT, "tfgraph_dnn")

SMALL = dict(n_hidden=2, n_neurons=8, n_epochs=2, random_state=0, n_threads=1)


# ============================================================================ helpers
def fit_dir(directory):
    """The one ``fit-<key>/`` directory of a checkpoint directory (each fit writes its own);
    any other directory as it is."""
    fits = glob.glob(os.path.join(directory, "fit-*"))
    return fits[0] if len(fits) == 1 else directory


def latest_dir(directory):
    directory = fit_dir(directory)
    return os.path.join(directory, read_json(os.path.join(directory, "latest"))["dir"])


class CountEpochs(Hook):
    def __init__(self):
        self.count = 0

    def on_epoch_begin(self, state):
        self.count += 1


@pytest.fixture(scope="module")
def data(small_digits):
    return first_rows(small_digits, probe=50)


@pytest.fixture(scope="module")
def pristine(data, tmp_path_factory):
    """A save() directory and a checkpoint directory of one fit (never modified: copy)."""
    X, y, probe = data
    root = tmp_path_factory.mktemp("pristine")
    clf = DNNClassifier(**SMALL, checkpoint_dir=str(root / "ckpt"), checkpoint_every=1)
    clf.fit(X, y)
    clf.save(root / "model")
    return dict(model=str(root / "model"), ckpt=str(root / "ckpt"), clf=clf,
                proba=clf.predict_proba(probe))


@pytest.fixture(scope="module")
def es_ckpt(data, tmp_path_factory):
    """A checkpoint directory with early stopping's ``arrays.npz``."""
    X, y, _ = data
    directory = str(tmp_path_factory.mktemp("es") / "ckpt")
    DNNClassifier(**SMALL, early_stopping=True, checkpoint_dir=directory,
                  checkpoint_every=1).fit(X, y)
    assert os.path.exists(os.path.join(latest_dir(directory), "arrays.npz"))
    return directory


# ======================================================================= child processes
# The checks that need a process of their own (a real SIGKILL, a per-process file-size limit)
# fork from the preloaded Python as the module starts: they run beside its in-process tests
# and each of those tests waits for its own child.
@pytest.fixture(scope="module")
def children(data, tmp_path_factory, preloaded_python):
    """``{name: (pid, log, workdir)}`` of the children started for this module's tests."""
    X, y, _ = data
    root = tmp_path_factory.mktemp("children")
    np.savez(root / "data.npz", X=X, y=y)
    plans = {"killed_first_save": lambda d: (KILLED_FIRST_SAVE_CHILD, root / "data.npz",
                                             d / "model", d / "proba.npy"),
             "full_disk": lambda d: (FULL_DISK_CHILD, root / "data.npz", d),
             "tensorboard_full_disk": lambda d: (tensorboard_full_disk_child(d / "logs"),)}
    started = {}
    for name, plan in plans.items():
        workdir = root / name
        workdir.mkdir()
        started[name] = preloaded_python.start(*plan(workdir)) + (workdir,)
    return started


@pytest.fixture(scope="module", autouse=True)
def _children_start_with_the_module(request):
    if any("children" in item.fixturenames for item in request.session.items):
        request.getfixturevalue("children")


def finished(children, preloaded_python, name):
    """(how child ``name`` ended, its output, its working directory)."""
    pid, log, workdir = children[name]
    ended = preloaded_python.wait(pid)
    with open(log, encoding="utf-8", errors="replace") as handle:
        return ended, handle.read(), workdir


# ============================================================================ item 1
def test_checkpoint_dir_never_touches_a_save_directory(data, pristine, tmp_path):
    """Issue item 1: checkpoints into a save() directory deleted its save-000001."""
    X, y, probe = data
    model = copy_tree(pristine["model"], tmp_path / "model")
    before = tree(model)
    for resume, error in ((False, FileExistsError), (True, CheckpointError)):
        with pytest.raises(error, match=r"save\(\)") as info:
            DNNClassifier(**SMALL, checkpoint_dir=model, checkpoint_every=1,
                          resume=resume).fit(X, y)
        assert model in str(info.value)
        assert tree(model) == before, f"resume={resume} changed the save() directory"
    np.testing.assert_array_equal(DNNClassifier.load(model).predict_proba(probe),
                                  pristine["proba"])


def test_a_foreign_checkpoint_dir_is_refused_before_any_work(data, tmp_path):
    """Refused at fit start: no TensorBoard run directory is made for a fit that cannot run."""
    X, y, _ = data
    users, logs = tmp_path / "users", tmp_path / "logs"
    users.mkdir()
    (users / "notes.txt").write_text("mine")
    with pytest.raises(FileExistsError, match="not a checkpoint directory"):
        DNNClassifier(**SMALL, checkpoint_dir=str(users), log_dir=str(logs)).fit(X, y)
    assert not logs.exists() or not any(logs.iterdir())
    assert sorted(os.listdir(users)) == ["notes.txt"]


def test_only_files_storage_created_are_ever_removed(data, pristine, tmp_path):
    """Issue item 1: a user's ``.tmp-cache/`` was deleted recursively by checkpoints (and
    by save(), which took a directory holding only ``.tmp-*`` names for empty)."""
    X, y, _ = data
    users = tmp_path / "users"
    (users / ".tmp-cache").mkdir(parents=True)
    (users / ".tmp-cache" / "precious.txt").write_text("mine")
    before = tree(users)
    with pytest.raises(FileExistsError, match="not a checkpoint directory"):
        DNNClassifier(**SMALL, checkpoint_dir=str(users), checkpoint_every=1).fit(X, y)
    with pytest.raises(FileExistsError, match="not a model directory"):
        pristine["clf"].save(users)
    assert tree(users) == before

    # a user's folder inside one of our directories is left alone too
    for directory, write in ((copy_tree(pristine["ckpt"], tmp_path / "ckpt"),
                              lambda d: DNNClassifier(**dict(SMALL, n_epochs=3),
                                                      checkpoint_dir=d, checkpoint_every=1,
                                                      resume=True).fit(X, y)),
                             (copy_tree(pristine["model"], tmp_path / "model"),
                              lambda d: pristine["clf"].save(d))):
        os.makedirs(os.path.join(directory, ".tmp-cache"))
        write_json(os.path.join(directory, ".tmp-cache", "precious.json"), [1])
        write(directory)
        assert read_json(os.path.join(directory, ".tmp-cache", "precious.json")) == [1]


def test_the_cli_refuses_what_save_and_checkpoints_refuse(pristine, tmp_path, capsys):
    """Issue item 1 and "one home": ``--save`` accepted a checkpoint directory (any
    directory with a ``latest``), then save() refused it after training; a foreign
    ``--checkpoint-dir`` was not checked at all."""
    ckpt = copy_tree(pristine["ckpt"], tmp_path / "ckpt")
    model = copy_tree(pristine["model"], tmp_path / "model")
    users = tmp_path / "users"
    (users / ".tmp-cache").mkdir(parents=True)
    for path in (ckpt, str(users)):
        with pytest.raises(cli_common.CliError, match="not a model directory"):
            cli_common.check_save_target(path)
    (tmp_path / "empty").mkdir()
    for path in (model, str(tmp_path / "absent"), str(tmp_path / "empty")):  # all fine
        cli_common.check_save_target(path)
    before = tree(str(tmp_path))
    for flags in (["--checkpoint-dir", model], ["--checkpoint-dir", str(users)],
                  ["--save", ckpt]):
        code = cli.main(["train", "--epochs", "1", "--log-dir", str(tmp_path / "logs"),
                         *flags])
        err = capsys.readouterr().err
        assert code == 2 and len(err.strip().splitlines()) == 1, err
        assert flags[1] in err and "not a" in err, err
    assert tree(str(tmp_path)) == before


# ============================================================================ item 4
@pytest.mark.parametrize("edit, names", [
    ({"n_hidden": 1}, ["hidden2/kernel"]),
    ({"n_neurons": 9}, ["hidden1/kernel", "(64, 8)", "(64, 9)"]),
])
def test_load_refuses_an_estimator_json_that_contradicts_the_checkpoint(
        pristine, tmp_path, edit, names):
    """Issue item 4: with the parameters and their fingerprint edited alike, ``load()``
    served a net that is not the checkpoint's (one layer dropped, or (64, 8) weights in a
    9-unit model)."""
    model = copy_tree(pristine["model"], tmp_path / "model")
    meta_path = os.path.join(latest_dir(model), "estimator.json")
    meta = read_json(meta_path)
    meta["params"].update(edit)
    params = meta["params"]
    meta["fingerprint"]["hidden_layer_sizes"] = [params["n_neurons"]] * params["n_hidden"]
    write_json(meta_path, meta)
    with pytest.raises(CheckpointError) as info:
        DNNClassifier.load(model)
    message = str(info.value)
    assert meta_path in message, message
    for name in names:
        assert name in message, message


# ============================================================================ item 5
def test_a_save_killed_before_its_latest_pointer_is_recovered(data, pristine, tmp_path):
    """Issue item 5: SIGKILL between the rename of a first save() and its ``latest``
    leaves a complete save-000001 without ``latest``: save, load and the CLI refused the
    directory forever."""
    X, y, probe = data
    model = copy_tree(pristine["model"], tmp_path / "model")
    os.unlink(os.path.join(model, "latest"))  # exactly what the kill leaves
    np.testing.assert_array_equal(DNNClassifier.load(model).predict_proba(probe),
                                  pristine["proba"])
    assert cli._model_info(model)["save"] == "save-000001"
    cli_common.check_save_target(model)
    other = DNNClassifier(**dict(SMALL, random_state=5)).fit(X, y)
    assert os.path.basename(other.save(model)) == "save-000002"
    np.testing.assert_array_equal(DNNClassifier.load(model).predict_proba(probe),
                                  other.predict_proba(probe))


KILLED_FIRST_SAVE_CHILD = textwrap.dedent(r"""
    import os, signal, sys
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    import numpy as np
    from tfgraph_dnn import DNNClassifier

    data, model, proba = sys.argv[1:]
    with np.load(data) as arrays:
        X, y = arrays["X"], arrays["y"]
    clf = DNNClassifier(n_hidden=1, n_neurons=4, n_epochs=1, random_state=3, n_threads=1)
    np.save(proba, clf.fit(X, y).predict_proba(X[:20]))
    real_replace = os.replace

    def replace(src, dst, *args, **kwargs):  # SIGKILL just before the first 'latest'
        if os.path.basename(os.fspath(dst)) == "latest":
            os.kill(os.getpid(), signal.SIGKILL)
        return real_replace(src, dst, *args, **kwargs)

    os.replace = replace
    clf.save(model)
""")


@pytest.mark.slow
def test_a_real_sigkill_before_the_first_latest_is_recovered(data, children, preloaded_python):
    """Issue item 5, with a real SIGKILL at that moment of a first save()."""
    X, y, _ = data
    ended, output, workdir = finished(children, preloaded_python, "killed_first_save")
    model = str(workdir / "model")
    assert ended["signal"] == signal.SIGKILL, (ended, output)
    left = sorted(os.listdir(model))
    assert "save-000001" in left and "latest" not in left, left
    np.testing.assert_array_equal(DNNClassifier.load(model).predict_proba(X[:20]),
                                  np.load(workdir / "proba.npy"))


def test_a_checkpoint_dir_without_latest_resumes_its_newest_save(data, pristine, tmp_path):
    X, y, _ = data
    ckpt = copy_tree(pristine["ckpt"], tmp_path / "ckpt")
    os.unlink(os.path.join(fit_dir(ckpt), "latest"))
    counter = CountEpochs()
    resumed = DNNClassifier(**dict(SMALL, n_epochs=3), checkpoint_dir=ckpt, resume=True,
                            callbacks=[counter]).fit(X, y)
    assert counter.count == 1, "the checkpointed epochs were trained again"
    assert resumed.history_[:2] == pristine["clf"].history_


# ============================================================================ item 10
def corrupt(path, how):
    with open(path, "rb") as handle:
        raw = bytearray(handle.read())
    if how == "bit_flips":  # one bit in every 16 bytes: every tensor is hit
        for index in range(7, len(raw), 16):
            raw[index] ^= 0x04
    else:
        raw = raw[:len(raw) // 2]
    with open(path, "wb") as handle:
        handle.write(bytes(raw))


@pytest.mark.parametrize("how", ["bit_flips", "truncated"])
def test_warm_start_from_a_corrupt_checkpoint_is_a_checkpoint_error(data, pristine,
                                                                    tmp_path, how):
    """Issue item 10: raw ``DataLossError`` / ``IndexError`` from warm_start_from, where
    ``load()`` on the same files gave a ``CheckpointError``."""
    X, y, _ = data
    model = copy_tree(pristine["model"], tmp_path / "model")
    [data_file] = glob.glob(os.path.join(latest_dir(model), "model.ckpt.data-*"))
    corrupt(data_file, how)
    errors = {}
    with pytest.raises(CheckpointError) as errors["load"]:
        DNNClassifier.load(model)
    with pytest.raises(CheckpointError) as errors["warm_start_from"]:
        DNNClassifier(**SMALL, warm_start_from=model).fit(X, y)
    for kind, info in errors.items():
        message = str(info.value)
        assert model in message, (kind, message)
        assert "\n" not in message and "Detected at node" not in message, (kind, message)
        assert info.value.__cause__ is not None, kind  # TF's error, kept as the cause


# ============================================================================ item 11
def test_resume_from_a_truncated_arrays_npz_names_the_file(data, es_ckpt, tmp_path):
    """Issue item 11: ``zipfile.BadZipFile`` with no path."""
    X, y, _ = data
    ckpt = copy_tree(es_ckpt, tmp_path / "ckpt")
    arrays = os.path.join(latest_dir(ckpt), "arrays.npz")
    corrupt(arrays, "truncated")
    with pytest.raises(CheckpointError, match="arrays.npz") as info:
        DNNClassifier(**SMALL, early_stopping=True, checkpoint_dir=ckpt,
                      resume=True).fit(X, y)
    assert arrays in str(info.value)


@pytest.mark.parametrize("key, value", [("fingerprint", None), ("history", None),
                                        ("rng_state", None), ("epoch", None),
                                        ("fingerprint", [1, 2]), ("history", "x")])
def test_resume_from_an_incomplete_state_json_names_the_file(data, pristine, tmp_path, key,
                                                             value):
    """Issue item 11: ``state.json`` without ``"fingerprint"`` gave a ``KeyError``."""
    X, y, _ = data
    ckpt = copy_tree(pristine["ckpt"], tmp_path / "ckpt")
    state_path = os.path.join(latest_dir(ckpt), "state.json")
    state = read_json(state_path)
    if value is None:
        del state[key]
    else:
        state[key] = value
    write_json(state_path, state)
    with pytest.raises(CheckpointError) as info:
        DNNClassifier(**SMALL, checkpoint_dir=ckpt, resume=True).fit(X, y)
    assert state_path in str(info.value) and key in str(info.value), str(info.value)


# ============================================================================ item 12
FULL_DISK_CHILD = textwrap.dedent(r"""
    import json, os, resource, sys
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    import numpy as np
    from tfgraph_dnn import DNNClassifier

    data, root = sys.argv[1], sys.argv[2]
    with np.load(data) as arrays:
        X, y = arrays["X"], arrays["y"]
    params = dict(n_hidden=1, n_neurons=4, n_epochs=2, n_threads=1)
    first = DNNClassifier(**params, random_state=0).fit(X, y)
    model = os.path.join(root, "model")
    first.save(model)
    sizes = {name: os.path.getsize(os.path.join(model, "save-000001", name))
             for name in os.listdir(os.path.join(model, "save-000001"))}
    weights = max(size for name, size in sizes.items() if name.startswith("model.ckpt"))
    second = DNNClassifier(**params, random_state=1).fit(X, y)
    limits = {"weights": weights // 2, "estimator.json": weights + 64}
    assert sizes["estimator.json"] > limits["estimator.json"], sizes
    report = {}

    def attempt(case, action):
        soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limits[case], hard))
        try:
            action()
            report[case] = None
        except BaseException as error:
            report[case] = {"type": type(error).__name__, "oserror": isinstance(error, OSError),
                            "errno": getattr(error, "errno", None), "message": str(error),
                            "cause": type(error.__cause__).__name__,
                            "cause_module": type(error.__cause__).__module__}
        finally:
            resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))

    attempt("weights", lambda: second.save(model))
    attempt("estimator.json", lambda: second.save(model))
    limits["checkpoint"] = limits["weights"]
    attempt("checkpoint", lambda: DNNClassifier(**params, random_state=2, checkpoint_every=1,
                                                checkpoint_dir=os.path.join(root, "ckpt"))
            .fit(X, y))
    report["left"] = sorted(os.listdir(model))
    report["still_first"] = bool(np.array_equal(DNNClassifier.load(model).predict_proba(X),
                                                first.predict_proba(X)))
    print("REPORT" + json.dumps(report))
""")


@pytest.mark.slow
def test_save_on_a_full_disk_is_one_error_naming_path_and_cause(children, preloaded_python):
    """Issue item 12: under RLIMIT_FSIZE, save() raised ~30 lines of TF ``OutOfRangeError``
    with the cause ("File too large") buried.  Now: one OSError naming the path and the
    cause, TF's error as ``__cause__``; the previous model still loads."""
    ended, output, workdir = finished(children, preloaded_python, "full_disk")
    lines = [line for line in output.splitlines() if line.startswith("REPORT")]
    assert ended["exit"] == 0 and lines, output
    report = json.loads(lines[0][len("REPORT"):])
    for case, where in (("weights", "model"), ("estimator.json", "model"),
                        ("checkpoint", "ckpt")):
        error = report[case]
        assert error is not None, f"{case}: nothing raised under RLIMIT_FSIZE"
        assert error["oserror"] and error["errno"] == 27, (case, error)  # EFBIG
        message = error["message"]
        assert "File too large" in message and str(workdir / where) in message, (case, error)
        assert "\n" not in message and "Graph execution" not in message, (case, message)
        if case != "estimator.json":
            assert error["cause_module"].startswith("tensorflow"), (case, error)
    assert report["still_first"]
    assert not [name for name in report["left"] if name.startswith(".tmp")], report["left"]


# ============================================================================ one home
# The checks that the format needs no TensorFlow run in ONE fresh Python (one process for all
# of them: the import of storage is the behaviour, not the process); each test asserts its
# own check's outcome.
RUN_WITHOUT_TENSORFLOW = textwrap.dedent("""
    import json, sys, traceback
    outcome = {}
    for name, code in json.loads(sys.argv[1]).items():
        try:
            exec(code, {"__name__": "__main__"})
            outcome[name] = None
        except BaseException:
            outcome[name] = traceback.format_exc()
    print("OUTCOME" + json.dumps(outcome))
""")


@pytest.fixture(scope="module")
def without_tensorflow(pristine, tmp_path_factory):
    """``{check: None or its traceback}`` of the ``*_check`` codes below, run in one Python."""
    absent = str(tmp_path_factory.mktemp("replacement") / "absent")
    codes = {name: textwrap.dedent(check(pristine["model"], absent))
             for name, check in (("describe", describe_check),
                                 ("replacement", replacement_check))}
    result = subprocess.run([sys.executable, "-c", RUN_WITHOUT_TENSORFLOW, json.dumps(codes)],
                            capture_output=True, text=True, timeout=120)
    lines = [line for line in result.stdout.splitlines() if line.startswith("OUTCOME")]
    assert result.returncode == 0 and lines, result.stdout + result.stderr
    return json.loads(lines[-1][len("OUTCOME"):])


def describe_check(model, absent):
    return f"""
        import sys
        from tfgraph_dnn import storage, cli
        info = storage.model_info({model!r})
        assert info["class"] == "DNNClassifier" and info["n_features"] == 64, info
        assert "tensorflow" not in sys.modules, "storage imported TensorFlow"
    """


@pytest.mark.slow
def test_storage_needs_no_tensorflow_to_describe_a_model(without_tensorflow):
    """The format's module imports without TensorFlow, and the CLI's quick look at a model
    directory goes through it."""
    assert without_tensorflow["describe"] is None, without_tensorflow["describe"]


def test_directories_carry_their_kind_and_format_version(pristine):
    from tfgraph_dnn import storage

    for path, kind in ((pristine["model"], storage.MODEL), (pristine["ckpt"],
                                                             storage.CHECKPOINTS)):
        marker = read_json(os.path.join(path, storage.MARKER_FILE))
        assert marker["library"] == "tfgraph_dnn" and marker["kind"] == kind
        assert marker["format"] == storage.FORMATS[kind]
        assert storage.directory_kind(path) == kind


def test_previous_version_directories_still_load_and_resume(data, tmp_path):
    """Directories written before the format marker existed load, resume, and are
    upgraded (marked) when written to again."""
    from tfgraph_dnn import storage

    X, y, _ = data
    expected = read_json(os.path.join(STORAGE_V1, "expected.json"))
    model = copy_tree(os.path.join(STORAGE_V1, "model"), tmp_path / "model")
    ckpt = copy_tree(os.path.join(STORAGE_V1, "checkpoints"), tmp_path / "ckpt")
    assert not os.path.exists(os.path.join(model, storage.MARKER_FILE))
    loaded = DNNClassifier.load(model)
    np.testing.assert_allclose(loaded.predict_proba(X[:expected["probe_rows"]]),
                               expected["predict_proba"], rtol=1e-6)
    loaded.save(model)
    assert storage.directory_kind(model) == storage.MODEL
    counter = CountEpochs()
    params = dict(expected["params"], n_epochs=3)
    resumed = DNNClassifier(**params, checkpoint_dir=ckpt, resume=True,
                            callbacks=[counter]).fit(X, y)
    assert counter.count == 1 and resumed.history_[:2] == expected["history"]
    assert storage.directory_kind(ckpt) == storage.CHECKPOINTS


FORMAT_NAMES = {"latest", "estimator.json", "state.json", "arrays.npz", "preprocessing.json",
                "model.ckpt", "tfgraph_dnn.json"}


def _format_literals(path):
    """String constants (docstrings excepted) that spell a file name of the format."""
    with open(path, encoding="utf-8") as handle:
        module = ast.parse(handle.read())
    docstrings = {id(node.body[0].value) for node in ast.walk(module)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef))
                  and node.body and isinstance(node.body[0], ast.Expr)}
    return sorted({node.value for node in ast.walk(module)
                   if isinstance(node, ast.Constant) and isinstance(node.value, str)
                   and id(node) not in docstrings
                   and (node.value in FORMAT_NAMES or node.value.startswith("save-"))})


def test_only_storage_spells_the_format():
    """One home for the on-disk format: no module outside ``storage/`` names its files."""
    offenders = {}
    for directory, _, files in os.walk(PACKAGE):
        # storage/ is the home; tf1/ and migrate/ speak TensorFlow 1's own file conventions
        if os.path.relpath(directory, PACKAGE).split(os.sep)[0] in ("storage", "tf1",
                                                                     "migrate"):
            continue
        for name in files:
            if name.endswith(".py"):
                found = _format_literals(os.path.join(directory, name))
                if found:
                    offenders[os.path.relpath(os.path.join(directory, name), PACKAGE)] = found
    assert not offenders, offenders
    assert os.path.isdir(os.path.join(PACKAGE, "storage"))


def test_persistence_touches_the_estimator_only_through_its_interface():
    """``_persistence`` reaches into private estimator attributes only in the two functions
    that are its documented interface; everything else goes through the model object."""
    path = os.path.join(PACKAGE, "estimator", "_persistence.py")
    with open(path, encoding="utf-8") as handle:
        module = ast.parse(handle.read())
    allowed = {"_fit_state", "_restore_fit_state"}
    outside, used = [], set()
    for function in module.body:
        if not isinstance(function, ast.FunctionDef):
            continue
        for node in ast.walk(function):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                    and node.value.id == "estimator" and node.attr.startswith("_"):
                used.add(node.attr)
                if function.name not in allowed:
                    outside.append(f"{function.name}: estimator.{node.attr}")
    assert not outside, outside
    # The published model (held while read), a plan for loaded parameters, publication.
    assert used == {"_reading", "_validate_params", "_plan", "_publish"}, used


# ==================================================== adversarial pass after the fixes
def tensorboard_full_disk_child(logs):
    return textwrap.dedent(f"""
        import resource
        from sklearn.datasets import load_digits
        from tfgraph_dnn import DNNClassifier
        X, y = load_digits(return_X_y=True)
        resource.setrlimit(resource.RLIMIT_FSIZE, (100, resource.RLIM_INFINITY))
        try:
            DNNClassifier(n_hidden=1, n_neurons=8, n_epochs=2,
                          log_dir={str(logs)!r}).fit(X[:200] / 16, y[:200])
        except OSError as error:
            raised = error
        else:
            raised = None
        # lifted before printing: this process's output goes to a file too
        resource.setrlimit(resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY,) * 2)
        if raised is not None:
            print("RAISED", type(raised).__name__, raised)
        """)


@pytest.mark.slow
def test_a_full_disk_under_tensorboard_logs_is_one_named_error(children, preloaded_python):
    """A file-size limit hit by the event writer was a raw IndexError from TF's writer."""
    ended, output, workdir = finished(children, preloaded_python, "tensorboard_full_disk")
    # (TF's log of the failed write, cut at the limit, may precede it on the line)
    raised = re.findall(r"RAISED .*", output)
    assert ended["exit"] == 0 and len(raised) == 1, output
    last = raised[0]
    assert last.startswith("RAISED StorageWriteError Cannot write TensorBoard events in ")
    assert str(workdir / "logs") in last and "File too large" in last


def test_hand_edited_estimator_json_values_are_checkpoint_errors(pristine, tmp_path):
    """Duplicate classes_ or an invalid parameter value loaded silently / raised a bare
    ValueError without the file."""
    for edit in (lambda d: d["fitted"]["classes_"].update(
                     __ndarray__=[0, 0] + d["fitted"]["classes_"]["__ndarray__"][2:]),
                 lambda d: d["params"].update(n_epochs=-1)):
        model = copy_tree(pristine["model"], tmp_path / f"model{len(os.listdir(tmp_path))}")
        meta_path = os.path.join(latest_dir(model), "estimator.json")
        meta = read_json(meta_path)
        edit(meta)
        write_json(meta_path, meta)
        with pytest.raises(CheckpointError, match="estimator.json"):
            DNNClassifier.load(model)


def test_validation_fraction_too_large_is_named(data):
    X, y, _ = data
    with pytest.raises(ValueError, match="validation_fraction=0.999"):
        DNNClassifier(**SMALL, early_stopping=True, validation_fraction=0.999).fit(X[:50], y[:50])


@pytest.mark.parametrize("mean, scale", [([0.0, float("nan")], [1.0, 1.0]),
                                         ([0.0, 1.0], [1.0, 0.0]), ([0.0], [1.0, 2.0])])
def test_a_tampered_preprocessing_file_is_a_checkpoint_error(tmp_path, mean, scale):
    """NaN means, zero scales or mismatched lengths surfaced as errors about the data."""
    from tfgraph_dnn import storage
    write_json(str(tmp_path / "preprocessing.json"),
               {"standard_scaler": {"mean": mean, "scale": scale}, "save": "x"})
    with pytest.raises(CheckpointError, match="preprocessing.json"):
        storage.read_preprocessing(str(tmp_path), "x")


# ============================================================= issue 14: never replace
# a different model silently
def test_save_refuses_to_replace_a_different_model(data, pristine, tmp_path):
    """A 784-feature model is not replaced by a 64-feature one (nor by other classes, layers,
    activation or scaling) unless overwrite=True; the refusal names the directory and the
    differences and writes nothing."""
    from tfgraph_dnn import storage

    X, y, probe = data
    model = copy_tree(pristine["model"], tmp_path / "model")
    before = tree(model)
    others = {"n_features": DNNClassifier(**SMALL).fit(X[:, :20], y),
              "classes": DNNClassifier(**SMALL).fit(X, y % 2),
              "hidden_layer_sizes": DNNClassifier(**dict(SMALL, n_neurons=9)).fit(X, y),
              "activation": DNNClassifier(**SMALL, activation="relu").fit(X, y),
              "feature_scaling": DNNClassifier(**SMALL, feature_scaling="standard").fit(X, y)}
    for difference, other in others.items():
        with pytest.raises(storage.DifferentModelError) as info:
            other.save(model)
        message = str(info.value)
        assert model in message and difference in message and "overwrite=True" in message
        assert isinstance(info.value, FileExistsError)
        assert tree(model) == before, difference  # nothing written
    others["n_features"].save(model, overwrite=True)
    assert DNNClassifier.load(model).n_features_in_ == 20


def test_saving_the_same_model_again_is_allowed(data, pristine, tmp_path):
    """A refit of the same configuration (other weights, other training parameters) replaces
    the earlier save, a previous version's directory included."""
    X, y, probe = data
    model = copy_tree(pristine["model"], tmp_path / "model")
    refit = DNNClassifier(**dict(SMALL, random_state=1, learning_rate=0.01, n_epochs=3))
    refit.fit(X, y).save(model)
    np.testing.assert_array_equal(DNNClassifier.load(model).predict_proba(probe),
                                  refit.predict_proba(probe))
    legacy = copy_tree(os.path.join(STORAGE_V1, "model"), tmp_path / "legacy")
    params = read_json(os.path.join(STORAGE_V1, "expected.json"))["params"]
    DNNClassifier(**params).fit(X, y).save(legacy)  # same net as the fixture's
    with pytest.raises(FileExistsError, match="n_neurons|hidden_layer_sizes"):
        DNNClassifier(**SMALL).fit(X, y).save(legacy)


def replacement_check(model, absent):
    return f"""
        import sys
        import numpy as np
        from tfgraph_dnn import storage
        fingerprint = {{"n_inputs": 64, "n_outputs": 10, "hidden_layer_sizes": [8, 8],
                        "activation": "elu", "batch_norm": False}}
        same = storage.model_identity({{"class": "DNNClassifier", "fingerprint": fingerprint,
            "fitted": {{"n_features_in_": 64, "classes_": storage.encode(np.arange(10), "")}}}})
        assert set(same) == set(storage.IDENTITY_KEYS) - {{"n_outputs"}}, same
        storage.check_replacement({model!r}, same)
        wider = storage.model_identity({{"class": "DNNClassifier",
            "fingerprint": dict(fingerprint, hidden_layer_sizes=[9, 9])}})
        assert storage.model_differences({model!r}, wider) == [
            "hidden_layer_sizes: [8, 8] saved, [9, 9] now"]
        other = storage.model_identity({{"class": "DNNClassifier",
                                         "fitted": {{"n_features_in_": 784}}}})
        assert storage.model_differences({model!r}, other) == [
            "n_features: 64 saved, 784 now"], storage.model_differences(
                {model!r}, other)
        try:
            storage.check_replacement({model!r}, other)
        except storage.DifferentModelError as error:
            assert {model!r} in str(error)
        else:
            raise AssertionError("not refused")
        storage.check_replacement({model!r}, other, overwrite=True)
        storage.check_replacement({absent!r}, other)
        assert "tensorflow" not in sys.modules, "storage imported TensorFlow"
    """


@pytest.mark.slow
def test_the_replacement_rule_is_storages_and_needs_no_tensorflow(without_tensorflow):
    """The command line checks a --save target before training, from what it knows."""
    assert without_tensorflow["replacement"] is None, without_tensorflow["replacement"]


def test_an_unreadable_model_is_replaced_only_with_overwrite(data, pristine, tmp_path):
    from tfgraph_dnn import storage

    model = copy_tree(pristine["model"], tmp_path / "model")
    with open(os.path.join(latest_dir(model), "estimator.json"), "w") as handle:
        handle.write("{")
    with pytest.raises(storage.DifferentModelError, match="cannot be read"):
        pristine["clf"].save(model)
    pristine["clf"].save(model, overwrite=True)
    assert DNNClassifier.load(model).n_features_in_ == 64


def test_a_model_directory_without_a_complete_save_holds_no_model_to_protect(data, pristine,
                                                                              tmp_path):
    from tfgraph_dnn import storage

    path = str(tmp_path / "model")
    storage.claim(path, storage.MODEL)  # marked, as a first save killed midway leaves it
    assert storage.saved_identity(path) is None
    pristine["clf"].save(path)
    assert DNNClassifier.load(path).n_features_in_ == 64
