"""Ship the bundled data and notebooks inside the package.

The repository keeps them at the top level (``data/``, ``notebooks/``) where users edit them;
an installed workbench finds them in ``workbench/_bundled/``, which this build step fills.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).parent
BUNDLED = {"data": ("*.csv", "*.toml", "*.md"), "notebooks": ("*.ipynb",)}


class BuildPyWithBundledFiles(build_py):
    def run(self):
        super().run()
        for folder, patterns in BUNDLED.items():
            target = Path(self.build_lib) / "workbench" / "_bundled" / folder
            target.mkdir(parents=True, exist_ok=True)
            for pattern in patterns:
                for path in sorted((HERE / folder).glob(pattern)):
                    shutil.copy2(path, target / path.name)


setup(cmdclass={"build_py": BuildPyWithBundledFiles})
