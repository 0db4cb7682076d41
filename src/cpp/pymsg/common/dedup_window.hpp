// The FIFO deduplication window: a MessageDeduplicationId seen in the last five minutes makes a
// send succeed without enqueuing, answering with the first message's id.
//
// Entries expire in insertion order (every entry lives exactly kDedupWindowUs), so a FIFO list of
// keys beside the hash map makes expiry O(1) amortised per entry, driven by the queue's `now`.
// Ids are remembered after their message is deleted or purged, as AWS does. Not thread-safe: the
// owning queue's mutex guards it.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>

#include "pymsg/common/clock.hpp"
#include "pymsg/common/ids.hpp"

namespace pymsg {

class DedupWindow {
 public:
  struct Original {
    MessageId message_id;          // MessageId of the first send
    std::uint64_t sequence_number; // its SequenceNumber
  };

  explicit DedupWindow(TimeUs window) : window_(window) {}

  // The first send's result when `key` was recorded less than the window ago, else nullptr.
  const Original* find(const std::string& key, TimeUs now) {
    expire(now);
    auto it = entries_.find(key);
    return it == entries_.end() ? nullptr : &it->second.original;
  }

  // Remembers `key` from `now` on. O(1) amortised; allocates.
  void record(const std::string& key, const Original& original, TimeUs now) {
    entries_[key] = Entry{original, now + window_};
    order_.push_back(key);
  }

  std::size_t size() const noexcept { return entries_.size(); }

  // Forgets every key (PurgeQueue).
  void clear() noexcept {
    entries_.clear();
    order_.clear();
  }

  // Every remembered key with its first send and expiry time, in expiry order (for snapshots).
  template <class F>
  void for_each(F&& f) const {
    for (const std::string& key : order_) {
      auto it = entries_.find(key);
      if (it != entries_.end()) f(key, it->second.original, it->second.expires);
    }
  }

  // Puts back a key for_each reported; call in that order.
  void restore(const std::string& key, const Original& original, TimeUs expires) {
    entries_[key] = Entry{original, expires};
    order_.push_back(key);
  }

  // Key of a deduplication id under a DeduplicationScope: the id alone, or group and id.
  static std::string key(std::string_view dedup_id, std::string_view group_id, bool per_group) {
    std::string k;
    if (per_group) {
      k.append(group_id);
      k.push_back('\0');  // cannot occur in either id
    }
    k.append(dedup_id);
    return k;
  }

 private:
  struct Entry {
    Original original;  // what a duplicate send answers
    TimeUs expires;     // first send + window
  };

  void expire(TimeUs now) {
    while (!order_.empty()) {
      auto it = entries_.find(order_.front());
      if (it != entries_.end() && it->second.expires > now) break;
      if (it != entries_.end()) entries_.erase(it);
      order_.pop_front();
    }
  }

  TimeUs window_;                                     // how long an id is remembered
  std::unordered_map<std::string, Entry> entries_;    // key -> first send
  std::deque<std::string> order_;                     // keys in recording (= expiry) order
};

}  // namespace pymsg
