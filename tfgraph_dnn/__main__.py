"""``python -m tfgraph_dnn``: the same as the ``tfgraph-dnn`` command."""
import sys

from .cli import main

sys.exit(main())
