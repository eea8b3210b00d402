"""Build hook: a wheel carries the workbook (notebooks and parameters) inside the package.

The notebooks and parameters live at the top of the checkout, where analysts
edit them. A non-editable install (``pip install .``, a wheel) copies them into
``lgsco_report/workbook/`` so the installed command finds them; an editable
install uses the checkout itself. Everything else is in ``pyproject.toml``.
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

WORKBOOK_FOLDERS = ("notebooks", "parameters")


class BuildWithWorkbook(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return
        here = Path(__file__).resolve().parent
        target = Path(self.build_lib) / "lgsco_report" / "workbook"
        for folder in WORKBOOK_FOLDERS:
            for path in sorted((here / folder).glob("*")):
                if path.is_file() and not path.name.startswith("."):
                    self.mkpath(str(target / folder))
                    self.copy_file(str(path), str(target / folder / path.name), preserve_mode=False)


setup(cmdclass={"build_py": BuildWithWorkbook})
