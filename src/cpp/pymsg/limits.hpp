// AWS's SQS limits as data (AWS_SEMANTICS.md sections 1.4 to 1.13).
//
// `strict` holds the current AWS values. `relaxed` lifts the count and size limits (entries per
// batch, message and batch size) for in-process speed work; value ranges that define behaviour
// (visibility timeout, delay, retention, wait time) stay as AWS has them in both sets.
#pragma once

#include <cstdint>

#include "pymsg/clock.hpp"

namespace pymsg {

struct SqsLimits {
  std::uint32_t max_batch_entries;       // entries per *Batch call (AWS: 10)
  std::uint64_t max_batch_bytes;         // sum of entry sizes in SendMessageBatch (AWS: 1 MiB)
  std::uint64_t max_message_size_cap;    // highest MaximumMessageSize a queue may set (AWS: 1 MiB)
  std::uint32_t max_receive_messages;    // MaxNumberOfMessages (AWS: 10)
  std::uint32_t max_inflight_standard;   // in-flight messages before OverLimit (AWS: ~120,000)
  std::uint32_t max_inflight_fifo;       // in-flight messages before FIFO receives return nothing
  bool enforce_message_size;             // whether a queue's MaximumMessageSize is enforced

  static constexpr SqsLimits strict() noexcept {
    return {10, 1u << 20, 1u << 20, 10, 120'000, 120'000, true};
  }
  static constexpr SqsLimits relaxed() noexcept {
    return {1u << 20, ~0ull, (1u << 29) - 1, 1u << 20, ~0u, ~0u, false};
  }
};

// Value ranges of the queue attributes and request parameters; the same in both sets.
constexpr std::int64_t kMaxVisibilityTimeoutS = 43'200;           // 12 h
constexpr std::int64_t kMaxDelayS = 900;                          // 15 min
constexpr std::int64_t kMinRetentionS = 60;
constexpr std::int64_t kMaxRetentionS = 1'209'600;                // 14 days
constexpr std::int64_t kDefaultRetentionS = 345'600;              // 4 days
constexpr std::int64_t kMaxWaitTimeS = 20;                        // long polling
constexpr std::uint64_t kMinMaximumMessageSize = 1'024;
constexpr std::uint64_t kDefaultMaximumMessageSize = 1u << 20;    // 1 MiB since 2025-08-04
constexpr std::uint32_t kMaxReceiveCountLimit = 1'000;            // RedrivePolicy maxReceiveCount
constexpr std::uint32_t kMaxMessageAttributes = 10;
constexpr std::size_t kMaxAttributeNameLength = 256;
constexpr std::size_t kMaxAttributeTypeLength = 256;
constexpr std::size_t kMaxFifoIdLength = 128;                     // MessageGroupId, MessageDeduplicationId
constexpr std::size_t kMaxBatchEntryIdLength = 80;
constexpr std::size_t kMaxQueueNameLength = 80;
constexpr TimeUs kDedupWindowUs = 5 * 60 * kUsPerSecond;          // FIFO deduplication window
constexpr TimeUs kPurgeWindowUs = 60 * kUsPerSecond;              // PurgeQueueInProgress window
constexpr TimeUs kDeletedRecentlyUs = 60 * kUsPerSecond;          // QueueDeletedRecently window

}  // namespace pymsg
