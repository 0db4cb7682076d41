"""Command line: ``python -m pymsg demo`` runs producers and consumers on an embedded broker;
``python -m pymsg bench`` measures pymsg beside its peers; ``python -m pymsg serve`` is an AWS
endpoint for SQS, SNS and Kinesis."""

from __future__ import annotations

import argparse
import errno
import os
import threading
import time
from typing import Callable, Sequence

from . import __version__
from .broker import Broker
from .durability import FSYNC_POLICIES


def demo(messages: int, producers: int, consumers: int, fifo: bool) -> int:
    """Producers send ``messages`` in batches of 10; consumers long-poll, check and delete them."""
    broker = Broker()
    name = "demo.fifo" if fifo else "demo"
    queue = broker.create_queue(name, content_based_deduplication=fifo)
    per_producer = messages // producers
    total = per_producer * producers
    received: list[int] = [0] * consumers
    done = threading.Event()

    def produce(p: int) -> None:
        for start in range(0, per_producer, 10):
            entries = [
                {"id": str(i), "body": f"p{p}-m{start + i}", **({"group_id": f"g{p}"} if fifo else {})}
                for i in range(min(10, per_producer - start))
            ]
            result = queue.send_batch(entries)
            assert not result.failed, result.failed

    def consume(c: int) -> None:
        while not done.is_set():
            batch = queue.receive(10, wait_time_seconds=0.2)
            if batch:
                queue.delete_batch(batch)
                received[c] += len(batch)

    threads = [threading.Thread(target=produce, args=(p,)) for p in range(producers)]
    threads += [threading.Thread(target=consume, args=(c,)) for c in range(consumers)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads[:producers]:
        t.join()
    while sum(received) < total and time.perf_counter() - began < 120:
        time.sleep(0.01)
    elapsed = time.perf_counter() - began
    done.set()
    for t in threads[producers:]:
        t.join()

    left = queue.attributes()
    print(f"pymsg {__version__} demo: {producers} producers x {consumers} consumers on {name!r}")
    print(f"  sent      {total:>10,} messages in batches of 10")
    for c, n in enumerate(received):
        print(f"  consumer {c} received and deleted {n:>10,}")
    print(f"  in total  {sum(received):>10,} in {elapsed:.2f} s = {sum(received) / elapsed:,.0f} messages/s"
          f" (send + receive + delete, all threads)")
    print(f"  left in the queue: {left['ApproximateNumberOfMessages']} visible, "
          f"{left['ApproximateNumberOfMessagesNotVisible']} in flight")
    ok = sum(received) == total and left["ApproximateNumberOfMessages"] == "0"
    print("  OK: every message delivered and deleted" if ok else "  MISMATCH: see the counts above")
    return 0 if ok else 1


def _repair_log(directory: str) -> int:
    """pymsg repair-log DIR: what it cut, on stdout; 1 and the reason on stderr if it could not."""
    import sys

    from ._core import repair_log

    try:
        report = repair_log(directory)
    except OSError as exc:  # DataDirectoryLocked among them
        print(f"pymsg repair-log: {exc}", file=sys.stderr)
        return 1
    if report["repaired_file"]:
        removed = report["removed_segments"]
        print(f"cut {report['repaired_file']} at offset {report['repaired_offset']}"
              + (f" and removed the {removed} segment{'s' * (removed != 1)} after it" if removed else "")
              + f"; {report['records']} records kept")
    else:
        print(f"the log in {directory} is whole: {report['records']} records in {report['segments']} segments")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pymsg", description="pymsg: an in-process broker with AWS semantics.")
    parser.add_argument("--version", action="version", version=f"pymsg {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("demo", help="run producers and consumers on an embedded broker")
    run.add_argument("--messages", type=int, default=200_000)
    run.add_argument("--producers", type=int, default=4)
    run.add_argument("--consumers", type=int, default=4)
    run.add_argument("--fifo", action="store_true", help="use a FIFO queue (one group per producer)")
    repair = commands.add_parser(
        "repair-log", help="cut a damaged write-ahead log at its first bad record, as redis-check-aof --fix does",
        description="Cuts the write-ahead log in DIR (Broker(data_dir=DIR), serve --data-dir DIR) at its first "
                    "damaged record and deletes the segments after it, so that it loads with everything before "
                    "the damage. Run it only while no broker has DIR open.")
    repair.add_argument("dir", metavar="DIR", help="the data directory")
    commands.add_parser("bench", help="pymsg beside Redis, moto, the stdlib and cachetools (see pymsg bench -h)",
                        add_help=False)
    srv = commands.add_parser(
        "serve", help="an AWS endpoint (SQS, SNS, Kinesis) for any SDK or the aws CLI",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
        description="An AWS endpoint for SQS, SNS and Kinesis. Every option can also be set in the environment "
                    "(PYMSG_HOST, PYMSG_PORT, ...: the option's name in capitals, PYMSG_ before it); a flag given "
                    "on the command line wins.")
    env = _Environment(srv)
    srv.add_argument("--host", default=env.get("host", "127.0.0.1"), help="address to listen on (0.0.0.0: every interface, as in a container)")
    srv.add_argument("--port", type=int, default=env.get("port", 4566, int), help="port to listen on")
    srv.add_argument("--region", default=env.get("region", "us-east-1"), help="the default region")
    srv.add_argument("--account-id", default=env.get("account_id", None),
                     help="the default account (else MOTO_ACCOUNT_ID, else 123456789012); a 12-digit access key "
                          "id names its own")
    srv.add_argument("--max-request-bytes", type=int, default=env.get("max_request_bytes", 16 * 1024 * 1024, int),
                     help="the largest request body served (413 past it)")
    srv.add_argument("--quota", action="append", default=env.get("quota", [], _quotas), metavar="NAME=COUNT",
                     type=_quota, help="an account quota: queues, topics, fifo_topics, on_demand_streams or shards "
                                       "(repeatable; PYMSG_QUOTA takes them comma-separated; AWS's defaults otherwise)")
    srv.add_argument("--data-dir", metavar="DIR", default=env.get("data_dir", None),
                     help="keep SQS queues and their messages in DIR: every change is in its write-ahead log "
                          "before it is answered, and a restart (after a crash too) recovers them")
    srv.add_argument("--fsync", default=env.get("fsync", "everysec", str.lower, list(FSYNC_POLICIES)),
                     choices=FSYNC_POLICIES,
                     help="with --data-dir: always (an answer waits for the disk; concurrent requests share a "
                          "sync), everysec (a crash loses at most about the last second), no (the OS decides)")
    srv.add_argument("--state", metavar="FILE", default=env.get("state", None),
                     help="snapshots only (--data-dir loses nothing acknowledged): load SQS queues (with their messages), SNS topics and Kinesis streams from FILE at start, "
                          "save them there at shutdown and every --state-interval seconds")
    srv.add_argument("--state-interval", type=float, default=env.get("state_interval", 5.0, float), metavar="SECONDS",
                     help="how often to save the state file (0: only at shutdown)")
    srv.add_argument("--verify-signatures", action="store_true", default=env.get("verify_signatures", False, _flag),
                     help="check every request's SigV4 signature against the --access-key secrets")
    srv.add_argument("--access-key", action="append", default=env.get("access_key", [], _access_keys),
                     metavar="ID:SECRET", type=_access_key,
                     help="an access key id and its secret that --verify-signatures accepts (repeatable; "
                          "PYMSG_ACCESS_KEY takes them comma-separated)")
    levels = ["debug", "info", "warning", "error"]
    srv.add_argument("--log-level", default=env.get("log_level", "info", str.lower, levels), choices=levels,
                     help="what the pymsg loggers write to stderr (info: the start and stop, failed deliveries, "
                          "dead-lettered messages, refused requests)")
    srv.add_argument("--other-services", default=env.get("other_services", "block", str.lower, ["moto", "block"]),
                     choices=["moto", "block"],
                     help="moto: serve every other AWS service (S3, DynamoDB, STS, ...) through a moto server started "
                          "beside pymsg (pip install 'moto[server]'); block: answer them 501")
    srv.add_argument("--header-timeout", type=float, default=env.get("header_timeout", 10.0, float), metavar="SECONDS",
                     help="close a connection whose request headers are not all in this long after their first byte")
    srv.add_argument("--body-timeout", type=float, default=env.get("body_timeout", 60.0, float), metavar="SECONDS",
                     help="close a connection whose request body is not all in this long after its headers")
    srv.add_argument("--idle-timeout", type=float, default=env.get("idle_timeout", 60.0, float), metavar="SECONDS",
                     help="close a keep-alive connection idle this long between requests")
    srv.add_argument("--max-connections", type=int, default=env.get("max_connections", None, int), metavar="COUNT",
                     help="connections held at once; past it a new one replaces the one waiting longest, or is "
                          "answered 503 when all are being served (default: from ulimit -n, at most 4096)")
    srv.add_argument("--allow-http-targets", action="append", metavar="CIDR",
                     default=env.get("allow_http_targets", [], _networks),
                     help="let HTTP(S) subscriptions deliver to this network, refused by default: link-local and "
                          "instance-metadata addresses, and loopback when serving on another address (repeatable; "
                          "PYMSG_ALLOW_HTTP_TARGETS takes them comma-separated)")
    srv.add_argument("--access-log", action="store_true", default=env.get("access_log", False, _flag),
                     help="log one line for each request (pymsg.server.access)")
    argv = list(argv) if argv is not None else None
    import sys

    raw = sys.argv[1:] if argv is None else argv
    if raw and raw[0] == "bench":  # its own parser: python -m pymsg bench --quick ...
        from .bench import run as bench

        return bench(raw[1:])
    args = parser.parse_args(argv)
    if args.command == "repair-log":
        return _repair_log(args.dir)
    if args.command == "serve":
        from .aws.server import serve
        from .errors import PymsgError

        _Environment.check(srv, args)
        if args.verify_signatures and not args.access_key:
            parser.error("--verify-signatures needs at least one --access-key ID:SECRET")
        if args.access_key and not args.verify_signatures:
            parser.error("--access-key is only used with --verify-signatures")
        if args.other_services == "moto":
            if args.verify_signatures:
                parser.error("--verify-signatures checks only SQS, SNS and Kinesis: with --other-services moto, "
                             "requests to moto would pass unchecked")
            if not _moto_server_installed():
                parser.error("--other-services moto needs moto's server: pip install 'moto[server]'")
        if args.state and args.data_dir:
            parser.error("--state and --data-dir both keep the broker: give one (--data-dir logs every change)")
        from .aws.connections import Limits

        try:
            limits = Limits(args.header_timeout, args.body_timeout, args.idle_timeout, args.max_connections)
        except ValueError as exc:
            parser.error(f"--{str(exc).split()[0].replace('_', '-')}: {exc}")
        if args.state_interval < 0:
            parser.error("--state-interval must be 0 or more seconds")
        if args.state:
            folder = os.path.dirname(os.path.abspath(args.state))
            if not os.path.isdir(folder):
                parser.error(f"--state {args.state}: the folder {folder} does not exist")
            if not os.access(folder, os.W_OK) or (os.path.exists(args.state) and not os.access(args.state, os.W_OK)):
                parser.error(f"--state {args.state}: not writable")
        import logging

        logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        if args.access_log:  # its lines are INFO: shown whatever --log-level says
            logging.getLogger("pymsg.server.access").setLevel(logging.INFO)
        try:
            return serve(args.host, args.port, region=args.region, account_id=args.account_id,
                         max_request_bytes=args.max_request_bytes, quotas=dict(args.quota),
                         access_keys=dict(args.access_key) if args.verify_signatures else None,
                         state_path=args.state, state_interval=args.state_interval, access_log=args.access_log,
                         other_services=args.other_services, data_dir=args.data_dir, fsync=args.fsync,
                         limits=limits, allow_http_targets=args.allow_http_targets)
        except PymsgError as exc:  # a bad --quota or --region: say what, not a traceback
            parser.error(f"{exc.code}: {exc}")
        except OSError as exc:
            if exc.filename is not None:  # a file's (the data directory, the state file): one line, not a traceback
                parser.exit(1, f"pymsg serve: error: {exc}\n")
            if exc.errno not in (errno.EADDRINUSE, errno.EADDRNOTAVAIL, errno.EACCES):
                raise
            # the port is taken, not this machine's address, or a privileged one
            parser.exit(1, f"pymsg serve: error: cannot listen on {args.host}:{args.port}: {exc.strerror}\n")
    return demo(args.messages, args.producers, args.consumers, args.fifo)


def _moto_server_installed() -> bool:
    from .aws import moto_server

    return moto_server.installed()


def _quota(text: str) -> tuple[str, int]:
    name, _, count = text.partition("=")
    if not name or not count.isdigit():
        raise argparse.ArgumentTypeError(f"expected NAME=COUNT (for example queues=1000), not {text!r}")
    return name, int(count)


def _quotas(text: str) -> list[tuple[str, int]]:
    return [_quota(part.strip()) for part in text.split(",") if part.strip()]


def _networks(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _access_keys(text: str) -> list[tuple[str, str]]:
    return [_access_key(part.strip()) for part in text.split(",") if part.strip()]


def _flag(text: str) -> bool:
    if text.lower() in ("1", "true", "yes", "on"):
        return True
    if text.lower() in ("0", "false", "no", "off", ""):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, not {text!r}")


class _BadVariable:
    """The default of an option whose PYMSG_ variable does not hold a value it takes: an error
    only if the option is not given on the command line (checked after parsing)."""

    def __init__(self, name: str, text: str, reason: object) -> None:
        self.message = f"{name}={text!r}: {reason}"

    def __repr__(self) -> str:
        return f"(invalid: {self.message})"


class _Environment:
    """Option defaults from PYMSG_<OPTION> variables, checked as the option's own values are."""

    def __init__(self, parser: argparse.ArgumentParser) -> None:
        self._parser = parser

    def get(self, option: str, default: object, convert: Callable[[str], object] = str,
            choices: Sequence[str] = ()) -> object:
        name = "PYMSG_" + option.upper()
        text = os.environ.get(name)
        if text is None:
            return default
        try:
            value = convert(text)
        except (ValueError, argparse.ArgumentTypeError) as exc:
            return _BadVariable(name, text, exc)
        if choices and value not in choices:
            return _BadVariable(name, text, f"not one of {', '.join(choices)}")
        return value

    @staticmethod
    def check(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
        """Refuses the values that came from a bad variable (a flag given instead wins)."""
        for value in vars(args).values():
            if isinstance(value, _BadVariable):
                parser.error(value.message)


def _access_key(text: str) -> tuple[str, str]:
    key_id, _, secret = text.partition(":")
    if not key_id or not secret:
        raise argparse.ArgumentTypeError(f"expected ID:SECRET (for example AKIDEXAMPLE:secret), not {text!r}")
    return key_id, secret


if __name__ == "__main__":
    raise SystemExit(main())
