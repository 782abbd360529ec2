"""The examples in the scaling docstrings run and give what they show."""

from __future__ import annotations

import doctest

import pytest

from workbench.scaling import eras, loss_law, trend


@pytest.mark.parametrize("module", [eras, loss_law, trend], ids=lambda m: m.__name__)
def test_docstring_examples(module):
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
