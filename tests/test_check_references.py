"""scripts/check_references.py reports the references that do not resolve, and only those."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def checker() -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_references", ROOT / "scripts" / "check_references.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses looks its module up there
    spec.loader.exec_module(module)
    return module


def test_reports_exactly_the_bad_reference(checker, tmp_path, capsys):
    # A good reference in a docstring, a stale one (from before the subpackage split) in a comment.
    source = (
        '"""The cache key holds :data:`~routing.settings.PROFILE_VERSION`."""\n'
        "\n"
        "# Spread as `geo112.population.spread_population` does.\n"
        "X = 1\n"
    )
    path = tmp_path / "example.py"
    path.write_text(source)

    references = checker.find_references(path)
    unresolved = checker.check(references)

    assert [(r.line, r.target) for r in references] == [
        (1, "routing.settings.PROFILE_VERSION"),
        (3, "geo112.population.spread_population"),
    ]
    assert [(r.path, r.line, r.target) for r in unresolved] == [(path, 3, "geo112.population.spread_population")]
    assert checker.main([str(path)]) == 1
    assert capsys.readouterr().out == f"{path}:3: geo112.population.spread_population\n"
    path.write_text(source.replace("geo112.population", "geo112.planning.population"))
    assert checker.main([str(path)]) == 0
    assert capsys.readouterr().out == ""


def test_relative_targets_resolve_against_the_enclosing_class_and_module(checker):
    network = ROOT / "geo112" / "network.py"

    def unresolved(target: str, role: str, scopes: tuple[str, ...] = ()) -> bool:
        return bool(checker.check([checker.Reference(network, 1, target, role, scopes)]))

    assert not unresolved("behind", "meth", ("RoutedFleet",))
    assert unresolved("behind", "meth")  # not a name of the module itself
    assert not unresolved("RoutedFleet.behind", "meth")
    assert unresolved("RoutedFleet.ahead", "meth")
    assert not unresolved("npt.ArrayLike", "data")  # an imported module
    assert not unresolved("dict", "class")  # a builtin
