"""Fixtures of the training tests."""
import pytest

from _fork_client import start_preloaded_python_early


@pytest.fixture(scope="module", autouse=True)
def _preloaded_python_early(request):
    start_preloaded_python_early(request)
