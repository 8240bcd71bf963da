"""``tfgraph-dnn search`` progress (issue 14, item 5): a line per fit, a bar on a terminal.

One real run with ``--n-jobs 2`` (loky workers, new processes) and stderr on
a pseudo-terminal (in ``user_session``, ``conftest.py``, shared with
test_commands) checks the lines, the tqdm bar and that the workers print no
TensorFlow notices; in-process tests check that the progress scorer leaves
``RandomizedSearchCV``'s results exactly as the default scoring gives them.
"""
from __future__ import annotations

import io
import re

import numpy as np
import pytest

from tfgraph_dnn.cli.progress import SearchProgress, fingerprint

from _support import TF_NOISE

LINE = re.compile(r"^fit (\d+)/4  candidate (\d)/2  fold (\d)/2  accuracy (\d\.\d{4})  "
                  r"(\d+\.\d)s  elapsed \S+  ETA \S+$", re.MULTILINE)


@pytest.mark.slow
def test_parallel_search_prints_a_line_per_fit_and_a_bar_on_a_terminal(user_session):
    """The run of ``conftest.SEARCH_ARGS`` (test_user_session reads its --save)."""
    result = user_session.results()["search"]
    stdout, stderr, folder = result.stdout, result.stderr, user_session.search_dir
    assert result.returncode == 0, stderr
    fits = LINE.findall(stdout)
    assert [int(fit[0]) for fit in fits] == [1, 2, 3, 4], stdout
    assert sorted((fit[1], fit[2]) for fit in fits) == \
        [("1", "1"), ("1", "2"), ("2", "1"), ("2", "2")]  # every candidate x fold once
    # What is starting, in order, from the first line (before data, TensorFlow, workers).
    steps = ["search: 2 candidates (the first: train's defaults) x 2 folds = 4 fits, "
             "--n-jobs 2; loading the data", "data: digits", "loading TensorFlow",
             "starting 2 worker processes", "workers ready in", "fitting 4 fits", "fit 1/4",
             "cross-validation: 4 fits in", "best params", "test accuracy"]
    assert stdout.startswith(steps[0]), stdout
    positions = [stdout.index(step) for step in steps]
    assert positions == sorted(positions), stdout
    assert "search: 100%" in stderr and "4/4" in stderr, stderr  # tqdm's bar
    assert not TF_NOISE.search(stderr), stderr  # nor from the loky workers
    assert not TF_NOISE.search(stdout), stdout
    # The CV scores in the lines are those of search_results.csv.
    (run_dir,) = (folder / "logs").iterdir()
    import pandas

    results = pandas.read_csv(run_dir / "search_results.csv")
    by_fit = {(int(c), int(f)): float(score) for _, c, f, score, _ in fits}
    for index, row in results.iterrows():
        for fold in (1, 2):
            assert row[f"split{fold - 1}_test_score"] == pytest.approx(
                by_fit[(index + 1, fold)], abs=1e-4)
    # TensorBoard: each CV fit's run is named by candidate and fold and holds its score;
    # the search's own run holds the mean CV and test scores.
    runs = {path.name for path in run_dir.iterdir() if path.is_dir()}
    assert {"cand01-fold1", "cand01-fold2", "cand02-fold1", "cand02-fold2"} <= runs, runs
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    from tensorboard.util import tensor_util

    def scalars(directory):
        found = {}
        for sub in [directory] + [p for p in directory.rglob("*") if p.is_dir()]:
            acc = EventAccumulator(str(sub), size_guidance={"scalars": 0, "tensors": 0})
            acc.Reload()
            for tag in acc.Tags()["scalars"]:
                found[tag] = acc.Scalars(tag)[-1].value
            for tag in acc.Tags()["tensors"]:
                value = tensor_util.make_ndarray(acc.Tensors(tag)[-1].tensor_proto)
                if value.dtype.kind == "f" and value.size == 1:  # not plugin metadata
                    found[tag] = float(value)
        return found

    for (candidate, fold), score in by_fit.items():
        logged = scalars(run_dir / f"cand{candidate:02d}-fold{fold}")
        assert logged["score"] == pytest.approx(score, abs=1e-4), logged
    (summary_dir,) = [path for path in run_dir.iterdir() if path.name.endswith("-search")]
    summary = scalars(summary_dir)
    assert summary["mean_cv_score"] == pytest.approx(results["mean_test_score"].max(), abs=1e-6)


def test_progress_scorer_keeps_the_searchs_results(small_digits):
    """Same cv_results_, best_params_ and refit as the default scoring (n_jobs=1)."""
    from sklearn.model_selection import ParameterSampler, RandomizedSearchCV, check_cv

    from tfgraph_dnn import DNNClassifier

    X, y = small_digits
    space = {"n_neurons": [8, 16], "learning_rate": [0.01, 0.003], "activation": ["relu", "elu"]}
    splits = list(check_cv(2, y, classifier=True).split(X, y))
    net = DNNClassifier(n_hidden=1, n_epochs=2, random_state=0)
    reference = RandomizedSearchCV(net, space, n_iter=2, cv=2, random_state=0).fit(X, y)
    candidates = list(ParameterSampler(space, 2, random_state=0))
    out = io.StringIO()
    with SearchProgress(candidates, [fingerprint(X[test]) for _, test in splits],
                        score_name="accuracy", out=out, bar=False) as progress:
        search = RandomizedSearchCV(net, space, n_iter=2, cv=splits, random_state=0,
                                    scoring=progress.scorer).fit(X, y)
    assert search.cv_results_["params"] == reference.cv_results_["params"]
    for key in ("mean_test_score", "split0_test_score", "split1_test_score",
                "rank_test_score"):
        np.testing.assert_array_equal(search.cv_results_[key], reference.cv_results_[key])
    assert search.best_params_ == reference.best_params_
    np.testing.assert_array_equal(search.predict_proba(X), reference.predict_proba(X))
    assert search.score(X, y) == reference.score(X, y)  # after the search: no more lines
    lines = out.getvalue().splitlines()
    assert len(lines) == 4 and progress.done == 4
    assert sorted(line.split("  ")[1:3] for line in lines) == [
        ["candidate 1/2", "fold 1/2"], ["candidate 1/2", "fold 2/2"],
        ["candidate 2/2", "fold 1/2"], ["candidate 2/2", "fold 2/2"]]


def test_eta_is_the_remaining_fits_at_the_rate_so_far():
    out = io.StringIO()
    with SearchProgress([{"a": 1}, {"a": 2}], ["k1", "k2"], out=out, bar=False) as progress:
        progress._started -= 10.0  # 10 s ago
        progress.consume({"candidate": 1, "fold": 2, "score": 0.5, "worker": "w"})
    line = out.getvalue().strip()
    assert line.startswith("fit 1/4  candidate 1/2  fold 2/2  score 0.5000  10.0s")
    assert line.endswith("elapsed 10s  ETA 30s")
