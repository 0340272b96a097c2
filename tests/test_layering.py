"""The package's shape: imports point one way (core <- io <- render <- workers <- jobs <- cli), without
cycles, and each third-party library stays in the modules that own it.

Every import counts, also those inside functions and under TYPE_CHECKING: a lazy import is still a
dependency, and a cycle hidden behind one is still a cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

LAYERS = {"core": 0, "io": 1, "render": 2, "validate": 3, "build": 3, "deliver": 3, "api": 3, "sandbox": 3,
          "preflight": 3, "inquiries": 3, "results": 3,
          "jobs": 4, "cli": 5}
TOP = 6  # batchkit/__init__.py (the library API) and __main__.py stand above everything
SIDEWAYS = {"build": {"validate"}, "deliver": {"validate", "api"},  # workers validate what they write or send;
            # deliver --to api sends records through the API's client
            "preflight": {"validate", "api"},  # preflight checks validated files against the API's mirror
            "results": {"api", "deliver", "validate"},  # the platform's verdict on what deliver's ledger sent
            "inquiries": {"api", "build", "deliver", "validate"}}  # decided from exports (build's readers) and
            # the mirror, validated, resolved exactly once (deliver's ledger and destinations)
OWNERS = {  # a third-party package -> the only places that may import it
    "click": ("batchkit/cli/",),
    "paramiko": ("batchkit/deliver/sftp/",),
    "openpyxl": ("batchkit/io/", "batchkit/render/annotate.py", "batchkit/render/review.py"),
    "pandera": ("batchkit/validate/_pandera.py",),
    "httpx": ("batchkit/api/",),
}


def modules(root: Path) -> dict[str, Path]:
    """Dotted module name -> file, for every module of the package under `root`."""
    found = {}
    for path in sorted((root / "batchkit").rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


SHADOWED = ("batchkit.validate", "batchkit.build", "batchkit.deliver")  # names of the library's functions too


def shadowed_imports(path: Path) -> list[int]:
    """Lines of `import batchkit.validate.x [as y]`: `batchkit.validate` is the function validate(), so
    the dotted form fails at run time; `from batchkit.validate import x` works."""
    return [node.lineno for node in ast.walk(ast.parse(path.read_text(), str(path))) if isinstance(node, ast.Import)
            for alias in node.names if alias.name.startswith(tuple(f"{s}." for s in SHADOWED))]


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
        found += [f"{where}:{line}: write `from batchkit.<package> import <module>`: batchkit.validate, .build "
                  "and .deliver are also the library's functions" for line in shadowed_imports(path)]
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
    assert folders <= set(LAYERS), f"add {sorted(folders - set(LAYERS))} to LAYERS and the README's Layout"


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
    ({"batchkit/validate/a.py": "def f():\n    from batchkit.build import b\n", "batchkit/build/b.py": ""},
     "batchkit/validate/a.py:2: imports batchkit/build/b.py (build), which is not below validate"),
    ({"batchkit/deliver/a.py": "from batchkit.build import b\n", "batchkit/build/b.py": ""},
     "batchkit/deliver/a.py:1: imports batchkit/build/b.py (build), which is not below deliver"),
    ({"batchkit/helpers.py": ""}, "batchkit/helpers.py: outside the capability packages "
                                   f"({', '.join(LAYERS)})"),
    ({"batchkit/jobs/a.py": "import batchkit.deliver.b as b\n", "batchkit/deliver/b.py": ""},
     "batchkit/jobs/a.py:1: write `from batchkit.<package> import <module>`: batchkit.validate, .build and .deliver "
     "are also the library's functions"),
    ({"batchkit/render/a.py": "import click\n"},
     "batchkit/render/a.py:1: imports click, which only batchkit/cli/ may import"),
    ({"batchkit/deliver/a.py": "from paramiko import Transport\n"},
     "batchkit/deliver/a.py:1: imports paramiko, which only batchkit/deliver/sftp/ may import"),
    ({"batchkit/core/a.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from batchkit.core import b\n",
      "batchkit/core/b.py": "from batchkit.core.a import x\n"},
     "import cycle: batchkit/core/a.py -> batchkit/core/b.py -> batchkit/core/a.py"),
])
def test_the_check_names_the_file_of_each_wrong_import(tmp_path: Path, files: dict[str, str], expected: str) -> None:
    assert problems(_tree(tmp_path, files)) == [expected]


def test_allowed_imports_pass_the_check(tmp_path: Path) -> None:
    files = {"batchkit/build/a.py": "from batchkit.validate.b import x\nfrom batchkit.core import c\n",
             "batchkit/validate/b.py": "from . import d\nfrom ..io.e import y\n", "batchkit/validate/d.py": "",
             "batchkit/core/c.py": "", "batchkit/io/e.py": "", "batchkit/cli/f.py": "import click\n"}
    assert problems(_tree(tmp_path, files)) == []
