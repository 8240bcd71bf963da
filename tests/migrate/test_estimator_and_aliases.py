"""``tfgraph-dnn migrate``: ``tf.estimator`` / ``tf.keras`` in the namespace; aliases followed.

Issue 21: ``tf.estimator`` chains (every spelling) now migrate to
``tfgraph_dnn.tf1.estimator`` and are checked against TF 1.15's names and what
the namespace provides (the served package, :mod:`tfgraph_dnn.estimator_tf1`, through
the resolver); ``tf.keras`` is the namespace's
too; and names bound by simple aliases (``slim = tf.contrib.slim``) are checked
like the chains they stand for.
"""
import json
import keyword
import os
import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tfgraph_dnn.migrate import Resolver, migrate_notebook, migrate_source, rules

from _background import tf1_mode_script


def fake_resolve(parts):
    """Every name starting with ``missing`` is absent from the namespace."""
    return f"tf.{'.'.join(parts)} does not exist" if parts[-1].startswith("missing") else None


def migrate(code, resolve=fake_resolve):
    return migrate_source(textwrap.dedent(code), "prog.py", resolve=resolve)


def reported(result):
    return [(c.line, c.old) for c in result.unsupported]


# ------------------------------------------------------------------ tf.estimator
@pytest.mark.parametrize("source, migrated", [
    ("from tensorflow import estimator", "from tfgraph_dnn.tf1 import estimator"),
    ("from tensorflow.compat.v1 import estimator as est",
     "from tfgraph_dnn.tf1 import estimator as est"),
    ("import tensorflow.estimator as est", "import tfgraph_dnn.tf1.estimator as est"),
    ("import tensorflow.estimator", "import tfgraph_dnn.tf1 as tensorflow"),
    ("from tensorflow.estimator import DNNClassifier, RunConfig",
     "from tfgraph_dnn.tf1.estimator import DNNClassifier, RunConfig"),
    ("from tensorflow.estimator.inputs import numpy_input_fn",
     "from tfgraph_dnn.tf1.estimator.inputs import numpy_input_fn"),
    ("from tensorflow.estimator import export",
     "from tfgraph_dnn.tf1.estimator import export"),
    ("from tensorflow import keras", "from tfgraph_dnn.tf1 import keras"),
    ("import tensorflow.keras as keras", "import tfgraph_dnn.tf1.keras as keras"),
])
def test_estimator_and_keras_imports_point_at_the_namespace(source, migrated):
    result = migrate(source + "\n")
    assert result.code == migrated + "\n"
    assert result.unsupported == []
    assert migrate(result.code).code == result.code  # migrating migrated code changes nothing


def test_estimator_chains_in_every_spelling_are_checked_against_tf_1_15_and_the_package():
    seen = []
    resolver = Resolver()
    result = migrate("""\
        import tensorflow as tf
        import tensorflow.compat.v1 as v1
        clf = tf.estimator.DNNClassifier([10], feature_columns=[])
        fn = v1.estimator.inputs.numpy_input_fn
        spec = tf.compat.v1.estimator.EstimatorSpec
        rcv = tf.estimator.export.ServingInputReceiver
        tf.estimator.Estimator.train
        tf.estimator.BoostedTreesClassifier
        tf.estimator.experimental.stop_if_no_decrease_hook
        tf.estimator.tpu.TPUEstimator
        tf.estimator.DNNClasifier
        tf.estimator.inputs.csv_input_fn
        d = tf.keras.layers.Dense(3)
        """, resolve=lambda parts: seen.append(list(parts)) or resolver(parts))
    assert reported(result) == [
        (8, "tf.estimator.BoostedTreesClassifier"),
        (10, "tf.estimator.tpu.TPUEstimator"), (11, "tf.estimator.DNNClasifier"),
        (12, "tf.estimator.inputs.csv_input_fn")]
    reasons = [c.reason for c in result.unsupported]
    assert all("is not provided by tfgraph_dnn" in r for r in reasons[:2])
    assert "BoostedTreesClassifier" in reasons[0] and "tpu" in reasons[1]
    assert reasons[2] == "tf.estimator.DNNClasifier does not exist in TF 1.15's tf.estimator"
    assert reasons[3] == ("tf.estimator.inputs.csv_input_fn does not exist in TF 1.15's "
                          "tf.estimator")
    # TF 1.15 names went to the served package; names TF 1.15 never had did not
    assert ["estimator", "BoostedTreesClassifier"] in seen
    assert ["estimator", "DNNClasifier"] not in seen
    assert ["keras", "layers", "Dense"] in seen


def test_every_served_estimator_name_is_a_tf_1_15_name():
    """The served package invents no tf.estimator name, and migrate accepts all it serves."""
    import tfgraph_dnn.estimator_tf1 as served

    for module in ("", "inputs", "export"):
        package = getattr(served, module) if module else served
        names = set(package.__all__)
        assert names and names <= rules.ESTIMATOR_V1[module], (module, names - rules.ESTIMATOR_V1[module])
        for name in names:
            dotted = f"{module}.{name}" if module else name
            assert rules.estimator_reason(dotted.split(".")) is None
            result = migrate_source(f"import tensorflow as tf\ntf.estimator.{dotted}\n", "p.py",
                                    resolve=Resolver())
            assert result.unsupported == [], (dotted, result.unsupported)


def test_keras_datasets_is_still_reported():
    result = migrate("import tensorflow as tf\n(x, y), _ = tf.keras.datasets.mnist.load_data()\n")
    assert reported(result) == [(2, "tf.keras.datasets.mnist.load_data")]
    assert "downloads" in result.unsupported[0].reason


# --------------------------------------------------------------------- aliases
ALIASES = """\
import tensorflow as tf
from tensorflow.contrib import slim as slim_from
import tensorflow.contrib.slim as slim_import
slim = tf.contrib.slim
layers = tf.contrib.layers
est = tf.estimator
nested = slim


def model(x):
    end_points = slim.utils.convert_collection_to_dict("end_points")
    slim.missing_a(x)
    layers.missing_b(x)
    slim_from.utils.missing_c
    slim_import.missing_d
    est.DNNClassifier([3]).train
    est.Missing
    nested.utils.missing_e
    return slim.fully_connected(x, 3)
"""


def test_names_bound_by_aliases_are_checked_like_their_chains():
    result = migrate(ALIASES)
    assert reported(result) == [
        (12, "slim.missing_a"), (13, "layers.missing_b"), (14, "slim_from.utils.missing_c"),
        (15, "slim_import.missing_d"), (17, "est.Missing"), (18, "nested.utils.missing_e")]
    reasons = [c.reason for c in result.unsupported]
    assert reasons[:4] == ["tf.contrib.slim.missing_a does not exist",
                           "tf.contrib.layers.missing_b does not exist",
                           "tf.contrib.slim.utils.missing_c does not exist",
                           "tf.contrib.slim.missing_d does not exist"]
    assert reasons[4] == "tf.estimator.Missing does not exist in TF 1.15's tf.estimator"
    assert reasons[5] == "tf.contrib.slim.utils.missing_e does not exist"
    assert result.code.splitlines()[3:] == ALIASES.splitlines()[3:]  # aliases kept as written


@pytest.mark.parametrize("binding", [
    "slim = make_slim()",               # a call's result is the user's
    "for slim in modules: pass",       # so is a loop variable
    "slim = tf.contrib.slim\nslim = other.module",  # rebound to something else
    "slim = tf.contrib.slim if flag else other",
])
def test_names_also_bound_otherwise_are_left_alone(binding):
    result = migrate(f"import tensorflow as tf\n{binding}\nslim.missing_x\n")
    assert [c.old for c in result.unsupported] == []


def test_alias_cycles_and_shadowing_parameters_are_left_alone():
    result = migrate("""\
        import tensorflow as tf
        a = b
        b = a
        a.missing_1
        slim = tf.contrib.slim
        def f(slim):
            return slim.missing_2
        """)
    assert result.unsupported == []


def test_alias_in_one_notebook_cell_is_checked_in_the_next():
    cells = [{"cell_type": "code", "execution_count": 1, "metadata": {}, "outputs": [],
              "source": source}
             for source in ("import tensorflow as tf\nslim = tf.contrib.slim\n",
                            "slim.utils.missing_n\n")]
    text = json.dumps({"cells": cells, "metadata": {}, "nbformat": 4,
                       "nbformat_minor": 5}) + "\n"
    result = migrate_notebook(text, "nb.ipynb", resolve=fake_resolve)
    assert [(c.cell, c.line, c.old) for c in result.unsupported] == [
        (2, 1, "slim.utils.missing_n")]


IDENTIFIER = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True).filter(
    lambda name: not keyword.iskeyword(name) and name not in ("tf", "FLAGS"))


@settings(max_examples=40, deadline=None)
@given(alias=IDENTIFIER, module=st.sampled_from(["contrib.slim", "contrib.layers",
                                                 "contrib.framework", "nn", "train"]),
       member=st.lists(IDENTIFIER, min_size=1, max_size=3))
def test_an_alias_reports_exactly_what_its_chain_reports(alias, module, member):
    member = member[:-1] + ["missing" + member[-1]]
    direct = migrate(f"import tensorflow as tf\ntf.{module}.{'.'.join(member)}\n")
    aliased = migrate(f"import tensorflow as tf\n{alias} = tf.{module}\n"
                      f"{alias}.{'.'.join(member)}\n")
    assert [c.reason for c in aliased.unsupported] == [c.reason for c in direct.unsupported]
    assert [c.old for c in aliased.unsupported] == [f"{alias}.{'.'.join(member)}"]


@settings(max_examples=40, deadline=None)
@given(member=st.one_of(st.sampled_from(sorted(rules.ESTIMATOR_V1[""])), IDENTIFIER),
       alias=IDENTIFIER)
def test_an_estimator_alias_reports_exactly_what_the_chain_reports(member, alias):
    import tfgraph_dnn.estimator_tf1 as served

    resolver = Resolver()
    direct = migrate(f"import tensorflow as tf\ntf.estimator.{member}\n", resolve=resolver)
    aliased = migrate(f"import tensorflow as tf\n{alias} = tf.estimator\n{alias}.{member}\n",
                      resolve=resolver)
    assert [c.reason for c in aliased.unsupported] == [c.reason for c in direct.unsupported]
    known = member in rules.ESTIMATOR_V1[""]
    provided = known and hasattr(served, member)
    assert bool(direct.unsupported) == (not provided)
    if direct.unsupported:
        reason = direct.unsupported[0].reason
        assert ("not provided" in reason) == known and ("TF 1.15" in reason) == (not known)


def test_real_namespace_knows_slim_utils_and_reports_a_missing_slim_name():
    """With the real resolver (TensorFlow imported, TF1 mode never entered)."""
    result = migrate_source(ALIASES.replace("missing_", "nonexistent_"), "prog.py",
                            resolve=Resolver())
    found = {c.old for c in result.unsupported}
    assert "slim.missing_a".replace("missing_", "nonexistent_") in found
    assert "nested.utils.nonexistent_e" in found
    assert not any("convert_collection_to_dict" in c.old for c in result.unsupported)


def test_a_long_alias_chain_is_followed_a_while_then_left_alone():
    chain = ["import tensorflow as tf", "a0 = tf.contrib.slim"]
    chain += [f"a{i} = a{i - 1}" for i in range(1, 600)]
    result = migrate("\n".join(chain + ["a5.missing_near", "a599.missing_far", ""]))
    assert [c.old for c in result.unsupported] == ["a5.missing_near"]


@pytest.mark.parametrize("binding", ["flags = tf.app.flags\nFLAGS = flags.FLAGS",
                                     "FLAGS = tf.app.flags.FLAGS"])
def test_flag_values_read_through_an_alias_are_the_users(binding):
    seen = []
    result = migrate(f"import tensorflow as tf\n{binding}\nrate = FLAGS.missing_rate\n",
                     resolve=lambda parts: seen.append(list(parts)) or fake_resolve(parts))
    assert result.unsupported == []
    assert not any("missing_rate" in parts for parts in seen)


# ------------------------------------------------------------------ tf.keras submodules
@pytest.mark.parametrize("source, migrated", [
    ("from tensorflow.keras.layers import Dense, Dropout",
     "from tfgraph_dnn.tf1.keras.layers import Dense, Dropout"),
    ("from tensorflow.keras import backend as K", "from tfgraph_dnn.tf1.keras import backend as K"),
    ("from tensorflow.keras.models import Sequential",
     "from tfgraph_dnn.tf1.keras.models import Sequential"),
    ("import tensorflow.keras.backend as K", "import tfgraph_dnn.tf1.keras.backend as K"),
    ("from tensorflow.estimator.experimental import stop_if_no_decrease_hook",
     "from tfgraph_dnn.tf1.estimator.experimental import stop_if_no_decrease_hook"),
])
def test_keras_submodule_imports_of_tf_1_15_migrate(source, migrated):
    """TF 1.15 let ``from tensorflow.keras.layers import Dense`` import; so does the namespace."""
    result = migrate(source + "\n")
    assert result.unsupported == []
    assert result.code == migrated + "\n"


# First in the TF1-mode process several folders share (``_support.tf1_mode_script``): what a
# fresh process's ``import tfgraph_dnn.tf1`` registers.
MODULES_PROCESS = tf1_mode_script(
    os.path.join(os.path.dirname(__file__), "namespace_modules_script.py"), order=0,
    module=__file__, fixture="registered_modules")


@pytest.fixture(scope="module")
def registered_modules():
    entry = MODULES_PROCESS.required("namespace_modules_script")
    return MODULES_PROCESS.json_output("namespace_modules_script"), entry["stderr"]


@pytest.mark.slow
def test_namespace_modules_table_matches_the_registered_modules(registered_modules):
    """Every module ``tfgraph_dnn.tf1`` registers under keras/estimator is importable in migrate."""
    names, stderr = registered_modules
    registered = {tuple(name.split(".")[2:]) for name in names}
    assert registered, stderr
    assert {path for path in registered if not rules.importable(list(path))} == set()


def test_real_namespace_serves_contrib_predictor_and_names_keras_estimator_as_missing():
    """tf.contrib.predictor is provided; tf.keras.estimator (TF 1.15 had it) is reported by name."""
    source = textwrap.dedent("""\
        import tensorflow as tf
        from tensorflow.contrib import predictor
        fn = predictor.from_saved_model("d")
        fn2 = tf.contrib.predictor.from_estimator
        est = tf.keras.estimator.model_to_estimator(keras_model=None)
        """)
    result = migrate_source(source, "prog.py", resolve=Resolver())
    assert "from tfgraph_dnn.tf1.contrib import predictor" in result.code
    reasons = {c.old: c.reason for c in result.unsupported}
    assert list(reasons) == ["tf.keras.estimator.model_to_estimator"], reasons
    assert reasons["tf.keras.estimator.model_to_estimator"].startswith(
        "tf.keras.estimator is not provided"), reasons
