"""Other libraries' parameter names and values get one error naming ours (issue 22, habits).

The table (``tfgraph_dnn._habits``) is checked against the estimators' real
parameters and accepted values; the constructor, ``set_params`` (also through a
``Pipeline``), ``fit`` and the command line's parser each turn a habit into one
error with our name.
"""
from __future__ import annotations

import inspect
import subprocess
import sys

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError, StrOptions

from tfgraph_dnn import DNNClassifier, DNNRegressor, _habits
from tfgraph_dnn._habits import NAME_HABITS, VALUE_HABITS, UnknownParameterError

OUR_PARAMS = set(DNNClassifier().get_params())


def test_every_habit_points_at_a_real_parameter_and_is_not_one_of_ours():
    assert set(DNNRegressor().get_params()) == OUR_PARAMS
    for name, habit in NAME_HABITS.items():
        assert name not in OUR_PARAMS, name  # ours already: not a habit
        assert habit.ours is None or habit.ours in OUR_PARAMS, (name, habit)
        assert habit.ours is not None or habit.note, name  # nothing here: say why
    constraints = DNNClassifier._parameter_constraints
    for param, values in VALUE_HABITS.items():
        assert param in OUR_PARAMS, param
        accepted = set().union(*(c.options for c in constraints[param]
                                 if isinstance(c, StrOptions)))
        for value, habit in values.items():
            assert value not in accepted, (param, value)  # a valid value is no habit
            if habit.ours is None:
                continue
            if "=" in habit.ours:  # another parameter's value
                other, _, shown = habit.ours.partition("=")
                assert other in OUR_PARAMS, habit
                DNNClassifier(**{other: eval(shown)})._validate_params()  # noqa: S307
            else:
                assert habit.ours in accepted, (param, habit)


def test_the_signature_has_no_var_keyword_and_get_params_is_unchanged():
    """The hint wrapper keeps scikit-learn's view of the constructor (no **kwargs)."""
    signature = inspect.signature(DNNClassifier)
    assert all(p.kind is not p.VAR_KEYWORD for p in signature.parameters.values())
    assert sorted(DNNClassifier._get_param_names()) == sorted(signature.parameters)
    model = DNNClassifier(n_epochs=3, activation="relu")
    assert clone(model).get_params() == model.get_params()


@pytest.mark.parametrize("habit, ours", [
    ("max_iter", "n_epochs"), ("learning_rate_init", "learning_rate"), ("alpha", "l2"),
    ("solver", "optimizer"), ("n_iter_no_change", "patience"), ("tol", "min_delta"),
    ("epochs", "n_epochs"), ("validation_split", "validation_fraction"), ("beta_1", "beta1")])
@pytest.mark.parametrize("estimator", [DNNClassifier, DNNRegressor])
def test_constructor_names_our_parameter(estimator, habit, ours):
    with pytest.raises(TypeError, match=rf"'{habit}'.*did you mean `{ours}`"):
        estimator(**{habit: 1})


def test_set_params_names_our_parameter_also_inside_a_pipeline():
    with pytest.raises(ValueError, match=r"'max_iter' is the MLPClassifier name: did you mean "
                                         r"`n_epochs`"):
        DNNClassifier().set_params(max_iter=5)
    pipe = make_pipeline(StandardScaler(), DNNClassifier())
    with pytest.raises(ValueError, match=r"did you mean `patience`"):
        pipe.set_params(dnnclassifier__n_iter_no_change=3)
    model = DNNClassifier()
    with pytest.raises(UnknownParameterError):  # both TypeError and ValueError
        model.set_params(n_epochs=7, alpha=0.1)
    assert model.n_epochs == 100  # nothing was set
    assert model.set_params(n_epochs=7) is model and model.n_epochs == 7


def test_a_typo_gets_the_closest_name_and_a_stranger_only_the_list():
    with pytest.raises(TypeError, match=r"'n_epoch' \(did you mean `n_epochs`\?\)"):
        DNNClassifier(n_epoch=3)
    with pytest.raises(TypeError) as error:
        DNNClassifier(zzz=3)
    assert "did you mean" not in str(error.value) and "n_epochs" in str(error.value)


def test_a_habit_without_an_equivalent_says_why():
    with pytest.raises(TypeError, match=r"'shuffle'.*always shuffled"):
        DNNClassifier(shuffle=False)


@pytest.mark.parametrize("params, expected", [
    ({"activation": "logistic"}, r"activation='logistic'.*did you mean activation='sigmoid'"),
    ({"optimizer": "sgd"}, r"optimizer='sgd'.*did you mean optimizer='momentum'"),
    ({"optimizer": "lbfgs"}, r"optimizer='lbfgs'.*no L-BFGS"),
    ({"learning_rate": "adaptive"}, r"did you mean lr_schedule='performance'"),
    ({"batch_size": "auto"}, r"batch_size='auto'.*integer"),
])
def test_fit_names_our_value(params, expected):
    X, y = np.zeros((8, 2), np.float32), np.arange(8) % 2
    with pytest.raises(InvalidParameterError, match=expected):
        DNNClassifier(n_epochs=1, **params).fit(X, y)


def test_valid_values_pass_the_value_check():
    _habits.check_parameter_values("DNNClassifier", DNNClassifier().get_params())


def run_cli(*argv):
    return subprocess.run([sys.executable, "-m", "tfgraph_dnn", *argv], capture_output=True,
                          text=True, timeout=120)


def test_the_command_line_names_our_flags():
    result = run_cli("train", "--max-iter", "5", "--alpha", "1e-4")
    assert result.returncode == 2
    assert "--max-iter is the MLPClassifier name: did you mean --n-epochs?" in result.stderr
    assert "--alpha is the MLPClassifier name: did you mean --l2?" in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.splitlines()) == 1
    result = run_cli("search", "--tol", "0.1", "--batch_size", "3")
    assert "--tol is the MLPClassifier name; no flag sets the estimator's `min_delta`" \
        in result.stderr
    assert "--batch_size: did you mean --batch-size?" in result.stderr


def test_flag_hints_only_name_flags_the_command_has():
    assert _habits.flag_hints(["--max-iter", "5"], ["--n-epochs"]) == \
        ["--max-iter is the MLPClassifier name: did you mean --n-epochs?"]
    assert _habits.flag_hints(["--max-iter=5"], ["--n-epochs"]) == \
        ["--max-iter is the MLPClassifier name: did you mean --n-epochs?"]
    assert _habits.flag_hints(["--zzz", "x"], ["--n-epochs"]) == []
