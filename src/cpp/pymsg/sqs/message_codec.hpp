// One message as bytes, with its state, deadline and slot: what a queue's dump holds per message
// and what the journal's dead-letter records carry (layout in queue_snapshot.cpp).
#pragma once

#include <cstdint>

#include "pymsg/durability/journal.hpp"
#include "pymsg/durability/snapshot_io.hpp"
#include "pymsg/common/ids.hpp"
#include "pymsg/sqs/message.hpp"

namespace pymsg {

// Slots count the messages received or delayed at once; past this a dump is taken as corrupt
// rather than have restore() size a slot table to it.
constexpr std::uint32_t kMaxSlot = 1u << 26;

struct StoredMessage {
  MessagePtr message;
  MessageState state = MessageState::kVisible;
  TimeUs deadline = 0;     // delayed or in flight: when it becomes visible
  std::uint32_t slot = 0;  // its slot then (0: none); message->slot is left 0
};

// Writer: SnapshotWriter (dumps) or durability::RecordWriter (dead letters in the log).
template <class Writer>
void write_message(Writer& w, const Message& m, TimeUs deadline);
// Throws InvalidParameterValue (SnapshotReader::fail) on bytes that are not a message.
// `with_place_in_line`: false for the PQS1 dumps, written before a FIFO message's place in line.
StoredMessage read_message(SnapshotReader& r, bool with_place_in_line = true);

// A receipt handle's (slot, seq, receive count), as the journal's records carry it.
void write_handle(durability::RecordWriter& w, const ReceiptHandle& handle);
ReceiptHandle read_handle(SnapshotReader& r);

}  // namespace pymsg
