"""Other libraries' parameter names and values, mapped to ours (room: package top level).

Users arrive with scikit-learn's ``MLPClassifier``, Keras, skorch or TF1's
``tf.estimator.DNNClassifier`` in their fingers: ``max_iter=``,
``learning_rate_init=``, ``solver="sgd"``, ``activation="logistic"``,
``epochs=``.  :data:`NAME_HABITS` and :data:`VALUE_HABITS` are the one table
of those habits; the estimators' constructor and ``set_params`` (unknown
names), their ``fit`` (known names, foreign values) and the command line's
unknown flags all turn a habit into one error that says what to write instead.

Kept free of TensorFlow (and at the package's top level, not under
``estimator/``, whose import loads TensorFlow) so that the command-line
parser can use it before anything heavy is imported.
"""
from __future__ import annotations

import difflib
import functools
import inspect
from typing import Callable, Dict, Iterable, List, Mapping, NamedTuple, Optional, Sequence

from .exceptions import UnknownParameterError


class Habit(NamedTuple):
    """What another library's name or value is called here.

    Attributes
    ----------
    source : str
        Where the name comes from ("MLPClassifier", "Keras"...).
    ours : str or None
        Our parameter (or ``name=value``) that does the same; ``None`` when
        nothing here does, and ``note`` says why.
    note : str
        Half a sentence on a difference worth knowing (may be empty).
    """

    source: str
    ours: Optional[str]
    note: str = ""


MLP = "MLPClassifier"
KERAS = "Keras"
TF1 = "tf.estimator.DNNClassifier"
SKORCH = "skorch"

#: Foreign parameter names -> ours.  Names that are already ours with the same meaning
#: (``hidden_layer_sizes``, ``batch_size``, ``early_stopping``, ``validation_fraction``,
#: ``momentum``, ``verbose``, ``warm_start``, ``random_state``, ``callbacks``...) are not
#: habits and do not appear here; tests check every ``ours`` is a real parameter.
NAME_HABITS: Dict[str, Habit] = {
    "max_iter": Habit(MLP, "n_epochs", "an epoch is one pass over the training rows"),
    "epochs": Habit(KERAS, "n_epochs"),
    "max_epochs": Habit(SKORCH, "n_epochs"),
    "num_epochs": Habit(KERAS, "n_epochs"),
    "n_iter": Habit("SGDClassifier", "n_epochs"),
    "learning_rate_init": Habit(MLP, "learning_rate",
                                "MLPClassifier's learning_rate is a schedule name: ours is "
                                "lr_schedule"),
    "lr": Habit(KERAS, "learning_rate"),
    "alpha": Habit(MLP, "l2", "l2 * sum(w**2) / 2 is added to each batch's mean loss; "
                   "MLPClassifier divides by the batch's rows, so l2 = alpha / batch_size "
                   "is the same penalty"),
    "weight_decay": Habit("PyTorch", "l2"),
    "kernel_regularizer": Habit(KERAS, "l2", "or l1; they apply to every layer"),
    "solver": Habit(MLP, "optimizer",
                    "solver='sgd' is optimizer='momentum' (or 'nesterov', or 'gd' without "
                    "momentum), solver='adam' is optimizer='adam'; there is no 'lbfgs'"),
    "nesterovs_momentum": Habit(MLP, "optimizer", "optimizer='nesterov'"),
    "beta_1": Habit(MLP, "beta1"),
    "beta_2": Habit(MLP, "beta2"),
    "n_iter_no_change": Habit(MLP, "patience",
                              "epochs without improvement, used with early_stopping=True"),
    "tol": Habit(MLP, "min_delta", "the smallest change that counts as an improvement"),
    "validation_split": Habit(KERAS, "validation_fraction"),
    "train_split": Habit(SKORCH, "validation_fraction"),
    "monitor": Habit(KERAS, "early_stopping_monitor"),
    "restore_best_weights": Habit(KERAS, "early_stopping",
                                  "early_stopping=True always restores the best epoch's "
                                  "weights"),
    "shuffle": Habit(MLP, None, "the rows are always shuffled every epoch, seeded by "
                     "random_state"),
    "learning_rate_schedule": Habit(KERAS, "lr_schedule"),
    "lr_scheduler": Habit(SKORCH, "lr_schedule"),
    "power_t": Habit(MLP, "lr_schedule", "lr_schedule='power'"),
    "units": Habit(KERAS, "n_neurons"),
    "n_units": Habit(KERAS, "n_neurons"),
    "n_layers": Habit(KERAS, "n_hidden"),
    "num_layers": Habit(KERAS, "n_hidden"),
    "hidden_units": Habit(TF1, "hidden_layer_sizes"),
    "activation_fn": Habit(TF1, "activation"),
    "kernel_initializer": Habit(KERAS, "initializer"),
    "dropout": Habit(TF1, "dropout_rate", "the fraction of units dropped"),
    "rate": Habit(KERAS, "dropout_rate"),
    "batch_norm": Habit(TF1, "batch_norm_momentum", "e.g. batch_norm_momentum=0.9 turns "
                        "batch normalization on"),
    "clipvalue": Habit(KERAS, "gradient_clip_value"),
    "clipnorm": Habit(KERAS, "gradient_clip_norm"),
    "global_clipnorm": Habit(KERAS, "gradient_clip_global_norm"),
    "model_dir": Habit(TF1, "checkpoint_dir", "or log_dir for TensorBoard events"),
    "seed": Habit(KERAS, "random_state"),
    "n_jobs": Habit("scikit-learn", "n_threads", "TensorFlow's threads for this one fit"),
    "epsilon": Habit(MLP, None, "Adam's epsilon is fixed at TensorFlow's 1e-8"),
    "max_fun": Habit(MLP, None, "there is no L-BFGS solver"),
}

#: Foreign values of our own parameters -> ours: {parameter: {value: (source, ours)}}.
VALUE_HABITS: Dict[str, Dict[str, Habit]] = {
    "activation": {
        "logistic": Habit(MLP, "sigmoid"),
        "linear": Habit(KERAS, "identity"),
        "leakyrelu": Habit(KERAS, "leaky_relu"),
        "lrelu": Habit(KERAS, "leaky_relu"),
    },
    "optimizer": {
        "sgd": Habit(f"{MLP} (solver) and {KERAS}", "momentum",
                     "or 'nesterov', or 'gd' for plain gradient descent"),
        "lbfgs": Habit(MLP, None, "there is no L-BFGS solver; 'adam' is the default"),
    },
    "initializer": {
        "xavier": Habit("tf.contrib.layers", "glorot_uniform"),
        "xavier_uniform": Habit("PyTorch", "glorot_uniform"),
        "xavier_normal": Habit("PyTorch", "glorot_normal"),
        "kaiming_normal": Habit("PyTorch", "he_normal"),
        "kaiming_uniform": Habit("PyTorch", "he_uniform"),
    },
    "learning_rate": {  # MLPClassifier's learning_rate is the schedule
        "constant": Habit(MLP, "lr_schedule=None", "learning_rate is the rate itself, "
                          "a float (MLPClassifier's learning_rate_init)"),
        "invscaling": Habit(MLP, "lr_schedule='power'", "learning_rate is the initial "
                            "rate, a float"),
        "adaptive": Habit(MLP, "lr_schedule='performance'", "learning_rate is the initial "
                          "rate, a float"),
    },
    "batch_size": {
        "auto": Habit(MLP, None, "give an integer: MLPClassifier's 'auto' is "
                      "min(200, n_samples); the default here is 50"),
    },
    "early_stopping_monitor": {
        "val_acc": Habit("Keras 2", "val_accuracy"),
        "acc": Habit("Keras 2", "accuracy"),
    },
}


def _value_key(value) -> Optional[str]:
    return value.strip().lower() if isinstance(value, str) else None


def name_hint(name: str, valid: Iterable[str]) -> str:
    """What to write instead of the unknown parameter ``name`` ("" if nothing fits).

    The table first; otherwise the closest of ``valid`` (a typo such as
    ``n_epoch``).
    """
    valid = sorted(valid)
    habit = NAME_HABITS.get(name)
    if habit is not None:
        said = f"'{name}' is the {habit.source} name"
        if habit.ours is None:
            return f"{said}; {habit.note}" if habit.note else said
        note = f" ({habit.note})" if habit.note else ""
        return f"{said}: did you mean `{habit.ours}`{note}?"
    close = difflib.get_close_matches(name, valid, n=1, cutoff=0.75)
    return f"did you mean `{close[0]}`?" if close else ""


def unknown_parameters_message(owner: str, names: Sequence[str], valid: Iterable[str]) -> str:
    """One message for the unknown parameters ``names`` of the estimator ``owner``."""
    valid = sorted(valid)
    parts = []
    for name in names:
        hint = name_hint(name, valid)
        parts.append(f"{name!r}" + (f" ({hint})" if hint else ""))
    noun = "parameter" if len(names) == 1 else "parameters"
    return (f"{owner} has no {noun} {', '.join(parts)}. Valid parameters are: "
            f"{', '.join(valid)}.")


def check_parameter_names(owner: str, names: Iterable[str], valid: Iterable[str]) -> None:
    """Raise :class:`UnknownParameterError` if any of ``names`` is not in ``valid``."""
    valid = set(valid)
    unknown = [name for name in names if name not in valid]
    if unknown:
        raise UnknownParameterError(unknown_parameters_message(owner, unknown, valid))


def value_hint(name: str, value) -> Optional[str]:
    """What to write instead of ``name=value`` if ``value`` is a known habit, else None."""
    habit = VALUE_HABITS.get(name, {}).get(_value_key(value))
    if habit is None:
        return None
    note = f" ({habit.note})" if habit.note else ""
    if habit.ours is None:
        return f"{name}={value!r} is the {habit.source} spelling; {habit.note}"
    # ``ours`` is a value of the same parameter, or a whole "other_parameter=value"
    ours = habit.ours if "=" in habit.ours else f"{name}={habit.ours!r}"
    return f"{name}={value!r} is the {habit.source} spelling: did you mean {ours}{note}?"


def check_parameter_values(owner: str, params: Mapping[str, object],
                           error: Callable[[str], Exception] = ValueError) -> None:
    """Raise ``error(message)`` for the first parameter whose value is a known habit.

    Called by ``fit`` before scikit-learn's validation, whose message would
    only list the valid values.
    """
    for name, value in params.items():
        hint = value_hint(name, value)
        if hint is not None:
            raise error(f"{owner}: {hint}")


def checked_init(init: Callable) -> Callable:
    """Wrap an estimator's ``__init__`` so unknown keyword arguments get a hint.

    The wrapper keeps the signature (``functools.wraps`` sets ``__wrapped__``,
    which :func:`inspect.signature` and so scikit-learn's ``get_params``
    follow); no ``**kwargs`` appears in it.
    """
    valid = [p.name for p in inspect.signature(init).parameters.values() if p.name != "self"]

    @functools.wraps(init)
    def __init__(self, *args, **kwargs):
        unknown = [name for name in kwargs if name not in valid]
        if unknown:
            raise UnknownParameterError(
                unknown_parameters_message(type(self).__name__, unknown, valid))
        init(self, *args, **kwargs)
    return __init__


def flag_hints(unrecognized: Sequence[str], known_flags: Iterable[str]) -> List[str]:
    """Hints for a command line's unrecognized ``--flags`` (one per flag that has one).

    A flag ``--max-iter`` is looked up as the parameter ``max_iter``; its hint
    names our flag (``--n-epochs``) only when the command has it.
    """
    known = set(known_flags)
    hints = []
    for token in unrecognized:
        if not token.startswith("--"):
            continue
        flag = token.split("=", 1)[0]
        name = flag[2:].replace("-", "_")
        habit = NAME_HABITS.get(name)
        if habit is not None and habit.ours is not None:
            ours = "--" + habit.ours.replace("_", "-")
            if ours in known:
                hints.append(f"{flag} is the {habit.source} name: did you mean {ours}?")
                continue
        if habit is not None:
            hints.append(f"{flag} is the {habit.source} name; " + (
                habit.note if habit.ours is None else
                f"no flag sets the estimator's `{habit.ours}` (use it from Python)"))
            continue
        close = difflib.get_close_matches(flag, sorted(known), n=1, cutoff=0.75)
        if close:
            hints.append(f"{flag}: did you mean {close[0]}?")
    return hints


def _option_strings(parser) -> List[str]:
    """Every ``--flag`` of ``parser`` and of its sub-commands' parsers."""
    flags: List[str] = []
    for action in parser._actions:  # argparse keeps no public list of its actions
        flags += [flag for flag in action.option_strings if flag.startswith("--")]
        choices = getattr(action, "choices", None)
        for sub in (choices.values() if isinstance(choices, dict) else ()):
            if hasattr(sub, "_actions"):  # a sub-command's parser
                flags += _option_strings(sub)
    return flags


def parser_error_hint(parser, message: str) -> str:
    """argparse's "unrecognized arguments: ..." ``message`` plus a hint per habit or typo.

    For :meth:`argparse.ArgumentParser.error`; other messages come back as they were.
    """
    prefix = "unrecognized arguments: "
    if not message.startswith(prefix):
        return message
    hints = flag_hints(message[len(prefix):].split(), _option_strings(parser))
    return "; ".join([message] + hints)
