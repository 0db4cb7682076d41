"""The write-ahead log's commit rate on this machine's disk, beside its floor and Redis's AOF.

Run: python benchmarks/compare_wal.py [--repeats 5] [--records 2000]

In one run, interleaved, each repeat in a fresh temporary directory on the same file system:
- floor: one thread writing a 113-byte record (a 100-byte payload and the log's 13-byte frame)
  and calling fdatasync after each: the disk's sync rate, what one sync per send costs;
- pymsg's log with fsync=always from 1 and from 16 threads (group commit: committers waiting
  on the disk share one sync), appending and committing 100-byte records from Python;
- pymsg's log with fsync=everysec from 1 thread;
- redis-server --appendonly yes --appendfsync always, driven by redis-benchmark with 16
  connections doing SET of 100-byte values (skipped, with the reason, when Redis is not here).

Prints the median of the repeats for each, in records a second, and the ratios. The log is not
yet wired to the SQS queues: when it is, an SQS send from 16 threads joins this runner.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from typing import Callable, Optional

from pymsg import _core

PAYLOAD = b"x" * 100


def run_threads(work: Callable[[], None], threads: int) -> float:
    """Seconds for `threads` threads to each run `work` once, started together."""
    workers = [threading.Thread(target=work) for _ in range(threads)]
    start = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return time.perf_counter() - start


def floor(directory: str, records: int) -> float:
    """One write and one fdatasync per record, as a log without group commit does."""
    fd = os.open(os.path.join(directory, "floor.log"), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    sync = getattr(os, "fdatasync", os.fsync)
    try:
        start = time.perf_counter()
        for _ in range(records):
            os.write(fd, PAYLOAD + b"\0" * 13)
            sync(fd)
        return records / (time.perf_counter() - start)
    finally:
        os.close(fd)


def wal(policy: str, threads: int) -> Callable[[str, int], float]:
    def run(directory: str, records: int) -> float:
        log = _core.WriteAheadLog(directory, policy)
        each = max(1, records // threads)

        def work() -> None:
            for _ in range(each):
                log.commit(log.append(1, PAYLOAD))

        elapsed = run_threads(work, threads)
        log.close()
        done = len(_core.read_log(directory)[0])
        assert done == each * threads, (done, each * threads)
        return done / elapsed

    return run


def redis_aof(directory: str, records: int) -> float:
    """redis-benchmark's SET rate against a redis-server syncing its AOF on every write."""
    server, bench = shutil.which("redis-server"), shutil.which("redis-benchmark")
    if server is None or bench is None:
        raise LookupError("redis-server or redis-benchmark is not installed (apt-get install -y redis-server)")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    process = subprocess.Popen([server, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--dir", directory,
                                "--appendonly", "yes", "--appendfsync", "always"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.02)
        done = subprocess.run([bench, "-h", "127.0.0.1", "-p", str(port), "-c", "16", "-n", str(records),
                               "-d", "100", "-t", "set", "-r", "1000000", "--csv"],
                              capture_output=True, text=True, timeout=600, check=True)
        line = [row for row in done.stdout.splitlines() if row.startswith('"SET"')][0]
        return float(line.split(",")[1].strip('"'))
    finally:
        process.terminate()
        process.wait(timeout=10)


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--records", type=int, default=2000, help="records per repeat for the synced runs")
    args = parser.parse_args(argv)
    runs: dict[str, Callable[[str, int], float]] = {
        "floor: write + fdatasync per record": floor,
        "pymsg log, always, 1 thread": wal("always", 1),
        "pymsg log, always, 16 threads": wal("always", 16),
        "pymsg log, everysec, 1 thread": wal("everysec", 1),
        "redis AOF, appendfsync always, 16 clients": redis_aof,
    }
    results: dict[str, list[float]] = {name: [] for name in runs}
    skipped: dict[str, str] = {}
    for _ in range(args.repeats):
        for name, run in runs.items():
            if name in skipped:
                continue
            records = args.records * 50 if "everysec" in name else args.records
            with tempfile.TemporaryDirectory(dir=os.environ.get("PYMSG_BENCH_DIR")) as directory:
                try:
                    results[name].append(run(directory, records))
                except LookupError as exc:
                    skipped[name] = str(exc)
    base = statistics.median(results["floor: write + fdatasync per record"])
    print(f"records a second, median of {args.repeats} (directory on {tempfile.gettempdir()}):")
    for name, rates in results.items():
        if name in skipped:
            print(f"  {name:<44} skipped: {skipped[name]}")
            continue
        median = statistics.median(rates)
        print(f"  {name:<44} {median:>12,.0f}  {median / base:>7.2f}x the floor")
    if "redis AOF, appendfsync always, 16 clients" not in skipped:
        ratio = (statistics.median(results["pymsg log, always, 16 threads"])
                 / statistics.median(results["redis AOF, appendfsync always, 16 clients"]))
        print(f"pymsg always (16 threads) / redis AOF always (16 clients): {ratio:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
