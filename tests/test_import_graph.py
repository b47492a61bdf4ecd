"""No import cycles among our packages, read from the source with `ast` (nothing is imported).

A cycle works only while its modules happen to be imported in a lucky order, or while a lazy
import inside a function hides it. What counts as an edge, and why:

- Every `import` and `from ... import` statement, at module level or inside a function: a
  function-level import still runs, only later, and is how most cycles get hidden.
- Not imports inside an `if TYPE_CHECKING:` block (its `else:` does count): they never run.
- `from pkg import name` is an edge to `pkg.name` when that is one of our modules, else to `pkg`;
  relative imports are resolved against the importing module's package; a package `a.b` is its
  `a/b/__init__.py`.
- Parent packages count: importing `a.b.c` executes `a/__init__.py` and `a/b/__init__.py` first,
  so an importer has an edge to each of them too. Except its own parents: Python imports those
  before the importer's code starts, so reaching them again starts nothing (that is how a package's
  `__init__.py` may import its own submodules). An explicit `from a import x` inside `a.b` still
  counts as an edge to `a`.
- Imports by string (`import_module`, INSTALLED_APPS, Celery's autodiscovery) are not seen.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("courses", "empathycamp", "inference")


def modules_find(root: Path, packages: Sequence[str]) -> dict[str, tuple[Path, bool]]:
    """Module name -> (source file, is a package) for every .py file under the packages."""
    modules: dict[str, tuple[Path, bool]] = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            is_package = parts[-1] == "__init__"
            modules[".".join(parts[:-1] if is_package else parts)] = (path, is_package)
    return modules


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(node: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement that can run: at any depth, but not under `if TYPE_CHECKING:`."""
    if isinstance(node, ast.Import | ast.ImportFrom):
        yield node
        return
    if isinstance(node, ast.If) and _is_type_checking(node.test):
        children: Iterable[ast.AST] = node.orelse
    else:
        children = ast.iter_child_nodes(node)
    for child in children:
        yield from _imports(child)


def _targets(statement: ast.Import | ast.ImportFrom, *, importer: str, is_package: bool) -> Iterator[str]:
    """The dotted names one import statement asks for (ours or not: the caller filters)."""
    if isinstance(statement, ast.Import):
        for alias in statement.names:
            yield alias.name
        return
    base = statement.module or ""
    if statement.level:
        package = importer.split(".") if is_package else importer.split(".")[:-1]
        if statement.level - 1 >= len(package):
            return  # beyond the top-level package: not ours
        anchor = package[: len(package) - (statement.level - 1)]
        base = ".".join([*anchor, *([base] if base else [])])
    for alias in statement.names:
        yield f"{base}.{alias.name}" if alias.name != "*" else base


def _ours(name: str, modules: dict[str, tuple[Path, bool]]) -> str | None:
    """The module of ours that `name` executes: itself, or the longest prefix that is ours."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in modules:
            return candidate
    return None


def _parents(name: str) -> Iterator[str]:
    parts = name.split(".")
    for end in range(1, len(parts)):
        yield ".".join(parts[:end])


def import_graph(root: Path, packages: Sequence[str]) -> dict[str, set[str]]:
    """Module -> the modules of ours its code imports (see the module docstring for the rules)."""
    modules = modules_find(root, packages)
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for importer, (path, is_package) in modules.items():
        own_parents = set(_parents(importer))
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for statement in _imports(tree):
            for name in _targets(statement, importer=importer, is_package=is_package):
                target = _ours(name, modules)
                if target is None:
                    continue
                graph[importer].add(target)
                graph[importer].update(
                    parent for parent in _parents(target) if parent in modules and parent not in own_parents
                )
        graph[importer].discard(importer)
    return graph


def _components(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan's, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, successors = work[-1]
            for successor in successors:
                if successor not in index:
                    index[successor] = low[successor] = len(index)
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, iter(sorted(graph[successor]))))
                    break
                if successor in on_stack:
                    low[node] = min(low[node], index[successor])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


def import_cycles(graph: dict[str, set[str]], *, limit: int = 100) -> list[list[str]]:
    """Each elementary cycle once, starting at its smallest module; at most `limit` of them."""
    cycles: list[list[str]] = []
    for component in _components(graph):
        members = set(component)
        for start in component:
            # Only modules after `start` may follow it, so each cycle is found from its smallest member.
            allowed = {member for member in members if member > start}
            path = [start]
            pending: list[Iterator[str]] = [iter(sorted(graph[start] & members))]
            while pending and len(cycles) < limit:
                successor = next(pending[-1], None)
                if successor is None:
                    pending.pop()
                    path.pop()
                elif successor == start:
                    cycles.append([*path])
                elif successor in allowed and successor not in path:
                    path.append(successor)
                    pending.append(iter(sorted(graph[successor] & members)))
    return cycles


def cycles_format(cycles: Iterable[list[str]]) -> list[str]:
    return [" -> ".join([*cycle, cycle[0]]) for cycle in cycles]


def test_our_packages_have_no_import_cycles() -> None:
    cycles = cycles_format(import_cycles(import_graph(ROOT, PACKAGES)))
    for cycle in cycles:
        print(cycle)
    assert not cycles, "Import cycles:\n" + "\n".join(cycles)


def _write(root: Path, files: dict[str, str]) -> None:
    for name, source in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source, encoding="utf-8")


def test_the_graph_finds_cycles_in_a_package_that_has_them(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            # A package that imports its own submodules, which import their siblings: no cycle.
            "pkg/__init__.py": "from .e import E\n",
            "pkg/e.py": "from pkg.f import F\nE = F\n",
            "pkg/f.py": "import os\nF = 1\n",
            # A relative import one way and a function-level import back: a cycle.
            "pkg/a.py": "from . import b\n",
            "pkg/b.py": "def later():\n    from pkg.a import thing\n",
            # Importing pkg.sub.d runs pkg/sub/__init__.py, which imports pkg.c back: a cycle.
            "pkg/c.py": "import pkg.sub.d\ny = 1\n",
            "pkg/sub/__init__.py": "from ..c import y\n",
            "pkg/sub/d.py": "",
            # Imports for type checkers only never run: no cycle, though the else branch does run.
            "pkg/g.py": (
                "from typing import TYPE_CHECKING\n"
                "if TYPE_CHECKING:\n    from pkg.h import H\nelse:\n    from pkg import f\n"
            ),
            "pkg/h.py": "from pkg.g import G\nH = 1\n",
        },
    )
    graph = import_graph(tmp_path, ["pkg"])

    assert graph["pkg.g"] == {"pkg.f"}
    assert sorted(cycles_format(import_cycles(graph))) == ["pkg.a -> pkg.b -> pkg.a", "pkg.c -> pkg.sub -> pkg.c"]
