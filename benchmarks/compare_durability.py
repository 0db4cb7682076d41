"""What a data directory costs an SQS broker, in one run, beside the in-memory broker, the disk's
floor and Redis's AOF.

Run: python benchmarks/compare_durability.py [--repeats 5] [--messages 1000000]

- the one-message cycle (send, receive, delete of a 100-byte body, one thread) in memory and
  with Broker(data_dir=..., fsync="no") and "everysec": microseconds a cycle and the ratio to
  memory (the target is at most 1.5x);
- sends a second with fsync="always" from 16 threads (group commit), beside one write and
  fdatasync per send (the disk's floor) and redis-server --appendonly yes --appendfsync always
  driven by redis-benchmark with 16 clients (SET of 100-byte values), on the same file system;
- recovery of --messages queued 100-byte messages: from the log alone (a crash before any
  checkpoint) and from a snapshot (after close), in seconds (the target is under 2 s), with the
  disk bytes per queued message of each.

Medians of the repeats, each in a fresh temporary directory (PYMSG_BENCH_DIR picks where).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Optional

sys.path.insert(0, str(Path(__file__).resolve().parent))

import pymsg  # noqa: E402
from compare_wal import floor, redis_aof, run_threads  # noqa: E402

BODY = "x" * 100


def _directory() -> tempfile.TemporaryDirectory:
    return tempfile.TemporaryDirectory(dir=os.environ.get("PYMSG_BENCH_DIR"))


def cycle(fsync: Optional[str], cycles: int) -> float:
    """Microseconds per send + receive + delete, one thread."""
    with _directory() as directory:
        broker = pymsg.Broker(data_dir=directory, fsync=fsync) if fsync else pymsg.Broker()
        q = broker.create_queue("bench")
        send, receive = q.send, q.receive
        for _ in range(1000):  # warm up
            send(BODY)
            receive()[0].delete()
        start = time.perf_counter()
        for _ in range(cycles):
            send(BODY)
            receive()[0].delete()
        elapsed = time.perf_counter() - start
        broker.close()
        return elapsed / cycles * 1e6


def sends_always(threads: int, sends: int) -> float:
    """Sends a second under fsync=always from `threads` threads."""
    with _directory() as directory:
        broker = pymsg.Broker(data_dir=directory, fsync="always")
        q = broker.create_queue("bench")
        each = sends // threads

        def work() -> None:
            for _ in range(each):
                q.send(BODY)

        elapsed = run_threads(work, threads)
        assert q.attributes()["ApproximateNumberOfMessages"] == str(each * threads)
        broker.close()
        return each * threads / elapsed


def _dir_bytes(directory: str, prefix: str) -> int:
    return sum(p.stat().st_size for p in Path(directory).iterdir() if p.name.startswith(prefix))


def recovery(messages: int) -> dict[str, float]:
    """Seconds to reopen `messages` queued messages from the log alone and from a snapshot."""
    with _directory() as directory:
        broker = pymsg.Broker(data_dir=directory, fsync="no", auto_checkpoint_bytes=0)
        q = broker.create_queue("bench")
        batch = [{"id": str(i), "body": BODY} for i in range(10)]
        for _ in range(messages // 10):
            q.send_batch(batch)
        broker._durability.log.close()  # a crash: no checkpoint, the log as written
        log_bytes = _dir_bytes(directory, "wal-")
        start = time.perf_counter()
        broker = pymsg.Broker(data_dir=directory, auto_checkpoint_bytes=0)
        from_log = time.perf_counter() - start
        assert broker.get_queue("bench").attributes()["ApproximateNumberOfMessages"] == str(messages)
        broker.close()  # a checkpoint: the snapshot, then an empty log
        snapshot_bytes = _dir_bytes(directory, "snapshot")
        start = time.perf_counter()
        broker = pymsg.Broker(data_dir=directory, auto_checkpoint_bytes=0)
        from_snapshot = time.perf_counter() - start
        assert broker.get_queue("bench").attributes()["ApproximateNumberOfMessages"] == str(messages)
        broker._durability.log.close()
        return {"from_log_s": from_log, "from_snapshot_s": from_snapshot,
                "log_bytes_per_message": log_bytes / messages, "snapshot_bytes_per_message": snapshot_bytes / messages}


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--cycles", type=int, default=50_000)
    parser.add_argument("--sends", type=int, default=8_000, help="sends per repeat under fsync=always")
    parser.add_argument("--messages", type=int, default=1_000_000, help="queued messages to recover")
    args = parser.parse_args(argv)

    cycles: dict[str, list[float]] = {"memory": [], "no": [], "everysec": []}
    rates: dict[str, list[float]] = {"floor": [], "always16": [], "always1": [], "redis": []}
    redis_skipped = ""
    recoveries: list[dict[str, float]] = []
    for _ in range(args.repeats):  # interleaved, so that the machine's noise falls on each alike
        for name in cycles:
            cycles[name].append(cycle(None if name == "memory" else name, args.cycles))
        with _directory() as directory:
            rates["floor"].append(floor(directory, args.sends // 4))
        rates["always16"].append(sends_always(16, args.sends))
        rates["always1"].append(sends_always(1, args.sends // 4))
        if not redis_skipped:
            with _directory() as directory:
                try:
                    rates["redis"].append(redis_aof(directory, args.sends))
                except LookupError as exc:
                    redis_skipped = str(exc)
        recoveries.append(recovery(args.messages))

    median: Callable[[list[float]], float] = statistics.median
    memory = median(cycles["memory"])
    print(f"medians of {args.repeats} repeats, directories on {tempfile.gettempdir()}")
    print(f"SQS cycle (send + receive + delete, 100-byte body, 1 thread), {args.cycles:,} cycles:")
    for name, values in cycles.items():
        print(f"  {name:<10} {median(values):7.2f} us   {median(values) / memory:5.2f}x memory")
    floor_rate = median(rates["floor"])
    print(f"sends a second, fsync=always, {args.sends:,} sends:")
    print(f"  floor: write + fdatasync per send      {floor_rate:>10,.0f}")
    print(f"  pymsg, 1 thread                        {median(rates['always1']):>10,.0f}  "
          f"{median(rates['always1']) / floor_rate:5.2f}x the floor")
    print(f"  pymsg, 16 threads (group commit)       {median(rates['always16']):>10,.0f}  "
          f"{median(rates['always16']) / floor_rate:5.2f}x the floor")
    if redis_skipped:
        print(f"  redis AOF always, 16 clients           skipped: {redis_skipped}")
    else:
        redis = median(rates["redis"])
        print(f"  redis AOF always, 16 clients           {redis:>10,.0f}  "
              f"pymsg 16 threads / redis: {median(rates['always16']) / redis:.2f}x")
    print(f"recovery of {args.messages:,} queued 100-byte messages:")
    for key, label in (("from_log_s", "from the log alone, s"), ("from_snapshot_s", "from a snapshot, s"),
                       ("log_bytes_per_message", "log bytes per message"),
                       ("snapshot_bytes_per_message", "snapshot bytes per message")):
        print(f"  {label:<28} {median([r[key] for r in recoveries]):8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
