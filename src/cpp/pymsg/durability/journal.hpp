// The broker's side of the write-ahead log: the record types its services write, and the
// per-thread note of what a call appended, so the binding can wait for it to be durable after
// every lock is released (and the GIL with it, under fsync=always).
//
// Each record's payload starts with the object it changes (a u64 id the journal hands out, kept
// by the object for its life and in snapshots) and the clock reading of the change (i64 us), so
// replaying it redoes exactly what the call did, at the time it did it. Records are appended
// under the object's own lock, after the change succeeded: the log's order is the object's
// order, and a failed call writes nothing. Changes that only time makes (a delay ending, a
// visibility timeout lapsing, retention running out) are not logged on their own; the next
// logged call on the object notes the time it made them at (a tick), which is all replay needs.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "pymsg/durability/snapshot_io.hpp"
#include "pymsg/durability/wal.hpp"

namespace pymsg::durability {

enum class Record : std::uint8_t {
  // The queue registry (Broker): a queue made, deleted, its attributes set.
  kQueueCreate = 1,
  kQueueDelete = 2,
  kQueueConfig = 3,
  // One queue's messages (Queue).
  kSend = 10,
  kReceive = 11,
  kDelete = 12,
  kChangeVisibility = 13,
  kPurge = 14,
  kTick = 15,         // the time-made changes due at a time (promote, and sweep expired heads)
  kDeadLetters = 16,  // messages a source's receive moved here, carried whole
  kReturned = 17,     // messages a dead-letter queue refused (it was deleted), back in the source
  // Kinesis streams (kinesis/stream_journal.cpp): made and deleted by the Broker, changed by the Stream.
  kStreamCreate = 20,
  kStreamDelete = 21,
  kStreamPut = 22,        // one record, written under its shard's lock
  kStreamSplit = 23,
  kStreamMerge = 24,
  kStreamScale = 25,      // UpdateShardCount
  kStreamRetention = 26,
  kStreamMode = 27,
  // Caches (cache/cache.cpp): made and deleted by the Broker, written by the Cache, each under
  // the key's shard lock.
  kCacheCreate = 30,
  kCacheDelete = 31,
  kCacheSet = 32,      // the value a write left, with its absolute deadline
  kCacheRemove = 33,   // DEL, EXPIRE <= 0, an eviction
  kCacheExpire = 34,   // a new deadline (0: PERSIST)
  kCacheClear = 35,    // FLUSHDB, one record per shard
  // A FIFO topic's accepted publish (sns/topic_journal.cpp): its deduplication window entry and
  // sequence number. Keyed by the topic's ARN, replayed through the Python layer, which keeps
  // the rest of a topic (its whole state after each change, in kPython records).
  kTopicPublish = 40,
  // What the Python layer keeps (tags, policies, ...): msgpack it writes and replays itself.
  kPython = 100,
};

using RecordWriter = BasicWriter<RecordBuffer>;

class Journal {
 public:
  explicit Journal(std::shared_ptr<WriteAheadLog> wal) : wal_(std::move(wal)) {}

  // This thread's record buffer, emptied, for the next record (built before it is appended, and
  // appended before the next begins).
  static RecordBuffer& start();
  // The same with the record's head written: the object's id and the clock reading.
  static RecordBuffer& start(std::uint64_t id, std::int64_t now);

  // Appends one record and notes its LSN as this thread's to commit (commit_pending).
  std::uint64_t append(Record type, RecordBuffer& record);
  std::uint64_t append(Record type, std::string_view payload);  // built elsewhere: copied
  // Waits until everything this thread appended since its last commit_pending() is as durable
  // as the policy promises (for always: on the disk). Returns false when there was nothing.
  static bool commit_pending();
  // Whether this thread has appended anything under the always policy not yet committed (the
  // binding then releases the GIL around commit_pending).
  static bool must_wait() noexcept;

  std::uint64_t new_id() noexcept { return next_id_.fetch_add(1, std::memory_order_relaxed); }
  // Replay: ids up to `id` are taken.
  void taken_id(std::uint64_t id) noexcept;

  WriteAheadLog& wal() noexcept { return *wal_; }
  const std::shared_ptr<WriteAheadLog>& wal_ptr() const noexcept { return wal_; }

 private:
  std::shared_ptr<WriteAheadLog> wal_;
  std::atomic<std::uint64_t> next_id_{1};
};

}  // namespace pymsg::durability
