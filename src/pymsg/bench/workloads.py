"""The workloads of `pymsg bench`, each with its peers. A workload maps peer names to factories;
a factory returns (op, check, items): op() runs one round of `items` items (messages, copies,
records, keys), check() asserts the rounds did what they claim. Like-for-like patterns: a
reliable queue in Redis is LPUSH + LMOVE to a processing list + LREM on ack; streams are XADD and
XRANGE; the cache is GET/SET/MGET. Redis numbers include a loopback round trip per command
(pipelined ones per pipeline)."""

from __future__ import annotations

import collections
import functools
import queue as stdlib_queue
import random
from typing import Any, Callable, NamedTuple

import pymsg

BODY = "x" * 100
DATA = b"x" * 100
Op = tuple[Callable[[], Any], Callable[[], None], int]


class Workload(NamedTuple):
    family: str
    name: str
    unit: str  # what `items` counts
    peers: dict[str, Callable[[], Op]]


def _counted(op: Callable[[], int], expected: int) -> tuple[Callable[[], None], Callable[[], None]]:
    """Wraps an op that returns how many items it handled; check() asserts every round did all."""
    rounds = [0, 0]

    def run() -> None:
        rounds[0] += 1
        rounds[1] += op()

    def check() -> None:
        assert rounds[1] == rounds[0] * expected, (rounds, expected)

    return run, check


# --- SQS -------------------------------------------------------------------------------------

def sqs_workloads(ctx: dict[str, Any], quick: bool) -> list[Workload]:
    redis: Any = ctx.get("redis")
    moto: Any = ctx.get("moto")

    def pymsg_one() -> Op:
        q = pymsg.Broker(strict_limits=False).create_queue("one")

        def op() -> int:
            q.send(BODY)
            (m,) = q.receive()
            q.delete(m.receipt_handle)
            return 1

        return (*_counted(op, 1), 1)

    def stdlib_one() -> Op:
        q: stdlib_queue.Queue = stdlib_queue.Queue()

        def op() -> int:
            q.put(BODY)
            return 1 if q.get() == BODY else 0

        return (*_counted(op, 1), 1)

    def deque_one() -> Op:  # not thread-safe and no delivery semantics: the floor of a Python queue
        d: collections.deque = collections.deque()

        def op() -> int:
            d.append(BODY)
            return 1 if d.popleft() == BODY else 0

        return (*_counted(op, 1), 1)

    def redis_one() -> Op:
        r = redis.client
        r.delete("q", "processing")

        def op() -> int:
            r.lpush("q", BODY)
            item = r.lmove("q", "processing", "RIGHT", "LEFT")
            return r.lrem("processing", 1, item)

        return (*_counted(op, 1), 1)

    def moto_one() -> Op:
        url = moto.sqs.create_queue(QueueName="bench-one")["QueueUrl"]

        def op() -> int:
            moto.sqs.send_message(QueueUrl=url, MessageBody=BODY)
            messages = moto.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1).get("Messages", [])
            for m in messages:
                moto.sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
            return len(messages)

        return (*_counted(op, 1), 1)

    def pymsg_batch() -> Op:
        q = pymsg.Broker().create_queue("batch")
        entries = [{"id": str(i), "body": BODY} for i in range(10)]

        def op() -> int:
            q.send_batch(entries)
            messages = q.receive(10)
            return len(q.delete_batch(messages).successful)

        return (*_counted(op, 10), 10)

    def stdlib_batch() -> Op:
        q: stdlib_queue.Queue = stdlib_queue.Queue()

        def op() -> int:
            for _ in range(10):
                q.put(BODY)
            return sum(1 for _ in range(10) if q.get() == BODY)

        return (*_counted(op, 10), 10)

    def redis_batch() -> Op:
        r = redis.client
        r.delete("q", "processing")

        def op() -> int:
            r.lpush("q", *([BODY] * 10))
            with r.pipeline(transaction=False) as p:
                for _ in range(10):
                    p.lmove("q", "processing", "RIGHT", "LEFT")
                items = p.execute()
            with r.pipeline(transaction=False) as p:
                for item in items:
                    p.lrem("processing", 1, item)
                return sum(p.execute())

        return (*_counted(op, 10), 10)

    def moto_batch() -> Op:
        url = moto.sqs.create_queue(QueueName="bench-batch")["QueueUrl"]
        entries = [{"Id": str(i), "MessageBody": BODY} for i in range(10)]

        def op() -> int:
            moto.sqs.send_message_batch(QueueUrl=url, Entries=entries)
            messages = moto.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
            moto.sqs.delete_message_batch(
                QueueUrl=url, Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)]
            )
            return len(messages)

        return (*_counted(op, 10), 10)

    def pymsg_fifo() -> Op:
        q = pymsg.Broker().create_queue("groups.fifo")
        n = [0]

        def op() -> int:
            n[0] += 1
            q.send(BODY, group_id=f"g{n[0] % 100}", deduplication_id=str(n[0]))
            (m,) = q.receive()
            m.delete()
            return 1

        return (*_counted(op, 1), 1)

    def redis_groups() -> Op:  # a stream with a consumer group: XADD, XREADGROUP, XACK
        r = redis.client
        r.delete("jobs")
        r.xgroup_create("jobs", "workers", id="0", mkstream=True)

        def op() -> int:
            r.xadd("jobs", {"b": BODY})
            (_stream, entries), = r.xreadgroup("workers", "w1", {"jobs": ">"}, count=1)
            return r.xack("jobs", "workers", entries[0][0])

        return (*_counted(op, 1), 1)

    def moto_fifo() -> Op:
        url = moto.sqs.create_queue(QueueName="bench.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
        n = [0]

        def op() -> int:
            n[0] += 1
            moto.sqs.send_message(QueueUrl=url, MessageBody=BODY, MessageGroupId=f"g{n[0] % 100}",
                                  MessageDeduplicationId=str(n[0]))
            messages = moto.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1).get("Messages", [])
            for m in messages:
                moto.sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
            return len(messages)

        return (*_counted(op, 1), 1)

    backlog = 10_000 if quick else 1_000_000

    def pymsg_backlog() -> Op:
        q = pymsg.Broker(strict_limits=False).create_queue("backlog")
        q.send_batch([{"id": str(i), "body": BODY} for i in range(backlog)])

        def op() -> int:
            q.send(BODY)
            (m,) = q.receive()
            m.delete()
            return 1

        return (*_counted(op, 1), 1)

    def redis_backlog() -> Op:
        r = redis.client
        r.delete("backlog", "processing")
        for start in range(0, backlog, 10_000):
            r.lpush("backlog", *([BODY] * min(10_000, backlog - start)))

        def op() -> int:
            r.lpush("backlog", BODY)
            item = r.lmove("backlog", "processing", "RIGHT", "LEFT")
            return r.lrem("processing", 1, item)

        return (*_counted(op, 1), 1)

    def moto_backlog() -> Op:
        url = moto.sqs.create_queue(QueueName="bench-backlog")["QueueUrl"]
        for start in range(0, min(backlog, 2_000), 10):  # moto fills at ~1 ms a call
            moto.sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": BODY} for i in range(10)])

        def op() -> int:
            moto.sqs.send_message(QueueUrl=url, MessageBody=BODY)
            messages = moto.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1).get("Messages", [])
            for m in messages:
                moto.sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
            return len(messages)

        return (*_counted(op, 1), 1)

    one = {"pymsg": pymsg_one, "queue.Queue": stdlib_one, "collections.deque": deque_one}
    groups = {"pymsg": pymsg_fifo}
    batch = {"pymsg": pymsg_batch, "queue.Queue": stdlib_batch}
    deep = {"pymsg": pymsg_backlog}
    if redis:
        one["Redis"], batch["Redis (pipelined)"], deep["Redis"] = redis_one, redis_batch, redis_backlog
        groups["Redis stream + consumer group"] = redis_groups
    if moto:
        one["moto"], batch["moto"], deep["moto (2,000 queued)"] = moto_one, moto_batch, moto_backlog
        groups["moto"] = moto_fifo
    return [
        Workload("SQS", "send + receive + delete, one message", "message", one),
        Workload("SQS", "batches of 10", "message", batch),
        Workload("SQS", "FIFO over 100 groups", "message", groups),
        Workload("SQS", f"cycle with {backlog:,} queued", "message", deep),
    ]


# --- SNS -------------------------------------------------------------------------------------

def sns_workloads(ctx: dict[str, Any], quick: bool) -> list[Workload]:
    return [w for fan in ((1, 10) if quick else (1, 10, 100)) for w in _fan_out(ctx, fan)]


def _fan_out(ctx: dict[str, Any], fan: int) -> list[Workload]:
    redis: Any = ctx.get("redis")
    moto: Any = ctx.get("moto")

    def pymsg_fanout() -> Op:
        broker = pymsg.Broker(strict_limits=False)
        topic = broker.create_topic(f"fan{fan}")
        queues = [broker.create_queue(f"fan{fan}-{i}") for i in range(fan)]
        for q in queues:
            topic.subscribe(q)

        def op() -> int:
            topic.publish(BODY)
            got = 0
            for q in queues:
                batch = q.receive(10)
                got += len(batch)
                q.delete_batch(batch)
            return got

        return (*_counted(op, fan), fan)

    def redis_fanout() -> Op:
        r = redis.client
        keys = [f"fan{fan}-{i}" for i in range(fan)]
        r.delete(*keys)

        def op() -> int:  # the client fans out: one pipelined LPUSH per subscriber list, then drain
            with r.pipeline(transaction=False) as p:
                for k in keys:
                    p.lpush(k, BODY)
                p.execute()
            with r.pipeline(transaction=False) as p:
                for k in keys:
                    p.rpop(k)
                return sum(1 for item in p.execute() if item is not None)

        return (*_counted(op, fan), fan)

    def moto_fanout() -> Op:
        arn = moto.sns.create_topic(Name=f"bench-fan{fan}")["TopicArn"]
        urls = []
        for i in range(fan):
            url = moto.sqs.create_queue(QueueName=f"bench-fan{fan}-{i}")["QueueUrl"]
            qarn = moto.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            moto.sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=qarn)
            urls.append(url)

        def op() -> int:
            moto.sns.publish(TopicArn=arn, Message=BODY)
            got = 0
            for url in urls:
                for m in moto.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
                    moto.sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
                    got += 1
            return got

        return (*_counted(op, fan), fan)

    peers = {"pymsg": pymsg_fanout}
    if redis:
        peers["Redis (client fan-out, pipelined)"] = redis_fanout
    if moto:
        peers["moto"] = moto_fanout
    return [Workload("SNS", f"publish to {fan} queues, then receive + delete", "copy", peers)]


# --- Kinesis ---------------------------------------------------------------------------------

def kinesis_workloads(ctx: dict[str, Any], quick: bool) -> list[Workload]:
    redis: Any = ctx.get("redis")
    moto: Any = ctx.get("moto")
    records = [(DATA, f"user-{i:06d}") for i in range(500)]
    read = 10_000 if not quick else 5_000

    def pymsg_put() -> Op:
        stream = pymsg.Broker(strict_limits=False).create_stream("put", 4, enforce_limits=False)

        def op() -> int:
            return len(stream.put_records(records).records)

        return (*_counted(op, 500), 500)

    def redis_put() -> Op:
        r = redis.client
        r.delete("stream")

        def op() -> int:
            with r.pipeline(transaction=False) as p:
                for data, key in records:
                    p.xadd("stream", {"k": key, "d": data}, maxlen=100_000, approximate=True)
                return len(p.execute())

        return (*_counted(op, 500), 500)

    def moto_put() -> Op:
        moto.kinesis.create_stream(StreamName="bench-put", ShardCount=4)
        entries = [{"Data": d, "PartitionKey": k} for d, k in records]

        def op() -> int:
            return len(moto.kinesis.put_records(StreamName="bench-put", Records=entries)["Records"])

        return (*_counted(op, 500), 500)

    def pymsg_get() -> Op:
        stream = pymsg.Broker(strict_limits=False).create_stream("get", 1, enforce_limits=False)
        for _ in range(read // 500):
            stream.put_records(records)

        def op() -> int:
            page = stream.get_records(stream.get_shard_iterator("shardId-000000000000", "TRIM_HORIZON"))
            return sum(1 for r in page.records if r.data)

        return (*_counted(op, read), read)

    def redis_get() -> Op:
        r = redis.client
        r.delete("gstream")
        for _ in range(read // 500):
            with r.pipeline(transaction=False) as p:
                for data, key in records:
                    p.xadd("gstream", {"k": key, "d": data})
                p.execute()

        def op() -> int:
            return sum(1 for _id, fields in r.xrange("gstream", count=read) if fields[b"d"])

        return (*_counted(op, read), read)

    def moto_get() -> Op:
        moto.kinesis.create_stream(StreamName="bench-get", ShardCount=1)
        entries = [{"Data": d, "PartitionKey": k} for d, k in records]
        for _ in range(read // 500):
            moto.kinesis.put_records(StreamName="bench-get", Records=entries)
        shard = moto.kinesis.list_shards(StreamName="bench-get")["Shards"][0]["ShardId"]

        def op() -> int:
            it = moto.kinesis.get_shard_iterator(StreamName="bench-get", ShardId=shard,
                                                 ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
            return len(moto.kinesis.get_records(ShardIterator=it, Limit=read)["Records"])

        return (*_counted(op, read), read)

    put = {"pymsg": pymsg_put}
    get = {"pymsg": pymsg_get}
    if redis:
        put["Redis (XADD pipelined)"], get["Redis (XRANGE)"] = redis_put, redis_get
    if moto:
        put["moto"], get["moto"] = moto_put, moto_get
    return [
        Workload("Kinesis", "put_records of 500", "record", put),
        Workload("Kinesis", f"get_records of {read:,}", "record", get),
    ]


# --- cache -----------------------------------------------------------------------------------

def cache_workloads(ctx: dict[str, Any], quick: bool) -> list[Workload]:
    import cachetools

    redis: Any = ctx.get("redis")
    n = 20_000 if quick else 100_000
    keys = [f"key-{i:012d}" for i in range(n)]
    hot = keys[:1000]
    rng = random.Random(7)
    sample = [rng.choice(keys) for _ in range(1000)]

    def filled_pymsg() -> Any:
        c = pymsg.Broker().create_cache("bench", max_items=2 * n)
        c.mset({k: DATA for k in keys})
        return c

    def filled_cachetools(kind: str) -> Any:
        c: Any = cachetools.LRUCache(2 * n) if kind == "lru" else cachetools.TTLCache(2 * n, 3600)
        for k in keys:
            c[k] = DATA
        return c

    def gets(get: Callable[[str], Any], seq: list[str]) -> Callable[[], Op]:
        def make() -> Op:
            def op() -> int:
                return sum(1 for k in seq if get(k) is not None)

            return (*_counted(op, len(seq)), len(seq))

        return make

    def lru_cache_peer() -> Op:
        @functools.lru_cache(maxsize=2 * n)
        def load(key: str) -> bytes:
            return DATA

        for k in keys:
            load(k)
        return gets(load, hot)()

    def redis_filled() -> Any:
        r = redis.client
        r.flushdb()
        with r.pipeline(transaction=False) as p:
            for k in keys:
                p.set(k, DATA)
            p.execute()
        return r

    get_hot: dict[str, Callable[[], Op]] = {
        "pymsg": lambda: gets(filled_pymsg().get, hot)(),
        "cachetools.LRUCache": lambda: gets(filled_cachetools("lru").get, hot)(),
        "cachetools.TTLCache": lambda: gets(filled_cachetools("ttl").get, hot)(),
        "functools.lru_cache": lru_cache_peer,
    }

    get_random: dict[str, Callable[[], Op]] = {
        "pymsg": lambda: gets(filled_pymsg().get, sample)(),
        "cachetools.LRUCache": lambda: gets(filled_cachetools("lru").get, sample)(),
        "cachetools.TTLCache": lambda: gets(filled_cachetools("ttl").get, sample)(),
    }

    def sets(cache_factory: Callable[[], Any], method: str) -> Callable[[], Op]:
        def make() -> Op:
            c = cache_factory()
            put = getattr(c, method)

            def op() -> int:
                for k in sample:
                    put(k, DATA)
                return len(sample)

            return (*_counted(op, len(sample)), len(sample))

        return make

    set_random: dict[str, Callable[[], Op]] = {
        "pymsg": sets(filled_pymsg, "set"),
        "cachetools.LRUCache": sets(lambda: filled_cachetools("lru"), "__setitem__"),
        "cachetools.TTLCache": sets(lambda: filled_cachetools("ttl"), "__setitem__"),
    }

    def mgets(mget_factory: Callable[[], Callable[[list[str]], list[Any]]]) -> Callable[[], Op]:
        def make() -> Op:
            mget = mget_factory()
            batch = sample[:100]

            def op() -> int:
                return sum(1 for v in mget(batch) if v is not None)

            return (*_counted(op, 100), 100)

        return make

    mget: dict[str, Callable[[], Op]] = {
        "pymsg": mgets(lambda: filled_pymsg().mget),
        "cachetools.LRUCache": mgets(lambda: (lambda c: (lambda ks: [c.get(k) for k in ks]))(filled_cachetools("lru"))),
    }
    if redis:
        get_hot["Redis GET"] = lambda: gets(redis_filled().get, hot)()
        get_random["Redis GET"] = lambda: gets(redis_filled().get, sample)()
        set_random["Redis SET"] = sets(redis_filled, "set")
        mget["Redis MGET"] = mgets(lambda: redis_filled().mget)
    return [
        Workload("Cache", "get hit, 1k hot keys", "get", get_hot),
        Workload("Cache", f"get hit, random of {n:,} keys", "get", get_random),
        Workload("Cache", "set, random keys", "set", set_random),
        Workload("Cache", "mget of 100", "key", mget),
    ]


FAMILIES: dict[str, Callable[[dict[str, Any], bool], list[Workload]]] = {
    "sqs": sqs_workloads,
    "sns": sns_workloads,
    "kinesis": kinesis_workloads,
    "cache": cache_workloads,
}

