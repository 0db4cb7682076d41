#include "pymsg/broker.hpp"

#include <algorithm>
#include <mutex>

#include "pymsg/common/validation.hpp"
#include "pymsg/durability/snapshot_io.hpp"

namespace pymsg {
namespace {

[[noreturn]] void throw_no_queue() {
  throw Error(ErrorCode::QueueDoesNotExist, "The specified queue does not exist.");
}

bool is_fifo_name(const std::string& name) {
  return name.size() > 5 && name.compare(name.size() - 5, 5, ".fifo") == 0;
}

// The AWS name of the first attribute in which two configurations differ.
const char* first_difference(const QueueConfig& a, const QueueConfig& b) {
  if (a.visibility_timeout != b.visibility_timeout) return "VisibilityTimeout";
  if (a.delay != b.delay) return "DelaySeconds";
  if (a.retention != b.retention) return "MessageRetentionPeriod";
  if (a.maximum_message_size != b.maximum_message_size) return "MaximumMessageSize";
  if (a.receive_wait != b.receive_wait) return "ReceiveMessageWaitTimeSeconds";
  if (a.content_based_deduplication != b.content_based_deduplication) return "ContentBasedDeduplication";
  if (a.deduplication_scope != b.deduplication_scope) return "DeduplicationScope";
  if (a.fifo_throughput_limit != b.fifo_throughput_limit) return "FifoThroughputLimit";
  return "RedrivePolicy";
}

}  // namespace

Broker::Broker(std::shared_ptr<Clock> clock, BrokerOptions options)
    : clock_(std::move(clock)),
      options_(std::move(options)),
      limits_(options_.strict_limits ? SqsLimits::strict() : SqsLimits::relaxed()),
      kinesis_limits_(options_.strict_limits ? KinesisLimits::strict() : KinesisLimits::relaxed()),
      shard_quota_(std::make_shared<ShardQuota>(options_.quotas.shards)) {}

std::string Broker::quota_note() const {
  return " under account " + options_.account_id + " in " + options_.region +
         " (a pymsg Broker quota: raise it with Broker(quotas=...) or pymsg serve --quota)";
}

std::string Broker::queue_url(const std::string& name) const {
  return "https://sqs." + options_.region + ".amazonaws.com/" + options_.account_id + "/" + name;
}

std::string Broker::queue_arn(const std::string& name) const {
  return "arn:aws:sqs:" + options_.region + ":" + options_.account_id + ":" + name;
}

std::shared_ptr<Queue> Broker::find_locked(const std::string& name) const {
  auto it = queues_.find(name);
  return it == queues_.end() ? nullptr : it->second;
}

std::shared_ptr<Queue> Broker::resolve_dead_letter_target(const QueueConfig& config, bool fifo) const {
  if (config.dead_letter_target_arn.empty()) return nullptr;
  const std::string prefix = queue_arn("");
  const std::string& arn = config.dead_letter_target_arn;
  std::shared_ptr<Queue> target;
  if (arn.compare(0, prefix.size(), prefix) == 0) target = find_locked(arn.substr(prefix.size()));
  if (!target || target->fifo() != fifo) {
    // AWS echoes the policy; the core has it as its two fields, so it writes them as JSON.
    const std::string policy = "{\"deadLetterTargetArn\":\"" + arn + "\",\"maxReceiveCount\":" +
                               std::to_string(config.max_receive_count) + "}";
    throw Error(ErrorCode::InvalidParameterValue,
                "Value " + policy + " for parameter RedrivePolicy is invalid. Reason: " +
                    (target ? "Dead-letter queue must be same type of queue as the source.."  // sic: AWS's two dots
                            : "Dead letter target does not exist."));
  }
  return target;
}

std::shared_ptr<Queue> Broker::create_queue(const std::string& name, const QueueConfig& config) {
  return create_queue(name, config, nullptr);
}

std::shared_ptr<Queue> Broker::restore_queue(const std::string& name, const QueueConfig& config,
                                             std::string_view dump) {
  return create_queue(name, config, &dump);
}

std::shared_ptr<Queue> Broker::create_queue(const std::string& name, const QueueConfig& config,
                                            const std::string_view* dump, const QueueIdentity* replayed) {
  check_queue_name(name);
  const bool fifo = is_fifo_name(name);
  validate_queue_config(config, fifo, limits_);
  std::optional<QueueIdentity> identity =
      dump != nullptr ? std::optional<QueueIdentity>(Queue::identity(*dump)) : std::nullopt;
  if (replayed != nullptr) identity = *replayed;
  std::unique_lock<std::shared_mutex> lock(mutex_);
  if (std::shared_ptr<Queue> existing = find_locked(name)) {
    if (existing->config() == config && dump == nullptr) return existing;
    if (dump != nullptr) throw Error(ErrorCode::QueueNameExists, "A queue named " + name + " already exists.");
    throw Error(ErrorCode::QueueNameExists,
                std::string("A queue already exists with the same name and a different value for attribute ") +
                    first_difference(existing->config(), config));
  }
  const TimeUs now = clock_->now();
  auto deleted = deleted_at_.find(name);
  if (deleted != deleted_at_.end()) {
    if (replayed == nullptr && options_.strict_timing && now - deleted->second < kDeletedRecentlyUs) {
      throw Error(ErrorCode::QueueDeletedRecently,
                  "You must wait 60 seconds after deleting a queue before you can create another "
                  "with the same name.");
    }
    deleted_at_.erase(deleted);
  }
  if (replayed == nullptr && queues_.size() >= options_.quotas.queues) {
    throw Error(ErrorCode::OverLimit, "Cannot create queue " + name + ": " +
                                          std::to_string(options_.quotas.queues) + " queues exist" + quota_note() + ".");
  }
  std::shared_ptr<Queue> target = resolve_dead_letter_target(config, fifo);
  auto queue = std::make_shared<Queue>(name, queue_arn(name), queue_url(name), config, clock_,
                                       limits_, options_.strict_timing, identity ? &*identity : nullptr);
  if (dump != nullptr) queue->restore(*dump);  // before anyone else can see it
  if (target) queue->set_dead_letter_queue(target);
  if (journal_) {
    const std::uint64_t id = journal_->new_id();
    std::string payload = create_record_head(id, now, name);
    SnapshotWriter w(payload);
    Queue::write_config(payload, config);
    const QueueIdentity made = queue->own_identity();
    w.u64(made.keys.k0);
    w.u64(made.keys.k1);
    w.u64(made.keys.sequence_base);
    w.i64(made.created_us);
    journal_->append(durability::Record::kQueueCreate, payload);
    queue->attach_journal(journal_, id);
  }
  // A RedrivePolicy names its target by ARN: sources of a re-created queue redrive to it again.
  for (const auto& [source_name, source] : queues_) {
    if (source->config().dead_letter_target_arn == queue->arn()) source->set_dead_letter_queue(queue);
  }
  queues_.emplace(name, queue);
  return queue;
}

std::shared_ptr<Queue> Broker::get_queue(const std::string& name) const {
  std::shared_lock<std::shared_mutex> lock(mutex_);
  std::shared_ptr<Queue> queue = find_locked(name);
  if (!queue) throw_no_queue();
  return queue;
}

std::shared_ptr<Queue> Broker::get_queue_by_url(const std::string& url) const {
  // .../<account>/<name>, whatever the host: SQS routes on the path.
  const std::size_t slash = url.rfind('/');
  if (slash == std::string::npos || slash == 0) throw_no_queue();
  const std::size_t account_start = url.rfind('/', slash - 1);
  if (account_start == std::string::npos) throw_no_queue();
  if (url.compare(account_start + 1, slash - account_start - 1, options_.account_id) != 0) {
    throw_no_queue();
  }
  return get_queue(url.substr(slash + 1));
}

std::shared_ptr<Queue> Broker::get_queue_by_arn(const std::string& arn) const {
  const std::string prefix = queue_arn("");
  if (arn.compare(0, prefix.size(), prefix) != 0) throw_no_queue();
  return get_queue(arn.substr(prefix.size()));
}

std::vector<std::shared_ptr<Queue>> Broker::list_queues(const std::string& prefix) const {
  std::shared_lock<std::shared_mutex> lock(mutex_);
  std::vector<std::shared_ptr<Queue>> out;
  for (auto it = queues_.lower_bound(prefix);
       it != queues_.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it) {
    out.push_back(it->second);
  }
  return out;
}

std::vector<std::shared_ptr<Queue>> Broker::dead_letter_source_queues(const Queue& queue) const {
  std::shared_lock<std::shared_mutex> lock(mutex_);
  std::vector<std::shared_ptr<Queue>> out;
  for (const auto& [name, source] : queues_) {
    if (source->config().dead_letter_target_arn == queue.arn()) out.push_back(source);
  }
  return out;
}

void Broker::set_queue_config(Queue& queue, const QueueConfig& config) {
  validate_queue_config(config, queue.fifo(), limits_);
  std::shared_lock<std::shared_mutex> lock(mutex_);
  // The target is checked only when the RedrivePolicy changes, as AWS does: other attributes
  // stay settable after the dead-letter queue was deleted.
  const bool redrive_changed = config.dead_letter_target_arn != queue.config().dead_letter_target_arn;
  std::shared_ptr<Queue> target;
  if (redrive_changed) target = resolve_dead_letter_target(config, queue.fifo());
  queue.set_config(config);
  if (redrive_changed) queue.set_dead_letter_queue(target);
}

void Broker::set_journal(std::shared_ptr<durability::Journal> journal) {
  std::unique_lock<std::shared_mutex> lock(mutex_);
  journal_ = std::move(journal);
  for (const auto& [name, topic] : topics_) topic->attach_journal(journal_);  // the recovered ones
}

std::string Broker::create_record_head(std::uint64_t id, TimeUs now, const std::string& name) const {
  std::string payload;
  SnapshotWriter w(payload);
  w.u64(id);
  w.i64(now);
  w.str(options_.account_id);
  w.str(options_.region);
  w.str(name);
  return payload;
}

Broker::ObjectHead Broker::read_object_head(SnapshotReader& r) {
  ObjectHead head;
  head.id = r.u64();
  r.i64();
  head.account_id = std::string(r.str());
  head.region = std::string(r.str());
  head.name = std::string(r.str());
  return head;
}

std::shared_ptr<Queue> Broker::replay_create_queue(std::string_view payload) {
  SnapshotReader r(payload, "queue log record");
  const ObjectHead head = read_object_head(r);
  const QueueConfig config = Queue::read_config(r);
  QueueIdentity identity;
  identity.keys.k0 = r.u64();
  identity.keys.k1 = r.u64();
  identity.keys.sequence_base = r.u64();
  identity.created_us = r.i64();
  if (!r.done()) r.fail("bytes follow its end");
  return create_queue(head.name, config, nullptr, &identity);
}

void Broker::replay_delete_queue(const std::string& name, TimeUs now) {
  std::unique_lock<std::shared_mutex> lock(mutex_);
  auto it = queues_.find(name);
  if (it == queues_.end()) return;
  it->second->mark_deleted();
  queues_.erase(it);
  deleted_at_[name] = now;
}

void Broker::delete_queue(const std::string& name) {
  std::unique_lock<std::shared_mutex> lock(mutex_);
  auto it = queues_.find(name);
  if (it == queues_.end()) throw_no_queue();
  it->second->mark_deleted();
  queues_.erase(it);
  deleted_at_[name] = clock_->now();
}

// ---------------------------------------------------------------------------------------------
// Kinesis streams

std::string Broker::stream_arn(const std::string& name) const {
  return "arn:aws:kinesis:" + options_.region + ":" + options_.account_id + ":stream/" + name;
}

std::string Broker::stream_name_of(const std::string& name_or_arn) const {
  const std::string prefix = stream_arn("");
  if (name_or_arn.compare(0, prefix.size(), prefix) == 0) return name_or_arn.substr(prefix.size());
  return name_or_arn;
}

std::shared_ptr<Stream> Broker::create_stream(const std::string& name, const StreamOptions& options) {
  return create_stream(name, options, std::nullopt);
}

std::shared_ptr<Stream> Broker::restore_stream(const std::string& name, const StreamOptions& options,
                                               std::string_view dump) {
  return create_stream(name, options, dump);
}

std::shared_ptr<Stream> Broker::create_stream(const std::string& name, const StreamOptions& options,
                                              std::optional<std::string_view> dump, const StreamIdentity* replayed) {
  const bool valid_name = !name.empty() && name.size() <= kMaxStreamNameLength &&
                          std::all_of(name.begin(), name.end(), [](char c) {
                            return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                                   c == '_' || c == '.' || c == '-';
                          });
  if (!valid_name) {
    throw Error(ErrorCode::ValidationException,
                "1 validation error detected: Value '" + name + "' at 'streamName' failed to satisfy constraint: " +
                    (name.size() > kMaxStreamNameLength ? "Member must have length less than or equal to 128"
                     : name.empty()                     ? "Member must have length greater than or equal to 1"
                                                        : "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"));
  }
  auto stream = std::make_shared<Stream>(name, stream_arn(name), options_.account_id, options, clock_,
                                         kinesis_limits_, shard_quota_, dump, replayed);  // validates, reserves shards
  std::unique_lock<std::shared_mutex> lock(mutex_);
  if (streams_.count(name) != 0) {
    throw Error(ErrorCode::ResourceInUseException,
                "Stream " + name + " under account " + options_.account_id + " already exists.");
  }
  if (replayed == nullptr && stream->mode() == StreamMode::kOnDemand &&
      on_demand_streams_locked() >= options_.quotas.on_demand_streams) {
    throw Error(ErrorCode::LimitExceededException,
                "Cannot create ON_DEMAND stream " + name + ": the account has " +
                    std::to_string(options_.quotas.on_demand_streams) + " ON_DEMAND streams, the most allowed" +
                    quota_note() + ".");
  }  // `stream` gives its shards back when it goes out of scope
  if (journal_) {
    const std::uint64_t id = journal_->new_id();
    std::string payload = create_record_head(id, clock_->now(), name);
    stream->write_create(payload, options);
    journal_->append(durability::Record::kStreamCreate, payload);
    stream->attach_journal(journal_, id);
  }
  streams_[name] = stream;
  return stream;
}

std::shared_ptr<Stream> Broker::replay_create_stream(std::string_view payload) {
  SnapshotReader r(payload, "stream log record");
  const ObjectHead head = read_object_head(r);
  StreamIdentity identity;
  const StreamOptions options = Stream::read_create(r, identity);
  if (!r.done()) r.fail("bytes follow its end");
  return create_stream(head.name, options, std::nullopt, &identity);
}

void Broker::replay_delete_stream(const std::string& name) {
  std::unique_lock<std::shared_mutex> lock(mutex_);
  auto it = streams_.find(name);
  if (it == streams_.end()) return;
  it->second->mark_deleted();
  streams_.erase(it);
}

std::uint32_t Broker::on_demand_streams_locked() const {
  std::uint32_t n = 0;
  for (const auto& [name, stream] : streams_) n += stream->mode() == StreamMode::kOnDemand;
  return n;
}

std::pair<std::int64_t, std::uint32_t> Broker::kinesis_usage() const {
  std::shared_lock<std::shared_mutex> lock(mutex_);
  return {shard_quota_->open(), on_demand_streams_locked()};
}

std::shared_ptr<Stream> Broker::get_stream(const std::string& name_or_arn) const {
  const std::string name = stream_name_of(name_or_arn);
  std::shared_lock<std::shared_mutex> lock(mutex_);
  const auto it = streams_.find(name);
  if (it == streams_.end()) {
    throw Error(ErrorCode::ResourceNotFoundException,
                "Stream " + name + " under account " + options_.account_id + " not found.");
  }
  return it->second;
}

std::vector<std::string> Broker::list_streams() const {
  std::shared_lock<std::shared_mutex> lock(mutex_);
  std::vector<std::string> out;
  for (const auto& [name, stream] : streams_) out.push_back(name);
  return out;
}

void Broker::delete_stream(const std::string& name_or_arn) {
  const std::string name = stream_name_of(name_or_arn);
  std::unique_lock<std::shared_mutex> lock(mutex_);
  const auto it = streams_.find(name);
  if (it == streams_.end()) {
    throw Error(ErrorCode::ResourceNotFoundException,
                "Stream " + name + " under account " + options_.account_id + " not found.");
  }
  it->second->log_delete(clock_->now());
  it->second->mark_deleted();
  streams_.erase(it);
}

// ---------------------------------------------------------------------------------------------
// Caches

std::shared_ptr<Cache> Broker::create_cache(const std::string& name, const CacheOptions& options) {
  return create_cache(name, options, std::nullopt, std::nullopt);
}

std::shared_ptr<Cache> Broker::restore_cache(const std::string& name, const CacheOptions& options,
                                             std::string_view dump) {
  return create_cache(name, options, dump, Cache::dumped_seed(dump));
}

std::shared_ptr<Cache> Broker::replay_create_cache(std::string_view payload) {
  SnapshotReader r(payload, "cache log record");
  const ObjectHead head = read_object_head(r);
  std::uint64_t seed = 0;
  const CacheOptions options = Cache::read_create(r, seed);
  if (!r.done()) r.fail("bytes follow its end");
  return create_cache(head.name, options, std::nullopt, seed);
}

std::shared_ptr<Cache> Broker::create_cache(const std::string& name, const CacheOptions& options,
                                            std::optional<std::string_view> dump, std::optional<std::uint64_t> seed) {
  if (name.empty() || name.size() > 40) {  // ElastiCache: cluster ids of 1 to 40 characters
    throw Error(ErrorCode::InvalidParameterValue, "A cache name must have 1 to 40 characters (got '" +
                                                      name.substr(0, 64) + "').");
  }
  auto cache = std::make_shared<Cache>(name, options, clock_, seed);
  if (dump) cache->restore(*dump);  // before anyone else can see it
  std::unique_lock<std::shared_mutex> lock(mutex_);
  if (caches_.count(name) != 0) {
    throw Error(ErrorCode::CacheClusterAlreadyExists, "Cache cluster already exists");
  }
  if (journal_) {
    const std::uint64_t id = journal_->new_id();
    std::string payload = create_record_head(id, clock_->now(), name);
    cache->write_create(payload);
    journal_->append(durability::Record::kCacheCreate, payload);
    cache->attach_journal(journal_, id);
  }
  caches_[name] = cache;
  return cache;
}

std::shared_ptr<Cache> Broker::get_cache(const std::string& name) const {
  std::shared_lock<std::shared_mutex> lock(mutex_);
  const auto it = caches_.find(name);
  if (it == caches_.end()) throw Error(ErrorCode::CacheClusterNotFound, "CacheCluster not found: " + name);
  return it->second;
}

std::vector<std::string> Broker::list_caches() const {
  std::shared_lock<std::shared_mutex> lock(mutex_);
  std::vector<std::string> out;
  for (const auto& [name, cache] : caches_) out.push_back(name);
  return out;
}

void Broker::delete_cache(const std::string& name) {
  std::shared_ptr<Cache> cache;
  {
    std::unique_lock<std::shared_mutex> lock(mutex_);
    const auto it = caches_.find(name);
    if (it == caches_.end()) throw Error(ErrorCode::CacheClusterNotFound, "CacheCluster not found: " + name);
    cache = std::move(it->second);
    caches_.erase(it);
    cache->log_delete(clock_->now());
  }
  cache->mark_deleted();  // its memory goes now, even while Python objects still hold the cache
}

void Broker::replay_delete_cache(const std::string& name) {
  std::shared_ptr<Cache> cache;
  {
    std::unique_lock<std::shared_mutex> lock(mutex_);
    const auto it = caches_.find(name);
    if (it == caches_.end()) return;
    cache = std::move(it->second);
    caches_.erase(it);
  }
  cache->mark_deleted();
}

// ---------------------------------------------------------------------------------------------
// SNS topics

std::string Broker::topic_arn(const std::string& name) const {
  return "arn:aws:sns:" + options_.region + ":" + options_.account_id + ":" + name;
}

std::shared_ptr<Topic> Broker::create_topic(const std::string& name, const TopicOptions& options) {
  const bool fifo = name.size() > 5 && name.compare(name.size() - 5, 5, ".fifo") == 0;
  const std::string base = fifo ? name.substr(0, name.size() - 5) : name;
  const bool valid = !base.empty() && name.size() <= 256 && std::all_of(base.begin(), base.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
  if (!valid) {
    // 1 to 256 characters of [A-Za-z0-9_-], plus .fifo for a FIFO topic
    throw Error(ErrorCode::InvalidParameter, "Invalid parameter: Topic Name");
  }
  if (!fifo && options.content_based_deduplication) {
    throw Error(ErrorCode::InvalidParameter,
                "Invalid parameter: Attributes Reason: ContentBasedDeduplication is for FIFO topics only");
  }
  std::unique_lock<std::shared_mutex> lock(mutex_);
  if (const auto it = topics_.find(name); it != topics_.end()) {
    const TopicOptions existing = it->second->options();
    if (existing.content_based_deduplication != options.content_based_deduplication ||
        existing.display_name != options.display_name) {
      throw Error(ErrorCode::InvalidParameter,
                  "Invalid parameter: Attributes Reason: Topic already exists with different attributes");
    }
    return it->second;  // CreateTopic is idempotent
  }
  const std::uint32_t same_kind = fifo ? fifo_topics_ : static_cast<std::uint32_t>(topics_.size()) - fifo_topics_;
  const std::uint32_t quota = fifo ? options_.quotas.fifo_topics : options_.quotas.topics;
  if (same_kind >= quota) {
    throw Error(ErrorCode::TopicLimitExceeded, "Topic limit exceeded");
  }
  auto topic = std::make_shared<Topic>(name, topic_arn(name), options_.region, options_.account_id, options, clock_);
  if (journal_) topic->attach_journal(journal_);
  topics_[name] = topic;
  fifo_topics_ += fifo;
  return topic;
}

std::shared_ptr<Topic> Broker::get_topic(const std::string& name_or_arn) const {
  const std::string prefix = topic_arn("");
  const std::string name =
      name_or_arn.compare(0, prefix.size(), prefix) == 0 ? name_or_arn.substr(prefix.size()) : name_or_arn;
  std::shared_lock<std::shared_mutex> lock(mutex_);
  const auto it = topics_.find(name);
  if (it == topics_.end()) throw Error(ErrorCode::NotFound, "Topic does not exist");
  return it->second;
}

std::vector<std::shared_ptr<Topic>> Broker::list_topics() const {
  std::shared_lock<std::shared_mutex> lock(mutex_);
  std::vector<std::shared_ptr<Topic>> out;
  for (const auto& [name, topic] : topics_) out.push_back(topic);
  return out;
}

void Broker::delete_topic(const std::string& name_or_arn) {
  std::shared_ptr<Topic> topic;
  try {
    topic = get_topic(name_or_arn);
  } catch (const Error&) {
    return;  // DeleteTopic of a missing topic succeeds
  }
  {
    std::unique_lock<std::shared_mutex> lock(mutex_);
    if (topics_.erase(topic->name()) != 0) fifo_topics_ -= topic->fifo();
  }
  topic->mark_deleted();
}

}  // namespace pymsg
