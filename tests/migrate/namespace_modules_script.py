"""Run first by the shared TF1-mode process for tests/migrate/test_estimator_and_aliases.py:
prints (JSON) the modules ``import tfgraph_dnn.tf1`` registers under ``keras`` / ``estimator``."""
import json
import sys

import tfgraph_dnn.tf1  # noqa: F401

print(json.dumps(sorted(name for name in sys.modules if name.startswith(
    ("tfgraph_dnn.tf1.keras", "tfgraph_dnn.tf1.estimator")))))
