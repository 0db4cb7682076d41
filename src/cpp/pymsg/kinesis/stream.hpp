// A Kinesis data stream: shards over the 128-bit hash-key space, routing, iterators, resharding
// and retention.
//
// Topology (which shards exist, which are open) sits behind a shared_mutex: puts and reads
// share it, reshards take it alone. Each shard has its own mutex (shard.hpp), so writers to
// different shards never contend. `open_` lists the open shards by starting hash key; together
// they cover 0 .. 2^128-1 exactly, and a record goes to the one whose range holds its hash key.
// A reshard closes parents and opens children with the next shard numbers; a child's `stamp`
// is above its parents', so its sequence numbers are above theirs.
//
// Each public operation reads the clock once. Caller errors throw pymsg::Error before any
// change. All public methods are thread-safe.
#pragma once

#include <atomic>
#include <deque>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "pymsg/common/clock.hpp"
#include "pymsg/common/limits.hpp"
#include "pymsg/durability/journal.hpp"
#include "pymsg/kinesis/shard.hpp"
#include "pymsg/kinesis/shard_iterator.hpp"
#include "pymsg/kinesis/shard_quota.hpp"

namespace pymsg {

enum class StreamMode : std::uint8_t { kProvisioned, kOnDemand };
enum class IteratorType : std::uint8_t { kAtSequenceNumber, kAfterSequenceNumber, kTrimHorizon, kLatest, kAtTimestamp };

// "AT_SEQUENCE_NUMBER" ... ; ValidationException for other text.
IteratorType parse_iterator_type(std::string_view text);
StreamMode parse_stream_mode(std::string_view text);

struct StreamOptions {
  std::uint32_t shard_count = 1;            // ignored for ON_DEMAND (4 shards)
  StreamMode mode = StreamMode::kProvisioned;
  std::int64_t retention_hours = 24;        // 24 .. 8,760
  bool enforce_limits = true;               // per-shard throughput limits
  std::uint32_t max_record_size_kib = 1024; // MaxRecordSizeInKiB, 1,024 .. 10,240
};

struct PutRecordRequest {
  std::string_view data;
  std::string_view partition_key;                       // UTF-8, 1 .. 256 characters
  std::optional<std::string_view> explicit_hash_key;    // decimal, < 2^128
  std::optional<std::string_view> sequence_number_for_ordering;
};

struct PutRecordOutcome {
  bool throttled = false;          // ProvisionedThroughputExceededException for this record
  std::uint32_t shard_index = 0;   // ShardId
  std::uint64_t shard_stamp = 0;   // with record_index and arrival: the SequenceNumber
  std::uint64_t record_index = 0;
  TimeUs arrival_us = 0;
};

struct ShardInfo {  // a ListShards entry
  std::uint32_t index = 0;
  std::string id;
  std::optional<std::string> parent_id, adjacent_parent_id;
  uint128 starting_hash_key = 0, ending_hash_key = 0;
  std::string starting_sequence_number;
  std::optional<std::string> ending_sequence_number;  // set once the shard is closed
};

struct GetRecordsResult {
  std::optional<std::string> next_iterator;  // nullopt at the end of a closed shard
  TimeUs behind_us = 0;                      // MillisBehindLatest, in microseconds
  std::vector<ShardInfo> child_shards;       // at the end of a closed shard
};

// What a stream keeps for its life and a dump carries over: its iterator keys and creation time.
struct StreamIdentity {
  IteratorKeys keys;
  TimeUs created_us = 0;
};
StreamIdentity dumped_stream_identity(std::string_view dump);  // InvalidParameterValue if not a dump

class Stream {
 public:
  // Validates the options (InvalidArgumentException / ValidationException) and reserves its
  // shards from `quota` (LimitExceededException); the destructor or mark_deleted gives them back.
  // With `dump` (Stream::dump bytes) the shards come from it instead of options.shard_count.
  // With `replayed` (a kStreamCreate's), the stream is made as it was then: its keys, its
  // creation time, its shards reserved past the quota (they were admitted when it was made).
  Stream(std::string name, std::string arn, std::string account_id, const StreamOptions& options,
         std::shared_ptr<Clock> clock, KinesisLimits limits, std::shared_ptr<ShardQuota> quota,
         std::optional<std::string_view> dump = std::nullopt, const StreamIdentity* replayed = nullptr);
  ~Stream();
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  const std::string& name() const noexcept { return name_; }
  const std::string& arn() const noexcept { return arn_; }
  const std::string& account_id() const noexcept { return account_id_; }
  StreamMode mode() const noexcept { return mode_.load(std::memory_order_relaxed); }
  bool enforce_limits() const noexcept { return enforce_limits_.load(std::memory_order_relaxed); }
  // UpdateStreamMode: ON_DEMAND streams are never throttled, PROVISIONED ones as they were created.
  void set_mode(StreamMode mode);
  std::uint32_t max_record_size_kib() const noexcept { return max_record_size_kib_; }
  TimeUs created_us() const noexcept { return created_us_; }
  std::int64_t retention_hours() const noexcept { return retention_hours_.load(std::memory_order_relaxed); }
  const KinesisLimits& limits() const noexcept { return limits_; }

  // PutRecord: ProvisionedThroughputExceededException when the shard's write limit refuses it
  // (nothing written). O(log shards).
  PutRecordOutcome put_record(const PutRecordRequest& request);
  // PutRecords after nothing: validates the whole request first (count, sizes, keys), then writes
  // every record it can; throttled ones are marked, later ones still tried (as AWS). One shard
  // lock per shard touched.
  void put_records(const std::vector<PutRecordRequest>& requests, std::vector<PutRecordOutcome>& outcomes);

  // GetShardIterator. `sequence_number` for the AT_/AFTER_ types, `timestamp` for AT_TIMESTAMP.
  std::string get_shard_iterator(std::string_view shard_id, IteratorType type,
                                 std::optional<std::string_view> sequence_number, std::optional<TimeUs> timestamp);
  // Whether `iterator` was issued by this stream (its keyed tag checks out). Lock-free.
  bool owns_iterator(std::string_view iterator) const noexcept {
    IteratorFields f;
    return decode_shard_iterator(keys_, iterator, f);
  }
  // GetRecords: up to `limit` records (1 .. 10,000) into `out`, and where to go next.
  GetRecordsResult get_records(std::string_view iterator, std::uint32_t limit, RecordsBatch& out);

  // ListShards: every shard not yet expired (a closed shard expires once retention has passed
  // since it closed), in shard order.
  std::vector<ShardInfo> list_shards();
  std::uint32_t open_shard_count() const;

  // Resharding (provisioned streams only: ValidationException on ON_DEMAND).
  void split_shard(std::string_view shard_id, std::string_view new_starting_hash_key);
  void merge_shards(std::string_view shard_id, std::string_view adjacent_shard_id);
  // UNIFORM_SCALING to `target` open shards: splits and merges (so lineage stays as AWS's).
  void update_shard_count(std::uint32_t target);

  void increase_retention_period(std::int64_t hours);
  void decrease_retention_period(std::int64_t hours);

  // DeleteStream: later calls raise ResourceNotFoundException; its shards leave the quota.
  void mark_deleted() noexcept;
  bool deleted() const noexcept { return deleted_.load(std::memory_order_acquire); }

  // Snapshots (pymsg serve --state; stream_snapshot.cpp). dump() writes every shard, closed ones
  // included, with its retained records, plus the iterator keys and the reshard history. A
  // stream constructed with the dump (and the same options) is the same stream: the same shard
  // ids, hash ranges, records and sequence numbers, and shard iterators issued before the dump
  // still read. Thread-safe. A damaged dump throws InvalidParameterValue.
  std::string dump();

  // The write-ahead log (stream_journal.cpp). Once attached, every change is appended to
  // `journal` as a record naming `id`: a put under its shard's lock, a reshard, a retention or
  // mode change under the topology lock held alone; replay() redoes such a record.
  void attach_journal(std::shared_ptr<durability::Journal> journal, std::uint64_t id);
  std::uint64_t journal_id() const;
  void replay(durability::Record type, std::string_view payload);
  // dump() with `cut`, the journal's last LSN when it was taken: the dump holds every change of
  // this stream logged up to there and none after (the topology is held alone meanwhile, which
  // holds off puts and reshards of this stream).
  std::string dump_cut(std::uint64_t& cut);
  // DeleteStream's record (the Broker's, under its registry lock), if the stream is logged.
  void log_delete(TimeUs now);
  // What a kStreamCreate holds after the stream's id and time, and reads back.
  void write_create(std::string& out, const StreamOptions& options) const;
  static StreamOptions read_create(SnapshotReader& r, StreamIdentity& identity);

 private:
  [[noreturn]] void throw_not_found() const;
  [[noreturn]] void throw_shard_limit(std::int64_t more) const;
  // Reserves `n` open shards from the quota (LimitExceededException past it); `replaying` a
  // logged change reserves them whatever the quota says, since they were admitted then.
  void reserve_shards(std::int64_t n, bool replaying);
  [[noreturn]] void throw_shard_not_found(std::string_view shard_id) const;
  void check_alive() const;
  void check_provisioned(const char* operation) const;
  TimeUs retention_us() const noexcept;
  std::string describe_record_limit_error(std::size_t i, const char* field, std::size_t limit) const;
  // Checks one record; sets `hash_key` when it has an explicit one (returns whether it had).
  bool validate_put(const PutRecordRequest& r, std::size_t i, uint128& hash_key) const;

  // Under topology_ (shared or exclusive):
  std::shared_ptr<Shard> find_shard(std::string_view shard_id) const;  // ResourceNotFoundException
  Shard* route(uint128 hash_key) const;
  bool expired(const Shard& shard, TimeUs now) const;
  ShardInfo info(const Shard& shard) const;
  // Under topology_ exclusive:
  std::uint64_t child_stamp(TimeUs now, std::initializer_list<const Shard*> parents) const;
  void split_locked(Shard& parent, uint128 new_starting_hash_key, TimeUs now);
  void merge_locked(Shard& lower, Shard& upper, bool lower_is_named, TimeUs now);
  void rebuild_open();
  void restore_shards(std::string_view dump);  // the constructor's, from a dump
  void dump_locked(std::string& out);         // topology_ held
  // The resharding calls at `now`; `replaying` (a logged one redone) skips the quota and the
  // 24-hour scaling limit, which it passed when it was made. Each logs itself once done.
  void split_shard_at(std::string_view shard_id, std::string_view new_starting_hash_key, TimeUs now, bool replaying);
  void merge_shards_at(std::string_view shard_id, std::string_view adjacent_shard_id, TimeUs now);
  void update_shard_count_at(std::uint32_t target, TimeUs now, bool replaying);
  void set_retention_hours(std::int64_t hours, TimeUs now);
  // A record's head (journal id, time) in a per-thread buffer; log() appends it. topology_ held.
  durability::RecordBuffer& record_head(TimeUs now) const;
  void log(durability::Record type, durability::RecordBuffer& record) const;

  const std::string name_, arn_, account_id_;
  std::atomic<StreamMode> mode_;
  std::atomic<bool> enforce_limits_;        // per-shard throughput limits (never for ON_DEMAND)
  const bool limits_requested_;             // what the creator asked for PROVISIONED streams
  const std::uint32_t max_record_size_kib_;
  const std::shared_ptr<Clock> clock_;
  const KinesisLimits limits_;
  const std::shared_ptr<ShardQuota> quota_;  // the account's open shards, shared with other streams
  const IteratorKeys keys_;                 // iterator tags; incarnation differs per creation
  const TimeUs created_us_;
  std::atomic<std::int64_t> retention_hours_;
  std::atomic<bool> deleted_{false};

  mutable std::shared_mutex topology_;          // guards the five members below
  std::vector<std::shared_ptr<Shard>> shards_;  // every shard by index, closed ones included
  std::vector<Shard*> open_;                    // open shards by starting hash key
  std::deque<TimeUs> scalings_;                 // UpdateShardCount times in the last 24 h
  std::shared_ptr<durability::Journal> journal_;  // null: not durable (or replaying)
  std::uint64_t journal_id_ = 0;                // this stream's id in the journal's records
};

}  // namespace pymsg
