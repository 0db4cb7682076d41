// An SQS queue, standard or FIFO.
//
// State machine (1.12): a message is VISIBLE, DELAYED or IN-FLIGHT.
//   - VISIBLE messages wait in the visible list (standard: an intrusive singly linked list in
//     roughly send order) or in their group's pending list (FIFO: strict seq order per group,
//     with `ready_` ordering the receivable groups by their head's place in line: its seq, or a
//     fresh one taken when it came back from in flight, so a group that was served waits
//     behind the groups that were not, as AWS serves them).
//   - DELAYED and IN-FLIGHT messages wait in one deadline heap: a delay ending and a
//     visibility timeout lapsing are the same event, "becomes visible at t".
//   - A deleted message that is still linked in a visible list is a tombstone (state kGone): it
//     is unlinked and freed when a receive reaches it, so deletes never walk a list.
// Receipt handles name a message by (slot, seq) and the receive that issued them (ids.hpp); a
// message takes a slot when first received or delayed, so a queued, never-received message
// costs its one allocation and nothing else.
//
// Each public operation takes the queue's mutex once, reads the clock once (`now`), first
// promotes every heap entry due by `now`, then validates, then mutates. A caller error throws
// pymsg::Error before any change. Every state change is one private apply_* step (send,
// receive, change visibility, delete, purge, move to the dead-letter queue, expire), the unit a
// write-ahead log will record. Long polls wait on `cv_` through the clock, so a manual clock's
// advance() wakes them. Moves to the dead-letter queue happen after the source's mutex is
// released, so no thread ever holds two queue mutexes.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <set>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "pymsg/common/clock.hpp"
#include "pymsg/common/dedup_window.hpp"
#include "pymsg/sqs/deadline_heap.hpp"
#include "pymsg/common/errors.hpp"
#include "pymsg/common/ids.hpp"
#include "pymsg/common/limits.hpp"
#include "pymsg/sqs/message.hpp"
#include "pymsg/common/message_attributes.hpp"
#include "pymsg/durability/journal.hpp"
#include "pymsg/durability/snapshot_io.hpp"
#include "pymsg/sqs/slot_table.hpp"

namespace pymsg {

enum class DeduplicationScope : std::uint8_t { kQueue, kMessageGroup };
enum class FifoThroughputLimit : std::uint8_t { kPerQueue, kPerMessageGroupId };

// The queue attributes a user sets (1.4). Durations in microseconds.
struct QueueConfig {
  TimeUs visibility_timeout = 30 * kUsPerSecond;
  TimeUs delay = 0;
  TimeUs retention = kDefaultRetentionS * kUsPerSecond;
  std::uint64_t maximum_message_size = kDefaultMaximumMessageSize;
  TimeUs receive_wait = 0;
  bool content_based_deduplication = false;
  DeduplicationScope deduplication_scope = DeduplicationScope::kQueue;
  FifoThroughputLimit fifo_throughput_limit = FifoThroughputLimit::kPerQueue;
  std::string dead_letter_target_arn;  // RedrivePolicy deadLetterTargetArn; empty: none
  std::uint32_t max_receive_count = 0;  // RedrivePolicy maxReceiveCount; 0 with no target

  bool operator==(const QueueConfig& o) const {
    return visibility_timeout == o.visibility_timeout && delay == o.delay &&
           retention == o.retention && maximum_message_size == o.maximum_message_size &&
           receive_wait == o.receive_wait &&
           content_based_deduplication == o.content_based_deduplication &&
           deduplication_scope == o.deduplication_scope &&
           fifo_throughput_limit == o.fifo_throughput_limit &&
           dead_letter_target_arn == o.dead_letter_target_arn &&
           max_receive_count == o.max_receive_count;
  }
};

// Checks every attribute's range and the FIFO-only ones (InvalidAttributeValue).
void validate_queue_config(const QueueConfig& config, bool fifo, const SqsLimits& limits);

struct SendRequest {
  std::string_view body;                      // UTF-8 text or raw bytes
  BodyKind body_kind = BodyKind::kText;       // bytes, or a str (ASCII-only or not)
  std::optional<double> delay_seconds;        // per-message DelaySeconds
  std::vector<MessageAttribute> attributes;   // MessageAttributes; encoded and validated by send
  std::optional<std::string_view> group_id;   // MessageGroupId
  std::optional<std::string_view> deduplication_id;  // MessageDeduplicationId
  std::optional<std::string_view> trace_header;      // AWSTraceHeader system attribute
};

struct SendOutcome {
  MessageId message_id{};                 // new, or the original's for a FIFO duplicate
  std::uint64_t sequence_number = 0;      // FIFO only
  std::string attributes;                 // encoded attributes (for MD5OfMessageAttributes)
};

// A per-entry failure of a batch call.
struct EntryError {
  ErrorCode code;
  std::string message;
  bool sender_fault = true;
};

// The failed entries of a batch call as (entry index, error), indices increasing. Usually empty,
// and then it never allocates.
using EntryErrors = std::vector<std::pair<std::size_t, EntryError>>;

// A copy of a received message, taken under the lock so the caller needs none.
struct ReceivedMessage {
  MessageId message_id{};
  ReceiptHandle handle;                       // encode with Queue::encode_handle when asked
  std::size_t body_offset = 0, body_size = 0;  // the body, in ReceivedBatch::bodies
  BodyKind body_kind = BodyKind::kText;
  std::uint32_t receive_count = 0;
  TimeUs sent_us = 0;
  TimeUs first_receive_us = 0;
  std::uint64_t sequence_number = 0;          // FIFO
  std::optional<MessageExtras> extras;        // attributes, group/dedup ids, DLQ source
};

// The messages of one receive; their bodies share one buffer (one allocation, not one each).
struct ReceivedBatch {
  std::vector<ReceivedMessage> messages;
  std::string bodies;
  std::uint32_t dead_lettered = 0;  // messages this receive moved to the dead-letter queue (for the log)

  std::string_view body(const ReceivedMessage& m) const { return {bodies.data() + m.body_offset, m.body_size}; }
};

struct QueueCounts {
  std::uint64_t visible = 0;    // ApproximateNumberOfMessages
  std::uint64_t in_flight = 0;  // ApproximateNumberOfMessagesNotVisible
  std::uint64_t delayed = 0;    // ApproximateNumberOfMessagesDelayed
};

// What a queue keeps for its whole life and a snapshot carries over: the keys its ids and
// receipt handles derive from, and CreatedTimestamp.
struct QueueIdentity {
  QueueKeys keys;
  TimeUs created_us = 0;
};

class Queue final : public ClockListener {
 public:
  // `identity` restores a snapshot's (see restore()); without it the queue draws new keys.
  Queue(std::string name, std::string arn, std::string url, QueueConfig config,
        std::shared_ptr<Clock> clock, SqsLimits limits, bool strict_timing,
        const QueueIdentity* identity = nullptr);
  ~Queue() override;
  Queue(const Queue&) = delete;
  Queue& operator=(const Queue&) = delete;

  const std::string& name() const noexcept { return name_; }
  const std::string& arn() const noexcept { return arn_; }
  const std::string& url() const noexcept { return url_; }
  bool fifo() const noexcept { return fifo_; }
  TimeUs created_us() const noexcept { return created_us_; }
  const SqsLimits& limits() const noexcept { return limits_; }

  // SendMessage. Thread-safe; allocates the message. O(1) standard, O(log n) FIFO or delayed.
  SendOutcome send(SendRequest& request);
  // SendMessageBatch after the batch-level checks: each entry either fills outcomes[i] or has
  // an entry in `errors`. Entries are enqueued in order under one lock. Thread-safe.
  void send_batch(std::vector<SendRequest>& requests, std::vector<SendOutcome>& outcomes, EntryErrors& errors);

  // ReceiveMessage: up to max_messages into `out`, waiting up to `wait` (long poll; nullopt: the
  // queue's ReceiveMessageWaitTimeSeconds) when none is available. With block=false it never
  // waits and returns true when a blocking call would have (so the caller can release the GIL
  // and call again); otherwise it returns false. Thread-safe.
  bool receive(std::uint32_t max_messages, std::optional<TimeUs> visibility_timeout,
               std::optional<TimeUs> wait, ReceivedBatch& out, bool block = true);

  // A receipt handle's text; the ReceiptHandle must come from this queue's receive (then the
  // text is what decode_handle accepts). Lock-free: the keys never change.
  void encode_handle(const ReceiptHandle& handle, char out[kReceiptHandleLength]) const noexcept {
    encode_receipt_handle(keys_, handle, out);
  }

  // DeleteMessage. Thread-safe; O(log n). The ReceiptHandle forms take a handle this queue
  // issued (a received message's own), skipping the text decode.
  void delete_message(std::string_view receipt_handle);
  void delete_message(const ReceiptHandle& handle);
  // ChangeMessageVisibility. Thread-safe; O(log n).
  void change_visibility(std::string_view receipt_handle, double visibility_timeout_s);
  void change_visibility(const ReceiptHandle& handle, double visibility_timeout_s);
  // The batch forms: one lock for all entries, per-entry errors. `failed`, when given, holds
  // entries that failed already (handles that did not decode); they are skipped and reported.
  void delete_batch(const std::vector<std::string_view>& handles, EntryErrors& errors);
  void delete_batch(const std::vector<ReceiptHandle>& handles, EntryErrors& errors, EntryErrors* failed = nullptr);
  void change_visibility_batch(const std::vector<std::pair<std::string_view, double>>& entries, EntryErrors& errors);

  // PurgeQueue: drops every message, in flight or not. Thread-safe; O(n).
  void purge();
  // Ends every receive waiting on this queue now: each returns what it has (nothing, as when the
  // queue is deleted under a long poll). For a server shutting down.
  void wake_long_polls();

  QueueCounts counts();
  QueueConfig config() const;
  // SetQueueAttributes with an already validated config. Thread-safe.
  void set_config(const QueueConfig& config);
  TimeUs last_modified_us() const;

  // Where messages over maxReceiveCount go; set by the broker, which resolves the ARN.
  void set_dead_letter_queue(std::weak_ptr<Queue> queue);

  // DeleteQueue: later calls raise QueueDoesNotExist; waiting receivers return. Thread-safe.
  void mark_deleted();
  bool deleted() const noexcept { return deleted_.load(std::memory_order_acquire); }

  // Accepts messages moved from a source queue's redrive (DeadLetterQueueSourceArn = source_arn).
  // Returns the messages it could not take (this queue was deleted). Thread-safe.
  std::vector<MessagePtr> accept_dead_letters(std::vector<MessagePtr> messages,
                                              const std::string& source_arn,
                                              const QueueKeys& source_keys);

  void on_clock_changed() override;

  // Snapshots (pymsg serve --state; queue_snapshot.cpp). dump() writes every message in its
  // state (visible, delayed, in flight with its deadline and slot), the FIFO deduplication
  // window and the counters, as bytes; the config is not included. A queue built with the
  // dump's identity() and the same config, then given restore(), is the same queue: the same
  // MessageIds and SequenceNumbers, and receipt handles issued before the dump still work.
  // Thread-safe; restore() only on a queue no other thread sees yet. Both throw
  // InvalidParameterValue on bytes that are not a dump.
  // `cut`, when given, gets the journal's last LSN at the dump: the dump holds every change this
  // queue logged up to it, and none after (replay skips this queue's records up to `cut`).
  std::string dump(std::uint64_t* cut = nullptr);
  static QueueIdentity identity(std::string_view dump);
  void restore(std::string_view dump);
  QueueIdentity own_identity() const noexcept { return {keys_, created_us_}; }

  // The write-ahead log (queue_journal.cpp). Once attached, every change is appended to
  // `journal` under the queue's lock as one record naming `id`; replay() redoes such a record
  // on a queue that has none attached yet (recovery), as the call that wrote it did.
  void attach_journal(std::shared_ptr<durability::Journal> journal, std::uint64_t id);
  std::uint64_t journal_id() const noexcept { return journal_id_; }
  void replay(durability::Record type, std::string_view payload);
  // kQueueConfig and kQueueCreate payloads: the config (the broker replays them).
  template <class Out>  // std::string or durability::RecordBuffer
  static void write_config(Out& out, const QueueConfig& config);
  static QueueConfig read_config(SnapshotReader& r);

 private:
  struct Group {
    std::deque<Message*> pending;  // visible messages in seq order (tombstones possible)
    std::set<std::uint64_t> in_flight;  // seqs received and not yet visible again or deleted
    std::uint64_t ready_key = 0;        // key in ready_ while the group is there, else 0

    // A group serves its visible messages that come before its first one in flight.
    bool receivable() const noexcept {
      return !pending.empty() && (in_flight.empty() || pending.front()->seq < *in_flight.begin());
    }
  };

  void check_alive() const;
  void promote_due(TimeUs now);
  SendOutcome enqueue_new(std::string_view body, BodyKind kind, std::string attributes,
                          std::optional<std::string_view> group_id, std::string dedup_id, std::string dedup_key,
                          std::optional<std::string_view> trace_header, TimeUs delay, TimeUs now);
  void purge_locked(TimeUs now);
  void accept_locked(std::vector<MessagePtr>& messages, const std::string& source_arn,
                     const QueueKeys& source_keys, TimeUs now);
  bool journaling() const noexcept { return journal_ != nullptr; }
  // The start of a record's payload, this queue's id and `now`, in this thread's record buffer.
  durability::RecordBuffer& record_head(TimeUs now) const;
  void log(durability::Record type, durability::RecordBuffer& record);
  void log_messages(durability::Record type, TimeUs now, const std::vector<MessagePtr>& messages,
                    const std::string* source_arn, const QueueKeys* source_keys);
  bool expired(const Message& m, TimeUs now) const noexcept;
  SendOutcome send_locked(SendRequest& request, TimeUs now);
  void take_visible(std::uint32_t max, TimeUs visibility, TimeUs now,
                    ReceivedBatch& out, std::vector<MessagePtr>& to_dead_letter);
  void sweep_visible_head(TimeUs now);
  void sweep_group_heads(TimeUs now);
  void copy_out(const Message& m, ReceivedBatch& out) const;
  void redrive(std::vector<MessagePtr>& to_dead_letter);

  void apply_enqueue(Message* m, TimeUs delay_until, TimeUs now);
  void apply_receive(Message* m, TimeUs visibility, TimeUs now);
  void apply_visible(Message* m);
  void apply_delete(Message* m);
  MessagePtr apply_detach(Message* m);
  ReceiptHandle decode_handle(std::string_view text) const;  // ReceiptHandleIsInvalid
  std::string handle_string(const ReceiptHandle& handle) const;
  Message* find(const ReceiptHandle& handle) const;  // nullptr: gone, or its slot reused
  void delete_locked(const ReceiptHandle& handle, TimeUs now);
  void change_visibility_locked(const ReceiptHandle& handle, double seconds, TimeUs now);
  void rehide_lapsed(Message* m, TimeUs deadline);

  void push_visible_standard(Message* m) noexcept;
  Message* pop_visible_standard() noexcept;
  void insert_into_group(Message* m);
  void refresh_group(const std::string& group_id);
  void free_all() noexcept;

  const std::string name_, arn_, url_;  // identity
  const bool fifo_;                     // FIFO queue (name ends in .fifo)
  const std::shared_ptr<Clock> clock_;  // the broker's clock
  const SqsLimits limits_;              // strict or relaxed limits
  const bool strict_timing_;            // enforce the 60 s PurgeQueueInProgress window
  const QueueKeys keys_;                // id and handle derivation keys
  const TimeUs created_us_;             // CreatedTimestamp

  mutable std::mutex mutex_;            // guards everything below
  std::condition_variable cv_;          // long-poll waiters
  std::uint32_t waiters_ = 0;           // threads waiting on cv_
  std::uint64_t wake_calls_ = 0;        // wake_long_polls() calls so far
  std::atomic<bool> deleted_{false};    // DeleteQueue was called (read lock-free by sources)
  QueueConfig config_;                  // current attributes
  // DeduplicationScope as the queue was created: AWS-recorded runs keep deduplicating that way
  // after SetQueueAttributes changes the attribute (which then reads back the new value).
  bool dedup_per_group_;
  TimeUs last_modified_us_;             // LastModifiedTimestamp
  TimeUs last_purge_us_ = 0;            // when PurgeQueue last ran; 0 = never
  std::weak_ptr<Queue> dead_letter_queue_;  // resolved redrive target

  std::uint64_t next_seq_ = 1;          // seq of the next message
  std::vector<Message*> returned_;      // promote_due's scratch: in-flight messages visible again
  std::vector<std::pair<TimeUs, Message*>> fifo_returned_;  // the same for FIFO, with when
  Message* visible_head_ = nullptr;     // standard visible list
  Message* visible_tail_ = nullptr;
  std::unordered_map<std::string, Group> groups_;   // FIFO groups with messages
  std::map<std::uint64_t, std::string> ready_;      // FIFO receivable groups by head's place
  SlotTable slots_;                     // received or delayed messages by slot
  DeadlineHeap heap_;                   // delayed and in-flight messages by visible-at time
  DedupWindow dedup_;                   // FIFO deduplication ids
  QueueCounts counts_;                  // exact counts of the three states
  std::shared_ptr<durability::Journal> journal_;  // null: not durable (or replaying)
  std::uint64_t journal_id_ = 0;        // this queue's id in the journal's records
};

}  // namespace pymsg
