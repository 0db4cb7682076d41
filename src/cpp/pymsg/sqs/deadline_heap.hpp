// A min-heap of (deadline, id) with O(log n) erase and update by id.
//
// The queue keeps every delayed and every in-flight message here, keyed by its slot id, so one
// heap answers "what becomes visible next": a delay ending and a visibility timeout lapsing are
// the same event (ElasticMQ's "next delivery time"). Ids are small dense integers (slot ids), so
// the position index is a plain vector. Invariant: pos_[heap_[i].id] == i for every entry, and
// pos_[id] == kAbsent for ids not in the heap. Not thread-safe: the owning queue's mutex guards it.
#pragma once

#include <cstdint>
#include <vector>

#include "pymsg/common/clock.hpp"

namespace pymsg {

class DeadlineHeap {
 public:
  struct Entry {
    TimeUs deadline;   // when the entry is due
    std::uint32_t id;  // slot id of the message
  };
  static constexpr std::uint32_t kAbsent = 0xFFFFFFFFu;

  bool empty() const noexcept { return heap_.empty(); }
  std::size_t size() const noexcept { return heap_.size(); }
  const Entry& top() const noexcept { return heap_.front(); }
  bool contains(std::uint32_t id) const noexcept { return id < pos_.size() && pos_[id] != kAbsent; }
  TimeUs deadline_of(std::uint32_t id) const noexcept { return heap_[pos_[id]].deadline; }

  // Adds id (not present) due at deadline. O(log n); may allocate.
  void push(std::uint32_t id, TimeUs deadline) {
    if (id >= pos_.size()) pos_.resize(std::size_t{id} + 1, kAbsent);
    heap_.push_back({deadline, id});
    pos_[id] = static_cast<std::uint32_t>(heap_.size() - 1);
    sift_up(heap_.size() - 1);
  }

  // Removes id if present. O(log n).
  void erase(std::uint32_t id) noexcept {
    if (!contains(id)) return;
    const std::size_t i = pos_[id];
    pos_[id] = kAbsent;
    const std::size_t last = heap_.size() - 1;
    if (i != last) {
      heap_[i] = heap_[last];
      pos_[heap_[i].id] = static_cast<std::uint32_t>(i);
    }
    heap_.pop_back();
    if (i < heap_.size()) {  // the former last entry now sits at i: restore the order
      const std::uint32_t moved = heap_[i].id;
      sift_up(i);
      sift_down(pos_[moved]);
    }
  }

  // Moves id (present) to a new deadline. O(log n).
  void update(std::uint32_t id, TimeUs deadline) noexcept {
    const std::size_t i = pos_[id];
    const TimeUs old = heap_[i].deadline;
    heap_[i].deadline = deadline;
    if (deadline < old) sift_up(i); else sift_down(i);
  }

  void pop() noexcept { erase(heap_.front().id); }

  // Calls f(Entry) for every entry, in no particular order.
  template <class F>
  void for_each(F&& f) const {
    for (const Entry& e : heap_) f(e);
  }

  void clear() noexcept {
    for (const Entry& e : heap_) pos_[e.id] = kAbsent;
    heap_.clear();
  }

 private:
  void place(std::size_t i, const Entry& e) noexcept {
    heap_[i] = e;
    pos_[e.id] = static_cast<std::uint32_t>(i);
  }
  void sift_up(std::size_t i) noexcept {
    const Entry e = heap_[i];
    while (i > 0) {
      const std::size_t parent = (i - 1) / 2;
      if (!(e.deadline < heap_[parent].deadline)) break;
      place(i, heap_[parent]);
      i = parent;
    }
    place(i, e);
  }
  void sift_down(std::size_t i) noexcept {
    const Entry e = heap_[i];
    const std::size_t n = heap_.size();
    for (;;) {
      std::size_t child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && heap_[child + 1].deadline < heap_[child].deadline) ++child;
      if (!(heap_[child].deadline < e.deadline)) break;
      place(i, heap_[child]);
      i = child;
    }
    place(i, e);
  }

  std::vector<Entry> heap_;         // the binary heap, earliest deadline first
  std::vector<std::uint32_t> pos_;  // id -> index in heap_, or kAbsent
};

}  // namespace pymsg
