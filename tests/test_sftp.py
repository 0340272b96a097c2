"""SFTP delivery against a real OpenSSH sshd on 127.0.0.1 (SPEC §4), with a loopback fault proxy."""

from __future__ import annotations

import base64
import multiprocessing
import os
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import paramiko
import pytest
from click.testing import CliRunner
from conftest_sftp import batch, drop, require_sshd, settings, sshd_server, with_port  # noqa: F401 (fixtures)
from sshd import FaultProxy, SshServer, make_key, start_sshd, unprivileged_user

from batchkit.cli.deliver import deliver as deliver_command
from batchkit.delivery import sftp as sftp_module
from batchkit.delivery.files import deliver_files
from batchkit.delivery.errors import (
    AuthError,
    HostKeyError,
    PermanentError,
    RemotePathError,
    TransientError,
    UncertainDelivery,
    UnsupportedServer,
)
from batchkit.state.ledger import Ledger
from batchkit.delivery.records import DeliveryResult, sha256_file
from batchkit.delivery.settings import DeliverySettings
from batchkit.delivery.targets import parse_destination

ROOT = Path(__file__).resolve().parent.parent


def _send(paths: list[Path], url: str, settings: DeliverySettings, **kw: Any) -> list[DeliveryResult]:
    ledger = Ledger(settings.state_dir)
    try:
        return deliver_files(paths, parse_destination(url), settings, ledger, **kw)
    finally:
        ledger.close()


def _fingerprint(public_line: str) -> str:
    kind, b64 = public_line.split()[:2]
    return str(paramiko.PKey.from_type_string(kind, base64.b64decode(b64)).fingerprint)


def _listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# ------------------------------------------------------------------ happy path and idempotency

def test_delivery_arrives_complete_without_leftovers(sshd_server: SshServer, drop: Path, settings, batch) -> None:
    big, small = batch(20_000, "acme_order-modifications.csv"), batch(3, "more_order-modifications.csv", 50_000)
    logins = sshd_server.logins()
    results = _send([big, small], sshd_server.url(drop), settings)
    assert sshd_server.wait_logins(logins + 1) == logins + 1  # one connection for the whole run
    assert [r.outcome for r in results] == ["delivered", "delivered"]
    assert [r.attempts for r in results] == [1, 1]
    assert _listing(drop) == sorted([big.name, small.name])  # no .part left behind
    assert (drop / big.name).read_bytes() == big.read_bytes()
    assert (drop / small.name).read_bytes() == small.read_bytes()
    assert results[0].remote == f"{drop}/{big.name}"
    entries = Ledger(settings.state_dir).entries()
    assert [(e.name, e.outcome, e.size) for e in entries] == [(big.name, "delivered", big.stat().st_size),
                                                              (small.name, "delivered", small.stat().st_size)]


def test_relative_destination_resolves_from_the_sftp_start_directory(sshd_server: SshServer, settings, batch) -> None:
    (sshd_server.root / "rel").mkdir()
    f = batch(5)
    (result,) = _send([f], f"sftp://{sshd_server.user}@127.0.0.1:{sshd_server.port}/~/rel", settings)
    assert result.outcome == "delivered"
    assert (sshd_server.root / "rel" / f.name).read_bytes() == f.read_bytes()  # internal-sftp -d <root>


def test_second_delivery_of_the_same_content_sends_nothing(sshd_server: SshServer, drop: Path, settings, batch) -> None:
    f = batch(50)
    before = sshd_server.logins()
    (first,) = _send([f], sshd_server.url(drop), settings)
    (drop / f.name).unlink()  # the partner picked it up
    logins = sshd_server.wait_logins(before + 1)
    (again,) = _send([f], sshd_server.url(drop), settings)
    assert again.outcome == "skipped" and again.at == first.at
    assert again.describe().startswith(f"{f.name}: already delivered on {first.at}, skipped ({sshd_server.url(drop)};")
    time.sleep(0.1)
    assert sshd_server.logins() == logins == before + 1  # the second run did not even connect
    assert _listing(drop) == []
    (resent,) = _send([f], sshd_server.url(drop), settings, resend=True)
    assert resent.outcome == "delivered" and (drop / f.name).read_bytes() == f.read_bytes()


def test_a_different_file_already_waiting_under_the_name_is_not_overwritten(sshd_server: SshServer, drop: Path,
                                                                           settings, batch) -> None:
    f = batch(10)
    (drop / f.name).write_text("someone else's file\n")
    with pytest.raises(RemotePathError, match="already exists .* different content") as info:
        _send([f], sshd_server.url(drop), settings)
    assert info.value.attempts == 1
    assert (drop / f.name).read_text() == "someone else's file\n" and _listing(drop) == [f.name]


# ------------------------------------------------------------------ permanent failures: at once, one attempt

def test_unknown_host_key_is_refused_with_its_fingerprint(sshd_server: SshServer, drop: Path, settings, batch,
                                                          tmp_path: Path) -> None:
    other_port = sshd_server.known_hosts(tmp_path / "kh_other", port=2)  # pins a different host:port only
    s = replace(settings, known_hosts=other_port)
    with pytest.raises(HostKeyError) as info:
        _send([batch(5)], sshd_server.url(drop), s)
    message = str(info.value)
    assert "unknown host key" in message and _fingerprint(sshd_server.host_public) in message
    assert f"[127.0.0.1]:{sshd_server.port} ssh-ed25519 " in message  # the line to add, once confirmed
    assert info.value.attempts == 1 and info.value.exit_code == 3 and _listing(drop) == []


def test_changed_host_key_is_refused(sshd_server: SshServer, drop: Path, settings, batch, tmp_path: Path) -> None:
    impostor = make_key(tmp_path / "impostor")
    s = replace(settings, known_hosts=sshd_server.known_hosts(tmp_path / "kh", public_line=impostor))
    with pytest.raises(HostKeyError, match="CHANGED") as info:
        _send([batch(5)], sshd_server.url(drop), s)
    assert _fingerprint(sshd_server.host_public) in str(info.value) and _fingerprint(impostor) in str(info.value)
    assert info.value.attempts == 1 and _listing(drop) == []


@pytest.mark.parametrize("head", [b"\xff\xfe", b"|1|x|y ", b"|1|!!|y "])
def test_an_unreadable_known_hosts_names_the_file(sshd_server: SshServer, drop: Path, settings, batch,
                                                  tmp_path: Path, head: bytes) -> None:
    kh = tmp_path / "kh_bad"  # not UTF-8, or a hashed entry paramiko chokes on while connecting
    kh.write_bytes(head + sshd_server.host_public.encode() + b"\n")
    with pytest.raises(HostKeyError, match=f"known_hosts file {kh}") as info:
        _send([batch(5)], sshd_server.url(drop), replace(settings, known_hosts=kh))
    assert info.value.attempts == 1 and _listing(drop) == []


def test_wrong_client_key_is_refused(sshd_server: SshServer, drop: Path, settings, batch, tmp_path: Path) -> None:
    stranger = tmp_path / "stranger_ed25519"
    make_key(stranger)
    with pytest.raises(AuthError, match="refused the login") as info:
        _send([batch(5)], sshd_server.url(drop), replace(settings, key_file=stranger))
    assert info.value.attempts == 1
    entry = Ledger(settings.state_dir).entries()[-1]
    assert entry.outcome == "failed" and entry.attempts == 1


@pytest.mark.filterwarnings("ignore:.*DSA")  # cryptography deprecates DSA keys
def test_an_unsupported_key_type_is_an_auth_error(sshd_server: SshServer, drop: Path, settings, batch,
                                                  tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import dsa

    old = tmp_path / "id_dsa"
    old.write_bytes(dsa.generate_private_key(1024).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption()))
    with pytest.raises(AuthError, match="key type is not supported"):
        _send([batch(5)], sshd_server.url(drop), replace(settings, key_file=old))
    assert _listing(drop) == []


def test_unwritable_remote_directory_fails_at_once(sshd_server: SshServer, settings, batch) -> None:
    locked = sshd_server.root / "readonly"
    locked.mkdir(exist_ok=True)
    locked.chmod(0o555)  # root-owned when the tests run as root; the login is then `nobody`
    logins = sshd_server.logins()
    with pytest.raises(RemotePathError, match="permission denied") as info:
        _send([batch(5)], sshd_server.url(locked, user=unprivileged_user()), settings)
    assert info.value.attempts == 1 and sshd_server.wait_logins(logins + 1) == logins + 1
    assert _listing(locked) == []


def test_missing_remote_directory_fails_at_once(sshd_server: SshServer, settings, batch) -> None:
    missing = sshd_server.root / "no-such-dir"
    with pytest.raises(RemotePathError, match="no such file or directory") as info:
        _send([batch(5)], sshd_server.url(missing), settings)
    assert info.value.attempts == 1 and not missing.exists()
    assert [r.outcome for r in info.value.results] == ["failed"]


def test_server_without_posix_rename_is_refused(settings, batch, tmp_path: Path) -> None:
    require_sshd()
    server = start_sshd(sftp_flags="-P posix-rename")  # OpenSSH then stops announcing it
    try:
        target = server.root / "in"
        target.mkdir()
        s = replace(settings, known_hosts=server.known_hosts(tmp_path / "kh"), key_file=server.client_key)
        with pytest.raises(UnsupportedServer, match="posix-rename@openssh.com") as info:
            _send([batch(5)], server.url(target), s)
        assert info.value.attempts == 1 and _listing(target) == []
    finally:
        server.stop()


# ------------------------------------------------------------------ transient failures: retried, exactly one file

@pytest.mark.parametrize("mode", ["close", "reset"])
def test_dropped_connections_are_retried(mode: str, sshd_server: SshServer, drop: Path, settings, batch,
                                         tmp_path: Path) -> None:
    f = batch(40_000)  # ~1.7 MB, so the fault lands mid-upload
    with FaultProxy(sshd_server.port, mode, after=300_000, faulty=2) as proxy:
        s = with_port(settings, sshd_server, proxy.port, tmp_path)
        (result,) = _send([f], sshd_server.url(drop, port=proxy.port), s)
    assert proxy.faults == 2 and result.attempts == 3 and result.outcome == "delivered"
    assert _listing(drop) == [f.name] and (drop / f.name).read_bytes() == f.read_bytes()


def test_stalled_link_times_out_and_is_retried(sshd_server: SshServer, drop: Path, settings, batch,
                                               tmp_path: Path) -> None:
    f = batch(40_000)
    with FaultProxy(sshd_server.port, "stall", after=300_000, faulty=1) as proxy:
        s = replace(with_port(settings, sshd_server, proxy.port, tmp_path), timeout=1.0)
        started = time.monotonic()
        (result,) = _send([f], sshd_server.url(drop, port=proxy.port), s)
        elapsed = time.monotonic() - started
    assert proxy.faults == 1 and result.attempts == 2 and elapsed < 10
    assert _listing(drop) == [f.name] and (drop / f.name).read_bytes() == f.read_bytes()


def test_gives_up_after_the_configured_retries(sshd_server: SshServer, drop: Path, settings, batch,
                                               tmp_path: Path) -> None:
    f = batch(40_000)
    with FaultProxy(sshd_server.port, "reset", after=300_000, faulty=99) as proxy:
        s = replace(with_port(settings, sshd_server, proxy.port, tmp_path), retries=2)
        with pytest.raises(TransientError, match="gave up after 3 attempts") as info:
            _send([f], sshd_server.url(drop, port=proxy.port), s)
    assert proxy.connections == 3 and info.value.exit_code == 3
    assert f.name not in _listing(drop)
    assert Ledger(settings.state_dir).entries()[-1].outcome == "failed"


def test_interrupted_final_rename_is_resolved_on_the_next_attempt(sshd_server: SshServer, drop: Path, settings,
                                                                  batch, monkeypatch: pytest.MonkeyPatch) -> None:
    real = sftp_module._Client.hardlink
    calls = []

    def link_then_die(self: Any, old: str, new: str) -> None:
        calls.append(new)
        real(self, old, new)
        if len(calls) == 1:
            raise EOFError()  # the server linked, but the answer never arrived

    monkeypatch.setattr(sftp_module._Client, "hardlink", link_then_die)
    f = batch(20)
    (result,) = _send([f], sshd_server.url(drop), settings)
    assert result.outcome == "delivered" and result.attempts == 2 and len(calls) == 1  # not renamed twice
    assert _listing(drop) == [f.name]


def test_interrupted_rename_with_the_file_gone_is_reported_uncertain(sshd_server: SshServer, drop: Path, settings,
                                                                     batch, monkeypatch: pytest.MonkeyPatch) -> None:
    real = sftp_module._Client.hardlink

    def link_pickup_die(self: Any, old: str, new: str) -> None:
        real(self, old, new)
        Path(new).unlink()  # the partner's poller took it at once
        raise EOFError()

    monkeypatch.setattr(sftp_module._Client, "hardlink", link_pickup_die)
    f = batch(20)
    with pytest.raises(UncertainDelivery, match="may have picked it up") as info:
        _send([f], sshd_server.url(drop), settings)
    assert [r.outcome for r in info.value.results] == ["uncertain"] and info.value.exit_code == 3
    assert Ledger(settings.state_dir).entries()[-1].outcome == "unknown"
    monkeypatch.undo()
    with pytest.raises(UncertainDelivery, match="--resend"):  # a later run will not guess either
        _send([f], sshd_server.url(drop), settings)
    (result,) = _send([f], sshd_server.url(drop), settings, resend=True)
    assert result.outcome == "delivered"


# ------------------------------------------------------------------ concurrency: two runs never both send

def _library_worker(paths: list[str], url: str, settings: DeliverySettings, barrier: Any, out: Any) -> None:
    barrier.wait()
    try:
        ledger = Ledger(settings.state_dir)
        results = deliver_files([Path(p) for p in paths], parse_destination(url), settings, ledger)
        out.put([r.outcome for r in results])
    except Exception as exc:  # reported to the parent, which fails the test
        out.put([f"{type(exc).__name__}: {exc}"])


def test_two_concurrent_library_runs_never_both_send(sshd_server: SshServer, drop: Path, settings, batch,
                                                     tmp_path: Path) -> None:
    f = batch(20_000)
    ctx = multiprocessing.get_context("spawn")
    with FaultProxy(sshd_server.port, "slow", rate=2_000_000) as proxy:  # the upload takes ~0.5 s
        s = with_port(settings, sshd_server, proxy.port, tmp_path)
        barrier, out = ctx.Barrier(2), ctx.Queue()
        url = sshd_server.url(drop, port=proxy.port)
        procs = [ctx.Process(target=_library_worker, args=([str(f)], url, s, barrier, out)) for _ in range(2)]
        for p in procs:
            p.start()
        outcomes = sorted(out.get(timeout=60)[0] for _ in procs)
        for p in procs:
            p.join(10)
    assert outcomes == ["delivered", "skipped"]
    assert proxy.connections == 1 and _listing(drop) == [f.name]


def _cli_argv() -> list[str]:
    from batchkit.cli.main import main

    if "deliver" in getattr(main, "commands", {}):
        return [sys.executable, "-m", "batchkit", "deliver"]
    code = "from batchkit.cli.deliver import deliver; deliver(prog_name='batchkit deliver')"
    return [sys.executable, "-c", code]


def test_two_concurrent_cli_runs_never_both_send(sshd_server: SshServer, drop: Path, settings, batch,
                                                 tmp_path: Path) -> None:
    f = batch(20_000)
    with FaultProxy(sshd_server.port, "slow", rate=2_000_000) as proxy:
        s = with_port(settings, sshd_server, proxy.port, tmp_path)
        env = {**os.environ, "BATCHKIT_KEY_FILE": str(s.key_file), "BATCHKIT_KNOWN_HOSTS": str(s.known_hosts),
               "BATCHKIT_STATE_DIR": str(s.state_dir)}
        argv = [*_cli_argv(), str(f), "--to", sshd_server.url(drop, port=proxy.port)]
        procs = [subprocess.Popen(argv, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True) for _ in range(2)]
        outs = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    lines = sorted(out.strip() for out, _ in outs)
    assert lines[0].startswith(f"{f.name}: already delivered on ") and ", skipped (" in lines[0], outs
    assert lines[1].startswith(f"sent {f.name} -> "), outs
    assert proxy.connections == 1 and _listing(drop) == [f.name]


# ------------------------------------------------------------------ the command: exit codes and messages

def test_cli_sftp_exit_codes(sshd_server: SshServer, drop: Path, settings, batch, tmp_path: Path) -> None:
    command, runner = deliver_command, CliRunner()
    f = batch(10)
    common = ["--key-file", str(settings.key_file), "--state-dir", str(settings.state_dir)]
    unknown = sshd_server.known_hosts(tmp_path / "kh_other", port=2)
    result = runner.invoke(command, [str(f), "--to", sshd_server.url(drop), "--known-hosts", str(unknown), *common])
    assert result.exit_code == 3 and "batchkit: error: unknown host key" in result.stderr
    assert result.stdout == "failed acme_order-modifications.csv (1 attempt)\n"
    ok = runner.invoke(command, [str(f), "--to", sshd_server.url(drop), "--known-hosts", str(settings.known_hosts),
                                 *common])
    assert ok.exit_code == 0, ok.output
    assert ok.stdout.startswith(f"sent {f.name} -> {drop}/{f.name}") and ok.stderr == ""
    missing = runner.invoke(command, [str(f), "--to", sshd_server.url(drop), *common],
                            env={"BATCHKIT_KNOWN_HOSTS": ""})
    assert missing.exit_code == 2 and "needs --known-hosts" in missing.stderr
    binary = tmp_path / "kh_binary"
    binary.write_bytes(b"\xff\xfe")
    bad = runner.invoke(command, [str(f), "--to", sshd_server.url(drop), "--known-hosts", str(binary), *common])
    assert bad.exit_code == 2 and bad.stderr == (f"batchkit: error: known_hosts file {binary} is not a text file "
                                                 "(not UTF-8 at line 1, byte 0): write it with `ssh-keyscan -p PORT "
                                                 "HOST`\n")


def test_password_and_passphrase_never_show(settings) -> None:
    s = replace(settings, password="hunter2-secret", passphrase="open-sesame")
    assert "hunter2" not in repr(s) and "open-sesame" not in repr(s)


def test_a_missing_sshd_fails_under_ci_and_skips_locally(monkeypatch: pytest.MonkeyPatch) -> None:
    import conftest_sftp

    monkeypatch.setattr(conftest_sftp, "sshd_missing_reason", lambda: "/usr/sbin/sshd not found")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true but the SFTP tests cannot run: /usr/sbin/sshd"):
        conftest_sftp.require_sshd()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="sshd not found"):
        conftest_sftp.require_sshd()


def test_an_encrypted_key_needs_its_passphrase_from_the_environment(sshd_server: SshServer, drop: Path, settings,
                                                                    batch, tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    key = ed25519.Ed25519PrivateKey.generate()
    path = tmp_path / "locked_ed25519"
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH,
                                       serialization.BestAvailableEncryption(b"open sesame")))
    public = key.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    authorized = sshd_server.workdir / "authorized_keys"
    authorized.write_text(authorized.read_text() + public.decode() + "\n")
    f = batch(5)
    with pytest.raises(AuthError, match="is encrypted: set BATCHKIT_KEY_PASSPHRASE") as info:
        _send([f], sshd_server.url(drop), replace(settings, key_file=path))
    assert info.value.attempts == 1
    with pytest.raises(AuthError, match="wrong BATCHKIT_KEY_PASSPHRASE"):
        _send([f], sshd_server.url(drop), replace(settings, key_file=path, passphrase="nope"))
    (result,) = _send([f], sshd_server.url(drop), replace(settings, key_file=path, passphrase="open sesame"))
    assert result.outcome == "delivered"


# ------------------------------------------------------------------ never overwrite; recover an interrupted link

def test_a_file_appearing_under_the_name_during_the_upload_is_not_overwritten(sshd_server: SshServer, drop: Path,
                                                                               settings, batch,
                                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    real = sftp_module.SftpSession._upload

    def upload_while_someone_writes(self: Any, item: Any, part: str) -> None:
        real(self, item, part)
        (drop / item.name).write_text("the partner's own file\n")  # appears after our probe, before our link

    monkeypatch.setattr(sftp_module.SftpSession, "_upload", upload_while_someone_writes)
    f = batch(30)
    with pytest.raises(RemotePathError, match="appeared on .* while delivering: not overwritten") as info:
        _send([f], sshd_server.url(drop), settings)
    assert info.value.exit_code == 3 and info.value.attempts == 1
    assert (drop / f.name).read_text() == "the partner's own file\n" and _listing(drop) == [f.name]  # no temporary left


def test_without_hardlink_the_server_is_still_used_with_posix_rename(settings, batch, tmp_path: Path) -> None:
    require_sshd()
    server = start_sshd(sftp_flags="-P hardlink@openssh.com")
    try:
        target = server.root / "in"
        target.mkdir()
        s = replace(settings, known_hosts=server.known_hosts(tmp_path / "kh"), key_file=server.client_key)
        f = batch(5)
        (result,) = _send([f], server.url(target), s)
        assert result.outcome == "delivered" and _listing(target) == [f.name]
        assert (target / f.name).read_bytes() == f.read_bytes()
    finally:
        server.stop()


def test_a_run_killed_after_the_link_is_recovered_on_sftp(sshd_server: SshServer, drop: Path, settings, batch) -> None:
    f = batch(20)
    digest, size = sha256_file(f)
    url = parse_destination(sshd_server.url(drop)).url
    ledger = Ledger(settings.state_dir)
    ledger.update(ledger.begin(f.name, digest, size, url), "committing")  # killed right after the link
    ledger.close()
    (drop / f.name).write_bytes(f.read_bytes())
    (drop / f".{f.name}.commit").write_bytes(f.read_bytes())
    (result,) = _send([f], sshd_server.url(drop), settings)
    assert result.outcome == "skipped" and "recorded as delivered now" in result.describe()
    assert _listing(drop) == [f.name] and Ledger(settings.state_dir).entries()[-1].outcome == "delivered"


# ------------------------------------------------------------------ a full drop

def _small_filesystem(path: Path, size: str) -> None:
    """Mount a tmpfs of `size` on `path` (root only); locally skipped without it, a failure under CI=true."""
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(path)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        reason = f"cannot mount a small tmpfs for the full-drop test: {done.stderr.strip() or done.returncode}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true but {reason}", pytrace=False)
        pytest.skip(reason)


@pytest.fixture
def full_drop(drop: Path) -> Any:
    _small_filesystem(drop, "128k")
    yield drop
    subprocess.run(["umount", str(drop)], check=False)


def test_a_full_drop_is_said_once_without_retries_and_leaves_no_part(sshd_server: SshServer, full_drop: Path,
                                                                      settings, batch) -> None:
    f = batch(8_000)  # ~360 KB on a 128 KiB disk
    before = sshd_server.logins()
    with pytest.raises(PermanentError, match=r"the drop is full") as info:
        _send([f], sshd_server.url(full_drop), settings)
    assert info.value.exit_code == 3 and info.value.attempts == 1
    assert "retry" not in str(info.value).split("the drop is full")[0]
    assert _listing(full_drop) == []  # the partial .part removed
    assert sshd_server.wait_logins(before + 1) == before + 1  # one login: not retried
    assert Ledger(settings.state_dir).entries()[-1].outcome == "failed"


def test_a_file_that_fits_a_nearly_full_drop_is_delivered(sshd_server: SshServer, full_drop: Path, settings,
                                                           batch) -> None:
    f = batch(500)  # ~22 KB
    (result,) = _send([f], sshd_server.url(full_drop), settings)
    assert result.outcome == "delivered" and (full_drop / f.name).read_bytes() == f.read_bytes()


def test_a_drop_filling_up_during_the_upload_is_said_and_the_part_removed(sshd_server: SshServer, full_drop: Path,
                                                                          settings, batch,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    real = sftp_module.SftpSession._upload

    def someone_fills_the_disk(self: Any, item: Any, part: str) -> None:
        (full_drop / "their_file.bin").write_bytes(b"x" * 60_000)  # after our room check, before our bytes
        real(self, item, part)

    monkeypatch.setattr(sftp_module.SftpSession, "_upload", someone_fills_the_disk)
    f = batch(2_000)  # ~88 KB: fits the empty 128 KiB disk, not beside their 60 KB
    with pytest.raises(PermanentError, match=rf"the drop is full: .* needs {f.stat().st_size:,};") as info:
        _send([f], sshd_server.url(full_drop), settings)
    assert info.value.attempts == 1 and _listing(full_drop) == ["their_file.bin"]
