"""Every documented value of every enumerated option runs through a tiny fit (issue 19).

The values are read, not listed: the estimators' ``_parameter_constraints``
(``StrOptions``, booleans, ``None``) and the ``train`` command's argparse
choices and boolean flags.  A new option or a new value is covered without
editing this file; a new option that can be ``None`` or a number needs one
"on" value in :data:`ON_VALUES` (a test fails until it has one).

To keep the run short the values are laid out as a covering array: every pair
(schedule, optimizer) -- the combination with its own code paths (1cycle's
momentum, the performance schedule's rate variable, momentum optimizers) --
is one row of the classifier's, and every other value of every option is set
in one of those rows, chosen by a seeded shuffle (an option that only matters
when another is on -- ``early_stopping_monitor`` with ``early_stopping``,
``cache_frozen`` with ``n_frozen`` -- in rows where it is on); the regressor
runs every value once in as few rows as the longest option has values.
"""
from __future__ import annotations

import argparse
import itertools
import math
import re
import struct
import zlib

import numpy as np
import pytest
from sklearn.utils._param_validation import StrOptions

from tfgraph_dnn import DNNClassifier, DNNRegressor
from tfgraph_dnn.cli import common as cli_common
from tfgraph_dnn.estimator import _docs
from tfgraph_dnn.estimator._params import PARAMETER_CONSTRAINTS

# The value an option that may be None (or is a number) takes when it is "on": small, valid
# and fast.  Every parameter that accepts None besides a number must be here.
ON_VALUES = {
    "hidden_layer_sizes": (3, 2),
    "batch_norm_momentum": 0.9,
    "dropout_rate": 0.2,
    "max_norm": 1.0,
    "gradient_clip_value": 1.0,
    "gradient_clip_norm": 1.0,
    "gradient_clip_global_norm": 1.0,
    "checkpoint_dir": "<tmp>/ckpt-{row}",
    "log_dir": "<tmp>/logs",
    "run_name": "every-option",
    "warm_start_from": None,    # needs a saved model: covered by test_transfer*.py
    "callbacks": None,          # user hooks: covered by test_training_engine.py
    "n_threads": 1,
    "random_state": 0,
    "feature_scaling": (0.5, 2.0),  # a user's (offset, scale) pair
}
DEFAULTS = DNNClassifier().get_params()
# Options that only matter when another one is on: (enabler, its "on" value).
ENABLED_BY = {"early_stopping_monitor": ("early_stopping", True),
              "cache_frozen": ("n_frozen", 1),
              "resume": ("checkpoint_dir", ON_VALUES["checkpoint_dir"]),
              "log_histograms": ("log_dir", ON_VALUES["log_dir"])}
# Documented values of options whose constraint is not an enumeration.
DOCUMENTED_LEVELS = {"verbose": (0, 1, 2)}
CLASSIFIER_ONLY = {"early_stopping_monitor": {"val_accuracy", "accuracy"}}
TINY = dict(n_hidden=1, n_neurons=3, n_epochs=1, batch_size=16, random_state=0,
            validation_fraction=0.2)
PAIRED = ("lr_schedule", "optimizer")


def _accepts(constraints, kind) -> bool:
    return any(c is kind or c == kind for c in constraints)


def enumerated_values(constraints=PARAMETER_CONSTRAINTS) -> dict:
    """``{parameter: [values]}``: every value of every enumerated option."""
    values = {}
    for name, constraints_of in constraints.items():
        options = sorted(option for c in constraints_of if isinstance(c, StrOptions)
                         for option in c.options)
        if _accepts(constraints_of, "boolean"):
            options = [False, True]
        if name in DOCUMENTED_LEVELS:
            options = list(DOCUMENTED_LEVELS[name])
        if _accepts(constraints_of, None):
            options = [None] + options
        if ON_VALUES.get(name) is not None and ON_VALUES[name] not in options:
            options.append(ON_VALUES[name])
        if len(options) > 1:  # the default first: the value of rows that leave it alone
            default = DEFAULTS[name]
            values[name] = ([default] if default in options else []) + \
                [option for option in options if option != default]
    return values


def test_every_optional_number_has_an_on_value():
    """A new option that may be None needs a value here, or it would only run as None."""
    missing = [name for name, constraints in PARAMETER_CONSTRAINTS.items()
               if _accepts(constraints, None) and name not in ON_VALUES
               and not any(isinstance(c, StrOptions) for c in constraints)]
    assert missing == []


def _documented_names(parameter: str) -> set:
    """The quoted names in the numpydoc entry of ``parameter`` in the shared docstring."""
    entries = re.split(r"\n    (?=\w[\w, ]* : )", _docs.PARAMETERS)
    for entry in entries:
        header = entry.split(" : ", 1)[0]
        if parameter in [part.strip() for part in header.split(",")]:
            return set(re.findall(r"'([A-Za-z0-9_]+)'", entry))
    raise AssertionError(f"{parameter} is not documented")


@pytest.mark.parametrize("parameter", sorted(
    name for name, constraints in PARAMETER_CONSTRAINTS.items()
    if any(isinstance(c, StrOptions) for c in constraints)))
def test_documented_names_are_the_accepted_names(parameter):
    accepted = {option for c in PARAMETER_CONSTRAINTS[parameter] if isinstance(c, StrOptions)
                for option in c.options}
    assert _documented_names(parameter) == accepted


def covering_rows(values: dict, paired=PAIRED, base=TINY, repeats: int = 1) -> list:
    """Parameter sets: each pair of ``paired`` once; every other value of every option in
    ``repeats`` rows (chosen by a seeded shuffle per option, so options do not always pair
    alike), the first value (the default, or ``None``) elsewhere."""
    # None (an option's "off") pairs like the default it means; the regressor's rows run it
    firsts, seconds = ([v for v in values[name] if v is not None] for name in paired)
    rows = [dict(base, **dict(zip(paired, pair))) for pair in itertools.product(firsts, seconds)]
    for name in sorted(values, key=lambda n: n in ENABLED_BY):  # enablers first
        if name in paired:
            continue
        options = values[name]
        enabler = ENABLED_BY.get(name)
        rng = np.random.RandomState(zlib.crc32(name.encode()))
        eligible = [row for row in rows if enabler is None or row.get(enabler[0]) == enabler[1]]
        needed = repeats * (len(options) - 1) + (enabler is not None)  # + default, enabled
        if len(eligible) < needed:  # switch the enabler on in more rows
            extra = [row for row in rows if row not in eligible]
            for index in rng.permutation(len(extra))[:needed - len(eligible)]:
                extra[index][enabler[0]] = enabler[1]
                eligible.append(extra[index])
        chosen = rng.permutation(len(eligible))
        for position, index in enumerate(chosen):
            slot = 1 + position // repeats
            eligible[index][name] = options[slot] if slot < len(options) else options[0]
    return rows


def _materialize(params: dict, tmp_path, row: int) -> dict:
    return {name: value.replace("<tmp>", str(tmp_path)).format(row=row)
            if isinstance(value, str) and "<tmp>" in value else value
            for name, value in params.items()}


@pytest.fixture(scope="module")
def tiny_data():
    rng = np.random.RandomState(0)
    X = rng.uniform(-3, 3, size=(50, 4))
    y_class = (X[:, 0] + X[:, 1] > 0).astype(int)
    y_reg = X[:, :1] * 2.0 - X[:, 1:2]
    return X, y_class, y_reg


def _check_fit(model, X, y) -> None:
    model.fit(X, y)
    if model.warm_start:  # the continued fit has code of its own
        model.fit(X, y)
    losses = [row["loss"] for row in model.history_]
    assert losses and all(math.isfinite(loss) for loss in losses), model.history_
    predictions = model.predict(X[:7])
    assert predictions.shape[0] == 7
    if isinstance(model, DNNRegressor):
        assert np.all(np.isfinite(predictions))


def test_every_estimator_option_value_fits(tiny_data, tmp_path):
    X, y, _ = tiny_data
    values = enumerated_values()
    rows = covering_rows(values)
    seen = {name: {repr(row.get(name, DEFAULTS[name])) for row in rows} for name in values}
    assert all({repr(v) for v in values[name] if v is not None or name not in PAIRED}
               <= seen[name] for name in values), seen
    failures = []
    for index, params in enumerate(rows):
        params = _materialize(params, tmp_path, index)
        try:
            _check_fit(DNNClassifier(**params), X, y)
        except Exception as error:  # collect them all: one run lists the whole family
            failures.append(f"{params}: {type(error).__name__}: {error}")
    assert failures == []


def cycled_rows(values: dict, base=TINY) -> list:
    """As few parameter sets as the longest option has values: each value at least once."""
    n_rows = max(len(options) for options in values.values())
    rows = [dict(base) for _ in range(n_rows)]
    for name, options in values.items():
        shift = zlib.crc32(name.encode())
        for index, row in enumerate(rows):
            row[name] = options[(index + shift) % len(options)]
    for row in rows:
        for name, (enabler, on) in ENABLED_BY.items():
            if name in row and row[name] != DEFAULTS[name]:
                row[enabler] = on
    return rows


def test_every_regressor_option_value_fits(tiny_data, tmp_path):
    """The regressor's values once each (its own head and loss)."""
    X, _, y = tiny_data
    only = CLASSIFIER_ONLY["early_stopping_monitor"]
    values = enumerated_values()
    values["early_stopping_monitor"] = [v for v in values["early_stopping_monitor"]
                                        if v not in only]
    failures = []
    for index, params in enumerate(cycled_rows(values)):
        params = _materialize(params, tmp_path, index)
        try:
            _check_fit(DNNRegressor(**params), X, y)
        except Exception as error:  # noqa: BLE001 - collect the whole family
            failures.append(f"{params}: {type(error).__name__}: {error}")
    assert failures == []


@pytest.mark.parametrize("monitor", sorted(CLASSIFIER_ONLY["early_stopping_monitor"]))
def test_a_classifier_only_monitor_is_refused_by_name_before_training(tiny_data, monitor):
    X, _, y = tiny_data
    calls = []

    class Spy:
        def on_train_begin(self, state):
            calls.append(state)

    with pytest.raises(ValueError, match="early_stopping_monitor"):
        DNNRegressor(**dict(TINY, early_stopping=True, early_stopping_monitor=monitor,
                            callbacks=[Spy()])).fit(X, y)
    assert calls == []


# ----------------------------------------------------------------------------- the CLI
# --feature-scaling's documented values besides the names (its type parses, no choices).
CLI_EXTRA_VALUES = {"--feature-scaling": (cli_common.AUTO_SCALING,) + cli_common.SCALINGS
                    + ("0.5,2",)}
CLI_ENABLED_BY = {"--resume": ("--checkpoint-dir", "<tmp>/cli-ckpt-{row}"),
                  "--overwrite": ("--save", "<tmp>/cli-model-{row}")}
CLI_TINY = ["--n-hidden", "1", "--n-neurons", "3", "--n-epochs", "1", "--batch-size", "64",
            "--random-state", "0", "--test-size", "0.5"]


def _subparser(command: str) -> argparse.ArgumentParser:
    from tfgraph_dnn.cli import build_parser

    commands = next(action for action in build_parser()._actions
                    if isinstance(action, argparse._SubParsersAction))
    return commands.choices[command]


def cli_values(command: str) -> dict:
    """``{flag: [values]}``: every choice and boolean flag of ``command``, default first
    (``[]`` for a flag given without a value; ``None``: the flag left out)."""
    values = {}
    for action in _subparser(command)._actions:
        flag = action.option_strings[0] if action.option_strings else None
        if flag is None or flag in ("--help", "-h"):
            continue
        if action.choices is not None:
            values[flag] = [action.default] + sorted(set(action.choices) - {action.default})
        elif flag in CLI_EXTRA_VALUES:
            values[flag] = list(CLI_EXTRA_VALUES[flag])
        elif isinstance(action, argparse.BooleanOptionalAction):
            values[flag] = [None, flag, "--no-" + flag[2:]]
        elif isinstance(action, argparse._StoreTrueAction):
            values[flag] = [None, flag]
    return values


def _write_idx(path, array) -> None:
    array = np.asarray(array, dtype=np.uint8)
    magic = 0x0803 if array.ndim == 3 else 0x0801
    path.write_bytes(struct.pack(f">i{array.ndim}i", magic, *array.shape) + array.tobytes())


@pytest.fixture(scope="module")
def mnist_dir(tmp_path_factory):
    """The four MNIST idx files, tiny (6x6 images)."""
    directory = tmp_path_factory.mktemp("mnist")
    rng = np.random.RandomState(0)
    for prefix, n in (("train", 60), ("t10k", 20)):
        labels = np.arange(n) % 10
        _write_idx(directory / f"{prefix}-images-idx3-ubyte", rng.randint(0, 256, (n, 6, 6)))
        _write_idx(directory / f"{prefix}-labels-idx1-ubyte", labels)
    return str(directory)


def cli_rows(values: dict) -> list:
    """Argument lists: every value of every flag at least once, the default elsewhere."""
    n_rows = max(len(options) for options in values.values())
    rows = []
    for index in range(n_rows):
        row = {}
        for flag, options in values.items():
            shift = zlib.crc32(flag.encode()) % n_rows
            slot = (index + shift) % n_rows
            row[flag] = options[slot] if slot < len(options) else options[0]
        rows.append(row)
    return rows


def _argv(row: dict, tmp_path, index: int, mnist_dir: str) -> list:
    argv = []
    for flag, value in row.items():
        if value is None:
            continue
        if flag == value or (isinstance(value, str) and value.startswith("--")):
            argv.append(value)
            if flag in CLI_ENABLED_BY:
                argv += [CLI_ENABLED_BY[flag][0], CLI_ENABLED_BY[flag][1]]
        else:
            argv += [flag, str(value)]
    if "mnist" in argv:
        argv += ["--mnist-dir", mnist_dir]
    argv += ["--log-dir", "<tmp>/cli-logs"]
    return [arg.replace("<tmp>", str(tmp_path)).format(row=index) for arg in argv]


def test_every_cli_choice_trains(tmp_path, mnist_dir, capsys):
    """``train`` in process, each choice and boolean flag at least once: exit 0, a finite
    loss in every epoch, a test accuracy (predictions)."""
    from tfgraph_dnn.cli import main

    values = cli_values("train")
    assert {"--activation", "--initializer", "--optimizer", "--lr-schedule", "--dataset",
            "--feature-scaling"} <= set(values)
    failures = []
    for index, row in enumerate(cli_rows(values)):
        argv = ["train"] + CLI_TINY + _argv(row, tmp_path, index, mnist_dir)
        try:
            code = main(argv)
        except SystemExit as error:  # the parser refused a documented value
            code = error.code
        out, err = capsys.readouterr()
        losses = [float(match) for match in re.findall(r"\bloss (\S+)", out)]
        accuracy = re.search(r"test accuracy: (\S+)", out)
        if code != 0 or not losses or not all(map(math.isfinite, losses)) or not accuracy:
            failures.append(f"{' '.join(argv)}: exit {code}: {err.strip()[-300:]}")
    assert failures == []


def test_search_choices_are_trains_and_a_tiny_search_runs(tmp_path, mnist_dir, capsys):
    """``search`` shares its choice flags with ``train`` (covered above); one tiny search
    runs end to end."""
    from tfgraph_dnn.cli import main

    train = cli_values("train")
    assert all(train.get(flag) == options for flag, options in cli_values("search").items())
    argv = ["search", "--dataset", "mnist", "--mnist-dir", mnist_dir, "--n-iter", "1",
            "--cv", "2", "--n-epochs", "1", "--log-dir", str(tmp_path / "logs")]
    assert main(argv) == 0, capsys.readouterr().err
    assert re.search(r"test accuracy: \d", capsys.readouterr().out)
