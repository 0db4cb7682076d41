#include "pymsg/sqs/queue.hpp"

#include <algorithm>

#include "pymsg/common/hash.hpp"
#include "pymsg/common/validation.hpp"
#include "pymsg/durability/snapshot_io.hpp"
#include "pymsg/sqs/message_codec.hpp"

#include <cstring>

namespace pymsg {
namespace {

// AWS names the attribute and nothing else: "Invalid value for the parameter VisibilityTimeout.".
[[noreturn]] void throw_attribute_value(const char* attribute) {
  throw Error(ErrorCode::InvalidAttributeValue, std::string("Invalid value for the parameter ") + attribute + ".");
}

void check_attribute_range(TimeUs value_us, std::int64_t lo_s, std::int64_t hi_s, const char* attribute) {
  if (value_us < lo_s * kUsPerSecond || value_us > hi_s * kUsPerSecond) throw_attribute_value(attribute);
}

std::string handle_text(std::string_view handle) { return std::string(handle.substr(0, 200)); }

[[noreturn]] void throw_invalid_handle(std::string_view handle) {
  throw Error(ErrorCode::ReceiptHandleIsInvalid,
              "The input receipt handle \"" + handle_text(handle) + "\" is not a valid receipt handle.");
}

}  // namespace

void validate_queue_config(const QueueConfig& c, bool fifo, const SqsLimits& limits) {
  check_attribute_range(c.visibility_timeout, 0, kMaxVisibilityTimeoutS, "VisibilityTimeout");
  check_attribute_range(c.delay, 0, kMaxDelayS, "DelaySeconds");
  check_attribute_range(c.retention, kMinRetentionS, kMaxRetentionS, "MessageRetentionPeriod");
  check_attribute_range(c.receive_wait, 0, kMaxWaitTimeS, "ReceiveMessageWaitTimeSeconds");
  if (c.maximum_message_size < kMinMaximumMessageSize ||
      c.maximum_message_size > limits.max_message_size_cap) {
    throw_attribute_value("MaximumMessageSize");
  }
  if (!c.dead_letter_target_arn.empty() &&
      (c.max_receive_count < 1 || c.max_receive_count > kMaxReceiveCountLimit)) {
    throw_attribute_value("RedrivePolicy");
  }
  if (!fifo) {
    const char* fifo_only = c.content_based_deduplication ? "ContentBasedDeduplication"
                            : c.deduplication_scope != DeduplicationScope::kQueue ? "DeduplicationScope"
                            : c.fifo_throughput_limit != FifoThroughputLimit::kPerQueue ? "FifoThroughputLimit"
                                                                                         : nullptr;
    if (fifo_only != nullptr) {
      throw Error(ErrorCode::InvalidAttributeName, std::string("Unknown Attribute ") + fifo_only + ".");
    }
  } else if (c.fifo_throughput_limit == FifoThroughputLimit::kPerMessageGroupId &&
             c.deduplication_scope != DeduplicationScope::kMessageGroup) {
    throw_attribute_value("FifoThroughputLimit");
  }
}

Queue::Queue(std::string name, std::string arn, std::string url, QueueConfig config,
             std::shared_ptr<Clock> clock, SqsLimits limits, bool strict_timing,
             const QueueIdentity* identity)
    : name_(std::move(name)),
      arn_(std::move(arn)),
      url_(std::move(url)),
      fifo_(name_.size() > 5 && name_.compare(name_.size() - 5, 5, ".fifo") == 0),
      clock_(std::move(clock)),
      limits_(limits),
      strict_timing_(strict_timing),
      keys_(identity != nullptr ? identity->keys : QueueKeys::random()),
      created_us_(identity != nullptr ? identity->created_us : clock_->now()),
      config_(std::move(config)),
      dedup_per_group_(config_.deduplication_scope == DeduplicationScope::kMessageGroup),
      last_modified_us_(created_us_),
      dedup_(kDedupWindowUs) {
  clock_->add_listener(this);
}

Queue::~Queue() {
  clock_->remove_listener(this);
  free_all();
}

void Queue::on_clock_changed() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (waiters_ > 0) cv_.notify_all();
}

void Queue::check_alive() const {
  if (deleted_) throw Error(ErrorCode::QueueDoesNotExist, "The specified queue does not exist.");
}

bool Queue::expired(const Message& m, TimeUs now) const noexcept {
  const TimeUs base = m.extras && m.extras->enqueued_us != 0 ? m.extras->enqueued_us : m.sent_us;
  return now - base >= config_.retention;
}

// ---------------------------------------------------------------------------------------------
// Visible structures

void Queue::push_visible_standard(Message* m) noexcept {
  m->next = nullptr;
  if (visible_tail_ != nullptr) visible_tail_->next = m; else visible_head_ = m;
  visible_tail_ = m;
}

Message* Queue::pop_visible_standard() noexcept {
  while (visible_head_ != nullptr) {
    Message* m = visible_head_;
    visible_head_ = m->next;
    if (visible_head_ == nullptr) visible_tail_ = nullptr;
    m->next = nullptr;
    if (m->state() != MessageState::kGone) return m;
    Message::destroy(m);  // a tombstone left by a delete
  }
  return nullptr;
}

void Queue::insert_into_group(Message* m) {
  Group& g = groups_[m->extras->group_id];
  auto pos = std::upper_bound(g.pending.begin(), g.pending.end(), m->seq,
                              [](std::uint64_t seq, const Message* x) { return seq < x->seq; });
  g.pending.insert(pos, m);
}

void Queue::refresh_group(const std::string& group_id) {
  auto it = groups_.find(group_id);
  if (it == groups_.end()) return;
  Group& g = it->second;
  if (g.ready_key != 0) {
    ready_.erase(g.ready_key);
    g.ready_key = 0;
  }
  if (g.pending.empty() && g.in_flight.empty()) {
    groups_.erase(it);
    return;
  }
  if (!g.receivable()) return;
  const Message* head = g.pending.front();
  g.ready_key = head->extras->place_in_line != 0 ? head->extras->place_in_line : head->seq;
  ready_.emplace(g.ready_key, group_id);
}

void Queue::sweep_visible_head(TimeUs now) {
  while (Message* m = visible_head_) {
    const bool gone = m->state() == MessageState::kGone;
    if (!gone && !expired(*m, now)) break;
    visible_head_ = m->next;
    if (visible_head_ == nullptr) visible_tail_ = nullptr;
    if (gone) {
      Message::destroy(m);
    } else {
      apply_detach(m);  // retention ran out; freed on return
    }
  }
}

void Queue::sweep_group_heads(TimeUs now) {
  std::vector<std::string> changed;
  for (auto& [group_id, g] : groups_) {
    bool dropped = false;
    while (!g.pending.empty() && expired(*g.pending.front(), now)) {
      apply_detach(g.pending.front());  // retention ran out; freed on return
      g.pending.pop_front();
      dropped = true;
    }
    if (dropped) changed.push_back(group_id);
  }
  for (const std::string& group_id : changed) refresh_group(group_id);
}

// ---------------------------------------------------------------------------------------------
// State changes (each one event)

void Queue::apply_visible(Message* m) {
  m->set_state(MessageState::kVisible);
  ++counts_.visible;
  if (fifo_) {
    insert_into_group(m);
    refresh_group(m->extras->group_id);
  } else {
    push_visible_standard(m);
  }
}

void Queue::apply_enqueue(Message* m, TimeUs visible_at, TimeUs now) {
  if (visible_at > now) {
    m->slot = slots_.acquire(m);
    m->set_state(MessageState::kDelayed);
    heap_.push(m->slot, visible_at);
    ++counts_.delayed;
    return;
  }
  apply_visible(m);
  if (waiters_ > 0) cv_.notify_one();
}

void Queue::apply_receive(Message* m, TimeUs visibility, TimeUs now) {
  ++m->receive_count;
  const std::uint32_t off = Message::offset_ms(m->sent_us, now);
  if (m->receive_count == 1) m->first_receive_off = off;
  m->last_receive_off = off;
  if (m->slot == 0) m->slot = slots_.acquire(m);
  m->set_state(MessageState::kInFlight);
  heap_.push(m->slot, now + visibility);
  --counts_.visible;
  ++counts_.in_flight;
  if (fifo_) groups_[m->extras->group_id].in_flight.insert(m->seq);
}

void Queue::apply_delete(Message* m) {
  if (m->state() == MessageState::kVisible) {  // standard queues only: leave a tombstone
    slots_.release(m->slot);
    m->slot = 0;
    m->set_state(MessageState::kGone);
    --counts_.visible;
    return;
  }
  heap_.erase(m->slot);
  slots_.release(m->slot);
  --counts_.in_flight;
  if (fifo_) {
    const std::string group_id = m->extras->group_id;
    groups_[group_id].in_flight.erase(m->seq);
    Message::destroy(m);
    refresh_group(group_id);
    if (waiters_ > 0 && !ready_.empty()) cv_.notify_all();
    return;
  }
  Message::destroy(m);
}

MessagePtr Queue::apply_detach(Message* m) {
  // m has already been unlinked from its visible list or group.
  if (m->slot != 0) {
    slots_.release(m->slot);
    m->slot = 0;
  }
  --counts_.visible;
  return MessagePtr(m);
}

void Queue::promote_due(TimeUs now) {
  if (heap_.empty() || heap_.top().deadline > now) return;
  if (journaling()) {  // what follows is time's doing: replay redoes it from `now`
    durability::RecordBuffer& payload = record_head(now);
    payload.push_back(0);  // no sweep
    log(durability::Record::kTick, payload);
  }
  while (!heap_.empty() && heap_.top().deadline <= now) {
    const std::uint32_t slot = heap_.top().id;
    const TimeUs deadline = heap_.top().deadline;
    heap_.pop();
    Message* m = slots_.get(slot);
    const bool was_in_flight = m->state() == MessageState::kInFlight;
    if (was_in_flight) {
      --counts_.in_flight;
      if (fifo_) groups_[m->extras->group_id].in_flight.erase(m->seq);
    } else {
      --counts_.delayed;
      slots_.release(slot);  // a delayed message has never been received: no handle refers to it
      m->slot = 0;
    }
    if (expired(*m, now)) {  // retention ran out while it was invisible
      if (m->slot != 0) slots_.release(m->slot);
      std::string group_id = fifo_ ? m->extras->group_id : std::string();
      Message::destroy(m);
      if (fifo_) refresh_group(group_id);
      continue;
    }
    if (was_in_flight && fifo_) {
      fifo_returned_.emplace_back(deadline, m);
      continue;
    }
    if (was_in_flight) {
      returned_.push_back(m);  // back ahead of the newer messages, below
      continue;
    }
    apply_visible(m);
  }
  if (!fifo_returned_.empty()) {
    // Each returned FIFO message takes a new place in line, by when it came back (seq among
    // equal times), so its group now queues behind the groups that were not served.
    std::sort(fifo_returned_.begin(), fifo_returned_.end(), [](const auto& a, const auto& b) {
      return a.first != b.first ? a.first < b.first : a.second->seq < b.second->seq;
    });
    for (const auto& [deadline, m] : fifo_returned_) {
      m->extras->place_in_line = next_seq_++;
      apply_visible(m);
    }
    fifo_returned_.clear();
  }
  if (returned_.empty()) return;
  // A standard queue serves a message whose visibility lapsed before the messages sent after it,
  // as AWS does: the returned ones go to the front of the visible list, oldest first.
  std::sort(returned_.begin(), returned_.end(), [](const Message* a, const Message* b) { return a->seq < b->seq; });
  for (auto it = returned_.rbegin(); it != returned_.rend(); ++it) {
    Message* m = *it;
    m->set_state(MessageState::kVisible);
    ++counts_.visible;
    m->next = visible_head_;
    visible_head_ = m;
    if (visible_tail_ == nullptr) visible_tail_ = m;
  }
  returned_.clear();
}

// ---------------------------------------------------------------------------------------------
// SendMessage

SendOutcome Queue::send(SendRequest& request) {
  std::unique_lock<std::mutex> lock(mutex_);
  check_alive();
  return send_locked(request, clock_->now());
}

void Queue::send_batch(std::vector<SendRequest>& requests, std::vector<SendOutcome>& outcomes,
                       EntryErrors& errors) {
  std::uint64_t total = 0;
  for (const SendRequest& r : requests) {
    total += r.body.size();
    for (const MessageAttribute& a : r.attributes) total += a.name.size() + a.data_type.size() + a.value.size();
  }
  if (total > limits_.max_batch_bytes) {
    throw Error(ErrorCode::BatchRequestTooLong,
                "Batch requests cannot be longer than " + std::to_string(limits_.max_batch_bytes) +
                    " bytes. You have sent " + std::to_string(total) + " bytes.");
  }
  outcomes.resize(requests.size());
  errors.clear();
  std::unique_lock<std::mutex> lock(mutex_);
  check_alive();
  const TimeUs now = clock_->now();
  for (std::size_t i = 0; i < requests.size(); ++i) {
    try {
      outcomes[i] = send_locked(requests[i], now);
    } catch (const Error& e) {
      errors.emplace_back(i, EntryError{e.code(), e.what(), true});
    }
  }
}

SendOutcome Queue::send_locked(SendRequest& r, TimeUs now) {
  // Validate everything first: a failing send changes nothing.
  if (r.body.empty()) {
    throw Error(ErrorCode::MissingParameter, "The request must contain the parameter MessageBody.");
  }
  if (r.body.size() > Message::kMaxBodySize) {
    throw Error(ErrorCode::InvalidParameterValue, "One or more parameters are invalid. Reason: Message must be shorter than " +
                                                      std::to_string(Message::kMaxBodySize) + " bytes.");
  }
  if (r.body_kind != BodyKind::kBytes && !is_valid_message_text(r.body)) {
    throw Error(ErrorCode::InvalidMessageContents,
                "Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | "
                "#xE000 to #xFFFD | #x10000 to #x10FFFF");
  }
  SendOutcome outcome;
  if (!r.attributes.empty()) {
    outcome.attributes = encode_message_attributes(r.attributes, kMaxMessageAttributes);
  }
  const std::uint64_t size = r.body.size() + message_attributes_size(outcome.attributes);
  const std::uint64_t max_size =
      limits_.enforce_message_size ? config_.maximum_message_size : limits_.max_message_size_cap;
  if (size > max_size) {
    throw Error(ErrorCode::InvalidParameterValue,  // the body and the attributes together
                "One or more parameters are invalid. Reason: Message must be shorter than " +
                    std::to_string(max_size) + " bytes.");
  }
  TimeUs delay = config_.delay;
  if (r.delay_seconds) {
    if (fifo_ && *r.delay_seconds != 0) {  // AWS rejects only a non-zero per-message delay
      throw Error(ErrorCode::InvalidParameterValue,  // a per-message delay on a FIFO queue
                  "Value " + format_number(*r.delay_seconds) +
                      " for parameter DelaySeconds is invalid. Reason: The request include parameter "
                      "that is not valid for this queue type.");
    }
    check_seconds_range(*r.delay_seconds, 0, kMaxDelayS, "DelaySeconds");
    if (!fifo_) delay = seconds_to_us(*r.delay_seconds);  // FIFO: only the queue delay applies
  }
  if (r.group_id) check_fifo_id(*r.group_id, "MessageGroupId");
  std::string dedup_key;
  std::string dedup_id;
  if (fifo_) {
    if (!r.group_id) {
      throw Error(ErrorCode::MissingParameter,
                  "The request must contain the parameter MessageGroupId.");
    }
    if (r.deduplication_id) {
      check_fifo_id(*r.deduplication_id, "MessageDeduplicationId");
      dedup_id = std::string(*r.deduplication_id);
    } else if (config_.content_based_deduplication) {
      dedup_id = to_hex(sha256(r.body));
    } else {
      throw Error(ErrorCode::InvalidParameterValue,
                  "The queue should either have ContentBasedDeduplication enabled or "
                  "MessageDeduplicationId provided explicitly");
    }
    dedup_key = DedupWindow::key(dedup_id, *r.group_id, dedup_per_group_);
    if (const DedupWindow::Original* original = dedup_.find(dedup_key, now)) {
      outcome.message_id = original->message_id;  // a duplicate: accepted, not enqueued
      outcome.sequence_number = original->sequence_number;
      return outcome;
    }
  } else if (r.deduplication_id) {
    throw Error(ErrorCode::InvalidParameterValue,
                "Value " + std::string(*r.deduplication_id) +
                    " for parameter MessageDeduplicationId is invalid. Reason: The request include "
                    "parameter that is not valid for this queue type.");
  }

  return enqueue_new(r.body, r.body_kind, std::move(outcome.attributes), r.group_id, std::move(dedup_id),
                     std::move(dedup_key), r.trace_header, delay, now);
}

SendOutcome Queue::enqueue_new(std::string_view body, BodyKind kind, std::string attributes,
                               std::optional<std::string_view> group_id, std::string dedup_id,
                               std::string dedup_key, std::optional<std::string_view> trace_header,
                               TimeUs delay, TimeUs now) {
  if (journaling()) {
    durability::RecordBuffer& payload = record_head(now);
    durability::RecordWriter w(payload);
    w.u8(static_cast<std::uint8_t>(kind));
    w.str(body);
    w.str(attributes);
    w.u8(group_id ? 1 : 0);
    w.str(group_id.value_or(std::string_view()));
    w.str(dedup_id);
    w.u8(trace_header ? 1 : 0);
    w.str(trace_header.value_or(std::string_view()));
    w.i64(delay);
    log(durability::Record::kSend, payload);
  }
  SendOutcome outcome;
  const std::uint64_t seq = next_seq_++;
  std::unique_ptr<MessageExtras> extras;
  if (fifo_ || !attributes.empty() || group_id || trace_header) {
    extras = std::make_unique<MessageExtras>();
    extras->attributes = attributes;
    if (group_id) extras->group_id = std::string(*group_id);
    extras->deduplication_id = std::move(dedup_id);
    if (trace_header) extras->trace_header = std::string(*trace_header);
    if (fifo_) extras->sequence_number = fifo_sequence_number(keys_, seq);
  }
  outcome.attributes = std::move(attributes);
  outcome.message_id = derive_message_id(keys_, seq);
  outcome.sequence_number = extras ? extras->sequence_number : 0;
  Message* m = Message::create(seq, now, body, kind, std::move(extras));
  apply_enqueue(m, delay > 0 ? now + delay : now, now);
  if (fifo_) dedup_.record(dedup_key, {outcome.message_id, outcome.sequence_number}, now);
  return outcome;
}

// ---------------------------------------------------------------------------------------------
// ReceiveMessage

void Queue::copy_out(const Message& m, ReceivedBatch& out) const {
  ReceivedMessage& r = out.messages.emplace_back();
  r.message_id = m.extras && m.extras->has_original_id
                     ? MessageId(*reinterpret_cast<const MessageId*>(m.extras->original_id))
                     : derive_message_id(keys_, m.seq);
  r.handle = {m.slot, m.seq, m.receive_count};
  r.body_offset = out.bodies.size();
  r.body_size = m.body_size();
  out.bodies.append(m.body(), m.body_size());
  r.body_kind = m.body_kind();
  r.receive_count = m.receive_count;
  r.sent_us = m.sent_us;
  r.first_receive_us = m.at_offset(m.first_receive_off);
  if (m.extras) {
    r.extras = *m.extras;
    r.sequence_number = m.extras->sequence_number;
  }
}

void Queue::take_visible(std::uint32_t max, TimeUs visibility, TimeUs now,
                         ReceivedBatch& out, std::vector<MessagePtr>& to_dead_letter) {
  const std::shared_ptr<Queue> dead_letter_queue = dead_letter_queue_.lock();
  const bool redrive = config_.max_receive_count > 0 && dead_letter_queue && !dead_letter_queue->deleted();
  auto over_limit = [&](const Message* m) {
    return redrive && m->receive_count >= config_.max_receive_count;
  };
  if (!fifo_) {
    while (out.messages.size() < max) {
      Message* m = pop_visible_standard();
      if (m == nullptr) break;
      if (expired(*m, now)) {
        apply_detach(m);  // freed on scope exit: retention ran out
      } else if (over_limit(m)) {
        to_dead_letter.push_back(apply_detach(m));
      } else {
        apply_receive(m, visibility, now);
        copy_out(*m, out);
      }
    }
    return;
  }
  if (counts_.in_flight >= limits_.max_inflight_fifo) return;  // AWS returns nothing, no error
  // FIFO: oldest receivable group first, as many of its messages as possible, then the next.
  while (out.messages.size() < max && !ready_.empty()) {
    const std::string group_id = ready_.begin()->second;
    Group& g = groups_[group_id];
    ready_.erase(ready_.begin());
    g.ready_key = 0;
    // Its messages up to the first one in flight (taking one does not block the next here).
    const std::uint64_t first_in_flight = g.in_flight.empty() ? UINT64_MAX : *g.in_flight.begin();
    while (out.messages.size() < max && !g.pending.empty() && g.pending.front()->seq < first_in_flight) {
      Message* m = g.pending.front();
      if (!expired(*m, now) && !over_limit(m)) {
        g.pending.pop_front();
        apply_receive(m, visibility, now);
        copy_out(*m, out);
        continue;
      }
      g.pending.pop_front();
      MessagePtr detached = apply_detach(m);
      if (!expired(*detached, now)) to_dead_letter.push_back(std::move(detached));
    }
    refresh_group(group_id);  // blocked by what it took; ready again only if nothing was
  }
}

bool Queue::receive(std::uint32_t max_messages, std::optional<TimeUs> visibility_timeout, std::optional<TimeUs> wait,
                    ReceivedBatch& out, bool block) {
  if (max_messages < 1 || max_messages > limits_.max_receive_messages) {
    throw invalid_max_messages(max_messages, limits_.max_receive_messages);
  }
  if (visibility_timeout && (*visibility_timeout < 0 || *visibility_timeout > kMaxVisibilityTimeoutS * kUsPerSecond)) {
    throw Error(ErrorCode::InvalidParameterValue,
                "Value " + std::to_string(*visibility_timeout / kUsPerSecond) +
                    " for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and 43200, if provided.");
  }
  if (wait && (*wait < 0 || *wait > kMaxWaitTimeS * kUsPerSecond)) {
    throw Error(ErrorCode::InvalidParameterValue,
                "Value " + std::to_string(*wait / kUsPerSecond) +
                    " for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided.");
  }
  out.messages.reserve(out.messages.size() + std::min<std::uint32_t>(max_messages, 16));
  out.bodies.reserve(out.bodies.size() + 128 * std::min<std::uint32_t>(max_messages, 16));
  TimeUs deadline = 0;
  bool first = true;
  std::uint64_t woken = 0;  // wake_long_polls() calls seen when this receive began
  for (;;) {
    std::vector<MessagePtr> to_dead_letter;
    std::shared_ptr<Queue> dead_letter_queue;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      check_alive();
      TimeUs now = clock_->now();
      if (first) {
        deadline = now + wait.value_or(config_.receive_wait);
        woken = wake_calls_;
        first = false;
        promote_due(now);  // a message whose visibility timeout ran out is no longer in flight
        if (!fifo_ && counts_.in_flight >= limits_.max_inflight_standard) {
          throw Error(ErrorCode::OverLimit,
                      "Too many messages in flight: the queue has " + std::to_string(counts_.in_flight) +
                          " messages in flight (limit " + std::to_string(limits_.max_inflight_standard) + ").");
        }
      }
      const TimeUs visibility = visibility_timeout.value_or(config_.visibility_timeout);
      for (;;) {
        promote_due(now);
        const std::uint64_t visible_before = counts_.visible;
        take_visible(max_messages, visibility, now, out, to_dead_letter);
        if (journaling() && counts_.visible != visible_before) {  // it took something
          durability::RecordBuffer& payload = record_head(now);
          durability::RecordWriter w(payload);
          w.u32(max_messages);
          w.i64(visibility);
          log(durability::Record::kReceive, payload);
        }
        if (!out.messages.empty() || !to_dead_letter.empty() || now >= deadline || deleted_ ||
            wake_calls_ != woken) {
          break;
        }
        if (!block) return true;
        TimeUs wake = deadline;
        if (!heap_.empty()) wake = std::min(wake, heap_.top().deadline);
        ++waiters_;
        clock_->wait_until(lock, cv_, wake);
        --waiters_;
        now = clock_->now();
      }
      if (!to_dead_letter.empty()) dead_letter_queue = dead_letter_queue_.lock();
    }
    if (!to_dead_letter.empty()) {
      std::vector<MessagePtr> refused;
      const std::size_t moving = to_dead_letter.size();
      if (dead_letter_queue) {
        refused = dead_letter_queue->accept_dead_letters(std::move(to_dead_letter), arn_, keys_);
      } else {
        refused = std::move(to_dead_letter);
      }
      out.dead_lettered += static_cast<std::uint32_t>(moving - refused.size());
      if (!refused.empty()) {  // the dead-letter queue went away meanwhile: keep them here
        std::lock_guard<std::mutex> lock(mutex_);
        if (journaling()) log_messages(durability::Record::kReturned, clock_->now(), refused, nullptr, nullptr);
        for (MessagePtr& m : refused) apply_visible(m.release());
      }
    }
    if (!out.messages.empty() || clock_->now() >= deadline) return false;
    std::lock_guard<std::mutex> lock(mutex_);
    if (deleted_ || wake_calls_ != woken) return false;
  }
}

std::vector<MessagePtr> Queue::accept_dead_letters(std::vector<MessagePtr> messages,
                                                   const std::string& source_arn,
                                                   const QueueKeys& source_keys) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (deleted_) return messages;
  const TimeUs now = clock_->now();
  if (journaling()) log_messages(durability::Record::kDeadLetters, now, messages, &source_arn, &source_keys);
  accept_locked(messages, source_arn, source_keys, now);
  return {};
}

void Queue::accept_locked(std::vector<MessagePtr>& messages, const std::string& source_arn,
                          const QueueKeys& source_keys, TimeUs now) {
  for (MessagePtr& owned : messages) {
    Message* m = owned.release();
    if (!m->extras) m->extras = std::make_unique<MessageExtras>();
    MessageExtras& x = *m->extras;
    if (!x.has_original_id) {  // the MessageId survives the move
      const MessageId id = derive_message_id(source_keys, m->seq);
      std::copy(id.begin(), id.end(), x.original_id);
      x.has_original_id = true;
    }
    x.dead_letter_source_arn = source_arn;
    x.place_in_line = 0;  // it queues here by its new seq
    m->seq = next_seq_++;
    if (fifo_) {
      x.enqueued_us = now;  // a FIFO dead-letter queue restarts the retention clock
      x.sequence_number = fifo_sequence_number(keys_, m->seq);
    }
    apply_visible(m);
  }
  messages.clear();
  if (waiters_ > 0) cv_.notify_all();
}

// ---------------------------------------------------------------------------------------------
// DeleteMessage / ChangeMessageVisibility

ReceiptHandle Queue::decode_handle(std::string_view text) const {
  ReceiptHandle handle;
  if (!decode_receipt_handle(keys_, text, handle)) throw_invalid_handle(text);
  return handle;
}

std::string Queue::handle_string(const ReceiptHandle& handle) const {
  char text[kReceiptHandleLength];
  encode_receipt_handle(keys_, handle, text);
  return {text, kReceiptHandleLength};
}

Message* Queue::find(const ReceiptHandle& handle) const {
  Message* m = slots_.get(handle.slot);
  return m != nullptr && m->seq == handle.seq ? m : nullptr;
}

void Queue::delete_locked(const ReceiptHandle& handle, TimeUs now) {
  promote_due(now);
  Message* m = find(handle);
  if (m == nullptr) return;  // already deleted (or expired): deleting again succeeds
  const bool latest = m->receive_count == handle.receive_count;
  if (fifo_ && !(latest && m->state() == MessageState::kInFlight)) {
    throw Error(ErrorCode::InvalidParameterValue,
                "Value " + handle_string(handle) +
                    " for parameter ReceiptHandle is invalid. Reason: The receipt handle has expired.");
  }
  if (journaling()) {
    durability::RecordBuffer& payload = record_head(now);
    durability::RecordWriter w(payload);
    write_handle(w, handle);
    log(durability::Record::kDelete, payload);
  }
  apply_delete(m);  // standard queues: an older handle of the message deletes it too, as on AWS
}

void Queue::delete_message(std::string_view receipt_handle) {
  check_alive();  // before the handle, as AWS: a deleted queue is the error to report
  const ReceiptHandle handle = decode_handle(receipt_handle);
  delete_message(handle);
}

void Queue::delete_message(const ReceiptHandle& handle) {
  std::lock_guard<std::mutex> lock(mutex_);
  check_alive();
  delete_locked(handle, clock_->now());
}

void Queue::delete_batch(const std::vector<std::string_view>& handles, EntryErrors& errors) {
  check_alive();
  std::vector<ReceiptHandle> decoded(handles.size());
  EntryErrors undecodable;
  for (std::size_t i = 0; i < handles.size(); ++i) {
    try {
      decoded[i] = decode_handle(handles[i]);
    } catch (const Error& e) {
      undecodable.emplace_back(i, EntryError{e.code(), e.what(), true});
    }
  }
  delete_batch(decoded, errors, &undecodable);
}

void Queue::delete_batch(const std::vector<ReceiptHandle>& handles, EntryErrors& errors, EntryErrors* failed) {
  errors.clear();
  std::lock_guard<std::mutex> lock(mutex_);
  check_alive();
  const TimeUs now = clock_->now();
  std::size_t next_failed = 0;  // cursor into *failed (indices increase)
  for (std::size_t i = 0; i < handles.size(); ++i) {
    if (failed != nullptr && next_failed < failed->size() && (*failed)[next_failed].first == i) {
      errors.push_back(std::move((*failed)[next_failed++]));
      continue;
    }
    try {
      delete_locked(handles[i], now);
    } catch (const Error& e) {
      errors.emplace_back(i, EntryError{e.code(), e.what(), true});
    }
  }
}

void Queue::change_visibility_locked(const ReceiptHandle& handle, double seconds, TimeUs now) {
  check_seconds_range(seconds, 0, kMaxVisibilityTimeoutS, "VisibilityTimeout");
  promote_due(now);
  Message* m = find(handle);
  // A standard queue takes any handle the message was received with; a FIFO queue only its latest.
  if (m == nullptr || (fifo_ && m->receive_count != handle.receive_count)) {
    throw Error(ErrorCode::InvalidParameterValue,
                "Value " + handle_string(handle) +
                    " for parameter ReceiptHandle is invalid. Reason: Message does not exist or is "
                    "not available for visibility timeout change.");
  }
  const bool lapsed = m->state() == MessageState::kVisible;  // received, then its timeout ran out
  if (lapsed && fifo_) {
    throw Error(ErrorCode::MessageNotInflight,
                "The message referred to by receipt handle " + handle_string(handle) +
                    " is not in flight: its visibility timeout has already expired.");
  }
  const TimeUs new_deadline = now + seconds_to_us(seconds);
  const TimeUs received = m->at_offset(m->last_receive_off);
  if (new_deadline - received > kMaxVisibilityTimeoutS * kUsPerSecond + kUsPerMilli) {
    throw Error(ErrorCode::InvalidParameterValue,
                "Value " + format_number(seconds) +
                    " for parameter VisibilityTimeout is invalid. Reason: Total VisibilityTimeout for "
                    "the message is beyond the limit [43200 seconds].");
  }
  if (journaling()) {
    durability::RecordBuffer& payload = record_head(now);
    durability::RecordWriter w(payload);
    write_handle(w, handle);
    std::uint64_t bits;
    std::memcpy(&bits, &seconds, sizeof bits);
    w.u64(bits);
    log(durability::Record::kChangeVisibility, payload);
  }
  if (lapsed) {
    rehide_lapsed(m, new_deadline);
  } else {
    heap_.update(m->slot, new_deadline);
  }
  if (new_deadline <= now) {
    promote_due(now);
    if (waiters_ > 0) cv_.notify_all();
  }
}

void Queue::rehide_lapsed(Message* m, TimeUs deadline) {
  // A standard queue's message whose visibility ran out is linked in the visible list, which is
  // singly linked, so it cannot be unlinked in place. It becomes a tombstone there (as a delete
  // leaves) and a copy, under the same slot and so the same receipt handles, goes in flight.
  // Rare (AWS allows it until the next receive), so the copy's allocation is no concern.
  Message* copy = Message::create(m->seq, m->sent_us, m->body_view(), m->body_kind(), std::move(m->extras));
  copy->first_receive_off = m->first_receive_off;
  copy->last_receive_off = m->last_receive_off;
  copy->receive_count = m->receive_count;
  copy->slot = m->slot;
  copy->set_state(MessageState::kInFlight);
  slots_.place(m->slot, copy);
  m->slot = 0;
  m->set_state(MessageState::kGone);
  --counts_.visible;
  ++counts_.in_flight;
  heap_.push(copy->slot, deadline);
}

void Queue::change_visibility(std::string_view receipt_handle, double visibility_timeout_s) {
  check_alive();  // the queue, then the timeout, then the handle: AWS's order
  check_seconds_range(visibility_timeout_s, 0, kMaxVisibilityTimeoutS, "VisibilityTimeout");
  const ReceiptHandle handle = decode_handle(receipt_handle);
  change_visibility(handle, visibility_timeout_s);
}

void Queue::change_visibility(const ReceiptHandle& handle, double visibility_timeout_s) {
  std::lock_guard<std::mutex> lock(mutex_);
  check_alive();
  change_visibility_locked(handle, visibility_timeout_s, clock_->now());
}

void Queue::change_visibility_batch(const std::vector<std::pair<std::string_view, double>>& entries,
                                    EntryErrors& errors) {
  errors.clear();
  std::lock_guard<std::mutex> lock(mutex_);
  check_alive();
  const TimeUs now = clock_->now();
  for (std::size_t i = 0; i < entries.size(); ++i) {
    try {
      check_seconds_range(entries[i].second, 0, kMaxVisibilityTimeoutS, "VisibilityTimeout");
      change_visibility_locked(decode_handle(entries[i].first), entries[i].second, now);
    } catch (const Error& e) {
      errors.emplace_back(i, EntryError{e.code(), e.what(), true});
    }
  }
}

// ---------------------------------------------------------------------------------------------
// PurgeQueue, attributes, lifecycle

void Queue::free_all() noexcept {
  while (Message* m = pop_visible_standard()) Message::destroy(m);
  for (auto& [group_id, group] : groups_) {
    for (Message* m : group.pending) Message::destroy(m);
  }
  groups_.clear();
  ready_.clear();
  heap_.for_each([&](const DeadlineHeap::Entry& e) { Message::destroy(slots_.get(e.id)); });
  heap_.clear();
  slots_.clear();
  counts_ = QueueCounts{};
}

void Queue::wake_long_polls() {
  std::lock_guard<std::mutex> lock(mutex_);
  ++wake_calls_;
  cv_.notify_all();
}

void Queue::purge() {
  std::lock_guard<std::mutex> lock(mutex_);
  check_alive();
  const TimeUs now = clock_->now();
  if (strict_timing_ && last_purge_us_ != 0 && now - last_purge_us_ < kPurgeWindowUs) {
    throw Error(ErrorCode::PurgeQueueInProgress,
                "Only one PurgeQueue operation on " + name_ + " is allowed every 60 seconds.");
  }
  if (journaling()) log(durability::Record::kPurge, record_head(now));
  purge_locked(now);
}

void Queue::purge_locked(TimeUs now) {
  free_all();
  dedup_.clear();  // AWS-recorded runs: a purged FIFO queue takes a deduplication id again at once
  last_purge_us_ = now;
}

QueueCounts Queue::counts() {
  std::lock_guard<std::mutex> lock(mutex_);
  check_alive();
  const TimeUs now = clock_->now();
  promote_due(now);
  // Expired messages at the head of the visible list go now; deeper ones when a receive reaches
  // them, so the visible count is approximate under retention, as AWS's is.
  const std::uint64_t visible_before = counts_.visible;
  if (fifo_) {
    sweep_group_heads(now);
  } else {
    sweep_visible_head(now);
  }
  if (journaling() && counts_.visible != visible_before) {
    durability::RecordBuffer& payload = record_head(now);
    payload.push_back(1);  // and sweep the expired heads
    log(durability::Record::kTick, payload);
  }
  return counts_;
}

QueueConfig Queue::config() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return config_;
}

TimeUs Queue::last_modified_us() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return last_modified_us_;
}

void Queue::set_config(const QueueConfig& config) {
  std::lock_guard<std::mutex> lock(mutex_);
  check_alive();
  const TimeUs now = clock_->now();
  if (journaling()) {
    durability::RecordBuffer& payload = record_head(now);
    write_config(payload, config);
    log(durability::Record::kQueueConfig, payload);
  }
  config_ = config;
  last_modified_us_ = now;
  if (waiters_ > 0) cv_.notify_all();
}

void Queue::set_dead_letter_queue(std::weak_ptr<Queue> queue) {
  std::lock_guard<std::mutex> lock(mutex_);
  dead_letter_queue_ = std::move(queue);
}

void Queue::mark_deleted() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (journaling() && !deleted_) log(durability::Record::kQueueDelete, record_head(clock_->now()));
  deleted_.store(true, std::memory_order_release);
  free_all();
  cv_.notify_all();
}


}  // namespace pymsg
