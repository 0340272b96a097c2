"""MkDocs hook: the reference pages, generated from the code at build time (issue #27: never written twice).

A line `<!-- generated: NAME ARGS... -->` on its own (outside a fenced block) in any page is replaced with what the
generator NAME (a function of GENERATORS, taking ARGS as strings) returns:

    commands [COMMAND...]  every command and subcommand of `batchkit` (click): usage, help, arguments, options
                           (value, default, environment variable), examples (the epilog); with COMMAND (e.g.
                           `deliver`, `actions sync`) only that command and its subcommands
    codes                  every BK code of schemas/codes.toml (severity, message, fix), grouped by range, each with
                           an example from the rule cases (tests/cases/**/*.toml, tests/build_cases/*.toml)
    config                 every batchkit.toml section and key of the config registry (batchkit.core.config
                           SECTIONS, TOP_KEYS): type, default, environment variable, flag; the environment variables
    library                the mkdocstrings directive for the library API (batchkit.__all__)

To add a section: write `def _name(*args: str) -> str` returning Markdown, register it with `@generator("name")`,
and put `<!-- generated: name -->` in a page. tests/test_docs_site.py checks what the pages must contain.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib
import inspect
import json
import re
import sys
import textwrap
import tokenize
import tomllib
import unicodedata
from collections.abc import Callable, Iterator
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # import batchkit from this repository, whatever is installed
    sys.path.insert(0, str(ROOT))

MARKER = re.compile(r"^<!--\s*generated:\s*([a-z][a-z0-9_-]*)((?:\s+[^\s>]+)*)\s*-->$")
FENCE = re.compile(r"^(`{3,}|~{3,})")

GENERATORS: dict[str, Callable[..., str]] = {}


def generator(name: str) -> Callable[[Callable[..., str]], Callable[..., str]]:
    """Register a generator under `name` (the marker's NAME)."""
    def register(function: Callable[..., str]) -> Callable[..., str]:
        GENERATORS[name] = function
        return function
    return register


def generate(name: str, *args: str) -> str:
    """The Markdown of generator `name` (what the marker is replaced with)."""
    if name not in GENERATORS:
        raise KeyError(f"no generated section {name!r} (known: {', '.join(sorted(GENERATORS))})")
    return GENERATORS[name](*args)


def expand(markdown: str, where: str = "page") -> str:
    """`markdown` with every marker line outside fenced blocks replaced by its generated Markdown."""
    out, fence = [], ""
    for line in markdown.splitlines():
        stripped = line.strip()
        opening = FENCE.match(stripped)
        if fence:
            if stripped.startswith(fence) and not stripped.strip(fence[0]):
                fence = ""
        elif opening:
            fence = opening.group(1)
        elif MARKER.match(stripped):
            match = MARKER.match(stripped)
            assert match is not None
            try:
                out.append(generate(match.group(1), *match.group(2).split()))
            except KeyError as exc:
                from mkdocs.exceptions import PluginError

                raise PluginError(f"{where}: {exc.args[0]}") from None
            continue
        out.append(line)
    return "\n".join(out) + "\n"


# --- the MkDocs events ----------------------------------------------------------------------------------------------

def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    return expand(markdown, page.file.src_uri)


def on_serve(server: Any, config: Any, builder: Any) -> Any:
    """`mkdocs serve` rebuilds when what the reference is generated from changes."""
    for path in ("batchkit", "schemas", "tests/cases", "tests/build_cases"):
        server.watch(str(ROOT / path))
    return server


# --- Markdown helpers -----------------------------------------------------------------------------------------------

_SPECIAL = re.compile(r"([\\*_{}\[\]|])")


def text(value: str) -> str:
    """Plain text as Markdown that shows it as written (no emphasis, links, HTML or table cells); `code spans`
    stay code."""
    parts = re.split(r"(`[^`\n]+`)", value)
    return "".join(code(part[1:-1]) if i % 2 else _plain(part) for i, part in enumerate(parts))


def _plain(value: str) -> str:
    escaped = _SPECIAL.sub(r"\\\1", value).replace("`", "\\`")
    return escaped.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def cell(value: str) -> str:
    """Text for a table cell: one line, escaped."""
    return text(" ".join(value.split()))


def code(value: object) -> str:
    """`value` as inline code (a longer fence when it holds backticks); safe in a table cell."""
    shown = str(value).replace("|", "\u2758") if "|" in str(value) else str(value)  # a pipe would end the cell
    tick = "``" if "`" in shown else "`"
    pad = " " if shown.startswith("`") or shown.endswith("`") else ""
    return f"{tick}{pad}{shown}{pad}{tick}"


def block(body: str, lang: str = "text", indent: str = "") -> str:
    """A fenced block holding `body` exactly (a longer fence when the body holds one)."""
    fence = "```"
    while fence in body:
        fence += "`"
    lines = [f"{fence}{lang}", *body.rstrip("\n").split("\n"), fence]
    return "\n".join(indent + line if line else line for line in lines)


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def visible(value: str) -> str:
    """`value` with invisible or control characters (BOM, NBSP, zero-width, CR...) shown as <U+XXXX>."""
    def show(char: str) -> str:
        if char in "\n\t":
            return char
        if unicodedata.category(char) in ("Cc", "Cf", "Zs", "Zl", "Zp") and char != " ":
            return f"<U+{ord(char):04X}>"
        return char
    return "".join(show(c) for c in value)


def anchor(value: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-")


# --- commands: the click tree ---------------------------------------------------------------------------------------

ENV_IN_HELP = re.compile(r"\[env ([A-Z][A-Z0-9_]*)")
ENV_ONLY_IN_HELP = re.compile(r"\s*\[env [A-Z][A-Z0-9_]*\]")  # shown in its own column


def _walk(command: Any, path: list[str], parent: Any = None) -> Iterator[tuple[Any, list[str], Any]]:
    import click

    ctx = click.Context(command, info_name=path[-1], parent=parent)
    yield command, path, ctx
    if isinstance(command, click.Group):
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is not None and not sub.hidden:
                yield from _walk(sub, [*path, name], ctx)


def command_tree() -> list[tuple[Any, list[str], Any]]:
    """(command, its path from `batchkit`, its click context) for every visible command, depth first."""
    from batchkit.cli.main import main

    return list(_walk(main, ["batchkit"]))


def _help_markdown(help_text: str) -> str:
    """click help as Markdown: paragraphs joined; a \\b paragraph (kept as written by click) as a text block."""
    parts = []
    for para in re.split(r"\n\s*\n", inspect.cleandoc(help_text.split("\f")[0])):
        if para.lstrip().startswith("\b"):
            parts.append(block(textwrap.dedent(para.lstrip()[1:].lstrip("\n"))))
        else:
            parts.append(text(" ".join(para.split())))
    return "\n\n".join(p for p in parts if p.strip())


def _value(param: Any, ctx: Any) -> str:
    import click

    if isinstance(param, click.Option) and param.is_flag and not param.count:
        return "flag" + (f" (off: {code(param.secondary_opts[0])})" if param.secondary_opts else "")
    kind = param.type
    if isinstance(kind, click.Choice):
        shown = "one of " + ", ".join(code(c) for c in kind.choices)
    else:
        shown = code(param.make_metavar(ctx))
        describe = getattr(kind, "_describe_range", None)
        if callable(describe) and isinstance(kind, click.types._NumberRangeBase):
            shown += f" ({code(describe())})"
    if getattr(param, "multiple", False) or getattr(param, "nargs", 1) == -1:
        shown += ", repeatable"
    return shown


def _argument_value(param: Any) -> str:
    import click

    if isinstance(param.type, click.Choice):
        shown = "one of " + ", ".join(code(c) for c in param.type.choices)
    else:
        shown = text(param.type.name)
    return shown + (", one or more" if param.nargs == -1 else "")


def _default(param: Any, ctx: Any) -> str:
    if isinstance(param.show_default, str):
        return cell(param.show_default)
    default = param.default
    if default is None or default is False or default == () or callable(default) or _unset(default):
        return ""
    return code(default)


def _unset(value: object) -> bool:
    """click's marker for "no default" (click >= 8.3: Sentinel.UNSET)."""
    return type(value).__name__ == "Sentinel" or repr(value).startswith("Sentinel.")


def _envs(param: Any) -> list[str]:
    names = [param.envvar] if isinstance(param.envvar, str) else list(param.envvar or [])
    return names + [n for n in ENV_IN_HELP.findall(getattr(param, "help", None) or "") if n not in names]


def _epilog_markdown(epilog: str) -> str:
    """The epilog (`Examples:` and the command lines examples() writes) as a heading, a sh block and prose."""
    parts: list[str] = []
    commands: list[str] = []
    prose: list[str] = []

    def flush() -> None:
        if commands:
            parts.append(block("\n".join(commands), "sh"))
            commands.clear()
        if prose:
            parts.append(text(" ".join(prose)))
            prose.clear()

    for raw in textwrap.dedent(epilog.replace("\b", "")).splitlines():
        line = raw.strip()
        if not line:
            flush()
        elif line.rstrip(":").lower() == "examples":
            flush()
            parts.append("**Examples**")
        elif line.startswith(("batchkit ", "$ batchkit ")) or line == "batchkit":
            if prose:
                flush()
            commands.append(line.removeprefix("$ "))
        else:
            if commands:
                flush()
            prose.append(line)
    flush()
    return "\n\n".join(parts)


def epilog_examples(command: Any) -> tuple[list[str], str]:
    """The command lines of a command's epilog, and the rest of it (its notes)."""
    lines, notes = [], []
    for raw in textwrap.dedent((command.epilog or "").replace("\b", "")).splitlines():
        line = raw.strip()
        if line.startswith(("batchkit ", "$ batchkit ")):
            lines.append(line.removeprefix("$ "))
        elif line and line.rstrip(":").lower() != "examples":
            notes.append(line)
    return lines, " ".join(notes)


def _command_markdown(command: Any, path: list[str], ctx: Any, level: int) -> str:
    import click

    name = " ".join(path)
    parts = [f"{'#' * level} {name} {{ #{anchor(' '.join(path[1:]) or 'batchkit')} }}"]
    if command.help:
        parts.append(_help_markdown(command.help))
    parts.append(block(f"{name} {' '.join(command.collect_usage_pieces(ctx))}".strip()))
    if isinstance(command, click.Group):
        subs = [(n, command.get_command(ctx, n)) for n in command.list_commands(ctx)]
        rows = [[f"[{n}](#{anchor(' '.join([*path[1:], n]))})", cell(s.get_short_help_str(limit=200))]
                for n, s in subs if s is not None and not s.hidden]
        parts.append(table(["command", "what it does"], rows))
    arguments = [p for p in command.params if isinstance(p, click.Argument)]
    if arguments:
        rows = [[code(p.make_metavar(ctx)), "yes" if p.required else "no", _argument_value(p)] for p in arguments]
        parts.append("**Arguments**\n\n" + table(["argument", "required", "value"], rows))
    helper = command.get_help_option(ctx)
    options = [p for p in command.get_params(ctx) if isinstance(p, click.Option) and not p.hidden and p is not helper]
    if options:
        rows = []
        for p in options:
            names = ", ".join(code(o) for o in [*p.opts, *p.secondary_opts])
            help_text = cell(ENV_ONLY_IN_HELP.sub("", p.help or "")) + (" **Required.**" if p.required else "")
            rows.append([names, _value(p, ctx), _default(p, ctx), ", ".join(code(e) for e in _envs(p)), help_text])
        parts.append("**Options**\n\n" + table(["option", "value", "default", "environment", "description"], rows))
    if command.epilog:
        parts.append(_epilog_markdown(command.epilog))
    return "\n\n".join(parts)


@generator("commands")
def _commands(*wanted: str) -> str:
    """Every command (or the command `wanted` names, with its subcommands)."""
    tree = command_tree()
    if wanted:
        chosen = [t for t in tree if t[1][1:1 + len(wanted)] == list(wanted)]
        if not chosen:
            raise KeyError(f"no command `batchkit {' '.join(wanted)}`")
        base = len(wanted) + 1
        return "\n\n".join(_command_markdown(c, p, x, 2 + len(p) - base) for c, p, x in chosen)
    return "\n\n".join(_command_markdown(c, p, x, min(2 + max(len(p) - 2, 0), 4)) for c, p, x in tree)


# --- codes: schemas/codes.toml and the rule cases -------------------------------------------------------------------

RANGE_TITLES = {"0": "File structure", "1": "Identifiers", "2": "Values", "3": "Reasons", "4": "Duplicates and conflicts",
                "5": "Build", "6": "Inquiry resolutions", "7": "Preflight", "8": "Results and delivery"}


def _code_groups() -> list[tuple[str, str, list[str]]]:
    """(title, the comment codes.toml gives the range, its codes) for each hundred of the catalogue, in order."""
    from batchkit.core.codes import catalogue

    comments: dict[str, str] = {}
    pending: list[str] = []
    first = True  # the file's own header comment is no range's
    for line in (ROOT / "schemas" / "codes.toml").read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            pending.append(line.lstrip("#").strip())
        elif re.match(r"^\[BK\d{3}\]", line):
            code = line.strip()[1:-1]
            if pending and not first:
                comments.setdefault(code[2], " ".join(pending))
            pending, first = [], False
        elif not line.strip():
            continue
        else:
            pending = []
    groups: dict[str, list[str]] = {}
    for code in catalogue():
        groups.setdefault(code[2], []).append(code)
    return [(RANGE_TITLES.get(h, f"BK{h}xx"), comments.get(h, ""), codes) for h, codes in groups.items()]


def _rule_cases() -> list[dict[str, Any]]:
    """Every rule case (tests/cases/**/*.toml) and build case with findings, with `_source`."""
    cases = []
    for path in sorted((ROOT / "tests" / "cases").rglob("*.toml")):
        for case in tomllib.loads(path.read_text(encoding="utf-8")).get("case", []):
            case["_source"] = str(path.relative_to(ROOT))
            case["_codes"] = [e[2] for e in case.get("expect", [])]
            cases.append(case)
    for path in sorted((ROOT / "tests" / "build_cases").glob("*.toml")):
        for case in tomllib.loads(path.read_text(encoding="utf-8")).get("case", []):
            if "findings" in case:
                case["_source"] = str(path.relative_to(ROOT))
                case["_codes"] = list(case["findings"])
                case["_preset"] = path.stem.split("_")[0]
                cases.append(case)
    return cases


def _example_for(wanted: str, cases: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The plainest case that reports `code`: only that code if possible, then the shortest input."""
    found = [c for c in cases if wanted in c["_codes"]]

    def size(case: dict[str, Any]) -> int:
        return sum(len(str(f.get("csv", f.get("csv_bytes_hex", f.get("export", ""))))) for f in case.get("files") or [case])
    found.sort(key=lambda c: (len(set(c["_codes"]) - {wanted}) > 0, size(c)))
    return found[0] if found else None


def _case_markdown(wanted: str, case: dict[str, Any]) -> str:
    indent = "    "
    body = []
    for i, spec in enumerate(case.get("files") or [case]):
        facts = []
        if spec.get("name") or case.get("files"):
            facts.append(f"file {code_text(spec.get('name', f'case{i}.csv'))}")
        if case.get("kind"):
            facts.append(f"kind {code_text(case['kind'])}")
        if case.get("_preset"):
            facts.append(f"`batchkit build --preset {case['_preset']}` of the export")
        if "preflight" in case["_source"]:
            facts.append("checked with `--preflight` against the sandbox's seed")
        if facts:
            said = ", ".join(facts)
            body.append(indent + said[0].upper() + said[1:] + ":")
        if "xlsx" in spec:
            cells = "\n".join(", ".join(json.dumps(v, default=str) for v in row) for row in spec["xlsx"])
            body.append(block("# an XLSX workbook's typed cells, row by row\n" + cells, "text", indent))
        elif "csv_bytes_hex" in spec and _readable(spec["csv_bytes_hex"]):
            raw = bytes.fromhex(re.sub(r"\s", "", spec["csv_bytes_hex"]))
            said = "# invisible characters shown as <U+XXXX> (a line's CR too)\n"
            body.append(block(said + visible(raw.decode("utf-8")), "text", indent))
        elif "csv_bytes_hex" in spec:
            raw = bytes.fromhex(re.sub(r"\s", "", spec["csv_bytes_hex"]))
            body.append(block(f"# the file's bytes, in hex\n{raw[:120].hex(' ')}{' ...' if len(raw) > 120 else ''}",
                              "text", indent))
        else:
            body.append(block(visible(spec.get("csv", spec.get("export", "")).lstrip("\n")), "csv", indent))
    if "expect" in case:
        rows = [[str(row), code_text(column) if column else "(the row)", f"**{c}**" if c == wanted else c]
                for row, column, c in case["expect"]]
        body.append(textwrap.indent(table(["row", "column", "finding"], rows), indent))
    else:
        body.append(indent + "Findings: " + ", ".join(case["_codes"]) + " (exit 1, nothing written).")
    if case.get("why"):
        body.append(indent + text(case["why"]))
    body.append(indent + f"From {code_text(case['_source'])}, case {code_text(case['id'])}.")
    return f'??? example "Example"\n\n' + "\n\n".join(body)


def _readable(hex_text: str) -> bool:
    """The bytes are UTF-8 text without NULs (shown as text, else as hex)."""
    try:
        return "\0" not in bytes.fromhex(re.sub(r"\s", "", hex_text)).decode("utf-8")
    except UnicodeDecodeError:
        return False


def code_text(value: str) -> str:
    return code(visible(value))


@generator("codes")
def _codes() -> str:
    """The catalogue: a table per range (rows `| BKxxx | severity | message | fix |`), then each code's example."""
    from batchkit.core.codes import catalogue

    info, cases, parts = catalogue(), _rule_cases(), []
    for title, comment, codes in _code_groups():
        low, high = codes[0], codes[-1]
        parts.append(f"## {low}–{high}: {title} {{ #{anchor(low[:3] + 'xx')} }}")
        if comment:
            parts.append(text(comment))
        rows = [[c, info[c].severity, f"[{cell(info[c].title)}](#{c.lower()})", cell(info[c].help)] for c in codes]
        parts.append(table(["code", "severity", "message", "fix"], rows))
        for c in codes:
            parts.append(f"### {c} {{ #{c.lower()} }}")
            parts.append(f"**{text(info[c].title)}** ({info[c].severity})\n\nFix: {text(info[c].help)}")
            case = _example_for(c, cases)
            parts.append(_case_markdown(c, case) if case else "No rule case of the test suite shows this code.")
    return "\n\n".join(parts)


# --- config: the registry of batchkit.toml --------------------------------------------------------------------------

# Where each section's settings are read (the dataclass of its values; the module's _RANGES, DEFAULT_<KEY>, _ENV).
SETTINGS = {
    "reasons": "batchkit.core.config:Config", "customer_status": "batchkit.core.config:Config",
    "validate": "batchkit.core.config:Config", "api": "batchkit.api.settings:ApiSettings",
    "build": "batchkit.builder.settings:BuildSettings", "deliver": "batchkit.delivery.settings:DeliverySettings",
    "inquiries": "batchkit.inquiries.settings:InquirySettings", "radar": "batchkit.deadlines.settings:RadarSettings",
    "run": "batchkit.jobs.settings:RunSettings", "serve": "batchkit.web.settings:ServeSettings",
}
# The commands that read a section, where the section is not named like its command (for the flag column)
SECTION_COMMANDS = {"api": ["actions sync", "actions show", "deliver", "results", "inquiries pull", "inquiries match",
                            "inquiries resolve"], "inquiries": ["inquiries match"]}
# Environment variables no batchkit.toml key has (the secrets never go in the file); what each does
ENV_ONLY = {
    "IMPACT_AUTH_TOKEN": "The impact.com API token. Only ever from the environment (never a flag or the file).",
    "BATCHKIT_SFTP_PASSWORD": "The SFTP drop's password (instead of --key-file). Only ever from the environment.",
    "BATCHKIT_KEY_PASSPHRASE": "The passphrase of an encrypted --key-file. Only ever from the environment.",
    "XDG_STATE_HOME": "The default state folder is $XDG_STATE_HOME/batchkit (else ~/.local/state/batchkit).",
    "GITHUB_ACTIONS": "true (GitHub Actions): validate and results default to --format github.",
    "GITHUB_STEP_SUMMARY": "On GitHub Actions, validate appends its summary to this file.",
    "BATCHKIT_CRASH_AT": "Tests only: a fail point where the process kills itself (crash-recovery tests).",
}


def _settings_of(section: str) -> tuple[Any, Any]:
    module_name, _, cls = SETTINGS.get(section, ":").partition(":")
    if not module_name:
        return None, None
    module = importlib.import_module(module_name)
    return module, getattr(module, cls)


def _field_comments(cls: Any) -> dict[str, str]:
    """The trailing `# comment` of each field of the dataclass `cls` (its source)."""
    try:
        source = textwrap.dedent(inspect.getsource(cls))
    except (OSError, TypeError):
        return {}
    comments = {tok.start[0]: tok.string.lstrip("#").strip() for tok in tokenize.generate_tokens(StringIO(source).readline)
                if tok.type == tokenize.COMMENT}
    found = {}
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.lineno in comments:
            found[node.target.id] = comments[node.lineno]
    return found


def _toml(value: Any) -> str:
    """A default as batchkit.toml spells it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return code(str(value).lower())
    if isinstance(value, (str, Path)):
        return code(json.dumps(str(value)))
    if isinstance(value, Decimal):
        return code(f'"{value}"')
    if isinstance(value, (list, tuple, frozenset)):
        return code("[" + ", ".join(json.dumps(v) for v in value) + "]")
    if isinstance(value, dict) and not value:
        return ""
    if dataclasses.is_dataclass(value):  # a sub-table's defaults, as a TOML inline table
        pairs = (f"{f.name} = {json.dumps(getattr(value, f.name))}" for f in dataclasses.fields(value))
        return code("{" + ", ".join(pairs) + "}")
    return code(value)


def config_keys() -> list[dict[str, Any]]:
    """Every key of the registry: section ("" = top level), key, type, default, env, flag, description, range."""
    import batchkit  # noqa: F401  (declares every section)
    from batchkit.core.config import ANY, SECTIONS, TOP_KEYS
    from batchkit.core.resources import load_toml
    from batchkit.state import folder

    defaults, flags, rows = load_toml("defaults"), _option_index(), []
    for name in sorted(TOP_KEYS):
        rows.append({"section": "", "key": name, "type": "a string", "default": _described(folder.default_state_dir),
                     "env": [folder.ENV_NAME] if name == folder.KEY else [], "flag": flags.get(("", name), []),
                     "description": TOP_KEYS[name], "range": ""})
    for section in sorted(SECTIONS):
        module, cls = _settings_of(section)
        fields = {f.name: f for f in dataclasses.fields(cls)} if cls is not None else {}
        notes = _field_comments(cls) if cls is not None else {}
        ranges = getattr(module, "_RANGES", {})
        envs = dict(getattr(module, "_ENV", {}))
        for key, spec in SECTIONS[section].keys.items():
            if key == folder.KEY:
                envs[key] = folder.ENV_NAME
            what = spec.what if spec is not ANY else _annotation_what(fields.get(key))
            low_high = f"{ranges[key][1]:,}–{ranges[key][2]:,}" if key in ranges else ""
            rows.append({"section": section, "key": key, "type": what, "range": low_high,
                         "default": _default_of(section, key, defaults, module, ranges, fields),
                         "env": [envs[key]] if key in envs else [], "flag": flags.get((section, key), []),
                         "description": notes.get(key, "")})
    return rows


def _described(function: Callable[..., Any]) -> str:
    """A default computed by `function`: its docstring's first line, as prose."""
    return text((inspect.getdoc(function) or "").splitlines()[0].rstrip("."))


def _default_of(section: str, key: str, defaults: dict[str, Any], module: Any, ranges: dict[str, Any],
                fields: dict[str, Any]) -> str:
    if key in defaults.get(section, {}):
        return _toml(defaults[section][key])
    if key in ranges:
        return _toml(ranges[key][0])
    constant = getattr(module, f"DEFAULT_{key.upper()}", None)
    if constant is not None:
        return _toml(constant)
    found = fields.get(key)
    if found is None:
        return ""
    if found.default is not dataclasses.MISSING:
        return _toml(found.default)
    factory = found.default_factory
    if factory is not dataclasses.MISSING and getattr(factory, "__module__", "").startswith("batchkit"):
        return _described(factory)
    return ""


_WHAT = {"str": "a string", "int": "an integer", "bool": "true or false", "dict": "a table", "list": "a list",
         "ShopifySettings": "a table", "Decimal": "an amount"}


def _annotation_what(found: Any) -> str:
    """The type of a key its owner checks itself (Key ANY), from the settings field's annotation."""
    if found is None:
        return "a table"
    words = re.findall(r"[A-Za-z]+", str(found.type))
    for word in words:
        if word in _WHAT:
            return _WHAT[word]
    return "a value"


def _option_index() -> dict[tuple[str, str], list[str]]:
    """(section, key) -> the flags that set it: an option naming the key's variable ([env X]), or named like the
    key on a command that reads the section."""
    import click

    from batchkit.core.config import SECTIONS, TOP_KEYS
    from batchkit.state import folder

    env_of = {}
    for section in SETTINGS:
        module, _cls = _settings_of(section)
        for key, env in getattr(module, "_ENV", {}).items():
            env_of[env] = (section, key)
    found: dict[tuple[str, str], list[str]] = {}
    for command, path, ctx in command_tree():
        name = " ".join(path[1:])
        for param in command.params:
            if not isinstance(param, click.Option) or param.hidden:
                continue
            longest = max(param.opts, key=len)
            targets = [env_of[e] for e in _envs(param) if e in env_of]
            if folder.ENV_NAME in _envs(param):
                targets.append(("", folder.KEY))
            for section in SECTIONS:
                readers = SECTION_COMMANDS.get(section, [section])
                key = longest.lstrip("-").replace("-", "_")
                if name in readers and key in SECTIONS[section].keys:
                    targets.append((section, key))
            for target in targets:
                if longest not in found.setdefault(target, []):
                    found[target].append(longest)
    for key in TOP_KEYS:  # the state folder's flag sets it wherever the file sets it
        for section in SECTIONS:
            if key in SECTIONS[section].keys and ("", key) in found:
                found[(section, key)] = found[("", key)]
    return found


def environment_variables() -> dict[str, str]:
    """Every environment variable batchkit reads -> what it sets (a key, or ENV_ONLY's words)."""
    names: dict[str, str] = {}
    for row in config_keys():
        for env in row["env"]:
            where = f"`[{row['section']}] {row['key']}`" if row["section"] else f"`{row['key']}` (top level)"
            names.setdefault(env, where)
    for env, what in ENV_ONLY.items():
        names.setdefault(env, what)
    return names


@generator("config")
def _config() -> str:
    """The top-level keys, a table per [section] and the environment variables."""
    rows, parts = config_keys(), []
    from batchkit.core.config import SECTIONS

    def key_rows(chosen: list[dict[str, Any]]) -> str:
        lines = []
        for row in chosen:
            what = cell(row["type"]) + (f" ({row['range']})" if row["range"] else "")
            lines.append([code(row["key"]), what, row["default"], ", ".join(code(e) for e in row["env"]),
                          ", ".join(code(f) for f in row["flag"]), cell(row["description"])])
        return table(["key", "type", "default", "environment", "flag", "description"], lines)

    parts.append("## Top-level keys { #top-level }")
    parts.append("Written above any `[section]`.")
    parts.append(key_rows([r for r in rows if not r["section"]]))
    for section in sorted(SECTIONS):
        parts.append(f"## [{section}] {{ #{anchor(section)} }}")
        parts.append(key_rows([r for r in rows if r["section"] == section]))
    parts.append("## Environment variables { #environment }")
    parts.append("A variable overrides the file; a flag overrides the variable.")
    parts.append(table(["variable", "sets"], [[code(k), cell(v)]
                                              for k, v in sorted(environment_variables().items())]))
    return "\n\n".join(parts)


# --- library: mkdocstrings ------------------------------------------------------------------------------------------

@generator("library")
def _library() -> str:
    """`::: batchkit` with batchkit.__all__ as its members (mkdocstrings renders them from their docstrings)."""
    import batchkit

    members = [name for name in batchkit.__all__ if not name.startswith("_")]
    options = "\n".join(f"        - {name}" for name in members)
    return f"::: batchkit\n    options:\n      show_root_heading: false\n      members:\n{options}\n"
