// A FIFO topic's publishes in the write-ahead log, and its deduplication window in snapshots.
//
// kTopicPublish payload (SnapshotWriter's layout): the topic's ARN, the clock reading of the
// publish (i64 us), the deduplication key, the message id (16 bytes) and its sequence number
// (u64). Replay records the key in the window at that time, so a retry within five minutes of
// the first publish is still a duplicate after a restart, and sequence numbers go on from there.
// Dump ("PTF1"): the last sequence number u64, the window's entry count u64, then per entry, in
// expiry order, its key, message id, sequence number and expiry time.
#include <algorithm>
#include <mutex>

#include "pymsg/durability/snapshot_io.hpp"
#include "pymsg/sns/topic.hpp"

namespace pymsg {
namespace {

constexpr char kMagic[4] = {'P', 'T', 'F', '1'};

MessageId read_message_id(SnapshotReader& r) {
  const std::string_view bytes = r.str();
  if (bytes.size() != 16) r.fail("a message id is not 16 bytes");
  MessageId id;
  for (std::size_t i = 0; i < 16; ++i) id[i] = static_cast<std::uint8_t>(bytes[i]);
  return id;
}

std::string_view id_bytes(const MessageId& id) { return {reinterpret_cast<const char*>(id.data()), id.size()}; }

}  // namespace

void Topic::attach_journal(std::shared_ptr<durability::Journal> journal) {
  std::lock_guard<std::mutex> lock(fifo_mutex_);
  journal_ = std::move(journal);
}

void Topic::log_publish(const std::string& key, const MessageId& id, std::uint64_t sequence_number,
                        TimeUs now) const {
  durability::RecordBuffer& payload = durability::Journal::start();
  durability::RecordWriter w(payload);
  w.str(arn_);
  w.i64(now);
  w.str(key);
  w.str(id_bytes(id));
  w.u64(sequence_number);
  journal_->append(durability::Record::kTopicPublish, payload);
}

std::string Topic::publish_record_arn(std::string_view payload) {
  SnapshotReader r(payload, "topic log record");
  return std::string(r.str());
}

void Topic::replay_publish(std::string_view payload) {
  SnapshotReader r(payload, "topic log record");
  r.str();  // the ARN, which led here
  const TimeUs now = r.i64();
  const std::string key(r.str());
  const MessageId id = read_message_id(r);
  const std::uint64_t sequence_number = r.u64();
  if (!r.done()) r.fail("bytes follow its end");
  std::lock_guard<std::mutex> lock(fifo_mutex_);
  dedup_.find(key, now);  // expires what the window had dropped by then
  dedup_.record(key, {id, sequence_number}, now);
  next_sequence_ = std::max<std::uint64_t>(next_sequence_, sequence_number - 10'000'000'000'000'000'000ull);
}

std::string Topic::dump_fifo(std::uint64_t& cut) {
  std::lock_guard<std::mutex> lock(fifo_mutex_);
  std::string out;
  SnapshotWriter w(out);
  w.raw(kMagic, 4);
  w.u64(next_sequence_);
  const std::size_t count_at = w.position();
  w.u64(0);  // the entry count, once known
  std::uint64_t count = 0;
  dedup_.for_each([&](const std::string& key, const DedupWindow::Original& original, TimeUs expires) {
    w.str(key);
    w.str(id_bytes(original.message_id));
    w.u64(original.sequence_number);
    w.i64(expires);
    ++count;
  });
  w.patch_u64(count_at, count);
  cut = journal_ ? journal_->wal().appended_lsn() : 0;
  return out;
}

void Topic::restore_fifo(std::string_view dump) {
  SnapshotReader r(dump, "topic snapshot");
  r.expect_magic(std::string_view(kMagic, 4));
  std::lock_guard<std::mutex> lock(fifo_mutex_);
  next_sequence_ = r.u64();
  for (std::uint64_t n = r.u64(); n > 0; --n) {
    const std::string key(r.str());
    const MessageId id = read_message_id(r);
    const std::uint64_t sequence_number = r.u64();
    dedup_.restore(key, {id, sequence_number}, r.i64());
  }
  if (!r.done()) r.fail("bytes follow its end");
}

}  // namespace pymsg
