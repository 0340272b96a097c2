"""SFTP delivery speed: batchkit beside OpenSSH's `sftp` client, same file, same private sshd, same run.

    .venv/bin/python benchmarks/deliver_bench.py [--mb 100] [--rounds 3]

Generates a valid ~100 MB order-modification batch file under benchmarks/work/, validates it once
(timed and reported on its own), starts an OpenSSH sshd on 127.0.0.1 exactly as the tests do
(tests/sshd.py), then alternates, `--rounds` times:

  batchkit   deliver_files() with the files already prepared (validated, each record's change planned): the
             journal of the records (one row per change), local sha256, ledger,
             connect + host key check + login, pipelined upload to .NAME.part, size check, posix-rename
  sftp       `sftp -b BATCH -i KEY -o UserKnownHostsFile=KH -P PORT user@127.0.0.1` (put), wall time

Best of the rounds counts. "upload part" is batchkit's connect + transfer + verify + rename (the
ledger's timing of the SFTP step); "end to end" adds hashing the file and the ledger writes. MB is
10^6 bytes. The target is an upload part at >= 0.8x the sftp client's throughput: PASS/FAIL.
Needs /usr/sbin/sshd (scripts/ensure_sshd.sh) and the `sftp` client; everything stays on loopback.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from sshd import SshServer, sshd_missing_reason, start_sshd  # noqa: E402

from batchkit.core.config import load_config  # noqa: E402
from batchkit.delivery.files import deliver_files, sha256_file  # noqa: E402
from batchkit.delivery.prepare import FilePlan, prepare  # noqa: E402
from batchkit.state.ledger import Ledger  # noqa: E402
from batchkit.delivery.settings import DeliverySettings
from batchkit.delivery.targets import parse_destination

HEADER = "ActionId,OrderId,ActionTrackerId,Amount,CurrencyCode,CustomerStatus,Reason\n"
TARGET = 0.8


def generate(path: Path, megabytes: int) -> Path:
    """A valid order-modification file of about `megabytes` MB (distinct ActionIds)."""
    target = megabytes * 1_000_000
    if path.exists() and abs(path.stat().st_size - target) < 1_000_000:
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as fh:
        fh.write(HEADER)
        written, n, block = len(HEADER), 0, []
        while written < target:
            n += 1
            row = f"1000.4636.{n},,,12.34,USD,NEW,ORDER_UPDATE\n"
            block.append(row)
            written += len(row)
            if len(block) == 50_000:
                fh.write("".join(block))
                block.clear()
        fh.write("".join(block))
    return path


def run_batchkit(path: Path, server: SshServer, plans: list[FilePlan], known: Path, work: Path,
                 n: int) -> tuple[float, float]:
    """One batchkit delivery into a fresh directory: (end-to-end seconds, upload-part seconds)."""
    drop = server.root / f"bk{n}"
    drop.mkdir()
    settings = DeliverySettings(key_file=server.client_key, known_hosts=known, state_dir=work / f"state{n}",
                                timeout=30, retries=0)
    ledger = Ledger(settings.state_dir)
    started = time.perf_counter()
    dest = parse_destination(server.url(drop))
    (result,) = deliver_files([path], dest, settings, ledger, plans=plans)
    total = time.perf_counter() - started
    ledger.close()
    arrived = drop / path.name
    assert result.outcome == "delivered" and arrived.stat().st_size == path.stat().st_size
    if n == 0:
        assert sha256_file(arrived)[0] == result.sha256, "the delivered file differs"
    shutil.rmtree(drop)
    return total, result.seconds


def run_sftp(path: Path, server: SshServer, known: Path, work: Path, n: int) -> float:
    """One upload with OpenSSH's sftp client (wall time of the whole process)."""
    target = server.root / f"sftp{n}.csv"
    batch = work / "sftp.batch"
    batch.write_text(f"put {path} {target}\n")
    cmd = ["sftp", "-b", str(batch), "-i", str(server.client_key), "-o", f"UserKnownHostsFile={known}",
           "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes", "-P", str(server.port), f"{server.user}@127.0.0.1"]
    started = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0 or target.stat().st_size != path.stat().st_size:
        raise SystemExit(f"sftp client failed ({done.returncode}): {done.stderr.strip()}")
    target.unlink()
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=100, help="size of the generated batch file in MB")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds; the best counts")
    args = parser.parse_args()
    reason = sshd_missing_reason() or (None if shutil.which("sftp") else "the sftp client is not installed")
    if reason:
        print(f"deliver_bench: {reason}", file=sys.stderr)
        return 2
    path = generate(ROOT / "benchmarks" / "work" / "bench_order-modifications.csv", args.mb)
    size_mb = path.stat().st_size / 1e6
    started = time.perf_counter()
    plans = prepare([path], load_config(cwd=path.parent))
    validation = time.perf_counter() - started
    print(f"file: {path.name}, {size_mb:.1f} MB, {plans[0].report.rows:,} rows; validation and planning (each "
          f"record's change) {validation:.2f} s ({size_mb / validation:.1f} MB/s), reported apart from the upload")
    server = start_sshd()
    work = Path(tempfile.mkdtemp(prefix="batchkit-bench-"))
    try:
        known = server.known_hosts(work / "known_hosts")
        runs: dict[str, list[float]] = {"end to end": [], "upload part": [], "sftp": []}
        for n in range(args.rounds):
            total, upload = run_batchkit(path, server, plans, known, work, n)
            runs["end to end"].append(total)
            runs["upload part"].append(upload)
            runs["sftp"].append(run_sftp(path, server, known, work, n))
            print(f"round {n + 1}: batchkit {upload:.2f} s upload part ({total:.2f} s end to end), "
                  f"sftp client {runs['sftp'][-1]:.2f} s")
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
    best = {name: min(times) for name, times in runs.items()}
    speed = {name: size_mb / seconds for name, seconds in best.items()}
    for name in ("upload part", "end to end"):
        print(f"batchkit {name:<12} best {best[name]:.2f} s  {speed[name]:7.1f} MB/s  "
              f"{speed[name] / speed['sftp']:.2f}x sftp")
    print(f"sftp client           best {best['sftp']:.2f} s  {speed['sftp']:7.1f} MB/s")
    ratio = speed["upload part"] / speed["sftp"]
    verdict = "PASS" if ratio >= TARGET else "FAIL"
    print(f"{verdict}: batchkit's upload part runs at {ratio:.2f}x the sftp client's throughput (target >= {TARGET}x)")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
