// A Kinesis shard: a range of the hash-key space and the append-only log of its records.
//
// Records are numbered 1, 2, 3, ... in arrival order (the record index; sequence numbers encode
// it, sequence_number.hpp). Their data and partition keys are appended back to back into chunks
// of growing size (4 KiB to 1 MiB); an index of 24-byte entries points into them, so a record
// costs 24 bytes plus its bytes. Retention trims from the front on every operation, and a chunk
// is released once no record in it is retained. Reads copy index entries out under the lock and
// share the chunks (bytes are never copied, nor changed once written).
//
// A shard is OPEN until a reshard closes it; a closed shard keeps its records readable until
// retention trims them. Per-shard throughput (1 MiB/s and 1,000 records/s written; 5 reads and
// 2 MiB/s read) is modelled by token buckets on the broker clock when the stream enforces limits.
// Every public method is thread-safe (one mutex per shard).
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pymsg/common/clock.hpp"
#include "pymsg/kinesis/hash_key.hpp"
#include "pymsg/kinesis/token_bucket.hpp"

namespace pymsg {

template <class Out>
class BasicWriter;
using SnapshotWriter = BasicWriter<std::string>;
class SnapshotReader;
namespace durability {
class Journal;
}

// Where a shard logs what it appends (the stream's journal and id); no journal: nothing is logged.
struct ShardLog {
  durability::Journal* journal = nullptr;
  std::uint64_t stream_id = 0;
};

// The records of one read. Their bytes are not copied: they stay in the shard's chunks, which
// are append-only (a record's bytes never change once written) and shared, so `chunks` keeps
// them alive after retention trims them from the shard.
struct RecordsBatch {
  struct Entry {
    const char* bytes = nullptr;     // data, then the partition key
    std::uint32_t data_size = 0;
    std::uint32_t key_size = 0;
    std::uint64_t record_index = 0;  // for the sequence number
    TimeUs arrival_us = 0;           // ApproximateArrivalTimestamp
  };
  std::vector<Entry> records;
  std::vector<std::shared_ptr<const void>> chunks;  // owners of the bytes
  std::uint64_t shard_stamp = 0;     // for the sequence numbers (with record_index)
  std::uint32_t shard_index = 0;
};

// Where a read ended: the next record index and how far behind the newest record it is.
struct ReadPosition {
  std::uint64_t next_index = 0;
  TimeUs behind_us = 0;       // MillisBehindLatest in microseconds; 0 when caught up
  bool at_end_of_closed = false;  // a closed shard read to its end: no next iterator
};

class Shard {
 public:
  Shard(std::uint32_t index, uint128 starting_hash_key, uint128 ending_hash_key, std::uint64_t stamp,
        std::optional<std::uint32_t> parent, std::optional<std::uint32_t> adjacent_parent, TimeUs now);
  Shard(const Shard&) = delete;
  Shard& operator=(const Shard&) = delete;

  // Identity, fixed at creation.
  std::uint32_t index() const noexcept { return index_; }
  std::string id() const;  // "shardId-000000000007"
  uint128 starting_hash_key() const noexcept { return start_; }
  uint128 ending_hash_key() const noexcept { return end_; }
  std::uint64_t stamp() const noexcept { return stamp_; }
  std::optional<std::uint32_t> parent() const noexcept { return parent_; }
  std::optional<std::uint32_t> adjacent_parent() const noexcept { return adjacent_parent_; }
  bool contains(uint128 hash_key) const noexcept { return start_ <= hash_key && hash_key <= end_; }

  // Appends one record unless the write limits refuse it (then returns nullopt and changes
  // nothing). Returns its record index. O(1) amortized; allocates a chunk now and then. With a
  // journal in `log`, the record is appended to it under the shard's lock (a kStreamPut), so the
  // log holds each shard's records in index order.
  std::optional<std::uint64_t> append(std::string_view data, std::string_view partition_key, TimeUs now,
                                      TimeUs retention, bool enforce_limits, const ShardLog& log = {});
  // Replay of a kStreamPut: the record, at `now`, past the write limits (it was admitted).
  // False, and nothing appended, unless it gets `record_index` as it did then in an open shard.
  bool replay_append(std::uint64_t record_index, std::string_view data, std::string_view partition_key, TimeUs now,
                     TimeUs retention);

  // Copies records from `position` on (at most `limit` records and `max_bytes` of data; always at
  // least one record when there is one) into `out`. nullopt (nothing copied) when the read
  // limits refuse it. O(records copied).
  std::optional<ReadPosition> read(std::uint64_t position, std::uint32_t limit, std::uint64_t max_bytes,
                                   TimeUs now, TimeUs retention, bool enforce_limits, RecordsBatch& out);

  // Iterator positions (record indices), after trimming. AT_TIMESTAMP: the first record that
  // arrived at or after `t`. O(log n).
  std::uint64_t trim_horizon(TimeUs now, TimeUs retention);
  std::uint64_t latest(TimeUs now, TimeUs retention);
  std::uint64_t at_timestamp(TimeUs t, TimeUs now, TimeUs retention);
  // The record index after the newest record (the next to be written).
  std::uint64_t next_index();

  // Closes the shard (a reshard made it a parent). Later appends are refused by the stream.
  void close(TimeUs now);
  bool closed() const;
  TimeUs closed_at() const;
  std::size_t record_count();  // retained records (after trimming)

  // Snapshots (stream_snapshot.cpp): the retained records with their arrival times, the log's
  // first record index and the closed state. read_from fills a new shard, bypassing the limits.
  void write_to(SnapshotWriter& w);
  void read_from(SnapshotReader& r);

 private:
  struct Entry {            // one record: 24 bytes
    const char* bytes;      // data, then the partition key
    std::uint32_t data_size;
    std::uint32_t key_size;
    TimeUs arrival_us;
  };
  struct Chunk {
    std::unique_ptr<char[]> bytes;
    std::size_t used = 0, capacity = 0;
    std::uint64_t end_index = 0;  // one past the last record index stored in it
  };
  using ChunkPtr = std::shared_ptr<Chunk>;  // shared with readers

  void trim(TimeUs now, TimeUs retention);
  std::uint64_t append_locked(std::string_view data, std::string_view partition_key, TimeUs now);
  // The kStreamPut of an append (stream_journal.cpp), under mutex_.
  void log_append(const ShardLog& log, std::uint64_t record_index, std::string_view data,
                  std::string_view partition_key, TimeUs now) const;
  char* reserve(std::size_t n);
  const Entry& entry(std::uint64_t record_index) const { return log_[record_index - first_index_]; }

  const std::uint32_t index_;                    // shard number within the stream
  const uint128 start_, end_;                    // inclusive hash-key range
  const std::uint64_t stamp_;                    // creation second in sequence numbers (> parents')
  const std::optional<std::uint32_t> parent_;    // ParentShardId
  const std::optional<std::uint32_t> adjacent_parent_;  // AdjacentParentShardId (merges)

  mutable std::mutex mutex_;                     // guards everything below
  std::deque<Entry> log_;                        // retained records, oldest first
  std::deque<ChunkPtr> chunks_;                  // their bytes
  std::uint64_t first_index_ = 1;                // record index of log_.front()
  TimeUs last_arrival_us_ = 0;                   // arrivals never go backwards
  bool closed_ = false;
  TimeUs closed_at_us_ = 0;
  TokenBucket write_records_, write_bytes_, read_calls_, read_bytes_;  // per-shard limits
};

}  // namespace pymsg
