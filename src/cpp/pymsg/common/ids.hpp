// The identifiers SQS hands out: MessageId, ReceiptHandle and FIFO SequenceNumber.
//
// Each queue draws random keys at creation. A MessageId is a UUID v4 derived from the message's
// per-queue sequence number with those keys: unique within the queue (the low 62 bits are a
// bijection of seq) and unpredictable across queues, so the core stores 8 bytes (seq) instead of
// 16. A ReceiptHandle is "AQEB" + base64(slot, seq, receive count, tag), where the tag is a keyed
// hash of the rest: a handle this queue never issued fails the tag check (ReceiptHandleIsInvalid)
// without any per-handle storage, and each receive gives a new handle because the count changes.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace pymsg {

using MessageId = std::array<std::uint8_t, 16>;

struct QueueKeys {
  std::uint64_t k0 = 0, k1 = 0;     // keys of the id derivation and the handle tag
  std::uint64_t sequence_base = 0;  // first FIFO SequenceNumber, a random 20-digit number

  static QueueKeys random();
};

MessageId derive_message_id(const QueueKeys& keys, std::uint64_t seq) noexcept;

// "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx", 36 characters.
constexpr std::size_t kUuidLength = 36;
void format_uuid(const MessageId& id, char out[kUuidLength]) noexcept;
std::string format_uuid(const MessageId& id);

// The FIFO SequenceNumber of the message with this seq: large, non-consecutive, increasing.
std::uint64_t fifo_sequence_number(const QueueKeys& keys, std::uint64_t seq) noexcept;

struct ReceiptHandle {
  std::uint32_t slot = 0;           // where the message sits in the queue's slot table
  std::uint64_t seq = 0;            // which message (slots are reused)
  std::uint32_t receive_count = 0;  // which receive of it issued this handle
};

constexpr std::size_t kReceiptHandleLength = 36;  // "AQEB" + 32 base64 characters
void encode_receipt_handle(const QueueKeys& keys, const ReceiptHandle& handle,
                           char out[kReceiptHandleLength]) noexcept;
// True and fills `handle` when `text` is a handle issued with these keys. O(1), no allocation.
bool decode_receipt_handle(const QueueKeys& keys, std::string_view text,
                           ReceiptHandle& handle) noexcept;

}  // namespace pymsg
