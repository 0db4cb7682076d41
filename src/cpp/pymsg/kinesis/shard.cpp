#include "pymsg/kinesis/shard.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>

namespace pymsg {
namespace {

constexpr std::size_t kFirstChunkBytes = 4 * 1024;
constexpr std::size_t kMaxChunkBytes = 1024 * 1024;
// AWS's per-shard limits (provisioned mode).
constexpr double kWriteRecordsPerSecond = 1'000;
constexpr double kWriteBytesPerSecond = 1024 * 1024;
constexpr double kReadCallsPerSecond = 5;
constexpr double kReadBytesPerSecond = 2 * 1024 * 1024;

}  // namespace

Shard::Shard(std::uint32_t index, uint128 starting_hash_key, uint128 ending_hash_key, std::uint64_t stamp,
             std::optional<std::uint32_t> parent, std::optional<std::uint32_t> adjacent_parent, TimeUs now)
    : index_(index),
      start_(starting_hash_key),
      end_(ending_hash_key),
      stamp_(stamp),
      parent_(parent),
      adjacent_parent_(adjacent_parent),
      write_records_(kWriteRecordsPerSecond, kWriteRecordsPerSecond, now),
      write_bytes_(kWriteBytesPerSecond, kWriteBytesPerSecond, now),
      read_calls_(kReadCallsPerSecond, kReadCallsPerSecond, now),
      read_bytes_(kReadBytesPerSecond, kReadBytesPerSecond, now) {}

std::string Shard::id() const {
  char text[32];
  std::snprintf(text, sizeof text, "shardId-%012u", index_);
  return text;
}

void Shard::trim(TimeUs now, TimeUs retention) {
  const TimeUs horizon = now - retention;
  while (!log_.empty() && log_.front().arrival_us < horizon) {
    log_.pop_front();
    ++first_index_;
  }
  while (chunks_.size() > 1 && chunks_.front()->end_index <= first_index_) chunks_.pop_front();
}

char* Shard::reserve(std::size_t n) {
  if (chunks_.empty() || chunks_.back()->capacity - chunks_.back()->used < n) {
    const std::size_t grown = chunks_.empty() ? kFirstChunkBytes : std::min(chunks_.back()->capacity * 2, kMaxChunkBytes);
    auto c = std::make_shared<Chunk>();
    c->capacity = std::max(grown, n);
    c->bytes = std::unique_ptr<char[]>(new char[c->capacity]);  // uninitialised: every byte is written before it is read
    chunks_.push_back(std::move(c));
  }
  Chunk& c = *chunks_.back();
  char* out = c.bytes.get() + c.used;
  c.used += n;
  return out;
}

std::optional<std::uint64_t> Shard::append(std::string_view data, std::string_view partition_key, TimeUs now,
                                           TimeUs retention, bool enforce_limits, const ShardLog& log) {
  std::lock_guard<std::mutex> lock(mutex_);
  trim(now, retention);
  const auto size = static_cast<double>(data.size() + partition_key.size());
  if (enforce_limits) {
    if (!write_records_.admits(1, now) || !write_bytes_.admits(size, now)) return std::nullopt;
    write_records_.take(1);
    write_bytes_.take(size);  // a record over 1 MiB (MaxRecordSizeInKiB) waits for a full second's worth
  }
  const std::uint64_t record_index = append_locked(data, partition_key, now);
  if (log.journal != nullptr) log_append(log, record_index, data, partition_key, now);
  return record_index;
}

bool Shard::replay_append(std::uint64_t record_index, std::string_view data, std::string_view partition_key,
                          TimeUs now, TimeUs retention) {
  std::lock_guard<std::mutex> lock(mutex_);
  trim(now, retention);
  if (record_index != first_index_ + log_.size() || closed_) return false;
  append_locked(data, partition_key, now);
  return true;
}

std::uint64_t Shard::append_locked(std::string_view data, std::string_view partition_key, TimeUs now) {
  char* bytes = reserve(data.size() + partition_key.size());
  if (!data.empty()) std::memcpy(bytes, data.data(), data.size());
  std::memcpy(bytes + data.size(), partition_key.data(), partition_key.size());
  last_arrival_us_ = std::max(last_arrival_us_, now);  // a system clock stepping back cannot reorder
  log_.push_back({bytes, static_cast<std::uint32_t>(data.size()), static_cast<std::uint32_t>(partition_key.size()),
                    last_arrival_us_});
  const std::uint64_t record_index = first_index_ + log_.size() - 1;
  chunks_.back()->end_index = record_index + 1;
  return record_index;
}

std::optional<ReadPosition> Shard::read(std::uint64_t position, std::uint32_t limit, std::uint64_t max_bytes,
                                        TimeUs now, TimeUs retention, bool enforce_limits, RecordsBatch& out) {
  std::lock_guard<std::mutex> lock(mutex_);
  trim(now, retention);
  if (enforce_limits) {
    // 5 calls a second; 2 MiB a second, where a large read runs a debt that later calls wait out.
    if (read_calls_.available(now) < 1 || read_bytes_.available(now) <= 0) return std::nullopt;
    read_calls_.take(1);
  }
  out.shard_stamp = stamp_;
  out.shard_index = index_;
  const std::uint64_t next = first_index_ + log_.size();
  std::uint64_t i = std::max(position, first_index_);
  std::uint64_t bytes = 0;
  out.records.reserve(out.records.size() + std::min<std::uint64_t>(limit, next - std::min(i, next)));
  auto chunk = chunks_.begin();  // the chunk holding record i
  while (i < next && out.records.size() < limit) {
    const Entry& e = entry(i);
    if (!out.records.empty() && bytes + e.data_size > max_bytes) break;
    if (out.chunks.empty() || (*chunk)->end_index <= i) {
      while ((*chunk)->end_index <= i) ++chunk;
      out.chunks.push_back(*chunk);
    }
    out.records.push_back({e.bytes, e.data_size, e.key_size, i, e.arrival_us});
    bytes += e.data_size;
    ++i;
  }
  if (enforce_limits) read_bytes_.take(static_cast<double>(bytes));
  ReadPosition result;
  result.next_index = i;
  if (i < next) {  // records left: at least 1 ms behind, since 0 means caught up
    const TimeUs last_read = out.records.empty() ? entry(i).arrival_us : out.records.back().arrival_us;
    result.behind_us = std::max<TimeUs>(kUsPerMilli, now - last_read);
  }
  result.at_end_of_closed = closed_ && i >= next;
  return result;
}

std::uint64_t Shard::trim_horizon(TimeUs now, TimeUs retention) {
  std::lock_guard<std::mutex> lock(mutex_);
  trim(now, retention);
  return first_index_;
}

std::uint64_t Shard::latest(TimeUs now, TimeUs retention) {
  std::lock_guard<std::mutex> lock(mutex_);
  trim(now, retention);
  return first_index_ + log_.size();
}

std::uint64_t Shard::at_timestamp(TimeUs t, TimeUs now, TimeUs retention) {
  std::lock_guard<std::mutex> lock(mutex_);
  trim(now, retention);
  const auto it = std::lower_bound(log_.begin(), log_.end(), t,
                                   [](const Entry& e, TimeUs value) { return e.arrival_us < value; });
  return first_index_ + static_cast<std::uint64_t>(it - log_.begin());
}

std::uint64_t Shard::next_index() {
  std::lock_guard<std::mutex> lock(mutex_);
  return first_index_ + log_.size();
}

void Shard::close(TimeUs now) {
  std::lock_guard<std::mutex> lock(mutex_);
  closed_ = true;
  closed_at_us_ = now;
}

bool Shard::closed() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return closed_;
}

TimeUs Shard::closed_at() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return closed_at_us_;
}

std::size_t Shard::record_count() {
  std::lock_guard<std::mutex> lock(mutex_);
  return log_.size();
}

}  // namespace pymsg
