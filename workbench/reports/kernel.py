"""What the report kernel runs before a notebook's first cell (``IPKernelApp.exec_lines``).

Only what makes a report reproducible: pandas Styler tables draw a random id for their
CSS (``T_3f9a2``) each time they render, so two runs of one report would differ; here they
are numbered in the order they are shown instead. Nothing is imported until a Styler is
shown, and nothing is left in the notebook's namespace.
"""

from __future__ import annotations

import itertools

__all__ = ["setup"]


def setup() -> None:
    """Register the deterministic Styler renderer with the running IPython shell."""
    from IPython import get_ipython

    shell = get_ipython()
    if shell is None:  # not in a kernel
        return
    numbers = itertools.count(1)

    def styler_html(styler) -> str:
        styler.set_uuid(f"wb{next(numbers)}")
        return styler.to_html()

    shell.display_formatter.formatters["text/html"].for_type_by_name(
        "pandas.io.formats.style", "Styler", styler_html
    )
