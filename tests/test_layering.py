"""The package's shape: imports point one way (core <- io <- render <- workers <- jobs <- cli), without
cycles, and each third-party library stays in the modules that own it.

Every import counts, also those inside functions and under TYPE_CHECKING: a lazy import is still a
dependency, and a cycle hidden behind one is still a cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

LAYERS = {"core": 0, "io": 1, "render": 2, "state": 2, "validation": 3, "builder": 3, "delivery": 3, "api": 3,
          "sandbox": 3, "preflight": 3, "inquiries": 3, "verdicts": 3, "orders": 3, "deadlines": 3,
          "jobs": 4, "cli": 5, "web": 5}
TOP = 6  # batchkit/__init__.py (the library API) and __main__.py stand above everything
SIDEWAYS = {"builder": {"validation", "orders"}, "delivery": {"validation", "api"},  # workers validate what they
            # write or send; builder reads order lists through orders (the one home of order exports);
            # deliver --to api sends records through the API's client
            "preflight": {"validation", "api"},  # preflight checks validated files against the API's mirror
            "deadlines": {"api", "builder", "delivery", "preflight", "validation"},  # the radar: corrections read,
            # built and keyed as deliver keys them, matched and judged as preflight does
            "verdicts": {"api", "delivery", "validation"},  # the platform's verdict on what deliver's ledger sent
            "inquiries": {"api", "builder", "delivery", "orders", "validation"},  # decided from exports (the
            # order lists of orders/, the returns export of builder) and the mirror, validated, resolved exactly once
            # (deliver's ledger and destinations)
            "cli": {"web"}}  # `batchkit serve` starts the workbench
OWNERS = {  # a third-party package -> the only places that may import it
    "click": ("batchkit/cli/",),
    "paramiko": ("batchkit/delivery/sftp/",),
    "openpyxl": ("batchkit/io/", "batchkit/render/annotate.py", "batchkit/render/review.py",
                 "batchkit/render/radar.py"),
    "python_calamine": ("batchkit/io/",),
    "pandera": ("batchkit/validation/_pandera.py",),
    "httpx": ("batchkit/api/",),
    "httpcore": ("batchkit/api/limits.py",),
    "starlette": ("batchkit/web/",),
    "jinja2": ("batchkit/web/",),
    "uvicorn": ("batchkit/web/",),
    "multipart": ("batchkit/web/",),
    "python_multipart": ("batchkit/web/",),
}


def modules(root: Path) -> dict[str, Path]:
    """Dotted module name -> file, for every module of the package under `root`."""
    found = {}
    for path in sorted((root / "batchkit").rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imports(path: Path, name: str, known: dict[str, Path]) -> list[tuple[str, int]]:
    """(imported module, line) for every import in the file, batchkit's and third-party alike."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([node.module] if node.module else []))
            for alias in node.names:  # `from batchkit.x import y` names module x.y when y is one
                target = f"{base}.{alias.name}"
                found.append((target if target in known else base, node.lineno))
    return found


def layer(name: str) -> tuple[int, str]:
    """The layer of a module and its capability package ("" for the package's own face)."""
    parts = name.split(".")
    if len(parts) == 1 or parts[1] == "__main__":
        return TOP, ""
    return LAYERS.get(parts[1], TOP), parts[1]


def problems(root: Path) -> list[str]:
    """Every import against the layer order or a third party's owners, and every cycle, naming files."""
    known = modules(root)
    found, edges = [], {name: set() for name in known}
    for name, path in known.items():
        where = path.relative_to(root).as_posix()
        if layer(name)[1] not in (*LAYERS, ""):
            found.append(f"{where}: outside the capability packages ({', '.join(LAYERS)})")
        for target, line in imports(path, name, known):
            top = target.split(".")[0]
            owners = OWNERS.get(top)
            if owners and not where.startswith(owners):
                found.append(f"{where}:{line}: imports {top}, which only {', '.join(owners)} may import")
            if top != "batchkit" or target not in known or target == name:
                continue
            edges[name].add(target)
            (mine, cap), (theirs, their_cap) = layer(name), layer(target)
            if theirs > mine or (theirs == mine and cap != their_cap and their_cap not in SIDEWAYS.get(cap, ())):
                found.append(f"{where}:{line}: imports {known[target].relative_to(root).as_posix()} "
                             f"({their_cap or 'batchkit'}), which is not below {cap or 'batchkit'}")
    found += [f"import cycle: {' -> '.join(known[m].relative_to(root).as_posix() for m in cycle)}"
              for cycle in cycles(edges)]
    return found


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each as a closed path."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(edges[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(_loop(min(component), set(component), edges))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def _loop(start: str, members: set[str], edges: dict[str, set[str]]) -> list[str]:
    """A shortest closed path of imports from `start` back to it, inside one component."""
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for nxt in sorted(edges[node] & members):
            if nxt == start:
                return paths[node] + [start]
            if nxt not in paths:
                paths[nxt] = paths[node] + [nxt]
                queue.append(nxt)
    raise AssertionError("a component without a loop")


def test_the_package_imports_point_one_way_without_cycles(root: Path) -> None:
    assert problems(root) == []


def test_every_subpackage_is_a_known_layer(root: Path) -> None:
    folders = {p.name for p in (root / "batchkit").iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert folders <= set(LAYERS), f"add {sorted(folders - set(LAYERS))} to LAYERS and the Layout in docs/development.md"


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in {"batchkit/__init__.py": "", **files}.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        (path.parent / "__init__.py").touch()
        path.write_text(text)
    return tmp_path


@pytest.mark.parametrize(("files", "expected"), [
    ({"batchkit/core/a.py": "from batchkit.io.b import x\n", "batchkit/io/b.py": ""},
     "batchkit/core/a.py:1: imports batchkit/io/b.py (io), which is not below core"),
    ({"batchkit/validation/a.py": "def f():\n    from batchkit.builder import b\n", "batchkit/builder/b.py": ""},
     "batchkit/validation/a.py:2: imports batchkit/builder/b.py (builder), which is not below validation"),
    ({"batchkit/delivery/a.py": "from batchkit.builder import b\n", "batchkit/builder/b.py": ""},
     "batchkit/delivery/a.py:1: imports batchkit/builder/b.py (builder), which is not below delivery"),
    ({"batchkit/helpers.py": ""}, "batchkit/helpers.py: outside the capability packages "
                                   f"({', '.join(LAYERS)})"),
    ({"batchkit/render/a.py": "import click\n"},
     "batchkit/render/a.py:1: imports click, which only batchkit/cli/ may import"),
    ({"batchkit/delivery/a.py": "from paramiko import Transport\n"},
     "batchkit/delivery/a.py:1: imports paramiko, which only batchkit/delivery/sftp/ may import"),
    ({"batchkit/core/a.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from batchkit.core import b\n",
      "batchkit/core/b.py": "from batchkit.core.a import x\n"},
     "import cycle: batchkit/core/a.py -> batchkit/core/b.py -> batchkit/core/a.py"),
])
def test_the_check_names_the_file_of_each_wrong_import(tmp_path: Path, files: dict[str, str], expected: str) -> None:
    assert problems(_tree(tmp_path, files)) == [expected]


def test_allowed_imports_pass_the_check(tmp_path: Path) -> None:
    files = {"batchkit/builder/a.py": "from batchkit.validation.b import x\nfrom batchkit.core import c\n",
             "batchkit/validation/b.py": "from . import d\nfrom ..io.e import y\n", "batchkit/validation/d.py": "",
             "batchkit/core/c.py": "", "batchkit/io/e.py": "", "batchkit/cli/f.py": "import click\n"}
    assert problems(_tree(tmp_path, files)) == []


def test_no_public_function_hides_a_package(root: Path) -> None:
    """The library's functions (validate, build, deliver, results, ...) and the capability packages have different
    names, so `import batchkit.delivery.records` and `batchkit.deliver(...)` both work."""
    import importlib

    import batchkit

    packages = {p.name for p in (root / "batchkit").iterdir() if (p / "__init__.py").exists()}
    assert not packages & set(batchkit.__all__)
    for name in ("batchkit.delivery.records", "batchkit.validation.engine", "batchkit.builder.pipeline",
                 "batchkit.verdicts.collect", "batchkit.state.store"):
        module = importlib.import_module(name)
        assert module is eval(name, {"batchkit": batchkit})  # the dotted path reaches the module itself
    assert callable(batchkit.deliver) and callable(batchkit.validate) and callable(batchkit.results)
