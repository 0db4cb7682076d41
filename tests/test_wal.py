"""The write-ahead log from Python (pymsg._core.WriteAheadLog): replay, the errors a caller sees,
commits from many threads, a lock held across processes, and SIGKILL during committed appends.
The log's byte-level cases (every flipped bit, torn tails, repair) are in src/cpp/tests/test_wal.cpp."""

from __future__ import annotations

import errno
import os
import random
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import pymsg
from pymsg import _core
from pymsg.__main__ import main

KILLS = 20

# Appends and commits records until killed, printing each LSN once commit returned.
_WRITER = """
import sys
from pymsg import _core
log = _core.WriteAheadLog(sys.argv[1], sys.argv[2])
print("open", flush=True)
n = 0
while True:
    n += 1
    lsn = log.append(7, b"record %d " % n + b"x" * (n % 300))
    log.commit(lsn)
    print(lsn, flush=True)
"""


def _records(directory: Path) -> list[tuple[int, int, bytes]]:
    return _core.read_log(str(directory))[0]


def test_replay_hands_back_every_record(tmp_path: Path) -> None:
    log = _core.WriteAheadLog(str(tmp_path), "always", segment_bytes=1024)
    written = [(log.append(i % 5, b"p%d" % i * (i % 9)), i % 5, b"p%d" % i * (i % 9)) for i in range(300)]
    log.commit(written[-1][0])
    log.close()
    replayed: list[tuple[int, int, bytes]] = []
    again = _core.WriteAheadLog(str(tmp_path), "no", replay=lambda *record: replayed.append(record))
    assert replayed == written == _records(tmp_path)
    assert again.recovery["segments"] > 1 and again.recovery["next_lsn"] == 301
    assert again.append(1, b"next") == 301


def test_the_errors_a_caller_sees(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError) as missing:
        _core.WriteAheadLog(str(tmp_path / "absent"))
    assert missing.value.errno == errno.ENOENT and missing.value.filename == str(tmp_path / "absent")
    assert str(tmp_path / "absent") in str(missing.value)
    with pytest.raises(ValueError, match="fsync is always, everysec or no, not 'sometimes'"):
        _core.WriteAheadLog(str(tmp_path), "sometimes")
    log = _core.WriteAheadLog(str(tmp_path))
    with pytest.raises(pymsg.errors.DataDirectoryLocked, match="in use"):
        _core.WriteAheadLog(str(tmp_path))
    log.close()
    log.close()  # idempotent
    _core.WriteAheadLog(str(tmp_path)).close()  # released at close


@pytest.mark.skipif(os.geteuid() == 0 if hasattr(os, "geteuid") else True,
                    reason="root writes anywhere; POSIX permissions only")
def test_an_unwritable_directory_is_refused_at_open(tmp_path: Path) -> None:
    tmp_path.chmod(0o500)
    try:
        with pytest.raises(PermissionError):
            _core.WriteAheadLog(str(tmp_path))
    finally:
        tmp_path.chmod(0o700)


def test_damage_is_refused_with_file_and_offset_and_repaired_by_the_cli(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = _core.WriteAheadLog(str(tmp_path), "always")
    for i in range(10):
        log.commit(log.append(1, b"record %d" % i))
    log.close()
    segment = next(tmp_path.glob("wal-*.log"))
    data = bytearray(segment.read_bytes())
    record = 13 + len(b"record 0")
    data[24 + 3 * record + 20] ^= 0x10  # inside the fourth record's payload
    segment.write_bytes(bytes(data))
    with pytest.raises(pymsg.errors.CorruptLog) as damaged:
        _core.WriteAheadLog(str(tmp_path))
    assert damaged.value.file == str(segment) and damaged.value.offset == 24 + 3 * record
    assert f"{segment} offset {24 + 3 * record}" in str(damaged.value)
    assert "python -m pymsg repair-log DIR" in str(damaged.value)
    assert segment.read_bytes() == bytes(data)  # refused, and nothing overwritten
    assert main(["repair-log", str(tmp_path)]) == 0
    assert f"cut {segment} at offset {24 + 3 * record}; 3 records kept" in capsys.readouterr().out
    assert [payload for _, _, payload in _records(tmp_path)] == [b"record 0", b"record 1", b"record 2"]
    assert main(["repair-log", str(tmp_path)]) == 0
    assert "is whole: 3 records in 1 segments" in capsys.readouterr().out
    with _locked(tmp_path):
        assert main(["repair-log", str(tmp_path)]) == 1
    assert "in use" in capsys.readouterr().err


class _locked:
    def __init__(self, directory: Path) -> None:
        self.log = _core.WriteAheadLog(str(directory))

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        self.log.close()


def test_a_torn_tail_is_cut_and_reported(tmp_path: Path) -> None:
    log = _core.WriteAheadLog(str(tmp_path), "always")
    for i in range(5):
        log.commit(log.append(1, b"whole %d" % i))
    log.close()
    segment = next(tmp_path.glob("wal-*.log"))
    whole = segment.stat().st_size
    with segment.open("ab") as f:
        f.write(b"\x40\x00\x00\x00\x01partial")  # a record whose write a crash cut short
    reopened = _core.WriteAheadLog(str(tmp_path))
    assert reopened.recovery["torn_file"] == str(segment) and reopened.recovery["torn_bytes"] == 12
    assert segment.stat().st_size == whole and reopened.recovery["records"] == 5


def test_a_full_disk_fails_the_call_and_keeps_what_was_acknowledged(tmp_path: Path) -> None:
    log = _core.WriteAheadLog(str(tmp_path), "always")
    acknowledged = 0
    _core._inject_write_error(errno.ENOSPC, 5000)
    try:
        with pytest.raises(OSError) as full:
            for i in range(10_000):
                lsn = log.append(1, b"y" * 100)
                log.commit(lsn)
                acknowledged = lsn
    finally:
        _core._inject_write_error(0, 0)
    assert full.value.errno == errno.ENOSPC and full.value.filename.endswith(".log")
    with pytest.raises(OSError) as still:  # the log stays stopped: nothing is acknowledged past the failure
        log.append(1, b"after")
    assert still.value.errno == errno.ENOSPC
    log.close()
    records, report = _core.read_log(str(tmp_path))
    assert len(records) == acknowledged > 0 and report["torn_bytes"] == 0


def test_commits_from_many_threads_share_syncs(tmp_path: Path) -> None:
    log = _core.WriteAheadLog(str(tmp_path), "always")
    failures: list[BaseException] = []

    def commit_many(t: int) -> None:
        try:
            for i in range(100):
                lsn = log.append(t, b"%d:%d" % (t, i))
                log.commit(lsn)  # releases the GIL: the other threads append meanwhile
                assert log.synced_lsn >= lsn
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    threads = [threading.Thread(target=commit_many, args=(t,)) for t in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures
    assert log.syncs < 800
    log.close()
    assert len(_records(tmp_path)) == 800


def test_rotate_while_others_append_keeps_every_record_in_order(tmp_path: Path) -> None:
    log = _core.WriteAheadLog(str(tmp_path), "everysec", segment_bytes=1 << 12)
    stop = threading.Event()

    def append() -> None:  # until the rotations are done, and no more than a cap (unbounded, it took 24 GB)
        for _ in range(200_000):
            if stop.is_set():
                return
            log.append(1, b"z" * 50)

    threads = [threading.Thread(target=append) for _ in range(2)]
    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # hand the GIL round often, so rotations land among the appends
    try:
        for t in threads:
            t.start()
        firsts = [log.rotate() for _ in range(100)]
    finally:
        stop.set()
        sys.setswitchinterval(switch)
    for t in threads:
        t.join()
    log.close()
    records, report = _core.read_log(str(tmp_path))  # refuses a segment that does not start where the last ended
    assert [r[0] for r in records] == list(range(1, len(records) + 1))
    assert firsts == sorted(firsts) and report["segments"] > 1


def test_a_killed_process_frees_the_directory(tmp_path: Path) -> None:
    with subprocess.Popen([sys.executable, "-c", _WRITER, str(tmp_path), "no"], stdout=subprocess.PIPE) as child:
        try:
            assert child.stdout is not None and child.stdout.readline() == b"open\n"
            with pytest.raises(pymsg.errors.DataDirectoryLocked):
                _core.WriteAheadLog(str(tmp_path))
        finally:
            child.kill()
    _core.WriteAheadLog(str(tmp_path)).close()  # the lock went with the process


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="POSIX signals")
def test_sigkill_loses_no_committed_record(tmp_path: Path) -> None:
    """A writer under fsync=always is killed at a random moment, KILLS times, on one directory:
    after each, every LSN it printed (commit had returned) is in the log, whole, and the log
    opens and goes on from there."""
    rng = random.Random(15)
    lost_per_kill = []
    for _ in range(KILLS):
        with subprocess.Popen([sys.executable, "-c", _WRITER, str(tmp_path), "always"],
                              stdout=subprocess.PIPE) as child:
            assert child.stdout is not None and child.stdout.readline() == b"open\n"
            acknowledged = 0
            for _ in range(rng.randrange(1, 200)):
                acknowledged = int(child.stdout.readline())
            child.send_signal(signal.SIGKILL)
            for line in child.stdout.read().split():  # what it printed before it died
                acknowledged = int(line)
        records = _records(tmp_path)
        assert [lsn for lsn, _, _ in records] == list(range(1, len(records) + 1))
        lost_per_kill.append(max(0, acknowledged - len(records)))
    assert lost_per_kill == [0] * KILLS
