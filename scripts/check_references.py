"""Check that the dotted references in docstrings and comments name modules and objects that exist.

A docstring that names ``spread_population`` in ``geo112.population``, where it was before the subpackage split,
rather than in ``geo112.planning.population``, sends the reader nowhere. This script finds such references and
fails on them (CI runs it in ``scripts/test.sh``, beside the linters):

    python scripts/check_references.py              # geo112/, routing/, web/, tests/, benchmarks/
    python scripts/check_references.py web geo112/network.py

It prints each reference that does not resolve as ``path:line: reference`` and exits 1 if there is one, 0 when
every reference resolves. A reference that cannot be checked because a module fails to import is printed, with
the error, and fails too.

What is checked, in docstrings (any string literal standing as a statement of its own: module, class and
function docstrings and the strings under attributes) and in ``#`` comments:

- Python-domain Sphinx roles, ``:func:`x```, ``:class:`~x```, ``:mod:``, ``:meth:``, ``:attr:``, ``:data:``,
  ``:const:``, ``:exc:``, ``:obj:`` (also as ``:py:func:`` etc., and with an explicit title,
  ``:func:`title <x>```). A role's target may be absolute (``geo112.dispatch.schemas.Call``, ``numpy.ndarray``)
  or relative: ``Network.route`` or ``refresh`` is looked up in the enclosing classes, then in the module the
  text is in (its own names and every name it imports, also under ``TYPE_CHECKING``), then among the builtins;
  a leading dot (``.reference.turn_times``) also looks in the module's package. A ``!`` target (no link) is
  not checked, nor is a relative target in a file that is not imported (a file outside a package, an Alembic
  migration: importing ``env.py`` runs the migrations).
- Bare backticked dotted names that start with a project package, ```geo112.network``` and
  ````routing.settings.PROFILE_VERSION````, and the same names unquoted (a comment's "see web.db.init_app").
  Other text (``desa_weight``, ``numpy.nan``, SQL, ``geo112.caller-location``, a URL) is not a reference and
  is left alone.

A reference resolves when the longest importable module prefix of it imports (:func:`importlib.import_module`)
and the rest of it is reached by ``getattr``; a class's members also count when they are declared without a
class attribute: dataclass and pydantic fields, annotations, ``__slots__`` and ``self.x = ...`` in the class.
Importing the project's modules needs no database and no network: the app factory creates nothing at import.
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import functools
import importlib
import inspect
import io
import re
import sys
import tokenize
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
#: What is checked by default, relative to the repository root.
DEFAULT_PATHS = ("geo112", "routing", "web", "tests", "benchmarks")
#: The project's packages: a name that starts with one is resolved as absolute, and outside a role only such a
#: name counts as a reference.
PACKAGES = ("geo112", "routing", "web", "geodata")
#: Modules under these are not imported to resolve relative references (importing Alembic's env.py migrates).
NOT_IMPORTED = ("geo112.store.migrations",)
#: Folders never walked.
SKIPPED_DIRS = frozenset({"__pycache__", "node_modules", ".venv", ".git"})

#: A Python-domain role: group 1 the role, group 2 its text (``~x``, ``title <x>``, ``!x``, ``x()``).
_ROLE = re.compile(r":(?:py:)?(mod|func|class|meth|attr|data|const|exc|obj):`([^`]+)`")
#: A project name in single or double backticks, not part of a longer backticked text.
_BARE = re.compile(r"(?<![`\w])``?(~?(?:" + "|".join(PACKAGES) + r")(?:\.[A-Za-z_]\w*)+)(?:\(\))?``?(?![`\w])")
#: A project name in plain text: not part of a path, a URL, an e-mail address or a longer name.
_PLAIN = re.compile(r"(?<![\w.`/~@-])((?:" + "|".join(PACKAGES) + r")(?:\.[A-Za-z_]\w*)+)(?![\w`/-])")
_BACKTICKED = re.compile(r"``[^`]*``|`[^`]*`")
_TITLED = re.compile(r"^.*<([^<>]+)>$")
_MISSING = object()


@dataclasses.dataclass(frozen=True)
class Reference:
    """A dotted reference found in a docstring or comment.

    Attributes
    ----------
    path
        The file it is in.
    line
        Its 1-based line in that file.
    target
        What it points at, without Sphinx's ``~`` and ``()``, e.g. ``geo112.network.Network.route``.
    role
        The Sphinx role, ``func``, ``mod`` ...; empty for a bare name, backticked or not.
    scopes
        The qualified names of the enclosing classes, innermost first (``Network``, ``Outer.Inner``).
    error
        Why it could not be checked, when a module on its way failed to import (not a stale reference, a broken
        module); empty otherwise.
    """

    path: Path
    line: int
    target: str
    role: str
    scopes: tuple[str, ...] = ()
    error: str = ""


def module_name(path: Path, root: Path = ROOT) -> str | None:
    """Return the dotted module name of a file, or None when it is not in an importable package.

    Parameters
    ----------
    path
        A ``.py`` file.
    root
        The folder on ``sys.path`` the packages sit in.

    Returns
    -------
    str or None
        ``geo112.dispatch.cap`` for ``geo112/dispatch/cap.py``, ``web`` for ``web/__init__.py``; None for a
        file outside ``root``, in a folder without ``__init__.py``, or with a name that is not an identifier.
    """
    try:
        parts = list(path.resolve().relative_to(root.resolve()).with_suffix("").parts)
    except ValueError:
        return None
    if parts and parts[-1] == "__init__":
        parts.pop()
    if not parts or not all(part.isidentifier() for part in parts):
        return None
    folder = root.resolve()
    for part in parts if path.name == "__init__.py" else parts[:-1]:  # each folder must be a package
        folder = folder / part
        if not (folder / "__init__.py").is_file():
            return None
    return ".".join(parts)


def _targets(text: str) -> Iterator[tuple[int, str, str]]:
    """Yield (line offset, target, role) for each reference in one docstring or comment."""
    for offset, line in enumerate(text.splitlines()):
        for match in _ROLE.finditer(line):
            target = match.group(2).strip()
            titled = _TITLED.match(target)
            if titled:
                target = titled.group(1).strip()
            if target.startswith("!"):
                continue
            target = target.removeprefix("~").removesuffix("()")
            if target:
                yield offset, target, match.group(1)
        for match in _BARE.finditer(_ROLE.sub("", line)):
            yield offset, match.group(1).removeprefix("~"), ""
        for match in _PLAIN.finditer(_BACKTICKED.sub("", _ROLE.sub("", line))):
            yield offset, match.group(1), ""


def _class_scopes(tree: ast.Module) -> list[tuple[int, int, str]]:
    """Return (first line, last line, qualified name) of the module's classes, nested classes included."""
    scopes: list[tuple[int, int, str]] = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef):  # (a class inside a function is out of getattr's reach)
                name = f"{prefix}{child.name}"
                scopes.append((child.lineno, child.end_lineno or child.lineno, name))
                visit(child, f"{name}.")

    visit(tree, "")
    return scopes


def find_references(path: Path) -> list[Reference]:
    """Find the dotted references in the docstrings and comments of one Python file.

    Parameters
    ----------
    path
        The file.

    Returns
    -------
    list of Reference
        In the order they appear.
    """
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source, filename=str(path))
    docstrings = {
        (node.value.lineno, node.value.col_offset)
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
    }
    classes = _class_scopes(tree)
    found: list[Reference] = []
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT or (token.type == tokenize.STRING and token.start in docstrings):
            for offset, target, role in _targets(token.string):
                line = token.start[0] + offset
                scopes = tuple(name for first, last, name in reversed(classes) if first <= line <= last)
                found.append(Reference(path, line, target, role, scopes))
    return found


@functools.cache
def _imports(module: str) -> dict[str, str]:
    """Map each name a module's source imports (anywhere, ``TYPE_CHECKING`` too) to what it names."""
    found: dict[str, str] = {}
    try:
        tree = ast.parse(inspect.getsource(importlib.import_module(module)))
    except (OSError, TypeError):
        return found
    package = module if _is_package(module) else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    found[alias.asname] = alias.name
                else:
                    found.setdefault(alias.name.partition(".")[0], alias.name.partition(".")[0])
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                found.setdefault(alias.asname or alias.name, f"{base}.{alias.name}")
    return found


def _is_package(module: str) -> bool:
    return hasattr(importlib.import_module(module), "__path__")


def _declared_member(cls: type, name: str) -> bool:
    """Tell whether a class declares a member that is no class attribute (a field, a slot, ``self.x``)."""
    for klass in inspect.getmro(cls):
        if name in getattr(klass, "__annotations__", {}) or name in getattr(klass, "__dataclass_fields__", {}):
            return True
        if name in getattr(klass, "model_fields", {}) or name in getattr(klass, "__slots__", ()):
            return True
        try:
            source = inspect.getsource(klass)
        except (OSError, TypeError):
            continue
        if re.search(rf"\bself\.{re.escape(name)}\s*(?::[^=\n]+)?=(?!=)", source):
            return True
    return False


def _attribute(obj: Any, name: str) -> Any:
    value = getattr(obj, name, _MISSING)
    if value is _MISSING and inspect.isclass(obj) and _declared_member(obj, name):
        return None  # exists, but has no value to look further into
    return value


@functools.cache
def resolve(target: str) -> bool:
    """Tell whether an absolute dotted name names a module or an object.

    Parameters
    ----------
    target
        E.g. ``geo112.dispatch.schemas.Call`` or ``numpy.ndarray``.

    Returns
    -------
    bool
        True when its longest importable module prefix imports and the rest is reached by attribute access.

    Raises
    ------
    Exception
        Whatever a module that exists raises when it fails to import (a broken module, not a stale reference).
    """
    parts = target.split(".")
    if not all(part.isidentifier() for part in parts):
        return False
    for cut in range(len(parts), 0, -1):
        name = ".".join(parts[:cut])
        try:
            obj: Any = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name is not None and (name == exc.name or name.startswith(f"{exc.name}.")):
                continue
            raise
        for part in parts[cut:]:
            if obj is None:  # a declared field: nothing to look into
                return False
            obj = _attribute(obj, part)
            if obj is _MISSING:
                return False
        return True
    return False


def _candidates(reference: Reference, module: str) -> Iterator[str]:
    """Yield the absolute names a role's target may mean, written in ``module``, most specific first."""
    target = reference.target.lstrip(".")
    head, _, rest = target.partition(".")
    for scope in reference.scopes:
        yield f"{module}.{scope}.{target}"
    yield f"{module}.{target}"
    imported = _imports(module).get(head)
    if imported:
        yield f"{imported}.{rest}" if rest else imported
    if reference.target.startswith(".") and "." in module:
        yield f"{module.rpartition('.')[0]}.{target}"
    if rest or reference.role == "mod":  # a lone name is not taken for a top-level module: `parse` is no module
        yield target
    yield f"builtins.{target}"


def check(references: Iterable[Reference], root: Path = ROOT) -> list[Reference]:
    """Return the references that do not resolve.

    Parameters
    ----------
    references
        As found by :func:`find_references`.
    root
        The folder the packages sit in, to tell the module each file is.

    Returns
    -------
    list of Reference
        The unresolved ones, in the order given. A target that starts with a project package is resolved as
        an absolute name. Any other role target is resolved relative to where it is written; in a file that
        is not imported (no module name, or under ``NOT_IMPORTED``) such a target is not checked. A reference
        that could not be checked because a module failed to import is among them, with its ``error``.
    """
    projects = tuple(f"{package}." for package in PACKAGES)
    unresolved: list[Reference] = []
    modules: dict[Path, str | None] = {}
    for reference in references:
        if reference.path not in modules:
            name = module_name(reference.path, root)
            modules[reference.path] = None if name is None or name.startswith(NOT_IMPORTED) else name
        module = modules[reference.path]
        absolute = reference.target.startswith(projects) or reference.target in PACKAGES
        if module is None and not absolute:
            continue
        try:
            if module is None or absolute:
                ok = resolve(reference.target)
            else:
                ok = any(resolve(candidate) for candidate in _candidates(reference, module))
        except Exception as exc:  # a broken module: report it at the reference rather than crash
            unresolved.append(dataclasses.replace(reference, error=f"{type(exc).__name__}: {exc}"))
            continue
        if not ok:
            unresolved.append(reference)
    return unresolved


def python_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Yield the ``.py`` files under the given files and folders, sorted, skipping caches and node_modules."""
    for path in paths:
        if path.is_file():
            yield path
        else:
            for file in sorted(path.rglob("*.py")):
                if not SKIPPED_DIRS.intersection(file.relative_to(path).parts):
                    yield file


def main(argv: Sequence[str] | None = None) -> int:
    """Check the references under the given paths and print the unresolved ones.

    Parameters
    ----------
    argv
        Files and folders; by default those of ``DEFAULT_PATHS`` that exist.

    Returns
    -------
    int
        1 if a reference does not resolve, else 0.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("paths", nargs="*", type=Path, help="files and folders (default: %(default)s)")
    args = parser.parse_args(argv)
    paths = args.paths or [ROOT / name for name in DEFAULT_PATHS if (ROOT / name).exists()]
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    references = [reference for file in python_files(paths) for reference in find_references(file)]
    unresolved = check(references)
    for reference in unresolved:
        shown = reference.path.resolve()
        shown = shown.relative_to(ROOT) if shown.is_relative_to(ROOT) else shown
        error = f" (not checked: {reference.error})" if reference.error else ""
        print(f"{shown}:{reference.line}: {reference.target}{error}")
    return 1 if unresolved else 0


if __name__ == "__main__":
    sys.exit(main())
