// Queue::dump and Queue::restore: a queue's messages and counters as bytes (pymsg serve --state).
//
// Layout, integers little-endian, strings as a u32 length and the bytes:
//   "PQS2", keys (k0, k1, sequence_base: u64), created_us, last_modified_us, last_purge_us (i64),
//   next_seq (u64), message count (u64), the messages, dedup entry count (u64), the entries,
//   free slot count (u64), the free slots (u32 each, in the order the slot table reuses them).
// "PQS1" (before the free slots and places in line were written) still loads, its free slots in
// slot order and each FIFO message queueing by its own seq.
// A message: seq u64, sent_us i64, state u8, deadline i64 (delayed / in flight; else 0),
// receive_count, first_receive_off, last_receive_off, slot (u32), body kind u8, body string,
// then u8 1 and its extras (attributes, group id, dedup id, trace header, dead-letter source:
// strings; has_original_id u8, original_id 16 bytes, enqueued_us i64, sequence_number u64,
// place_in_line u64), or u8 0.
// A dedup entry: key string, message id 16 bytes, sequence number u64, expiry i64.
// Visible messages are written in the order they are received in, so restoring them in the
// order read rebuilds the standard visible list as it was (FIFO groups sort by seq anyway); the
// deadline heap is written in its array order, which pushing rebuilds exactly. With the free
// slots in their order too, a restored queue is the one dumped down to which slot the next
// receive hands out, which the write-ahead log's replay needs: it names messages by receipt
// handle (slot, seq), so one slot handed out differently would turn every later logged delete
// into a stale handle that deletes nothing.
#include <algorithm>
#include <cstring>

#include "pymsg/sqs/queue.hpp"
#include "pymsg/durability/snapshot_io.hpp"
#include "pymsg/sqs/message_codec.hpp"

namespace pymsg {
namespace {

constexpr std::string_view kMagic = "PQS2";
constexpr std::string_view kMagicWithoutFreeSlots = "PQS1";
constexpr const char* kWhat = "queue snapshot";

// The identity at the dump's start; *current_format says whether it is a PQS2 dump (not PQS1).
QueueIdentity read_identity(SnapshotReader& r, bool* current_format = nullptr) {
  const std::string_view magic = r.take(kMagic.size());
  if (magic != kMagic && magic != kMagicWithoutFreeSlots) r.fail("it does not start with " + std::string(kMagic));
  if (current_format != nullptr) *current_format = magic == kMagic;
  QueueIdentity identity;
  identity.keys.k0 = r.u64();
  identity.keys.k1 = r.u64();
  identity.keys.sequence_base = r.u64();
  identity.created_us = r.i64();
  return identity;
}

}  // namespace

template <class Writer>
void write_message(Writer& w, const Message& m, TimeUs deadline) {
  w.u64(m.seq);
  w.i64(m.sent_us);
  w.u8(static_cast<std::uint8_t>(m.state()));
  w.i64(deadline);
  w.u32(m.receive_count);
  w.u32(m.first_receive_off);
  w.u32(m.last_receive_off);
  w.u32(m.slot);
  w.u8(static_cast<std::uint8_t>(m.body_kind()));
  w.str(m.body_view());
  w.u8(m.extras ? 1 : 0);
  if (!m.extras) return;
  const MessageExtras& x = *m.extras;
  w.str(x.attributes);
  w.str(x.group_id);
  w.str(x.deduplication_id);
  w.str(x.trace_header);
  w.str(x.dead_letter_source_arn);
  w.u8(x.has_original_id ? 1 : 0);
  w.raw(x.original_id, sizeof x.original_id);
  w.i64(x.enqueued_us);
  w.u64(x.sequence_number);
  w.u64(x.place_in_line);
}

template void write_message(SnapshotWriter&, const Message&, TimeUs);
template void write_message(durability::RecordWriter&, const Message&, TimeUs);

StoredMessage read_message(SnapshotReader& r, bool with_place_in_line) {
  StoredMessage out;
  const std::uint64_t seq = r.u64();
  const TimeUs sent_us = r.i64();
  out.state = static_cast<MessageState>(r.u8());
  out.deadline = r.i64();
  const std::uint32_t receive_count = r.u32(), first_off = r.u32(), last_off = r.u32();
  out.slot = r.u32();
  const auto kind = static_cast<BodyKind>(r.u8());
  const std::string_view body = r.str();
  std::unique_ptr<MessageExtras> extras;
  if (r.u8() != 0) {
    extras = std::make_unique<MessageExtras>();
    extras->attributes = r.str();
    extras->group_id = r.str();
    extras->deduplication_id = r.str();
    extras->trace_header = r.str();
    extras->dead_letter_source_arn = r.str();
    extras->has_original_id = r.u8() != 0;
    std::memcpy(extras->original_id, r.take(sizeof extras->original_id).data(), sizeof extras->original_id);
    extras->enqueued_us = r.i64();
    extras->sequence_number = r.u64();
    if (with_place_in_line) extras->place_in_line = r.u64();
  }
  if (out.state != MessageState::kVisible && out.state != MessageState::kDelayed &&
      out.state != MessageState::kInFlight) {
    r.fail("a message has an unknown state");
  }
  if (kind != BodyKind::kBytes && kind != BodyKind::kText && kind != BodyKind::kAsciiText) {
    r.fail("a message has an unknown body kind");
  }
  if (kind == BodyKind::kAsciiText &&
      std::any_of(body.begin(), body.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; })) {
    r.fail("a message marked ASCII is not");  // the binding would build a broken str from it
  }
  if (body.size() > Message::kMaxBodySize) r.fail("a message is out of range");
  if (out.slot > kMaxSlot) r.fail("a message's slot is out of range");
  out.message.reset(Message::create(seq, sent_us, body, kind, std::move(extras)));
  out.message->receive_count = receive_count;
  out.message->first_receive_off = first_off;
  out.message->last_receive_off = last_off;
  return out;
}

std::string Queue::dump(std::uint64_t* cut) {
  std::lock_guard<std::mutex> lock(mutex_);
  check_alive();
  promote_due(clock_->now());
  if (cut != nullptr) *cut = journal_ ? journal_->wal().appended_lsn() : 0;
  std::string out;
  SnapshotWriter w(out);
  w.raw(kMagic.data(), kMagic.size());
  w.u64(keys_.k0);
  w.u64(keys_.k1);
  w.u64(keys_.sequence_base);
  w.i64(created_us_);
  w.i64(last_modified_us_);
  w.i64(last_purge_us_);
  w.u64(next_seq_);
  const std::size_t count_at = w.position();
  w.u64(0);
  std::uint64_t count = 0;
  auto put = [&](const Message& m, TimeUs deadline) {
    ++count;
    write_message(w, m, deadline);
  };
  for (const Message* m = visible_head_; m != nullptr; m = m->next) {
    if (m->state() != MessageState::kGone) put(*m, 0);
  }
  for (const auto& [group_id, group] : groups_) {
    for (const Message* m : group.pending) put(*m, 0);
  }
  heap_.for_each([&](const DeadlineHeap::Entry& e) { put(*slots_.get(e.id), e.deadline); });
  w.patch_u64(count_at, count);
  const std::size_t dedup_at = w.position();
  w.u64(0);
  std::uint64_t entries = 0;
  dedup_.for_each([&](const std::string& key, const DedupWindow::Original& original, TimeUs expires) {
    ++entries;
    w.str(key);
    w.raw(original.message_id.data(), original.message_id.size());
    w.u64(original.sequence_number);
    w.i64(expires);
  });
  w.patch_u64(dedup_at, entries);
  const std::vector<std::uint32_t>& free_slots = slots_.free_slots();
  w.u64(free_slots.size());
  for (const std::uint32_t slot : free_slots) w.u32(slot);
  return out;
}

QueueIdentity Queue::identity(std::string_view dump) {
  SnapshotReader r(dump, kWhat);
  return read_identity(r);
}

void Queue::restore(std::string_view dump) {
  std::lock_guard<std::mutex> lock(mutex_);
  SnapshotReader r(dump, kWhat);
  bool current_format = false;
  const QueueIdentity identity = read_identity(r, &current_format);
  if (identity.keys.k0 != keys_.k0 || identity.keys.k1 != keys_.k1) {
    r.fail("it was made by another queue than the one built from its identity");
  }
  if (counts_.visible + counts_.in_flight + counts_.delayed != 0) r.fail("the queue is not empty");
  last_modified_us_ = r.i64();
  last_purge_us_ = r.i64();
  next_seq_ = r.u64();
  const std::uint64_t count = r.u64();
  for (std::uint64_t i = 0; i < count; ++i) {
    StoredMessage stored = read_message(r, current_format);
    const MessageState state = stored.state;
    const std::uint32_t slot = stored.slot;
    if (fifo_ && !stored.message->extras) r.fail("a FIFO message has no group");
    if (stored.message->seq >= next_seq_) r.fail("a message is out of range");
    const bool needs_slot = state != MessageState::kVisible;
    if ((needs_slot && slot == 0) || (slot != 0 && slots_.get(slot) != nullptr)) {
      r.fail("two messages share a slot");
    }
    Message* m = stored.message.release();
    const TimeUs deadline = stored.deadline;
    if (slot != 0) {
      m->slot = slot;
      slots_.place(slot, m);
    }
    if (state == MessageState::kVisible) {
      apply_visible(m);
      continue;
    }
    m->set_state(state);
    heap_.push(slot, deadline);
    if (state == MessageState::kDelayed) {
      ++counts_.delayed;
    } else {
      ++counts_.in_flight;
      if (fifo_) groups_[m->extras->group_id].in_flight.insert(m->seq);
    }
  }
  std::vector<std::string> group_ids;
  for (const auto& [group_id, group] : groups_) group_ids.push_back(group_id);
  for (const std::string& group_id : group_ids) refresh_group(group_id);
  const std::uint64_t entries = r.u64();
  for (std::uint64_t i = 0; i < entries; ++i) {
    const std::string key(r.str());
    DedupWindow::Original original{};
    std::memcpy(original.message_id.data(), r.take(original.message_id.size()).data(), original.message_id.size());
    original.sequence_number = r.u64();
    dedup_.restore(key, original, r.i64());
  }
  if (!current_format) {
    slots_.reindex_free();
  } else {
    const std::uint64_t free_count = r.u64();
    if (free_count > kMaxSlot) r.fail("its free slots are out of range");
    std::vector<std::uint32_t> free_slots(static_cast<std::size_t>(free_count));
    for (std::uint32_t& slot : free_slots) slot = r.u32();
    if (!slots_.set_free_slots(std::move(free_slots))) r.fail("its free slots are not the empty ones");
  }
  if (!r.done()) r.fail("bytes follow its end");
}

}  // namespace pymsg
