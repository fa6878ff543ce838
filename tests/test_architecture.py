"""The layout shows the architecture: one package per domain over a shared core, each saying
what it holds, depending downward only (the contracts are in .importlinter)."""
import importlib
from pathlib import Path

import pytest
from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ["app.core", "app.deadlines", "app.notifications", "app.complaints", "app.visits", "app.reports"]


def test_domain_packages_depend_downward_only_and_never_on_the_entry_points():
    assert lint_imports(config_filename=str(ROOT / ".importlinter"), no_cache=True, no_logo=True) == 0


@pytest.mark.parametrize("name", PACKAGES)
def test_every_package_says_what_it_holds(name):
    package = importlib.import_module(name)
    assert package.__doc__ and len(package.__doc__.split()) >= 10


@pytest.mark.parametrize("name", PACKAGES)
def test_the_readme_graph_names_every_package(name):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"{name.split('.')[1]}/" in readme.split("## How it is built", 1)[1]
