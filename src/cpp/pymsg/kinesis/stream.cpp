#include "pymsg/kinesis/stream.hpp"

#include <algorithm>
#include <cstdio>
#include <mutex>

#include "pymsg/common/errors.hpp"
#include "pymsg/common/hash.hpp"
#include "pymsg/durability/snapshot_io.hpp"
#include "pymsg/kinesis/sequence_number.hpp"

namespace pymsg {
namespace {

constexpr TimeUs kDayUs = 24 * 3600 * kUsPerSecond;

std::uint64_t second_of(TimeUs t) noexcept { return static_cast<std::uint64_t>(std::max<TimeUs>(t, 0) / kUsPerSecond); }

// Unicode characters in UTF-8 text (the bytes that do not continue a character).
std::size_t utf8_length(std::string_view s) noexcept {
  std::size_t n = 0;
  for (const char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

// AWS's sequence-number syntax: 0|([1-9]\d{0,128}).
bool is_sequence_number_syntax(std::string_view s) noexcept {
  if (s.empty() || s.size() > 129 || (s.size() > 1 && s[0] == '0')) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::optional<std::uint32_t> parse_shard_id(std::string_view id) noexcept {
  constexpr std::string_view prefix = "shardId-";
  if (id.size() != prefix.size() + 12 || id.substr(0, prefix.size()) != prefix) return std::nullopt;
  std::uint64_t n = 0;
  for (const char c : id.substr(prefix.size())) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (n > 0xFFFFFFFFu) return std::nullopt;
  return static_cast<std::uint32_t>(n);
}

// AWS's answer to a value outside the service model's constraints.
std::string validation_error(const std::string& value, const std::string& at, const std::string& constraint) {
  return "1 validation error detected: Value '" + value + "' at '" + at + "' failed to satisfy constraint: " + constraint;
}

IteratorKeys random_iterator_keys() {
  return {random_u64(), random_u64(), random_u64()};
}

}  // namespace

IteratorType parse_iterator_type(std::string_view text) {
  if (text == "AT_SEQUENCE_NUMBER") return IteratorType::kAtSequenceNumber;
  if (text == "AFTER_SEQUENCE_NUMBER") return IteratorType::kAfterSequenceNumber;
  if (text == "TRIM_HORIZON") return IteratorType::kTrimHorizon;
  if (text == "LATEST") return IteratorType::kLatest;
  if (text == "AT_TIMESTAMP") return IteratorType::kAtTimestamp;
  throw Error(ErrorCode::ValidationException,
              "1 validation error detected: Value '" + std::string(text.substr(0, 64)) +
                  "' at 'shardIteratorType' failed to satisfy constraint: Member must satisfy enum value set: "
                  "[AT_SEQUENCE_NUMBER, AFTER_SEQUENCE_NUMBER, TRIM_HORIZON, LATEST, AT_TIMESTAMP]");
}

StreamMode parse_stream_mode(std::string_view text) {
  if (text == "PROVISIONED") return StreamMode::kProvisioned;
  if (text == "ON_DEMAND") return StreamMode::kOnDemand;
  throw Error(ErrorCode::ValidationException,
              "1 validation error detected: Value '" + std::string(text.substr(0, 64)) +
                  "' at 'streamModeDetails.streamMode' failed to satisfy constraint: Member must satisfy enum "
                  "value set: [PROVISIONED, ON_DEMAND]");
}

Stream::Stream(std::string name, std::string arn, std::string account_id, const StreamOptions& options,
               std::shared_ptr<Clock> clock, KinesisLimits limits, std::shared_ptr<ShardQuota> quota,
               std::optional<std::string_view> dump, const StreamIdentity* replayed)
    : name_(std::move(name)),
      arn_(std::move(arn)),
      account_id_(std::move(account_id)),
      mode_(options.mode),
      enforce_limits_(options.enforce_limits && options.mode == StreamMode::kProvisioned),
      limits_requested_(options.enforce_limits),
      max_record_size_kib_(options.max_record_size_kib),
      clock_(std::move(clock)),
      limits_(limits),
      quota_(std::move(quota)),
      keys_(dump ? dumped_stream_identity(*dump).keys : replayed ? replayed->keys : random_iterator_keys()),
      created_us_(dump ? dumped_stream_identity(*dump).created_us : replayed ? replayed->created_us : clock_->now()),
      retention_hours_(options.retention_hours) {
  if (options.retention_hours < kMinStreamRetentionHours || options.retention_hours > kMaxStreamRetentionHours) {
    throw Error(ErrorCode::InvalidArgumentException,
                "RetentionPeriodHours " + std::to_string(options.retention_hours) + " is out of range: it must be " +
                    std::to_string(kMinStreamRetentionHours) + " to " + std::to_string(kMaxStreamRetentionHours) +
                    " hours.");
  }
  if (options.max_record_size_kib < kMinMaxRecordSizeKib || options.max_record_size_kib > kMaxMaxRecordSizeKib) {
    throw Error(ErrorCode::ValidationException,
                validation_error(std::to_string(options.max_record_size_kib), "maxRecordSizeInKiB",
                                 options.max_record_size_kib < kMinMaxRecordSizeKib
                                     ? "Member must have value greater than or equal to 1024"
                                     : "Member must have value less than or equal to 10240"));
  }
  if (dump) {
    restore_shards(*dump);
    return;
  }
  const std::uint32_t count = mode() == StreamMode::kOnDemand ? kOnDemandShards : options.shard_count;
  if (count < 1) {
    throw Error(ErrorCode::ValidationException,
                validation_error(std::to_string(count), "shardCount", "Member must have value greater than or equal to 1"));
  }
  reserve_shards(count, replayed != nullptr);
  const std::uint64_t stamp = second_of(created_us_);
  for (std::uint32_t i = 0; i < count; ++i) {
    const uint128 start = uniform_range_start(i, count);
    const uint128 end = i + 1 == count ? kMaxHashKey : uniform_range_start(i + 1, count) - 1;
    shards_.push_back(std::make_shared<Shard>(i, start, end, stamp, std::nullopt, std::nullopt, created_us_));
  }
  rebuild_open();
}

Stream::~Stream() {
  if (!deleted()) quota_->release(static_cast<std::int64_t>(open_.size()));
}

void Stream::mark_deleted() noexcept {
  std::unique_lock<std::shared_mutex> lock(topology_);
  if (!deleted_.exchange(true, std::memory_order_acq_rel)) quota_->release(static_cast<std::int64_t>(open_.size()));
}

// ---------------------------------------------------------------------------------------------
// Helpers

void Stream::throw_shard_limit(std::int64_t more) const {
  throw Error(ErrorCode::LimitExceededException,
              "This request would exceed the shard limit for the account " + account_id_ + ": " +
                  std::to_string(quota_->open()) + " open shards and " + std::to_string(more) + " more asked for, " +
                  std::to_string(quota_->limit()) + " allowed.");
}

void Stream::reserve_shards(std::int64_t n, bool replaying) {
  if (replaying) {
    quota_->force_reserve(n);
  } else if (!quota_->try_reserve(n)) {
    throw_shard_limit(n);
  }
}

void Stream::throw_not_found() const {
  throw Error(ErrorCode::ResourceNotFoundException, "Stream " + name_ + " under account " + account_id_ + " not found.");
}

void Stream::throw_shard_not_found(std::string_view shard_id) const {
  throw Error(ErrorCode::ResourceNotFoundException, "Could not find shard " + std::string(shard_id.substr(0, 128)) +
                                                        " in stream " + name_ + " under account " + account_id_ + ".");
}

void Stream::check_alive() const {
  if (deleted()) throw_not_found();
}

void Stream::check_provisioned(const char* /*operation*/) const {
  if (mode() == StreamMode::kOnDemand) {
    throw Error(ErrorCode::ValidationException, "Request is invalid. Stream " + name_ + " under account " +
                                                    account_id_ + " is in On-Demand mode.");
  }
}

void Stream::set_mode(StreamMode mode) {
  const TimeUs now = clock_->now();
  std::unique_lock<std::shared_mutex> lock(topology_);
  mode_.store(mode, std::memory_order_relaxed);
  enforce_limits_.store(limits_requested_ && mode == StreamMode::kProvisioned, std::memory_order_relaxed);
  if (journal_) {
    durability::RecordBuffer& payload = record_head(now);
    payload.push_back(static_cast<char>(mode));
    log(durability::Record::kStreamMode, payload);
  }
}

TimeUs Stream::retention_us() const noexcept { return retention_hours() * 3600 * kUsPerSecond; }

bool Stream::expired(const Shard& shard, TimeUs now) const {
  return shard.closed() && shard.closed_at() + retention_us() < now;
}

std::shared_ptr<Shard> Stream::find_shard(std::string_view shard_id) const {
  const auto index = parse_shard_id(shard_id);
  if (!index || *index >= shards_.size()) throw_shard_not_found(shard_id);
  return shards_[*index];
}

Shard* Stream::route(uint128 hash_key) const {
  // open_ is sorted by starting key and covers the whole space: the last shard starting at or below.
  const auto it = std::upper_bound(open_.begin(), open_.end(), hash_key,
                                   [](uint128 key, const Shard* s) { return key < s->starting_hash_key(); });
  return *(it - 1);
}

void Stream::rebuild_open() {
  open_.clear();
  for (const auto& s : shards_) {
    if (!s->closed()) open_.push_back(s.get());
  }
  std::sort(open_.begin(), open_.end(),
            [](const Shard* a, const Shard* b) { return a->starting_hash_key() < b->starting_hash_key(); });
}

ShardInfo Stream::info(const Shard& s) const {
  ShardInfo out;
  out.index = s.index();
  out.id = s.id();
  if (s.parent()) out.parent_id = shards_[*s.parent()]->id();
  if (s.adjacent_parent()) out.adjacent_parent_id = shards_[*s.adjacent_parent()]->id();
  out.starting_hash_key = s.starting_hash_key();
  out.ending_hash_key = s.ending_hash_key();
  out.starting_sequence_number = format_sequence_number({s.stamp(), s.index(), 0, s.stamp()});
  if (s.closed()) {
    out.ending_sequence_number =
        format_sequence_number({s.stamp(), s.index(), kEndingRecordIndex, second_of(s.closed_at())});
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// PutRecord / PutRecords

bool Stream::validate_put(const PutRecordRequest& r, std::size_t i, uint128& hash_key) const {
  const std::string at = i == SIZE_MAX ? std::string() : "records." + std::to_string(i + 1) + ".member.";
  const std::size_t key_chars = utf8_length(r.partition_key);
  if (key_chars < 1 || key_chars > kMaxPartitionKeyChars) {  // AWS echoes the key
    throw Error(ErrorCode::ValidationException,
                "1 validation error detected: Value '" + std::string(r.partition_key) + "' at '" + at +
                    "partitionKey' failed to satisfy constraint: " +
                    (key_chars < 1 ? "Member must have length greater than or equal to 1"
                                   : "Member must have length less than or equal to 256"));
  }
  const std::size_t max_bytes = std::size_t{max_record_size_kib_} * 1024;
  if (r.data.size() + r.partition_key.size() > max_bytes) {  // AWS names the data as its Java buffer
    const std::string size = std::to_string(r.data.size());
    throw Error(ErrorCode::ValidationException,
                "1 validation error detected: Value 'java.nio.HeapByteBuffer[pos=0 lim=" + size + " cap=" + size +
                    "]' at '" + at + "data' failed to satisfy constraint: Member must have length less than or equal "
                    "to " + std::to_string(max_bytes));
  }
  if (r.explicit_hash_key) {
    if (!parse_hash_key(*r.explicit_hash_key, hash_key)) {
      throw Error(ErrorCode::InvalidArgumentException,
                  "Invalid ExplicitHashKey. ExplicitHashKey must be in the range [0, 2^128-1]. Specified value was " +
                      std::string(r.explicit_hash_key->substr(0, 64)));
    }
  }
  if (r.sequence_number_for_ordering && !is_sequence_number_syntax(*r.sequence_number_for_ordering)) {
    throw Error(ErrorCode::ValidationException,
                validation_error(std::string(*r.sequence_number_for_ordering), at + "sequenceNumberForOrdering",
                                 "Member must satisfy regular expression pattern: 0|([1-9]\\d{0,128})"));
  }
  return r.explicit_hash_key.has_value();
}

PutRecordOutcome Stream::put_record(const PutRecordRequest& request) {
  check_alive();
  uint128 hash_key = 0;
  if (!validate_put(request, SIZE_MAX, hash_key)) hash_key = partition_key_hash(request.partition_key);
  const TimeUs now = clock_->now();
  std::shared_lock<std::shared_mutex> lock(topology_);
  Shard* shard = route(hash_key);
  const auto index = shard->append(request.data, request.partition_key, now, retention_us(), enforce_limits(),
                                   {journal_.get(), journal_id_});
  if (!index) {
    throw Error(ErrorCode::ProvisionedThroughputExceededException,
                "Rate exceeded for shard " + shard->id() + " in stream " + name_ + " under account " + account_id_ + ".");
  }
  return {false, shard->index(), shard->stamp(), *index, now};
}

void Stream::put_records(const std::vector<PutRecordRequest>& requests, std::vector<PutRecordOutcome>& outcomes) {
  check_alive();
  const std::size_t n = requests.size();
  if (n < 1 || n > limits_.max_put_records) {
    // AWS would print the list itself where the value goes; pymsg leaves it out.
    throw Error(ErrorCode::ValidationException,
                std::string("1 validation error detected: Value at 'records' failed to satisfy constraint: ") +
                    (n < 1 ? "Member must have length greater than or equal to 1"
                           : "Member must have length less than or equal to " + std::to_string(limits_.max_put_records)));
  }
  std::vector<uint128> hash_keys(n);
  std::vector<std::string_view> keys;  // partition keys to hash (records without an explicit key)
  std::vector<std::size_t> keyed;      // ... and whose they are
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (!validate_put(requests[i], i, hash_keys[i])) {
      keys.push_back(requests[i].partition_key);
      keyed.push_back(i);
    }
    total += requests[i].data.size() + requests[i].partition_key.size();
  }
  if (total > limits_.max_put_request_bytes) {
    throw Error(ErrorCode::InvalidArgumentException,
                "Records size exceeds " + std::to_string(limits_.max_put_request_bytes >> 20) +
                    " MB limit");  // data and partition keys together
  }
  std::vector<U128> digests(keys.size());
  md5_u128_many(keys.data(), keys.size(), digests.data());  // eight at a time
  for (std::size_t k = 0; k < keys.size(); ++k) hash_keys[keyed[k]] = uint128{digests[k].hi} << 64 | digests[k].lo;
  outcomes.assign(n, PutRecordOutcome{});
  const TimeUs now = clock_->now();
  std::shared_lock<std::shared_mutex> lock(topology_);
  const TimeUs retention = retention_us();  // under the lock: a logged retention change is before or after all
  for (std::size_t i = 0; i < n; ++i) {
    Shard* shard = route(hash_keys[i]);
    PutRecordOutcome& o = outcomes[i];
    o.shard_index = shard->index();
    o.shard_stamp = shard->stamp();
    o.arrival_us = now;
    const auto index = shard->append(requests[i].data, requests[i].partition_key, now, retention, enforce_limits(),
                                     {journal_.get(), journal_id_});
    if (index) {
      o.record_index = *index;
    } else {
      o.throttled = true;  // later records are still tried, as AWS does
    }
  }
}

// ---------------------------------------------------------------------------------------------
// GetShardIterator / GetRecords

std::string Stream::get_shard_iterator(std::string_view shard_id, IteratorType type,
                                       std::optional<std::string_view> sequence_number,
                                       std::optional<TimeUs> timestamp) {
  check_alive();
  const bool by_number = type == IteratorType::kAtSequenceNumber || type == IteratorType::kAfterSequenceNumber;
  if (by_number && !sequence_number) {
    throw Error(ErrorCode::InvalidArgumentException,
                "Must specify StartingSequenceNumber for iterator type AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER.");
  }
  if (!by_number && sequence_number) {
    throw Error(ErrorCode::InvalidArgumentException,
                "Request must not contain StartingSequenceNumber unless the iterator type is AT_SEQUENCE_NUMBER or "
                "AFTER_SEQUENCE_NUMBER.");
  }
  if (type == IteratorType::kAtTimestamp && !timestamp) {
    throw Error(ErrorCode::InvalidArgumentException, "Must specify timestampInMillis parameter for iterator of type AT_TIMESTAMP.");
  }
  if (type != IteratorType::kAtTimestamp && timestamp) {
    throw Error(ErrorCode::InvalidArgumentException,
                "Request must not contain a Timestamp unless the iterator type is AT_TIMESTAMP.");
  }
  const TimeUs now = clock_->now();
  std::shared_ptr<Shard> shard;
  {
    std::shared_lock<std::shared_mutex> lock(topology_);
    const std::optional<std::uint32_t> index = parse_shard_id(shard_id);
    if (!index || *index >= shards_.size() || expired(*shards_[*index], now)) {
      throw Error(ErrorCode::ResourceNotFoundException, "Shard " + std::string(shard_id.substr(0, 128)) +
                                                            " in stream " + name_ + " under account " + account_id_ +
                                                            " does not exist");  // GetShardIterator's own words
    }
    shard = shards_[*index];
  }
  const TimeUs retention = retention_us();
  std::uint64_t position = 0;
  switch (type) {
    case IteratorType::kTrimHorizon:
      position = shard->trim_horizon(now, retention);
      break;
    case IteratorType::kLatest:
      position = shard->latest(now, retention);
      break;
    case IteratorType::kAtTimestamp:
      position = shard->at_timestamp(*timestamp, now, retention);
      break;
    case IteratorType::kAtSequenceNumber:
    case IteratorType::kAfterSequenceNumber: {
      SequenceFields f;
      const std::uint64_t next = shard->next_index();
      // A number of this shard: its StartingSequenceNumber (index 0), a record written, or its
      // EndingSequenceNumber once closed.
      const bool ok = parse_sequence_number(*sequence_number, f) && f.shard_index == shard->index() &&
                      f.shard_stamp == shard->stamp() && (f.record_index < next || f.record_index == kEndingRecordIndex);
      if (!ok) {
        throw Error(ErrorCode::InvalidArgumentException,
                    "StartingSequenceNumber " + std::string(sequence_number->substr(0, 130)) +
                        " used in GetShardIterator on shard " + shard->id() + " in stream " + name_ +
                        " under account " + account_id_ + " is invalid.");
      }
      position = f.record_index == kEndingRecordIndex ? next
                 : type == IteratorType::kAtSequenceNumber ? f.record_index
                                                            : f.record_index + 1;
      break;
    }
  }
  return encode_shard_iterator(keys_, {shard->index(), position, now});
}

GetRecordsResult Stream::get_records(std::string_view iterator, std::uint32_t limit, RecordsBatch& out) {
  check_alive();
  if (limit < 1 || limit > limits_.max_get_records) {
    // AWS documents InvalidArgumentException here (not the ValidationException of other limits).
    throw Error(ErrorCode::InvalidArgumentException,
                "1 validation error detected: Value at 'limit' failed to satisfy constraint: Member must have value "
                "between 1 and " + std::to_string(limits_.max_get_records));
  }
  IteratorFields f;
  if (!decode_shard_iterator(keys_, iterator, f)) {
    throw Error(ErrorCode::InvalidArgumentException, "Invalid ShardIterator.");
  }
  const TimeUs now = clock_->now();
  if (now - f.issued_us > kIteratorLifetimeUs) {
    throw Error(ErrorCode::ExpiredIteratorException,
                "Iterator expired. The iterator was created at time " + std::to_string(f.issued_us / kUsPerMilli) +
                    " (epoch ms) while right now it is " + std::to_string(now / kUsPerMilli) +
                    " which is further in the future than the tolerated delay of 300000 milliseconds.");
  }
  std::shared_ptr<Shard> shard;
  {
    std::shared_lock<std::shared_mutex> lock(topology_);
    if (f.shard_index >= shards_.size()) throw Error(ErrorCode::InvalidArgumentException, "Invalid ShardIterator.");
    shard = shards_[f.shard_index];
    if (expired(*shard, now)) throw_shard_not_found(shard->id());
  }
  const auto position = shard->read(f.position, limit, limits_.max_get_bytes, now, retention_us(), enforce_limits(), out);
  if (!position) {
    throw Error(ErrorCode::ProvisionedThroughputExceededException,
                "Rate exceeded for shard " + shard->id() + " in stream " + name_ + " under account " + account_id_ + ".");
  }
  GetRecordsResult result;
  result.behind_us = position->behind_us;
  if (!position->at_end_of_closed) {
    result.next_iterator = encode_shard_iterator(keys_, {shard->index(), position->next_index, now});
    return result;
  }
  std::shared_lock<std::shared_mutex> lock(topology_);
  for (const auto& s : shards_) {
    if (s->parent() == shard->index() || s->adjacent_parent() == shard->index()) result.child_shards.push_back(info(*s));
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// Listing and resharding

std::vector<ShardInfo> Stream::list_shards() {
  check_alive();
  const TimeUs now = clock_->now();
  std::shared_lock<std::shared_mutex> lock(topology_);
  std::vector<ShardInfo> out;
  for (const auto& s : shards_) {
    if (!expired(*s, now)) out.push_back(info(*s));
  }
  return out;
}

std::uint32_t Stream::open_shard_count() const {
  std::shared_lock<std::shared_mutex> lock(topology_);
  return static_cast<std::uint32_t>(open_.size());
}

std::uint64_t Stream::child_stamp(TimeUs now, std::initializer_list<const Shard*> parents) const {
  std::uint64_t stamp = second_of(now);
  for (const Shard* p : parents) stamp = std::max(stamp, p->stamp() + 1);
  return stamp;
}

void Stream::split_locked(Shard& parent, uint128 key, TimeUs now) {
  const std::uint64_t stamp = child_stamp(now, {&parent});
  const auto lower = static_cast<std::uint32_t>(shards_.size());
  shards_.push_back(std::make_shared<Shard>(lower, parent.starting_hash_key(), key - 1, stamp, parent.index(),
                                            std::nullopt, now));
  shards_.push_back(std::make_shared<Shard>(lower + 1, key, parent.ending_hash_key(), stamp, parent.index(),
                                            std::nullopt, now));
  parent.close(now);
  rebuild_open();
}

void Stream::merge_locked(Shard& lower, Shard& upper, bool lower_is_named, TimeUs now) {
  Shard& named = lower_is_named ? lower : upper;
  Shard& adjacent = lower_is_named ? upper : lower;
  const auto index = static_cast<std::uint32_t>(shards_.size());
  shards_.push_back(std::make_shared<Shard>(index, lower.starting_hash_key(), upper.ending_hash_key(),
                                            child_stamp(now, {&lower, &upper}), named.index(), adjacent.index(), now));
  lower.close(now);
  upper.close(now);
  rebuild_open();
}

void Stream::split_shard(std::string_view shard_id, std::string_view new_starting_hash_key) {
  split_shard_at(shard_id, new_starting_hash_key, clock_->now(), false);
}

void Stream::split_shard_at(std::string_view shard_id, std::string_view new_starting_hash_key, TimeUs now,
                            bool replaying) {
  check_alive();
  check_provisioned("SplitShard");
  uint128 key = 0;
  if (!parse_hash_key(new_starting_hash_key, key)) {
    throw Error(ErrorCode::InvalidArgumentException,
                "NewStartingHashKey " + std::string(new_starting_hash_key.substr(0, 64)) +
                    " is not a decimal integer in [0, 2^128-1].");
  }
  std::unique_lock<std::shared_mutex> lock(topology_);
  const std::shared_ptr<Shard> shard = find_shard(shard_id);
  if (shard->closed()) {
    throw Error(ErrorCode::InvalidArgumentException,
                "Shard " + shard->id() + " in stream " + name_ + " under account " + account_id_ +
                    " has already been merged or split, and thus is not eligible for merging or splitting.");
  }
  if (!(key > shard->starting_hash_key() + 1 && key < shard->ending_hash_key())) {
    throw Error(ErrorCode::InvalidArgumentException,
                "NewStartingHashKey " + format_hash_key(key) + " used in SplitShard() on shard " + shard->id() +
                    " in stream " + name_ + " under account " + account_id_ +
                    " is not both greater than one plus the shard's StartingHashKey " +
                    format_hash_key(shard->starting_hash_key()) + " and less than the shard's EndingHashKey " +
                    format_hash_key(shard->ending_hash_key()) + ".");
  }
  reserve_shards(1, replaying);  // one parent closes, two children open
  split_locked(*shard, key, now);
  if (journal_) {
    durability::RecordBuffer& payload = record_head(now);
    durability::RecordWriter w(payload);
    w.str(shard_id);
    w.str(new_starting_hash_key);
    log(durability::Record::kStreamSplit, payload);
  }
}

void Stream::merge_shards(std::string_view shard_id, std::string_view adjacent_shard_id) {
  merge_shards_at(shard_id, adjacent_shard_id, clock_->now());
}

void Stream::merge_shards_at(std::string_view shard_id, std::string_view adjacent_shard_id, TimeUs now) {
  check_alive();
  check_provisioned("MergeShards");
  std::unique_lock<std::shared_mutex> lock(topology_);
  const std::shared_ptr<Shard> a = find_shard(shard_id);
  const std::shared_ptr<Shard> b = find_shard(adjacent_shard_id);
  for (const Shard* s : {a.get(), b.get()}) {
    if (s->closed()) {
      throw Error(ErrorCode::ResourceInUseException,
                  "Shard " + s->id() + " in stream " + name_ + " under account " + account_id_ +
                      " has already been merged or split, and thus is not eligible for merging or splitting.");
    }
  }
  const bool a_below = a->ending_hash_key() != kMaxHashKey && a->ending_hash_key() + 1 == b->starting_hash_key();
  const bool b_below = b->ending_hash_key() != kMaxHashKey && b->ending_hash_key() + 1 == a->starting_hash_key();
  if (a == b || (!a_below && !b_below)) {
    throw Error(ErrorCode::InvalidArgumentException,
                "Shards " + a->id() + " and " + b->id() + " in stream " + name_ + " under account " + account_id_ +
                    " are not an adjacent pair of shards eligible for merging");
  }
  if (a_below) {
    merge_locked(*a, *b, /*lower_is_named=*/true, now);
  } else {
    merge_locked(*b, *a, /*lower_is_named=*/false, now);
  }
  quota_->release(1);
  if (journal_) {
    durability::RecordBuffer& payload = record_head(now);
    durability::RecordWriter w(payload);
    w.str(shard_id);
    w.str(adjacent_shard_id);
    log(durability::Record::kStreamMerge, payload);
  }
}

void Stream::update_shard_count(std::uint32_t target) {
  update_shard_count_at(target, clock_->now(), false);
}

void Stream::update_shard_count_at(std::uint32_t target, TimeUs now, bool replaying) {
  check_alive();
  check_provisioned("UpdateShardCount");
  std::unique_lock<std::shared_mutex> lock(topology_);
  const auto current = static_cast<std::uint32_t>(open_.size());
  if (target < 1) {
    throw Error(ErrorCode::ValidationException,
                validation_error(std::to_string(target), "targetShardCount",
                                 "Member must have value greater than or equal to 1"));
  }
  const std::string counts =
      " Current open shard count: " + std::to_string(current) + ", Target shard count: " + std::to_string(target);
  if (std::uint64_t{target} > 2ull * current) {
    throw Error(ErrorCode::LimitExceededException,
                "UpdateShardCount cannot scale up over double your current open shard count." + counts);
  }
  if (2ull * target < current) {
    throw Error(ErrorCode::LimitExceededException,
                "UpdateShardCount cannot scale down below half your current open shard count." + counts);
  }
  if (target > kMaxShardsPerStream) {
    throw Error(ErrorCode::LimitExceededException, "Target shard count or number of open shards cannot be greater "
                                                   "than " + std::to_string(kMaxShardsPerStream) + "." + counts);
  }
  while (!scalings_.empty() && scalings_.front() <= now - kDayUs) scalings_.pop_front();
  if (scalings_.size() >= kMaxScalingsPerDay && !replaying) {
    throw Error(ErrorCode::LimitExceededException,
                "Stream " + name_ + " under account " + account_id_ + " has already been scaled " +
                    std::to_string(kMaxScalingsPerDay) + " times in the last 24 hours.");
  }
  const std::int64_t growth = std::int64_t{target} - std::int64_t{current};
  if (growth > 0) reserve_shards(growth, replaying);
  if (growth < 0) quota_->release(-growth);
  // AWS's topology (the shard counts it leaves: 10 -> 13 is 37 shards, 5 -> 3 is 7): scaling up
  // splits every open shard in two, then both directions merge adjacent pairs, lowest hash keys
  // first, pass after pass, until `target` shards are open.
  if (target > current) {
    const std::vector<Shard*> parents = open_;
    for (Shard* s : parents) {
      const uint128 middle = s->starting_hash_key() + (s->ending_hash_key() - s->starting_hash_key()) / 2 + 1;
      if (s->ending_hash_key() > s->starting_hash_key()) split_locked(*s, middle, now);
    }
  }
  while (open_.size() > target) {
    std::size_t needed = open_.size() - target;
    const std::vector<Shard*> pass = open_;
    for (std::size_t i = 0; i + 1 < pass.size() && needed > 0; i += 2, --needed) {
      merge_locked(*pass[i], *pass[i + 1], /*lower_is_named=*/true, now);
    }
  }
  scalings_.push_back(now);
  if (journal_) {
    durability::RecordBuffer& payload = record_head(now);
    durability::RecordWriter(payload).u32(target);
    log(durability::Record::kStreamScale, payload);
  }
}

// ---------------------------------------------------------------------------------------------
// Retention

void Stream::increase_retention_period(std::int64_t hours) {
  check_alive();
  const std::int64_t current = retention_hours();
  if (hours > kMaxStreamRetentionHours) {
    throw Error(ErrorCode::InvalidArgumentException,
                "Maximum allowed retention period is " + std::to_string(kMaxStreamRetentionHours) + " hours. Requested retention period (" +
                    std::to_string(hours) + " hours) is too long.");
  }
  if (hours < current) {  // the current period again changes nothing
    throw Error(ErrorCode::InvalidArgumentException,
                "Requested retention period (" + std::to_string(hours) + " hours) for stream " + name_ +
                    " can not be shorter than existing retention period (" + std::to_string(current) +
                    " hours). Use DecreaseRetentionPeriod API.");
  }
  set_retention_hours(hours, clock_->now());
}

void Stream::decrease_retention_period(std::int64_t hours) {
  check_alive();
  const std::int64_t current = retention_hours();
  if (hours < kMinStreamRetentionHours) {
    throw Error(ErrorCode::InvalidArgumentException,
                "Minimum allowed retention period is " + std::to_string(kMinStreamRetentionHours) + " hours. Requested retention period (" +
                    std::to_string(hours) + " hours) is too short.");
  }
  if (hours > current) {
    throw Error(ErrorCode::InvalidArgumentException,
                "Requested retention period (" + std::to_string(hours) + " hours) for stream " + name_ +
                    " can not be longer than existing retention period (" + std::to_string(current) +
                    " hours). Use IncreaseRetentionPeriod API.");
  }
  set_retention_hours(hours, clock_->now());
}

void Stream::set_retention_hours(std::int64_t hours, TimeUs now) {
  std::unique_lock<std::shared_mutex> lock(topology_);  // puts read the period under it shared
  retention_hours_.store(hours, std::memory_order_relaxed);
  if (journal_) {
    durability::RecordBuffer& payload = record_head(now);
    durability::RecordWriter(payload).i64(hours);
    log(durability::Record::kStreamRetention, payload);
  }
}

}  // namespace pymsg
