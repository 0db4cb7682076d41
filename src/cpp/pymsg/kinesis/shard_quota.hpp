// The account's quota of open shards, shared by all the streams of a broker (AWS's default
// account quota: 500 in the large regions). CreateStream, SplitShard and UpdateShardCount
// reserve shards from it and fail with LimitExceededException when it would be exceeded;
// merges, shrinking and DeleteStream give shards back. Thread-safe and lock-free (one atomic).
#pragma once

#include <atomic>
#include <cstdint>

namespace pymsg {

class ShardQuota {
 public:
  explicit ShardQuota(std::uint32_t limit) noexcept : limit_(limit) {}
  ShardQuota(const ShardQuota&) = delete;
  ShardQuota& operator=(const ShardQuota&) = delete;

  // Reserves `n` more open shards; false, and nothing reserved, when that would pass the limit.
  bool try_reserve(std::int64_t n) noexcept {
    std::int64_t open = open_.load(std::memory_order_relaxed);
    do {
      if (open + n > static_cast<std::int64_t>(limit_)) return false;
    } while (!open_.compare_exchange_weak(open, open + n, std::memory_order_relaxed));
    return true;
  }
  // Replay: reserves `n` whatever the limit (the log's change was admitted when it was made).
  void force_reserve(std::int64_t n) noexcept { open_.fetch_add(n, std::memory_order_relaxed); }
  void release(std::int64_t n) noexcept { open_.fetch_sub(n, std::memory_order_relaxed); }

  std::int64_t open() const noexcept { return open_.load(std::memory_order_relaxed); }
  std::uint32_t limit() const noexcept { return limit_; }

 private:
  const std::uint32_t limit_;         // most open shards at once
  std::atomic<std::int64_t> open_{0};  // open shards of every live stream
};

}  // namespace pymsg
