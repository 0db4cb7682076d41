#include "pymsg/sns/topic.hpp"

#include <algorithm>

#include "pymsg/common/errors.hpp"
#include "pymsg/common/hash.hpp"
#include "pymsg/common/ids.hpp"
#include "pymsg/common/json.hpp"
#include "pymsg/common/validation.hpp"

namespace pymsg {
namespace {

constexpr std::size_t kMaxSnsMessageBytes = 262'144;  // 256 KB: SNS did not follow SQS to 1 MiB
constexpr std::size_t kMaxSubjectChars = 100;  // AWS takes 100 and refuses 101
constexpr TimeUs kSnsDedupWindowUs = 5 * 60 * kUsPerSecond;

[[noreturn]] void invalid(const std::string& what) { throw Error(ErrorCode::InvalidParameter, "Invalid parameter: " + what); }

std::string random_uuid() {
  MessageId id;
  random_bytes(id.data(), id.size());
  id[6] = static_cast<std::uint8_t>((id[6] & 0x0F) | 0x40);  // version 4
  id[8] = static_cast<std::uint8_t>((id[8] & 0x3F) | 0x80);  // RFC 4122 variant
  return format_uuid(id);
}

bool is_ascii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// The envelope of one message text, split around the subscription ARN of its UnsubscribeURL.
struct Envelope {
  std::string head, tail;
  std::string build(const std::string& subscription_arn) const { return head + subscription_arn + tail; }
};

// AWS's layout: 2-space indentation, "Key" : value, fields in AWS's order.
Envelope make_envelope(const std::string& topic_arn, const std::string& region, const std::string& message_id,
                       std::uint64_t sequence_number, std::optional<std::string_view> subject, std::string_view message,
                       const std::string& timestamp, const std::vector<MessageAttribute>& attributes) {
  std::string to_sign = "Message\n" + std::string(message) + "\nMessageId\n" + message_id + "\n";
  if (subject) to_sign += "Subject\n" + std::string(*subject) + "\n";
  to_sign += "Timestamp\n" + timestamp + "\nTopicArn\n" + topic_arn + "\nType\nNotification\n";
  // A stand-in for AWS's RSA signature (there is no AWS key to sign with): 16 bytes of keyed
  // hashes of the string AWS signs, so it changes with every signed field.
  std::uint64_t digest[2] = {hash_bytes(to_sign, 0x5157u), hash_bytes(to_sign, 0x9e3779b97f4a7c15u)};
  Envelope e;
  std::string& h = e.head;
  auto field = [&](const char* key, std::string_view value) {
    h += "  \"";
    h += key;
    h += "\" : ";
    json_escape(value, h);
    h += ",\n";
  };
  h.reserve(message.size() + 600);
  h += "{\n";
  field("Type", "Notification");
  field("MessageId", message_id);
  if (sequence_number != 0) field("SequenceNumber", std::to_string(sequence_number));
  field("TopicArn", topic_arn);
  if (subject) field("Subject", *subject);
  field("Message", message);
  field("Timestamp", timestamp);
  if (sequence_number == 0) {  // AWS signs standard topics' notifications only, not FIFO topics'
    field("SignatureVersion", "1");
    field("Signature", base64_encode(digest, sizeof digest));
    field("SigningCertURL", "https://sns." + region + ".amazonaws.com/SimpleNotificationService-pymsg.pem");
  }
  h += "  \"UnsubscribeURL\" : \"https://sns." + region + ".amazonaws.com/?Action=Unsubscribe&SubscriptionArn=";
  std::string& t = e.tail;
  t += "\"";
  if (!attributes.empty()) {
    t += ",\n  \"MessageAttributes\" : {";
    bool first = true;
    for (const MessageAttribute& a : attributes) {
      t += first ? "\n    " : ",\n    ";
      first = false;
      json_escape(a.name, t);
      t += " : {\"Type\":";
      json_escape(a.data_type, t);
      t += ",\"Value\":";
      json_escape(a.binary ? base64_encode(a.value.data(), a.value.size()) : a.value, t);
      t += "}";
    }
    t += "\n  }";
  }
  t += "\n}";
  return e;
}

}  // namespace

std::string iso8601(TimeUs t) {
  const std::int64_t ms = t / kUsPerMilli;
  std::int64_t days = ms / 86'400'000;
  std::int64_t rem = ms % 86'400'000;
  if (rem < 0) rem += 86'400'000, --days;
  // civil_from_days (H. Hinnant): days since 1970-01-01 -> year, month, day
  days += 719'468;
  const std::int64_t era = (days >= 0 ? days : days - 146'096) / 146'097;
  const std::int64_t doe = days - era * 146'097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36'524 - doe / 146'096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const std::int64_t day = doy - (153 * mp + 2) / 5 + 1;
  const std::int64_t month = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  // "YYYY-MM-DDTHH:MM:SS.mmmZ", written digit by digit (snprintf was a tenth of a publish).
  std::string out = "0000-00-00T00:00:00.000Z";
  auto put = [&](std::size_t at, std::int64_t value, int digits) {
    for (int d = digits - 1; d >= 0; --d, value /= 10) out[at + static_cast<std::size_t>(d)] = static_cast<char>('0' + value % 10);
  };
  put(0, year, 4);
  put(5, month, 2);
  put(8, day, 2);
  put(11, rem / 3'600'000, 2);
  put(14, rem / 60'000 % 60, 2);
  put(17, rem / 1000 % 60, 2);
  put(20, rem % 1000, 3);
  return out;
}

Topic::Topic(std::string name, std::string arn, std::string region, std::string account_id, const TopicOptions& options,
             std::shared_ptr<Clock> clock)
    : name_(std::move(name)),
      arn_(std::move(arn)),
      region_(std::move(region)),
      account_id_(std::move(account_id)),
      fifo_(name_.size() > 5 && name_.compare(name_.size() - 5, 5, ".fifo") == 0),
      clock_(std::move(clock)),
      options_(options),
      dedup_(kSnsDedupWindowUs) {}

void Topic::check_alive() const {
  std::shared_lock<std::shared_mutex> lock(mutex_);
  if (deleted_) throw Error(ErrorCode::NotFound, "Topic does not exist");
}

TopicOptions Topic::options() const {
  std::shared_lock<std::shared_mutex> lock(mutex_);
  return options_;
}

void Topic::set_options(const TopicOptions& options) {
  std::unique_lock<std::shared_mutex> lock(mutex_);
  if (deleted_) throw Error(ErrorCode::NotFound, "Topic does not exist");
  options_ = options;
}

void Topic::mark_deleted() noexcept {
  std::unique_lock<std::shared_mutex> lock(mutex_);
  deleted_ = true;
  subscriptions_.clear();
}

bool Topic::deleted() const noexcept {
  std::shared_lock<std::shared_mutex> lock(mutex_);
  return deleted_;
}

std::string Topic::unsubscribe_url(const std::string& subscription_arn) const {
  return "https://sns." + region_ + ".amazonaws.com/?Action=Unsubscribe&SubscriptionArn=" + subscription_arn;
}

// ---------------------------------------------------------------------------------------------
// Subscriptions

std::string Topic::subscribe(TopicSubscription s) {
  if (fifo_ && s.protocol != "sqs") {
    invalid("Invalid parameter: Endpoint Reason: FIFO topics accept only sqs subscriptions (got " + s.protocol + ").");
  }
  if (auto q = s.queue.lock(); q && q->fifo() && !fifo_) {
    invalid("Invalid parameter: Endpoint Reason: FIFO SQS Queues can not be subscribed to standard SNS topics");
  }
  std::unique_lock<std::shared_mutex> lock(mutex_);
  if (deleted_) throw Error(ErrorCode::NotFound, "Topic does not exist");
  for (const auto& existing : subscriptions_) {
    if (existing->protocol != s.protocol || existing->endpoint != s.endpoint) continue;
    if (existing->raw == s.raw && existing->filter_policy == s.filter_policy && existing->filter_scope == s.filter_scope &&
        existing->dead_letter_target_arn == s.dead_letter_target_arn) {
      return existing->arn;  // Subscribe is idempotent
    }
    invalid("Attributes Reason: Subscription already exists with different attributes");
  }
  if (s.arn.empty()) s.arn = arn_ + ":" + random_uuid();  // given: restoring a snapshot
  subscriptions_.push_back(std::make_shared<const TopicSubscription>(std::move(s)));
  return subscriptions_.back()->arn;
}

void Topic::unsubscribe(const std::string& arn) {
  std::unique_lock<std::shared_mutex> lock(mutex_);
  const auto it = std::find_if(subscriptions_.begin(), subscriptions_.end(), [&](const auto& s) { return s->arn == arn; });
  if (it == subscriptions_.end()) throw Error(ErrorCode::NotFound, "Subscription does not exist");
  subscriptions_.erase(it);
}

std::vector<std::shared_ptr<const TopicSubscription>> Topic::subscriptions() const {
  std::shared_lock<std::shared_mutex> lock(mutex_);
  return subscriptions_;
}

std::shared_ptr<const TopicSubscription> Topic::subscription(const std::string& arn) const {
  std::shared_lock<std::shared_mutex> lock(mutex_);
  for (const auto& s : subscriptions_) {
    if (s->arn == arn) return s;
  }
  throw Error(ErrorCode::NotFound, "Subscription does not exist");
}

void Topic::replace_subscription(const std::shared_ptr<const TopicSubscription>& updated) {
  std::unique_lock<std::shared_mutex> lock(mutex_);
  for (auto& s : subscriptions_) {
    if (s->arn == updated->arn) {
      s = updated;
      return;
    }
  }
  throw Error(ErrorCode::NotFound, "Subscription does not exist");
}

// ---------------------------------------------------------------------------------------------
// Publish

PublishOutcome Topic::publish(PublishRequest& r) {
  check_alive();
  // Validate everything first: a refused publish delivers nothing.
  if (r.message.empty()) invalid("Empty message");
  // SNS takes any number of attributes (AWS drops a message with more than 10 only on its way to a
  // raw-delivery SQS subscription).
  const std::string encoded =
      r.attributes.empty() ? std::string() : encode_message_attributes(r.attributes, UINT32_MAX, AttributeRules::kSns);
  if (r.message.size() + message_attributes_size(encoded) > kMaxSnsMessageBytes) invalid("Message too long");
  if (r.subject) {
    const bool ok = !r.subject->empty() && r.subject->size() <= kMaxSubjectChars * 4 &&
                    std::none_of(r.subject->begin(), r.subject->end(),
                                 [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7F; });
    std::size_t chars = 0;
    for (const char c : *r.subject) chars += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    if (!ok || chars > kMaxSubjectChars) invalid("Subject");  // 1 to 100 printable characters, no line breaks
  }
  JsonValue structure;
  std::string default_message(r.message);
  const JsonValue* per_protocol = nullptr;
  if (r.json_structure) {
    std::string error;
    if (!parse_json(r.message, structure, error) || !structure.is(JsonValue::Kind::kObject)) {
      invalid("Message Structure - JSON message body failed to parse");
    }
    const JsonValue* d = structure.find("default");
    if (d == nullptr || !d->is(JsonValue::Kind::kString)) invalid("Message Structure - No default entry in JSON message body");
    default_message = d->text;
    per_protocol = &structure;
  }
  auto message_for = [&](const std::string& protocol) -> const std::string& {
    if (per_protocol != nullptr) {
      const JsonValue* m = per_protocol->find(protocol);
      if (m != nullptr && m->is(JsonValue::Kind::kString)) return m->text;
    }
    return default_message;
  };
  std::string dedup_id;
  if (fifo_) {
    if (!r.group_id || r.group_id->empty()) invalid("The MessageGroupId parameter is required for FIFO topics");
    check_fifo_id(*r.group_id, "MessageGroupId");
    if (r.deduplication_id) {
      check_fifo_id(*r.deduplication_id, "MessageDeduplicationId");
      dedup_id = std::string(*r.deduplication_id);
    } else if (options().content_based_deduplication) {
      dedup_id = to_hex(sha256(r.message));
    } else {
      invalid("The topic should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly");
    }
  } else if (r.deduplication_id) {
    invalid("MessageDeduplicationId Reason: The request includes MessageDeduplicationId parameter that is not valid for "
            "this topic type");
  }

  PublishOutcome out;
  std::unique_lock<std::mutex> fifo_lock(fifo_mutex_, std::defer_lock);  // FIFO: one publish at a time, in order
  const TimeUs now = clock_->now();
  if (fifo_) {
    fifo_lock.lock();
    if (const DedupWindow::Original* first = dedup_.find(dedup_id, now)) {
      out.message_id = format_uuid(first->message_id);
      out.sequence_number = first->sequence_number;
      out.duplicate = true;  // accepted, not delivered
      return out;
    }
  }
  MessageId id;
  random_bytes(id.data(), id.size());
  id[6] = static_cast<std::uint8_t>((id[6] & 0x0F) | 0x40);
  id[8] = static_cast<std::uint8_t>((id[8] & 0x3F) | 0x80);
  out.message_id = format_uuid(id);
  if (fifo_) {
    out.sequence_number = 10'000'000'000'000'000'000ull + ++next_sequence_;  // 20 digits, increasing
    dedup_.record(dedup_id, {id, out.sequence_number}, now);
    if (journal_) log_publish(dedup_id, id, out.sequence_number, now);
  }
  const std::string timestamp = iso8601(now);
  out.subscriptions = subscriptions();

  // What the filters read, once per publish.
  std::vector<FilterAttribute> filter_attributes;
  filter_attributes.reserve(r.attributes.size());
  for (const MessageAttribute& a : r.attributes) {
    filter_attributes.push_back({a.name, a.data_type, a.binary ? std::string_view() : std::string_view(a.value)});
  }
  JsonValue body;
  bool body_parsed = false, body_is_json = false;

  // Envelopes by message text (the default one, or a protocol's from MessageStructure=json).
  std::vector<std::pair<const std::string*, Envelope>> envelopes;
  auto envelope_for = [&](const std::string& message) -> const Envelope& {
    for (const auto& [text, envelope] : envelopes) {
      if (text == &message) return envelope;
    }
    envelopes.emplace_back(&message, make_envelope(arn_, region_, out.message_id, out.sequence_number, r.subject, message,
                                                   timestamp, r.attributes));
    return envelopes.back().second;
  };

  for (std::size_t k = 0; k < out.subscriptions.size(); ++k) {
    const TopicSubscription& s = *out.subscriptions[k];
    if (s.pending_confirmation) continue;
    if (s.filter) {
      bool match;
      if (s.filter->scope() == FilterPolicy::Scope::kMessageBody) {
        if (!body_parsed) {
          std::string error;
          body_is_json = parse_json(default_message, body, error);
          body_parsed = true;
        }
        match = s.filter->matches_body(body_is_json ? &body : nullptr);
      } else {
        match = s.filter->matches_attributes(filter_attributes);
      }
      if (!match) continue;
    }
    const std::string& message = message_for(s.protocol);
    if (s.protocol != "sqs") {
      out.pending.push_back({k, s.raw ? message : envelope_for(message).build(s.arn), std::string()});
      continue;
    }
    std::string envelope_text;
    SendRequest send;
    if (s.raw) {
      send.body = message;
      send.attributes = r.attributes;  // mapped onto the SQS message (DataType copied verbatim)
    } else {
      envelope_text = envelope_for(message).build(s.arn);
      send.body = envelope_text;
    }
    send.body_kind = is_ascii(send.body) ? BodyKind::kAsciiText : BodyKind::kText;
    const std::shared_ptr<Queue> queue = s.queue.lock();
    std::string dedup_for_queue;
    if (queue && queue->fifo()) {
      send.group_id = r.group_id;
      dedup_for_queue = dedup_id.empty() ? out.message_id : dedup_id;
      send.deduplication_id = dedup_for_queue;
    } else if (queue && !fifo_ && r.group_id) {
      send.group_id = r.group_id;  // a standard topic forwards MessageGroupId to fair queues
    }
    try {
      if (!queue) throw Error(ErrorCode::QueueDoesNotExist, "The specified queue does not exist.");
      queue->send(send);
      ++out.delivered;
    } catch (const Error& e) {  // a client-side failure: straight to the subscription's DLQ, if any
      out.pending.push_back({k, std::string(send.body), e.what()});
    }
  }
  return out;
}

}  // namespace pymsg
