// A stream's records in the write-ahead log, and their replay.
//
// Payloads (SnapshotWriter's little-endian layout), each after the stream's id (u64) and the
// clock reading of the change (i64 us):
//   kStreamCreate     account, region, name (strings), shard count u32, mode u8, retention hours
//                     i64, limits u8, MaxRecordSizeInKiB u32, iterator keys (3 u64), creation
//                     time i64; written by the Broker, replayed by it
//   kStreamDelete     nothing more; written and replayed by the Broker
//   kStreamPut        shard index u32, record index u64, data, partition key: one record as its
//                     shard appended it (the index checks that replay appends it at the same place)
//   kStreamSplit      shard id, new starting hash key (the call's own text)
//   kStreamMerge      shard id, adjacent shard id
//   kStreamScale      target shard count u32
//   kStreamRetention  the new period in hours i64
//   kStreamMode       StreamMode u8
// Resharding is redone by the same code at the logged time, so children get the same indices,
// ranges and stamps; only the quota and the 24-hour scaling limit are not checked again. The
// per-shard throughput buckets are not logged: a replayed put is admitted, and a recovered
// stream's buckets start full.
#include <mutex>

#include "pymsg/durability/snapshot_io.hpp"
#include "pymsg/kinesis/stream.hpp"

namespace pymsg {
namespace {

constexpr const char* kWhat = "stream log record";

}  // namespace

void Shard::log_append(const ShardLog& log, std::uint64_t record_index, std::string_view data,
                       std::string_view partition_key, TimeUs now) const {
  durability::RecordBuffer& payload = durability::Journal::start(log.stream_id, now);
  durability::RecordWriter w(payload);
  w.u32(index_);
  w.u64(record_index);
  w.str(data);
  w.str(partition_key);
  log.journal->append(durability::Record::kStreamPut, payload);
}

void Stream::attach_journal(std::shared_ptr<durability::Journal> journal, std::uint64_t id) {
  std::unique_lock<std::shared_mutex> lock(topology_);
  journal_ = std::move(journal);
  journal_id_ = id;
}

std::uint64_t Stream::journal_id() const {
  std::shared_lock<std::shared_mutex> lock(topology_);
  return journal_id_;
}

durability::RecordBuffer& Stream::record_head(TimeUs now) const {
  return durability::Journal::start(journal_id_, now);
}

void Stream::log(durability::Record type, durability::RecordBuffer& record) const { journal_->append(type, record); }

void Stream::log_delete(TimeUs now) {
  std::unique_lock<std::shared_mutex> lock(topology_);
  if (journal_) log(durability::Record::kStreamDelete, record_head(now));
}

std::string Stream::dump_cut(std::uint64_t& cut) {
  std::unique_lock<std::shared_mutex> lock(topology_);
  check_alive();
  std::string out;
  dump_locked(out);
  cut = journal_ ? journal_->wal().appended_lsn() : 0;
  return out;
}

void Stream::write_create(std::string& out, const StreamOptions& options) const {
  SnapshotWriter w(out);
  w.u32(options.shard_count);
  w.u8(static_cast<std::uint8_t>(options.mode));
  w.i64(options.retention_hours);
  w.u8(options.enforce_limits ? 1 : 0);
  w.u32(options.max_record_size_kib);
  w.u64(keys_.k0);
  w.u64(keys_.k1);
  w.u64(keys_.incarnation);
  w.i64(created_us_);
}

StreamOptions Stream::read_create(SnapshotReader& r, StreamIdentity& identity) {
  StreamOptions options;
  options.shard_count = r.u32();
  const std::uint8_t mode = r.u8();
  if (mode > static_cast<std::uint8_t>(StreamMode::kOnDemand)) r.fail("its stream mode is " + std::to_string(mode));
  options.mode = static_cast<StreamMode>(mode);
  options.retention_hours = r.i64();
  options.enforce_limits = r.u8() != 0;
  options.max_record_size_kib = r.u32();
  identity.keys.k0 = r.u64();
  identity.keys.k1 = r.u64();
  identity.keys.incarnation = r.u64();
  identity.created_us = r.i64();
  return options;
}

void Stream::replay(durability::Record type, std::string_view payload) {
  using durability::Record;
  SnapshotReader r(payload, kWhat);
  r.u64();  // the id, which led here
  const TimeUs now = r.i64();
  switch (type) {
    case Record::kStreamPut: {
      const std::uint32_t index = r.u32();
      const std::uint64_t record_index = r.u64();
      const std::string_view data = r.str(), key = r.str();
      if (!r.done()) r.fail("bytes follow its end");
      std::shared_lock<std::shared_mutex> lock(topology_);
      if (index >= shards_.size()) r.fail("it puts a record into shard " + std::to_string(index) + ", which is not there");
      Shard& shard = *shards_[index];
      if (!shard.replay_append(record_index, data, key, now, retention_us())) {
        r.fail("it puts record " + std::to_string(record_index) + " into shard " + shard.id() + ", whose next is " +
               std::to_string(shard.next_index()) + (shard.closed() ? " (it is closed)" : ""));
      }
      return;
    }
    case Record::kStreamSplit: {
      const std::string_view shard_id = r.str(), key = r.str();
      if (!r.done()) r.fail("bytes follow its end");
      split_shard_at(shard_id, key, now, /*replaying=*/true);
      return;
    }
    case Record::kStreamMerge: {
      const std::string_view shard_id = r.str(), adjacent = r.str();
      if (!r.done()) r.fail("bytes follow its end");
      merge_shards_at(shard_id, adjacent, now);
      return;
    }
    case Record::kStreamScale: {
      const std::uint32_t target = r.u32();
      if (!r.done()) r.fail("bytes follow its end");
      update_shard_count_at(target, now, /*replaying=*/true);
      return;
    }
    case Record::kStreamRetention: {
      const std::int64_t hours = r.i64();
      if (!r.done()) r.fail("bytes follow its end");
      set_retention_hours(hours, now);
      return;
    }
    case Record::kStreamMode: {
      const std::uint8_t mode = r.u8();
      if (!r.done()) r.fail("bytes follow its end");
      if (mode > static_cast<std::uint8_t>(StreamMode::kOnDemand)) r.fail("its stream mode is " + std::to_string(mode));
      set_mode(static_cast<StreamMode>(mode));
      return;
    }
    default:
      r.fail("its type " + std::to_string(static_cast<int>(type)) + " is not a stream's");
  }
}

}  // namespace pymsg
