"""The code's shape, guarded: no import circles among the modules of bot/ and storage/, none over 600 lines.

Every import counts, wherever it stands: at the top of a module, inside a function (deferred) or under
`if TYPE_CHECKING:` (type-only). A deferred or type-only import does not make a circle harmless to the reader;
it is usually a circle hidden from the interpreter. The checker below follows ../shared/tools/import_cycles.py
(which is not importable here): `from a.b import c` names module a.b.c when there is one, else a.b;
`import a.b.c` counts the deepest module that exists; imports of a package's __init__ and of the module itself
do not count. Each failure names the circle, with the imports that close it, or the file that is too long.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "storage")
MAX_LINES = 600

Files = dict[str, Path]  # module name -> file
Edges = dict[str, dict[str, list[tuple[str, int]]]]  # importer -> imported -> [(kind, line)]


def module_name(path: Path, base: Path) -> str:
    parts = list(path.relative_to(base).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def sources(base: Path, roots: Iterable[str]) -> Files:
    files: Files = {}
    for root in roots:
        for path in sorted((base / root).rglob("*.py")):
            if any(p.startswith(".") or p in ("build", "dist") for p in path.relative_to(base).parts):
                continue
            files[module_name(path, base)] = path
    return files


def is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


class Imports(ast.NodeVisitor):
    """Every import in one module: (candidate targets separated by "|", kind, line)."""

    def __init__(self, module: str, is_package: bool) -> None:
        self.module, self.is_package = module, is_package
        self.found: list[tuple[str, str, int]] = []
        self.kind = ["top"]

    def within(self, kind: str, nodes: list[ast.stmt]) -> None:
        self.kind.append(kind)
        for node in nodes:
            self.visit(node)
        self.kind.pop()

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.within("deferred", node.body)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_If(self, node: ast.If) -> None:
        if is_type_checking(node.test):
            self.within("type-only", node.body)
            self.within(self.kind[-1], node.orelse)
        else:
            self.generic_visit(node)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.found.append((alias.name, self.kind[-1], node.lineno))

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level:
            package = self.module.split(".") if self.is_package else self.module.split(".")[:-1]
            package = package[: len(package) - (node.level - 1)] if node.level > 1 else package
            base = ".".join(package + ([node.module] if node.module else []))
        else:
            base = node.module or ""
        for alias in node.names:
            self.found.append((f"{base}.{alias.name}|{base}", self.kind[-1], node.lineno))


def import_graph(files: Files) -> Edges:
    edges: Edges = defaultdict(lambda: defaultdict(list))
    for module, path in files.items():
        visitor = Imports(module, path.name == "__init__.py")
        visitor.visit(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
        for target, kind, line in visitor.found:
            candidates = target.split("|")
            hit = next((c for c in candidates if c in files), None)
            if hit is None:  # `import a.b.c` also imports a.b and a: the deepest module we have
                parts = candidates[-1].split(".")
                while parts and ".".join(parts) not in files:
                    parts.pop()
                hit = ".".join(parts) if parts else None
            if hit and hit != module and files[hit].name != "__init__.py":
                edges[module][hit].append((kind, line))
    return edges


def circles(modules: Iterable[str], edges: Edges) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan), largest first, each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def strong(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges.get(v, {}):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in sorted(modules):
        if v not in index:
            strong(v)
    return sorted(found, key=len, reverse=True)


def describe(found: list[list[str]], files: Files, edges: Edges, base: Path) -> str:
    """Each circle with the imports that close it, as `a.py -> b.py: deferred (line 12)`."""
    lines = []
    for number, group in enumerate(found, 1):
        lines.append(f"circle {number}: {', '.join(group)}")
        members = set(group)
        for module in group:
            for target, uses in sorted(edges[module].items()):
                if target in members:
                    kinds = ", ".join(f"{k} (line {n})" for k, n in sorted(set(uses), key=lambda u: u[1]))
                    lines.append(f"  {files[module].relative_to(base)} -> {files[target].relative_to(base)}: {kinds}")
    return "\n".join(lines)


def oversized(files: Files, base: Path, limit: int) -> list[str]:
    counted = ((path, len(path.read_text(encoding="utf-8").splitlines())) for path in files.values())
    return [f"{path.relative_to(base)}: {n} lines" for path, n in sorted(counted, key=lambda c: -c[1]) if n > limit]


def test_no_import_circles_in_bot_and_storage() -> None:
    files = sources(ROOT, PACKAGES)
    assert files, f"no modules found under {ROOT} / {PACKAGES}"
    edges = import_graph(files)
    found = circles(files, edges)
    assert found == [], f"{len(found)} import circle(s); break each one:\n{describe(found, files, edges, ROOT)}"


def test_no_module_in_bot_and_storage_is_over_600_lines() -> None:
    files = sources(ROOT, PACKAGES)
    assert files, f"no modules found under {ROOT} / {PACKAGES}"
    too_long = oversized(files, ROOT, MAX_LINES)
    assert too_long == [], f"modules over {MAX_LINES} lines; split them by feature:\n" + "\n".join(too_long)


def write(base: Path, tree: dict[str, str]) -> None:
    for name, text in tree.items():
        path = base / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_the_checker_finds_circles_however_the_imports_hide(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "pkg/__init__.py": "from pkg.a import A\n",
            "pkg/a.py": "from pkg import b\n\nA = 1\n",
            # closed by an import inside a function
            "pkg/b.py": "def later():\n    from pkg.c import C\n    return C\n",
            "pkg/c.py": "from . import a\n\nC = a.A\n",
            # closed by an import for type checkers only
            "pkg/d.py": "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    from pkg.e import E\n",
            "pkg/e.py": "import pkg.d\n\nE = 2\n",
            "pkg/f.py": "import pkg.a\nfrom pkg.d import TYPE_CHECKING\n",  # imports circles, is in none
        },
    )
    files = sources(tmp_path, ["pkg"])
    edges = import_graph(files)
    found = circles(files, edges)
    assert found == [["pkg.a", "pkg.b", "pkg.c"], ["pkg.d", "pkg.e"]]
    message = describe(found, files, edges, tmp_path)
    assert "circle 1: pkg.a, pkg.b, pkg.c" in message
    assert "pkg/b.py -> pkg/c.py: deferred (line 2)" in message
    assert "pkg/c.py -> pkg/a.py: top (line 1)" in message
    assert "pkg/d.py -> pkg/e.py: type-only (line 4)" in message
    assert "pkg/f.py" not in message


def test_the_checker_passes_a_tree_without_circles(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            # a package's __init__ re-exporting its modules is no circle with them
            "clean/__init__.py": "from clean.x import X\n",
            "clean/x.py": "import clean\nfrom clean import y\n\nX = y.Y\n",
            "clean/y.py": "import os\n\n\ndef later():\n    from clean.z import Z\n    return Z, os\n\n\nY = 1\n",
            "clean/z.py": "Z = 3\n" + "# filler\n" * 10,
        },
    )
    files = sources(tmp_path, ["clean"])
    assert circles(files, import_graph(files)) == []
    assert oversized(files, tmp_path, 10) == ["clean/z.py: 11 lines"]
