// An SNS topic: subscriptions, filter policies and fan-out.
//
// publish() does, in one call: validate, give the message its id (and FIFO sequence number and
// deduplication), build the JSON envelope once (only the UnsubscribeURL differs per
// subscription), evaluate every subscription's compiled filter policy, and send a copy to every
// matching queue subscription through Queue::send. Subscriptions of other protocols (lambda,
// http, https) are filtered here too and handed back to the caller, which delivers them.
// The subscription list sits behind a shared_mutex (publishes share it). Thread-safe.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "pymsg/common/clock.hpp"
#include "pymsg/common/dedup_window.hpp"
#include "pymsg/sns/filter_policy.hpp"
#include "pymsg/common/message_attributes.hpp"
#include "pymsg/durability/journal.hpp"
#include "pymsg/sqs/queue.hpp"

namespace pymsg {

struct TopicSubscription {
  std::string arn;                                // <topic arn>:<uuid>
  std::string protocol;                           // sqs, lambda, http, https
  std::string endpoint;                           // the queue ARN, function name or URL
  std::weak_ptr<Queue> queue;                     // sqs
  bool raw = false;                               // RawMessageDelivery
  std::string filter_policy;                      // as given ("" for none)
  FilterPolicy::Scope filter_scope = FilterPolicy::Scope::kMessageAttributes;
  std::shared_ptr<const FilterPolicy> filter;     // compiled, or nullptr
  std::string dead_letter_target_arn;             // RedrivePolicy ("" for none)
  bool pending_confirmation = false;              // http(s) until confirmed
};

struct PublishRequest {
  std::string_view message;
  std::optional<std::string_view> subject;
  std::vector<MessageAttribute> attributes;
  bool json_structure = false;                    // MessageStructure=json
  std::optional<std::string_view> group_id;       // MessageGroupId
  std::optional<std::string_view> deduplication_id;
};

// One copy the caller must deliver (a non-queue subscriber) or route to a dead-letter queue (a
// queue delivery that failed, e.g. the queue was deleted).
struct PendingDelivery {
  std::size_t subscription = 0;   // index in `subscriptions` of the outcome
  std::string body;               // what the subscriber gets (envelope, or raw message)
  std::string error;              // empty: deliver; else why the queue delivery failed
};

struct PublishOutcome {
  std::string message_id;
  std::uint64_t sequence_number = 0;                      // FIFO topics
  bool duplicate = false;                                 // FIFO: accepted, not delivered
  std::size_t delivered = 0;                              // copies sent to queues
  std::vector<std::shared_ptr<const TopicSubscription>> subscriptions;  // the snapshot used
  std::vector<PendingDelivery> pending;
};

struct TopicOptions {
  bool content_based_deduplication = false;
  std::string display_name;
};

class Topic {
 public:
  Topic(std::string name, std::string arn, std::string region, std::string account_id, const TopicOptions& options,
        std::shared_ptr<Clock> clock);

  const std::string& name() const noexcept { return name_; }
  const std::string& arn() const noexcept { return arn_; }
  bool fifo() const noexcept { return fifo_; }
  TopicOptions options() const;
  void set_options(const TopicOptions& options);

  // Subscribe: the existing ARN for the same protocol and endpoint with the same settings;
  // InvalidParameter for the same pair with different settings, a FIFO queue on a standard
  // topic, or a non-sqs protocol on a FIFO topic.
  // Subscribe; a new subscription gets a new ARN unless `subscription.arn` names one (a
  // snapshot's, restored).
  std::string subscribe(TopicSubscription subscription);
  void unsubscribe(const std::string& arn);                    // NotFound
  std::vector<std::shared_ptr<const TopicSubscription>> subscriptions() const;
  std::shared_ptr<const TopicSubscription> subscription(const std::string& arn) const;  // NotFound
  void replace_subscription(const std::shared_ptr<const TopicSubscription>& updated);  // NotFound

  // Publish. InvalidParameter for an empty or oversized message, a bad subject, a missing or
  // misplaced MessageGroupId, MessageStructure=json without a "default" string, ...
  PublishOutcome publish(PublishRequest& request);

  void mark_deleted() noexcept;
  bool deleted() const noexcept;

  // The envelope a subscriber would get, for the caller's own deliveries (confirmations use
  // their own type).
  std::string unsubscribe_url(const std::string& subscription_arn) const;

  // The write-ahead log (topic_journal.cpp). Once attached, a FIFO topic appends each publish
  // it accepted (not a duplicate) as a kTopicPublish record under fifo_mutex_; a standard topic
  // logs nothing here. dump_fifo() is the deduplication window and last sequence number with the
  // LSN it covers (`cut`); restore_fifo() puts them into a topic with none yet; replay_publish()
  // redoes one record. InvalidParameterValue for damaged bytes.
  void attach_journal(std::shared_ptr<durability::Journal> journal);
  std::string dump_fifo(std::uint64_t& cut);
  void restore_fifo(std::string_view dump);
  void replay_publish(std::string_view payload);
  static std::string publish_record_arn(std::string_view payload);  // the topic a record is for

 private:
  void check_alive() const;
  void log_publish(const std::string& key, const MessageId& id, std::uint64_t sequence_number, TimeUs now) const;

  const std::string name_, arn_, region_, account_id_;
  const bool fifo_;
  const std::shared_ptr<Clock> clock_;

  mutable std::shared_mutex mutex_;  // guards the members below
  TopicOptions options_;
  std::vector<std::shared_ptr<const TopicSubscription>> subscriptions_;
  bool deleted_ = false;

  std::mutex fifo_mutex_;            // FIFO publishes: dedup and sequence numbers, in order
  DedupWindow dedup_;
  std::uint64_t next_sequence_ = 0;
  std::shared_ptr<durability::Journal> journal_;  // guarded by fifo_mutex_; null: not logged
};

// ISO-8601 UTC with milliseconds ("2021-09-14T12:53:31.210Z"), as SNS timestamps are.
std::string iso8601(TimeUs t);

}  // namespace pymsg
