"""Record what `batchkit validate FILE --format json --max-samples 0` prints for every sample and rule case, to
compare two versions of batchkit byte for byte (issue 26: start-up work must leave every finding unchanged).

    python benchmarks/findings_parity.py record OUT_DIR [--tree PATH]   # PATH: a copy of the repo to run instead
    python benchmarks/findings_parity.py compare BEFORE_DIR AFTER_DIR

Inputs: every .csv/.tsv/.xlsx under samples/ (one run each, default kind detection, run from the file's folder so
its batchkit.toml applies), and every case of tests/cases/*.toml (written as tests/test_rules.py writes them, into
a fixed folder so paths match between runs; `kind`, `custom_reasons` and `statuses` passed as --kind and a
batchkit.toml). Each record holds the exit code and stdout of the command, run in-process through click.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = Path("/tmp/batchkit_findings_parity")  # fixed: the JSON names the files


def _cases() -> list[tuple[str, dict]]:
    out = []
    for path in sorted((ROOT / "tests" / "cases").glob("*.toml")):
        with open(path, "rb") as fh:
            for case in tomllib.load(fh)["case"]:
                out.append((f"{path.stem}--{case['id']}", case))
    return out


def _write_case(folder: Path, case: dict) -> list[str]:
    sys.path.insert(0, str(ROOT / "tests"))
    from test_rules import _write_case as write  # the rule tests' own writer

    folder.mkdir(parents=True, exist_ok=True)
    lines = []
    if case.get("custom_reasons"):
        lines += ["[reasons]", f"custom = {json.dumps(case['custom_reasons'])}"]
    if case.get("statuses"):
        lines += ["[customer_status]", f"accepted = {json.dumps(case['statuses'])}"]
    (folder / "batchkit.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return [os.path.basename(p) for p in write(folder, case)]


def _run(args: list[str], cwd: Path) -> dict:
    from click.testing import CliRunner

    from batchkit.cli import main

    here = os.getcwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(main, ["validate", *args, "--format", "json", "--max-samples", "0"])
    finally:
        os.chdir(here)
    return {"args": args, "exit": result.exit_code, "stdout": result.stdout,
            "error": None if result.exception is None or isinstance(result.exception, SystemExit)
            else repr(result.exception)}


def record(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    n = 0
    for path in sorted(p for p in (ROOT / "samples").rglob("*") if p.suffix in (".csv", ".tsv", ".xlsx")):
        rel = path.relative_to(ROOT)
        (out / ("samples--" + "--".join(rel.parts[1:]) + ".json")).write_text(
            json.dumps(_run([path.name], path.parent), indent=1), encoding="utf-8")
        n += 1
    for name, case in _cases():
        folder = WORK / name
        files = _write_case(folder, case)
        args = files + (["--kind", case["kind"]] if case.get("kind") else [])
        (out / f"case--{name}.json").write_text(json.dumps(_run(args, folder), indent=1), encoding="utf-8")
        n += 1
    from batchkit.validation import _pandera

    print(f"recorded {n} runs in {out} with {Path(_pandera.__file__).parent.parent.parent} (pandera "
          f"{'in part' if getattr(_pandera, '_LIGHT', False) else 'whole'})")


def compare(before: Path, after: Path) -> int:
    a = {p.name: p.read_bytes() for p in before.glob("*.json")}
    b = {p.name: p.read_bytes() for p in after.glob("*.json")}
    bad = sorted(n for n in a.keys() | b.keys() if a.get(n) != b.get(n))
    for name in bad:
        print(f"DIFFERS: {name}" if name in a and name in b else f"MISSING on one side: {name}")
    errors = sorted(n for n, v in b.items() if json.loads(v)["error"])
    print(f"{len(a.keys() & b.keys()) - len([n for n in bad if n in a and n in b])} identical of {len(a)} before / "
          f"{len(b)} after; {len(bad)} differ; {len(errors)} runs ended in an internal error")
    return 1 if bad or not a else 0


def main() -> int:
    if sys.argv[1:2] == ["record"]:
        out = Path(sys.argv[2]).resolve()
        if "--tree" in sys.argv:  # run another copy of batchkit (e.g. the code before a change) on the same inputs
            tree = Path(sys.argv[sys.argv.index("--tree") + 1]).resolve()
            env = dict(os.environ, PYTHONPATH=str(tree))
            return subprocess.call([sys.executable, "-P", "-c", "import runpy, sys; sys.argv = ['x', 'record', "
                                    f"{str(out)!r}]; runpy.run_path({str(Path(__file__).resolve())!r}, "
                                    "run_name='__main__')"], env=env, cwd=tree)
        record(out)
        return 0
    if sys.argv[1:2] == ["compare"]:
        return compare(Path(sys.argv[2]), Path(sys.argv[3]))
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
