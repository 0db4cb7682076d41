// The broker: the registry of queues and the settings every queue shares (clock, region,
// account, limits).
//
// Registry operations take a shared_mutex (readers share); queue operations never touch it,
// so the registry is off every message path. Queue names map to shared_ptr<Queue>: a deleted
// queue is marked deleted (its later calls raise QueueDoesNotExist) and dropped from the map,
// and the name is remembered for the 60-second QueueDeletedRecently window.
#pragma once

#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <utility>
#include <vector>

#include "pymsg/common/clock.hpp"
#include "pymsg/common/limits.hpp"
#include "pymsg/cache/cache.hpp"
#include "pymsg/sqs/queue.hpp"
#include "pymsg/kinesis/stream.hpp"
#include "pymsg/sns/topic.hpp"

namespace pymsg {

struct BrokerOptions {
  std::string region = "us-east-1";
  std::string account_id = "123456789012";
  bool strict_limits = true;  // AWS count and size limits; false lifts them
  bool strict_timing = true;  // the 60 s PurgeQueueInProgress and QueueDeletedRecently windows
  AccountQuotas quotas = AccountQuotas::aws_defaults("us-east-1");  // queues, topics, streams, shards
};

class Broker {
 public:
  Broker(std::shared_ptr<Clock> clock, BrokerOptions options);
  Broker(const Broker&) = delete;
  Broker& operator=(const Broker&) = delete;

  const std::shared_ptr<Clock>& clock() const noexcept { return clock_; }
  const BrokerOptions& options() const noexcept { return options_; }
  const SqsLimits& sqs_limits() const noexcept { return limits_; }

  // CreateQueue: a new queue, or the existing one when its attributes equal `config`
  // (QueueNameExists otherwise). Thread-safe.
  std::shared_ptr<Queue> create_queue(const std::string& name, const QueueConfig& config);
  // A queue rebuilt from Queue::dump() bytes with `config` (pymsg serve --state): like
  // create_queue, but QueueNameExists if the name is taken. Thread-safe.
  std::shared_ptr<Queue> restore_queue(const std::string& name, const QueueConfig& config, std::string_view dump);
  // GetQueueUrl by name (QueueDoesNotExist). Thread-safe.
  std::shared_ptr<Queue> get_queue(const std::string& name) const;
  // The queue a URL or ARN of this broker's account names (QueueDoesNotExist). Thread-safe.
  std::shared_ptr<Queue> get_queue_by_url(const std::string& url) const;
  std::shared_ptr<Queue> get_queue_by_arn(const std::string& arn) const;
  // ListQueues: queues whose name starts with `prefix`, in name order. Thread-safe.
  std::vector<std::shared_ptr<Queue>> list_queues(const std::string& prefix) const;
  // ListDeadLetterSourceQueues: queues whose redrive target is `queue`. Thread-safe.
  std::vector<std::shared_ptr<Queue>> dead_letter_source_queues(const Queue& queue) const;
  // SetQueueAttributes: validates, resolves the redrive target, applies. Thread-safe.
  void set_queue_config(Queue& queue, const QueueConfig& config);
  // DeleteQueue (QueueDoesNotExist). Thread-safe.
  void delete_queue(const std::string& name);

  std::string queue_url(const std::string& name) const;

  // The write-ahead log (durability/journal.hpp). Once set, a queue, stream or cache this broker
  // makes is attached to it and its kQueueCreate (kStreamCreate, kCacheCreate) record appended
  // before anyone can see it. Thread-safe.
  void set_journal(std::shared_ptr<durability::Journal> journal);
  // Replay (recovery, before set_journal): a kQueueCreate record's queue, made as it was (its
  // keys, creation time, config) without the quota and QueueDeletedRecently checks, which it
  // passed when it was made; and a kQueueDelete record, as of its time.
  std::shared_ptr<Queue> replay_create_queue(std::string_view payload);
  void replay_delete_queue(const std::string& name, TimeUs now);
  // Who a kQueueCreate, kStreamCreate or kCacheCreate record belongs to: its object id, account,
  // region and name.
  struct ObjectHead {
    std::uint64_t id = 0;
    std::string account_id, region, name;
  };
  static ObjectHead read_object_head(SnapshotReader& r);
  // The head read_object_head reads: id, time, this broker's account and region, and the name.
  std::string create_record_head(std::uint64_t id, TimeUs now, const std::string& name) const;
  std::string queue_arn(const std::string& name) const;

  // Kinesis. CreateStream: ResourceInUseException when the name exists, LimitExceededException
  // past the account's open-shard or ON_DEMAND stream quota. Thread-safe.
  std::shared_ptr<Stream> create_stream(const std::string& name, const StreamOptions& options);
  // A stream rebuilt from Stream::dump() bytes (pymsg serve --state); its shards come from the
  // dump. As create_stream otherwise. Thread-safe.
  std::shared_ptr<Stream> restore_stream(const std::string& name, const StreamOptions& options, std::string_view dump);
  // The stream a name or ARN names (ResourceNotFoundException). Thread-safe.
  std::shared_ptr<Stream> get_stream(const std::string& name_or_arn) const;
  // ListStreams: names in order. Thread-safe.
  std::vector<std::string> list_streams() const;
  // DeleteStream (ResourceNotFoundException). Thread-safe.
  void delete_stream(const std::string& name_or_arn);
  // Replay (recovery, before set_journal): a kStreamCreate record's stream, made as it was (its
  // keys, creation time, options) past the quotas, which it passed when it was made; and a
  // kStreamDelete record's deletion.
  std::shared_ptr<Stream> replay_create_stream(std::string_view payload);
  void replay_delete_stream(const std::string& name);
  // DescribeLimits: {open shards, ON_DEMAND streams}; the limits are options().quotas. Thread-safe.
  std::pair<std::int64_t, std::uint32_t> kinesis_usage() const;
  std::string stream_arn(const std::string& name) const;

  // SNS. CreateTopic is idempotent (InvalidParameter when the same name has other settings;
  // TopicLimitExceeded past the quota); DeleteTopic of a missing topic is not an error. Thread-safe.
  std::shared_ptr<Topic> create_topic(const std::string& name, const TopicOptions& options);
  std::shared_ptr<Topic> get_topic(const std::string& name_or_arn) const;  // NotFound
  std::vector<std::shared_ptr<Topic>> list_topics() const;
  void delete_topic(const std::string& name_or_arn);
  std::string topic_arn(const std::string& name) const;

  // Caches. CacheClusterAlreadyExists / CacheClusterNotFound. Thread-safe.
  std::shared_ptr<Cache> create_cache(const std::string& name, const CacheOptions& options);
  std::shared_ptr<Cache> get_cache(const std::string& name) const;
  std::vector<std::string> list_caches() const;
  void delete_cache(const std::string& name);
  // A cache rebuilt from Cache::dump() bytes, with `options`; as create_cache otherwise.
  std::shared_ptr<Cache> restore_cache(const std::string& name, const CacheOptions& options, std::string_view dump);
  // Replay (recovery, before set_journal): a kCacheCreate record's cache (with its hash seed),
  // and a kCacheDelete record's deletion.
  std::shared_ptr<Cache> replay_create_cache(std::string_view payload);
  void replay_delete_cache(const std::string& name);

 private:
  std::shared_ptr<Queue> create_queue(const std::string& name, const QueueConfig& config, const std::string_view* dump,
                                      const QueueIdentity* replayed = nullptr);
  std::shared_ptr<Stream> create_stream(const std::string& name, const StreamOptions& options,
                                        std::optional<std::string_view> dump, const StreamIdentity* replayed = nullptr);
  std::shared_ptr<Cache> create_cache(const std::string& name, const CacheOptions& options,
                                      std::optional<std::string_view> dump, std::optional<std::uint64_t> seed);
  std::shared_ptr<Queue> resolve_dead_letter_target(const QueueConfig& config, bool fifo) const;
  std::shared_ptr<Queue> find_locked(const std::string& name) const;
  std::string stream_name_of(const std::string& name_or_arn) const;
  std::uint32_t on_demand_streams_locked() const;  // mutex_ held
  std::string quota_note() const;                  // " under account ... (how to raise it)"

  const std::shared_ptr<Clock> clock_;  // every timer of every queue reads this
  const BrokerOptions options_;         // region, account, strictness
  const SqsLimits limits_;              // strict or relaxed
  const KinesisLimits kinesis_limits_;  // strict or relaxed
  const std::shared_ptr<ShardQuota> shard_quota_;  // the account's open shards, across streams

  mutable std::shared_mutex mutex_;                       // guards the maps below
  std::map<std::string, std::shared_ptr<Queue>> queues_;  // live queues by name
  std::map<std::string, TimeUs> deleted_at_;              // recently deleted names
  std::map<std::string, std::shared_ptr<Stream>> streams_;  // live streams by name
  std::map<std::string, std::shared_ptr<Cache>> caches_;    // caches by name
  std::map<std::string, std::shared_ptr<Topic>> topics_;    // topics by name
  std::uint32_t fifo_topics_ = 0;                           // how many of topics_ are FIFO
  std::shared_ptr<durability::Journal> journal_;            // null: nothing is logged
};

}  // namespace pymsg
