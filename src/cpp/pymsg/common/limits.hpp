// AWS's SQS limits as data.
//
// `strict` holds the current AWS values. `relaxed` lifts the count and size limits (entries per
// batch, message and batch size) for in-process speed work; value ranges that define behaviour
// (visibility timeout, delay, retention, wait time) stay as AWS has them in both sets.
#pragma once

#include <cstdint>
#include <string>

#include "pymsg/common/clock.hpp"

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

// AWS's Kinesis limits as data; `relaxed` lifts the count and
// size limits for in-process speed work, as SqsLimits does.
struct KinesisLimits {
  std::uint32_t max_put_records;         // records per PutRecords (AWS: 500)
  std::uint64_t max_put_request_bytes;   // data + partition keys per PutRecords (AWS: 10 MiB)
  std::uint32_t max_get_records;         // GetRecords Limit (AWS: 10,000)
  std::uint64_t max_get_bytes;           // data per GetRecords response (AWS: 10 MiB)

  static constexpr KinesisLimits strict() noexcept { return {500, 10u << 20, 10'000, 10u << 20}; }
  static constexpr KinesisLimits relaxed() noexcept { return {1u << 30, ~0ull, 1u << 30, ~0ull}; }
};

// Account-level quotas. One broker is one account in one region, and these bound what a runaway
// or hostile client can make before the machine's memory does. AWS's current defaults where AWS
// has one; SQS sets no queue quota, so pymsg sets its own. Every field is configurable.
struct AccountQuotas {
  std::uint32_t queues = 100'000;         // SQS queues (pymsg's bound; OverLimit past it)
  std::uint32_t topics = 100'000;         // SNS standard topics (TopicLimitExceeded)
  std::uint32_t fifo_topics = 1'000;      // SNS FIFO topics (TopicLimitExceeded)
  std::uint32_t on_demand_streams = 50;   // Kinesis ON_DEMAND streams (LimitExceededException)
  std::uint32_t shards = 1'000;           // Kinesis open shards across streams (LimitExceededException)

  // AWS's defaults for `region`: 20,000 shards in us-east-1, us-west-2 and eu-west-1, 1,000 in
  // the others (some have 6,000 by now; configure those).
  static AccountQuotas aws_defaults(const std::string& region) {
    AccountQuotas q;
    if (region == "us-east-1" || region == "us-west-2" || region == "eu-west-1") q.shards = 20'000;
    return q;
  }
};

constexpr std::int64_t kMinStreamRetentionHours = 24;
constexpr std::int64_t kMaxStreamRetentionHours = 8'760;           // 365 days
constexpr std::uint32_t kMinMaxRecordSizeKib = 1'024;              // MaxRecordSizeInKiB range
constexpr std::uint32_t kMaxMaxRecordSizeKib = 10'240;
constexpr std::size_t kMaxPartitionKeyChars = 256;
constexpr std::size_t kMaxStreamNameLength = 128;
constexpr TimeUs kIteratorLifetimeUs = 300 * kUsPerSecond;         // shard iterators expire after 5 min
constexpr std::uint32_t kMaxShardsPerStream = 10'000;              // UpdateShardCount ceiling
constexpr std::uint32_t kMaxScalingsPerDay = 10;                   // UpdateShardCount per rolling 24 h
constexpr std::uint32_t kOnDemandShards = 4;                       // an ON_DEMAND stream starts with 4

}  // namespace pymsg
