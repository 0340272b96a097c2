"""The Check page on a large file: upload -> first page of findings, beside `batchkit validate` of the same file,
in the same run.

    .venv/bin/python benchmarks/web_bench.py [--rows 1000000] [--bad 0.1] [--runs 1] [--workdir DIR]

Writes an order-modification batch file of --rows rows with --bad of them damaged (benchmarks/generate.py: one
realistic piece of damage per bad row), then measures:
  - `batchkit validate FILE --format json`, the CLI in its own process (start-up, reading, every rule, the
    report printed): what a finance user waits for at the terminal;
  - the workbench (`batchkit serve`'s app under uvicorn, in its own process, on a real socket), driven by httpx
    as the browser would: the upload POST (multipart, the file streamed), polling the check until its task is
    done, then GET of the first grid page. The time from the first byte of the upload to the last byte of that
    page is the figure; the target is at most 1.5x the CLI's time.
Then the size in bytes of grid pages (first, middle, last): bounded by the page size (50 records), whatever the
file's size; and the server process's peak RSS (os.wait4's ru_maxrss of that one child, after it stops).
Best of --runs each.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
from scratch import work_folder  # benchmarks/ is sys.path[0] when run as a script
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

SERVER = """
import sys
from pathlib import Path
from batchkit.web.serve import serve
from batchkit.web.settings import ServeSettings
try:
    serve(ServeSettings(Path(sys.argv[1]), 0, 4096 << 20, 7, None), say=lambda text: print(text, flush=True))
except KeyboardInterrupt:
    pass
"""


def generate(folder: Path, rows: int, bad: float) -> Path:
    from generate import write_order_modification

    path = folder / f"bench_order-modifications_{rows}.csv"
    if not path.exists():
        write_order_modification(path, rows, bad_fraction=bad)
    return path


def cli_run(path: Path, *flags: str) -> tuple[float, int]:
    """`batchkit validate FILE` in its own process (exit 1 expected: the file has bad rows): seconds, peak RSS."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "batchkit", "validate", str(path), "--format", "json", *flags],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    _pid, status, usage = os.wait4(proc.pid, 0)
    took = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    assert proc.returncode == 1, f"batchkit validate exited {proc.returncode}"
    return took, usage.ru_maxrss * 1024


def rss_now(pid: int) -> int:
    """A process's resident memory now (Linux /proc), in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def start_server(state: Path) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen([sys.executable, "-c", SERVER, str(state)], stdout=subprocess.PIPE, text=True,
                            cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.stdout is not None
    for line in proc.stdout:
        found = re.search(r"open (http://\S+)", line)
        if found:
            return proc, found.group(1)
    raise SystemExit("the workbench did not start")


def stop_server(proc: subprocess.Popen[str]) -> int:
    """Stop the server; its peak RSS in bytes (Linux gives ru_maxrss in KiB)."""
    proc.send_signal(signal.SIGINT)
    _pid, _status, usage = os.wait4(proc.pid, 0)
    proc.returncode = 0
    return usage.ru_maxrss * 1024


def signed_in(url: str):  # type: ignore[no-untyped-def]
    import httpx

    client = httpx.Client(base_url=url.split("/?", 1)[0], timeout=600, follow_redirects=False)
    assert client.get(url).status_code == 303
    page = client.get("/check").text
    token = re.search(r'"X-CSRF-Token": "([^"]+)"', page)
    assert token, "no CSRF token on the page"
    client.headers.update({"X-CSRF-Token": token.group(1), "HX-Request": "true"})
    return client


def web_run(client, path: Path) -> tuple[float, str, list[float]]:  # type: ignore[no-untyped-def]
    """Seconds from the upload POST to the first grid page received; the check id; the steps' seconds (the upload
    answered, the check done, the first page received)."""
    start = time.perf_counter()
    with path.open("rb") as data:
        got = client.post("/check/upload", files={"files": (path.name, data, "text/csv")})
    assert got.status_code == 200, got.text[:300]
    uploaded = time.perf_counter()
    cid = got.headers["hx-push-url"].rsplit("/", 1)[-1]
    while True:
        body = client.get(f"/check/{cid}").text
        state = re.search(r'data-state="(\w+)"', body)
        if state and state.group(1) != "running":
            break
        time.sleep(0.05)
    assert state.group(1) == "done", body[:1000]
    checked = time.perf_counter()
    first = client.get(f"/check/{cid}/grid/0", params={"page": 1})
    end = time.perf_counter()
    assert first.status_code == 200 and "<tr data-row=" in first.text
    return end - start, cid, [uploaded - start, checked - uploaded, end - checked]


def page_sizes(client, cid: str) -> dict[str, int]:  # type: ignore[no-untyped-def]
    first = client.get(f"/check/{cid}/grid/0").text
    pages = int(re.search(r'data-pages="(\d+)"', first).group(1))  # type: ignore[union-attr]
    sizes = {}
    for name, number in (("first", 1), ("middle", max(1, pages // 2)), ("last", pages)):
        got = client.get(f"/check/{cid}/grid/0", params={"page": number})
        rows = got.text.count("<tr data-row=")
        sizes[f"{name} (page {number:,} of {pages:,}, {rows} rows)"] = len(got.content)
    return sizes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--bad", type=float, default=0.1, help="fraction of damaged rows (default 0.1)")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args(argv)
    folder = work_folder(args.workdir, "web_bench_")
    path = generate(folder, args.rows, args.bad)
    print(f"file: {path.name}, {args.rows:,} rows ({args.bad:.0%} bad), {path.stat().st_size:,} bytes")
    cli, cli_peak = min(cli_run(path) for _ in range(args.runs))
    print(f"batchkit validate FILE (CLI, own process, default --max-samples 10): {cli:8.2f} s, "
          f"peak RSS {cli_peak / (1 << 20):,.0f} MiB")
    every, every_peak = min(cli_run(path, "--max-samples", "0") for _ in range(args.runs))
    print(f"batchkit validate FILE --max-samples 0 (every finding kept, as the grid needs): {every:8.2f} s, "
          f"peak RSS {every_peak / (1 << 20):,.0f} MiB")
    proc, url = start_server(folder / "state")
    try:
        client = signed_in(url)
        runs = [web_run(client, path) for _ in range(args.runs)]
        web, cid, steps = min(runs)
        sizes = page_sizes(client, cid)
        client.close()
        after = rss_now(proc.pid)
    finally:
        peak = stop_server(proc)
    ratio = web / cli
    print(f"workbench upload -> first page of findings: {web:8.2f} s (upload answered {steps[0]:.2f} s, "
          f"check done {steps[1]:.2f} s later, first page {steps[2]:.2f} s)")
    print(f"ratio to `batchkit validate FILE`: {ratio:.2f}x (target <= 1.5x): {'PASS' if ratio <= 1.5 else 'FAIL'}")
    print(f"ratio to `batchkit validate FILE --max-samples 0`: {web / every:.2f}x")
    for name, size in sizes.items():
        print(f"grid page {name}: {size:,} bytes")
    print(f"server peak RSS: {peak / (1 << 20):,.0f} MiB; RSS once the check is done and kept: "
          f"{after / (1 << 20):,.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
