// A queue's records in the write-ahead log, and their replay.
//
// Payloads (SnapshotWriter's little-endian layout), each after the queue's id (u64) and the
// clock reading of the change (i64 us):
//   kSend              body kind u8, body, encoded attributes, has group u8, group id, dedup id,
//                      has trace u8, trace header, delay i64: what send() enqueued after its checks
//   kReceive           max messages u32, visibility i64: what the receive took is what a replay takes
//   kDelete            the handle's slot u32, seq u64, receive count u32
//   kChangeVisibility  the handle, then the timeout's bits (f64 as u64)
//   kPurge             nothing more
//   kTick              sweep u8: promote what is due; 1: also drop the expired visible heads
//   kDeadLetters       source ARN, source keys (3 u64), count u32, the messages (message_codec.hpp)
//   kReturned          empty ARN, zero keys, count u32, the messages
//   kQueueConfig       the config (write_config); replayed by the broker, which resolves the
//                      dead-letter target
//   kQueueDelete       nothing more; replayed by the broker
// A replayed receive's messages and dead letters are dropped: the dead-letter queue's own
// kDeadLetters record (or the source's kReturned) says where they went.
#include <algorithm>
#include <cstring>

#include "pymsg/durability/snapshot_io.hpp"
#include "pymsg/sqs/message_codec.hpp"
#include "pymsg/sqs/queue.hpp"

namespace pymsg {
namespace {

constexpr const char* kWhat = "queue log record";

}  // namespace

void write_handle(durability::RecordWriter& w, const ReceiptHandle& handle) {
  w.u32(handle.slot);
  w.u64(handle.seq);
  w.u32(handle.receive_count);
}

ReceiptHandle read_handle(SnapshotReader& r) {
  ReceiptHandle handle;
  handle.slot = r.u32();
  handle.seq = r.u64();
  handle.receive_count = r.u32();
  return handle;
}

void Queue::attach_journal(std::shared_ptr<durability::Journal> journal, std::uint64_t id) {
  std::lock_guard<std::mutex> lock(mutex_);
  journal_ = std::move(journal);
  journal_id_ = id;
}

durability::RecordBuffer& Queue::record_head(TimeUs now) const { return durability::Journal::start(journal_id_, now); }

void Queue::log(durability::Record type, durability::RecordBuffer& record) { journal_->append(type, record); }

void Queue::log_messages(durability::Record type, TimeUs now, const std::vector<MessagePtr>& messages,
                         const std::string* source_arn, const QueueKeys* source_keys) {
  durability::RecordBuffer& payload = record_head(now);
  durability::RecordWriter w(payload);
  w.str(source_arn != nullptr ? std::string_view(*source_arn) : std::string_view());
  const QueueKeys keys = source_keys != nullptr ? *source_keys : QueueKeys{};
  w.u64(keys.k0);
  w.u64(keys.k1);
  w.u64(keys.sequence_base);
  w.u32(static_cast<std::uint32_t>(messages.size()));
  for (const MessagePtr& m : messages) write_message(w, *m, 0);
  log(type, payload);
}

template <class Out>
void Queue::write_config(Out& out, const QueueConfig& c) {
  BasicWriter<Out> w(out);
  w.i64(c.visibility_timeout);
  w.i64(c.delay);
  w.i64(c.retention);
  w.u64(c.maximum_message_size);
  w.i64(c.receive_wait);
  w.u8(c.content_based_deduplication ? 1 : 0);
  w.u8(static_cast<std::uint8_t>(c.deduplication_scope));
  w.u8(static_cast<std::uint8_t>(c.fifo_throughput_limit));
  w.str(c.dead_letter_target_arn);
  w.u32(c.max_receive_count);
}

template void Queue::write_config(std::string&, const QueueConfig&);
template void Queue::write_config(durability::RecordBuffer&, const QueueConfig&);

QueueConfig Queue::read_config(SnapshotReader& r) {
  QueueConfig c;
  c.visibility_timeout = r.i64();
  c.delay = r.i64();
  c.retention = r.i64();
  c.maximum_message_size = r.u64();
  c.receive_wait = r.i64();
  c.content_based_deduplication = r.u8() != 0;
  c.deduplication_scope = static_cast<DeduplicationScope>(r.u8());
  c.fifo_throughput_limit = static_cast<FifoThroughputLimit>(r.u8());
  c.dead_letter_target_arn = std::string(r.str());
  c.max_receive_count = r.u32();
  return c;
}

void Queue::replay(durability::Record type, std::string_view payload) {
  using durability::Record;
  std::lock_guard<std::mutex> lock(mutex_);
  SnapshotReader r(payload, kWhat);
  r.u64();  // the id, which led here
  const TimeUs now = r.i64();
  switch (type) {
    case Record::kSend: {
      const auto kind = static_cast<BodyKind>(r.u8());
      const std::string_view body = r.str();
      std::string attributes(r.str());
      const bool has_group = r.u8() != 0;
      const std::string_view group = r.str();
      std::string dedup_id(r.str());
      const bool has_trace = r.u8() != 0;
      const std::string_view trace = r.str();
      const TimeUs delay = r.i64();
      if (fifo_ && !has_group) r.fail("a FIFO send has no group");
      std::string dedup_key = fifo_ ? DedupWindow::key(dedup_id, group, dedup_per_group_) : std::string();
      enqueue_new(body, kind, std::move(attributes), has_group ? std::optional(group) : std::nullopt,
                  std::move(dedup_id), std::move(dedup_key), has_trace ? std::optional(trace) : std::nullopt,
                  delay, now);
      break;
    }
    case Record::kReceive: {
      const std::uint32_t max = r.u32();
      const TimeUs visibility = r.i64();
      promote_due(now);
      ReceivedBatch out;
      std::vector<MessagePtr> to_dead_letter;  // their own records place them
      take_visible(max, visibility, now, out, to_dead_letter);
      break;
    }
    case Record::kDelete:
      delete_locked(read_handle(r), now);
      break;
    case Record::kChangeVisibility: {
      const ReceiptHandle handle = read_handle(r);
      const std::uint64_t bits = r.u64();
      double seconds;
      std::memcpy(&seconds, &bits, sizeof seconds);
      change_visibility_locked(handle, seconds, now);
      break;
    }
    case Record::kPurge:
      purge_locked(now);
      break;
    case Record::kTick: {
      const bool sweep = r.u8() != 0;
      promote_due(now);
      if (sweep && fifo_) sweep_group_heads(now);
      if (sweep && !fifo_) sweep_visible_head(now);
      break;
    }
    case Record::kDeadLetters:
    case Record::kReturned: {
      const std::string source_arn(r.str());
      QueueKeys keys;
      keys.k0 = r.u64();
      keys.k1 = r.u64();
      keys.sequence_base = r.u64();
      const std::uint32_t count = r.u32();
      std::vector<MessagePtr> messages;
      messages.reserve(count);
      for (std::uint32_t i = 0; i < count; ++i) messages.push_back(read_message(r).message);
      if (fifo_ && std::any_of(messages.begin(), messages.end(), [](const MessagePtr& m) { return !m->extras; })) {
        r.fail("a FIFO message has no group");
      }
      if (type == Record::kReturned) {
        for (MessagePtr& m : messages) apply_visible(m.release());
      } else {
        accept_locked(messages, source_arn, keys, now);
      }
      break;
    }
    default:
      r.fail("its type is not a queue's");
  }
  if (!r.done()) r.fail("bytes follow its end");
}

}  // namespace pymsg
