// One SQS message as the core stores it, laid out to be small.
//
// A message is one heap block: a 52-byte header followed directly by the body bytes. A queued
// 100-byte message is therefore a single 160-byte malloc chunk, and the queue links it into its
// visible list through `next` (no container node). Everything most messages lack (attributes,
// FIFO ids, AWSTraceHeader, the dead-letter source) lives in an Extras block, allocated only for
// the messages that have any. Timestamps after SentTimestamp are 32-bit millisecond offsets from
// it (49 days of range; the longest a message can live is 14 days plus a 12-hour visibility).
//
// Invariants: body() holds body_size() bytes; `slot` is non-zero exactly while the message is in
// the queue's slot table (it has been received, or it waits in the deadline heap); `state`
// says which of the queue's structures holds it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "pymsg/common/clock.hpp"

namespace pymsg {

enum class MessageState : std::uint8_t {
  kVisible = 0,   // receivable now (in the visible list or a FIFO group)
  kDelayed = 1,   // waiting out DelaySeconds in the deadline heap
  kInFlight = 2,  // received, invisible until its deadline in the deadline heap
  kGone = 3,      // deleted while linked in a visible list: a tombstone, freed when reached
};

// Rarely present fields; one allocation for all of them.
struct MessageExtras {
  std::string attributes;        // encode_message_attributes() form; empty when none were sent
  std::string group_id;          // MessageGroupId (FIFO; fair standard queues)
  std::string deduplication_id;  // MessageDeduplicationId (FIFO)
  std::string trace_header;      // AWSTraceHeader system attribute
  std::string dead_letter_source_arn;  // DeadLetterQueueSourceArn, set when moved to a DLQ
  std::uint8_t original_id[16] = {};   // MessageId kept across a DLQ move
  bool has_original_id = false;        // whether original_id overrides the id derived from seq
  TimeUs enqueued_us = 0;              // retention base when moved to a FIFO DLQ (0: SentTimestamp)
  std::uint64_t sequence_number = 0;   // FIFO SequenceNumber (a FIFO dead-letter queue issues a new one)
  std::uint64_t place_in_line = 0;     // FIFO: the seq it queues by after coming back from in flight (0: its own)
};

// What a body holds: raw bytes, or UTF-8 text (ASCII-only text is marked so the binding can
// build its str without decoding).
enum class BodyKind : std::uint8_t { kBytes = 0, kText = 1, kAsciiText = 3 };

class Message {
 public:
  Message(const Message&) = delete;
  Message& operator=(const Message&) = delete;

  // Allocates a message with a copy of `body`. Allocates once (plus Extras when needed).
  static Message* create(std::uint64_t seq, TimeUs sent_us, std::string_view body, BodyKind kind,
                         std::unique_ptr<MessageExtras> extras);
  // Frees a message made by create(). Accepts nullptr.
  static void destroy(Message* message) noexcept;

  const char* body() const noexcept { return reinterpret_cast<const char*>(this) + kBodyOffset; }
  std::uint32_t body_size() const noexcept { return size_and_flags_ & kSizeMask; }
  BodyKind body_kind() const noexcept { return static_cast<BodyKind>(size_and_flags_ >> kKindShift); }
  std::string_view body_view() const noexcept { return {body(), body_size()}; }

  MessageState state() const noexcept {
    return static_cast<MessageState>((size_and_flags_ >> kStateShift) & 3u);
  }
  void set_state(MessageState s) noexcept {
    size_and_flags_ = (size_and_flags_ & ~(3u << kStateShift)) |
                      (static_cast<std::uint32_t>(s) << kStateShift);
  }

  // Offsets are stored in milliseconds after SentTimestamp, saturating at ~49 days.
  static std::uint32_t offset_ms(TimeUs base, TimeUs t) noexcept {
    const TimeUs ms = (t - base) / kUsPerMilli;
    return ms <= 0 ? 0u : ms >= 0xFFFFFFFE ? 0xFFFFFFFEu : static_cast<std::uint32_t>(ms);
  }
  TimeUs at_offset(std::uint32_t off) const noexcept { return sent_us + TimeUs{off} * kUsPerMilli; }

  static constexpr std::uint32_t kMaxBodySize = (1u << 28) - 1;  // 256 MiB (AWS: 1 MiB)

  Message* next = nullptr;               // link in the standard visible list
  std::unique_ptr<MessageExtras> extras; // nullptr when the message has none
  std::uint64_t seq;                     // per-queue, strictly increasing; names the message
  TimeUs sent_us;                        // SentTimestamp
  std::uint32_t first_receive_off = 0;   // ApproximateFirstReceiveTimestamp offset; 0 = never
  std::uint32_t last_receive_off = 0;    // offset of the latest receive (12 h visibility cap)
  std::uint32_t receive_count = 0;       // ApproximateReceiveCount
  std::uint32_t slot = 0;                // index in the queue's slot table; 0 = none

 private:
  Message(std::uint64_t s, TimeUs sent, std::uint32_t size_and_flags,
          std::unique_ptr<MessageExtras> ex) noexcept;

  static constexpr std::uint32_t kSizeMask = kMaxBodySize;
  static constexpr std::uint32_t kStateShift = 28;
  static constexpr std::uint32_t kKindShift = 30;

  std::uint32_t size_and_flags_;  // body size (28 bits), state (2 bits), BodyKind (2 bits)
  char body_head_[4];             // the body starts here and runs past the end of the object

  static constexpr std::size_t kBodyOffset = 52;  // where body_head_ starts (checked in create)
};

static_assert(sizeof(Message) == 56, "the Message header must stay 52 bytes (+4 of body)");

// Frees a message when it leaves scope unless released; for messages between structures.
struct MessageDeleter {
  void operator()(Message* m) const noexcept { Message::destroy(m); }
};
using MessagePtr = std::unique_ptr<Message, MessageDeleter>;

}  // namespace pymsg
