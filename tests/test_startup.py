"""Start-up (issue 26): commands that do not validate import nothing of the validation stack; validating imports
only the parts of pandera the rules use (not its decorators, schema inference, pydantic or typeguard), and a process that goes on to
use pandera itself — its typing, DataFrameModel, a pydantic-model dtype — gets all of it, working, with
batchkit's findings unchanged. Each case runs in a fresh interpreter: imports are per process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples" / "broken" / "acme_order-modifications_broken.csv"
HEAVY = ("pandas", "pyarrow", "numpy", "pandera", "batchkit.validation.engine")


def _python(code: str, tmp_path: Path) -> dict:
    """Run `code` in a fresh interpreter (it prints one JSON document last)."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "BATCHKIT_STATE_DIR":
                               str(tmp_path / "state")})
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def _after_command(argv: list[str], expression: str, tmp_path: Path) -> list:
    """`batchkit ARGV` run in a fresh interpreter, then `expression` (sys and COMMANDS in scope) as JSON."""
    return list(_python(f"""
import sys, json, contextlib, io
sys.argv = ['batchkit', *{argv!r}]
from batchkit.cli.main import main, COMMANDS
with contextlib.redirect_stdout(io.StringIO()):
    try:
        main()
    except SystemExit:
        pass
print(json.dumps({expression}))
""", tmp_path))


FINDINGS = f"""
import batchkit
def findings():
    report = batchkit.validate([{str(SAMPLE)!r}])
    return sorted([f.code, f.row, f.column or '', f.message] for fr in report.files for f in fr.findings())
"""


@pytest.mark.parametrize("argv", [["--help"], ["template", "order-reversal"], ["sandbox", "--help"],
                                  ["serve", "--help"], ["status"], ["radar", "--help"], ["deliver", "--help"]])
def test_commands_that_do_not_validate_import_no_validation_stack(tmp_path: Path, argv: list[str]) -> None:
    assert _after_command(argv, f"[m for m in {HEAVY!r} if m in sys.modules]", tmp_path) == []


def test_validating_imports_pandera_in_part(tmp_path: Path) -> None:
    got = _python(FINDINGS + """
import sys, json
found = findings()
from batchkit.validation import _pandera
print(json.dumps({'light': _pandera._LIGHT, 'findings': len(found),
                  'loaded': [m for m in ('pydantic', 'pydantic_core', 'typeguard', 'hypothesis', 'unittest.mock',
                                         'asyncio', 'pandera.decorators', 'pandera.schema_inference')
                             if m in sys.modules]}))
""", tmp_path)
    assert got["light"] is True and got["findings"] > 5
    assert got["loaded"] == []


def test_pandera_used_afterwards_in_the_same_process_is_all_there(tmp_path: Path) -> None:
    got = _python(FINDINGS + """
import json, warnings
before = findings()
import pandas as pd, pydantic
import pandera.pandas as pa
from pandera.typing import Series
from pandera.engines.pandas_engine import PydanticModel
schema = pa.DataFrameSchema({'a': pa.Column(int, pa.Check.ge(0)), 'b': pa.Column(str)})
ok = schema.validate(pd.DataFrame({'a': [1, 2], 'b': ['x', 'y']})).shape[0]
try:
    schema.validate(pd.DataFrame({'a': [-1], 'b': ['x']}))
    refused = False
except pa.errors.SchemaError:
    refused = True
class Model(pa.DataFrameModel):
    a: Series[int] = pa.Field(ge=0)
class Row(pydantic.BaseModel):
    a: int
class ByRow(pa.DataFrameModel):
    class Config:
        dtype = PydanticModel(Row)
        coerce = True
warnings.simplefilter('ignore')
model = Model.validate(pd.DataFrame({'a': [3]})).shape[0]
try:
    ByRow.validate(pd.DataFrame({'a': ['not a number']}))
    by_row = 'passed'
except (pa.errors.SchemaError, pa.errors.SchemaErrors):
    by_row = 'refused'
print(json.dumps({'ok': ok, 'refused': refused, 'model': model, 'by_row': by_row, 'same': findings() == before}))
""", tmp_path)
    assert got == {"ok": 2, "refused": True, "model": 1, "by_row": "refused", "same": True}


@pytest.mark.parametrize("first", ["import pandera.pandas", "import pydantic, typeguard"])
def test_pandera_or_pydantic_imported_first_gives_the_same_findings(tmp_path: Path, first: str) -> None:
    alone = _python(FINDINGS + "import json\nprint(json.dumps(findings()))", tmp_path)
    after = _python(f"{first}\n" + FINDINGS + "import json\nprint(json.dumps(findings()))", tmp_path)
    assert after == alone and alone


@pytest.mark.parametrize("argv,module", [(["status"], "status"), (["template", "order-reversal"], "template"),
                                         (["validate", "--help"], "validate")])
def test_a_command_imports_its_own_module_and_no_other_commands(tmp_path: Path, argv: list[str], module: str) -> None:
    loaded = "sorted(m for m, _ in COMMANDS.values() if 'batchkit.cli.' + m in sys.modules)"
    assert _after_command(argv, loaded, tmp_path) == [module]
