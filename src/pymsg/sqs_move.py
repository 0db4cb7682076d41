"""SQS message move tasks: dead-letter queue redrive (StartMessageMoveTask, ListMessageMoveTasks,
CancelMessageMoveTask).

A task moves the messages of a dead-letter queue, oldest first, to one destination or back to
the queue each came from (its DeadLetterQueueSourceArn), at most MaxNumberOfMessagesPerSecond
of broker-clock time (all at once when no rate is given). As on AWS a moved message is a new
message: a new MessageId, SentTimestamp and retention period, its body, message attributes and
FIFO group kept. Only one task may run per queue.

Tasks advance when a manual clock moves, on every move-task call, and, on a system clock, from
a timer thread that runs while any task does. A move receives from the source, sends to the
destination and deletes from the source, message by message: a task runs at 500 messages a
second at most, so this is off every hot path.

With a data directory, the task list is logged whole after each change (a start, a cancel, a
batch moved, an end) and kept in snapshots; a task RUNNING at a crash resumes after recovery
(the messages themselves are exact through the queues' own records; a batch moved but not yet
counted when the process died is moved, and counted, as on AWS's approximate count).
"""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Optional

from .clock import ManualClock, _Hook
from .errors import (
    PymsgError,
    QueueDoesNotExist,
    ResourceNotFoundException,
)
from .messages import SQS, error

if TYPE_CHECKING:
    from .broker import Broker
    from .sqs import Queue

MAX_RATE = 500        # messages a second, AWS's ceiling
_TICK_SECONDS = 0.1   # how often the system-clock timer moves what is due


@dataclass
class MoveTask:
    handle: str
    source: "Queue"
    destination_arn: Optional[str]
    rate: Optional[int]
    started: float                 # broker-clock seconds
    to_move: int                   # ApproximateNumberOfMessagesToMove, fixed at the start
    moved: int = 0
    status: str = "RUNNING"
    failure_reason: Optional[str] = None
    order: int = field(default=0)  # start order, for "newest first"

    def entry(self) -> dict[str, Any]:
        """A ListMessageMoveTasksResultEntry."""
        out: dict[str, Any] = {}
        if self.status == "RUNNING":
            out["TaskHandle"] = self.handle
        out.update(Status=self.status, SourceArn=self.source.arn)
        if self.destination_arn:
            out["DestinationArn"] = self.destination_arn
        if self.rate is not None:
            out["MaxNumberOfMessagesPerSecond"] = self.rate
        out.update(ApproximateNumberOfMessagesMoved=self.moved, ApproximateNumberOfMessagesToMove=self.to_move)
        if self.failure_reason:
            out["FailureReason"] = self.failure_reason
        out["StartedTimestamp"] = int(self.started * 1000)
        return out


class _NotFound(ResourceNotFoundException):
    """SQS answers its ResourceNotFoundException with HTTP 404 (Kinesis, with 400)."""

    code = "ResourceNotFoundException"
    http_status = 404


def _not_found(key: str, **fields: str) -> _NotFound:
    return _NotFound(str(error(SQS, key, **fields)))


class MoveTasks:
    """The broker's message move tasks. Thread-safe."""

    def __init__(self, broker: Broker) -> None:
        self._broker = broker
        self._lock = threading.Lock()       # guards _tasks and each task's fields
        self._stepping = threading.Lock()   # one thread moves messages at a time
        self._tasks: list[MoveTask] = []
        self._timer: Optional[threading.Thread] = None
        self._hook = _Hook(self.run_due)
        if isinstance(broker.clock, ManualClock):
            broker.clock._add_hook(self._hook)

    # --- the three actions ------------------------------------------------------------------

    def start(self, source_arn: str, destination_arn: Optional[str] = None,
              max_messages_per_second: Optional[int] = None) -> str:
        """StartMessageMoveTask; returns the TaskHandle."""
        source = self._queue(source_arn, "SourceArn")
        if not source.dead_letter_source_queues():
            raise error(SQS, "not_a_dead_letter_queue")
        if destination_arn is not None:
            destination = self._queue(destination_arn, "DestinationArn")
            if destination.fifo != source.fifo:
                raise error(SQS, "move_task_types")
        rate = max_messages_per_second
        if rate is not None and (isinstance(rate, bool) or not isinstance(rate, int) or not 1 <= rate <= MAX_RATE):
            raise error(SQS, "move_task_rate", value=rate, most=MAX_RATE)
        self.run_due()
        with self._lock:
            busy = {t.source.arn for t in self._tasks if t.status == "RUNNING"} | {
                t.destination_arn for t in self._tasks if t.status == "RUNNING" and t.destination_arn}
            if source.arn in busy or (destination_arn is not None and destination_arn in busy):
                raise error(SQS, "task_running")
            handle = base64.b64encode(json.dumps({"taskId": str(uuid.uuid4()), "sourceArn": source.arn}).encode()
                                      ).decode()
            visible = int(source.attributes()["ApproximateNumberOfMessages"])
            self._tasks.append(MoveTask(handle, source, destination_arn, rate, self._broker.clock.now(), visible,
                                        order=len(self._tasks)))
        self._journal()
        self.run_due()
        self._ensure_timer()
        return handle

    def list(self, source_arn: str, max_results: int = 1) -> list[dict[str, Any]]:
        """ListMessageMoveTasks: the most recent tasks of a source queue, newest first."""
        source = self._queue(source_arn, "SourceArn")
        if isinstance(max_results, bool) or not isinstance(max_results, int) or not 1 <= max_results <= 10:
            raise error(SQS, "move_task_max_results", value=max_results)
        self.run_due()
        with self._lock:
            tasks = sorted((t for t in self._tasks if t.source.arn == source.arn), key=lambda t: -t.order)
            return [t.entry() for t in tasks[:max_results]]

    def cancel(self, handle: str) -> int:
        """CancelMessageMoveTask; returns ApproximateNumberOfMessagesMoved."""
        try:  # a handle is base64 JSON naming the task and its source queue
            source_arn = json.loads(base64.b64decode(handle, validate=True))["sourceArn"]
        except (TypeError, ValueError, KeyError):
            raise error(SQS, "task_handle") from None
        self._queue(source_arn, "SourceArn")
        self.run_due()
        with self._lock:
            task = next((t for t in self._tasks if t.handle == handle), None)
            if task is None or task.status != "RUNNING":
                raise _not_found("task_missing")
            task.status = "CANCELLED"  # AWS passes through CANCELLING; here the next move never starts
            moved = task.moved
        self._journal()
        return moved

    # --- moving -------------------------------------------------------------------------------

    def run_due(self) -> None:
        """Moves what every running task may have moved by now."""
        with self._stepping:
            now = self._broker.clock.now()
            with self._lock:
                running = [t for t in self._tasks if t.status == "RUNNING"]
                before = [(t.moved, t.status) for t in running]
            for task in running:
                self._advance(task, now)
            with self._lock:
                changed = before != [(t.moved, t.status) for t in running]
            if changed:
                self._journal()

    # --- durability ---------------------------------------------------------------------------

    def state(self) -> list[dict[str, Any]]:
        """Every task as plain data (for snapshots and the log)."""
        with self._lock:
            return [{"handle": t.handle, "source_arn": t.source.arn, "destination_arn": t.destination_arn,
                     "rate": t.rate, "started": t.started, "to_move": t.to_move, "moved": t.moved,
                     "status": t.status, "failure_reason": t.failure_reason, "order": t.order} for t in self._tasks]

    def restore(self, tasks: list[dict[str, Any]]) -> None:
        """Puts back what state() returned (tasks whose source queue is gone are dropped). Running
        tasks go on from the next call, clock advance or timer tick (resume())."""
        restored = []
        for t in tasks:
            try:
                source = self._broker.get_queue_by_arn(t["source_arn"])
            except QueueDoesNotExist:
                continue
            restored.append(MoveTask(t["handle"], source, t["destination_arn"], t["rate"], float(t["started"]),
                                     int(t["to_move"]), int(t["moved"]), t["status"], t["failure_reason"],
                                     int(t["order"])))
        with self._lock:
            self._tasks = restored

    def resume(self) -> None:
        """After a recovery: a system clock's timer for the tasks still running."""
        with self._lock:
            running = any(t.status == "RUNNING" for t in self._tasks)
        if running:
            self._ensure_timer()

    def _journal(self) -> None:
        durability = self._broker._durability
        if durability is not None:
            durability.log_move_tasks(self._broker, self)

    def _advance(self, task: MoveTask, now: float) -> None:
        allowed = task.to_move if task.rate is None else min(task.to_move, int(task.rate * (now - task.started)))
        while True:
            with self._lock:
                if task.status != "RUNNING":
                    return
                if task.moved >= task.to_move:
                    task.status = "COMPLETED"
                    return
                wanted = min(10, allowed - task.moved)
            if wanted <= 0:
                return
            try:
                messages = task.source.receive(wanted, wait_time_seconds=0, visibility_timeout=30)  # never a long poll
            except QueueDoesNotExist:
                return self._fail(task, "AWS.SimpleQueueService.NonExistentQueue: the source queue was deleted.")
            if not messages:  # the rest was received by someone else, or deleted: the task is done
                with self._lock:
                    task.status = "COMPLETED" if task.status == "RUNNING" else task.status
                return
            for m in messages:
                try:
                    self._move(task, m)
                except PymsgError as exc:
                    m.change_visibility(0)  # it stays in the source, visible again
                    return self._fail(task, f"{exc.legacy_code or exc.code}: {exc}")

    def _move(self, task: MoveTask, m: Any) -> None:
        target = task.destination_arn or m.attributes.get("DeadLetterQueueSourceArn", "")
        destination = self._broker.get_queue_by_arn(target)
        kwargs: dict[str, Any] = {"message_attributes": m.message_attributes or None}
        if destination.fifo:
            # A new message in the destination's deduplication window: its old id makes it unique.
            kwargs.update(group_id=m.attributes.get("MessageGroupId"), deduplication_id=m.message_id)
        destination.send(m.body, **kwargs)
        m.delete()
        with self._lock:
            task.moved += 1

    def _fail(self, task: MoveTask, reason: str) -> None:
        with self._lock:
            task.status = "FAILED"
            task.failure_reason = reason

    def _ensure_timer(self) -> None:
        """On a system clock, a thread moves what is due until no task runs."""
        if isinstance(self._broker.clock, ManualClock):
            return
        with self._lock:
            if self._timer is not None and self._timer.is_alive():
                return
            self._timer = threading.Thread(target=self._tick, name="pymsg-move-tasks", daemon=True)
            self._timer.start()

    def _tick(self) -> None:
        while True:
            time.sleep(_TICK_SECONDS)  # real time: this thread runs only on a system clock
            self.run_due()
            with self._lock:
                if not any(t.status == "RUNNING" for t in self._tasks):
                    self._timer = None
                    return

    def _queue(self, arn: Any, parameter: str) -> "Queue":
        if not isinstance(arn, str):
            raise error(SQS, "move_task_arn_type", name=parameter)
        try:
            return self._broker.get_queue_by_arn(arn)
        except QueueDoesNotExist:
            raise _not_found("task_resource_missing", name=parameter) from None
