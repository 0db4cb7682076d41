// Slots: small integer names for the messages a receipt handle or the deadline heap can refer to.
//
// A message gets a slot when it is first received (or when it is delayed) and keeps it until it
// leaves the queue. Receipt handles carry (slot, seq): slot finds the message in O(1), seq proves
// it is still the same message, since freed slots are reused. Slot 0 is never handed out, so 0
// means "no slot". Not thread-safe: the owning queue's mutex guards it.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

namespace pymsg {

class Message;

class SlotTable {
 public:
  SlotTable() : slots_(1, nullptr) {}

  // Gives `message` a slot and returns it. O(1) amortised; may allocate.
  std::uint32_t acquire(Message* message) {
    if (!free_.empty()) {
      const std::uint32_t slot = free_.back();
      free_.pop_back();
      slots_[slot] = message;
      return slot;
    }
    slots_.push_back(message);
    return static_cast<std::uint32_t>(slots_.size() - 1);
  }

  // Frees a slot for reuse. O(1).
  void release(std::uint32_t slot) {
    slots_[slot] = nullptr;
    free_.push_back(slot);
  }

  // The message in `slot`, or nullptr for a free or out-of-range slot. O(1).
  Message* get(std::uint32_t slot) const noexcept {
    return slot < slots_.size() ? slots_[slot] : nullptr;
  }

  // Puts `message` in a given free slot (restoring a snapshot, so that receipt handles issued
  // before it stay valid). Call reindex_free() after the last one.
  void place(std::uint32_t slot, Message* message) {
    if (slot >= slots_.size()) slots_.resize(std::size_t{slot} + 1, nullptr);
    slots_[slot] = message;
  }

  // The free slots; the last is the next acquire()'s.
  const std::vector<std::uint32_t>& free_slots() const noexcept { return free_; }

  // Sets the free list (after place()) to `free`, as free_slots() listed it. False, changing
  // nothing, unless `free` names each empty slot exactly once (slots past the last placed one
  // included: the table grows to hold them).
  bool set_free_slots(std::vector<std::uint32_t> free) {
    std::size_t size = slots_.size();
    for (const std::uint32_t slot : free) size = std::max(size, std::size_t{slot} + 1);
    std::vector<bool> seen(size, false);
    for (const std::uint32_t slot : free) {
      if (slot == 0 || seen[slot] || get(slot) != nullptr) return false;
      seen[slot] = true;
    }
    for (std::size_t i = 1; i < size; ++i) {
      if (!seen[i] && get(static_cast<std::uint32_t>(i)) == nullptr) return false;
    }
    slots_.resize(size, nullptr);
    free_ = std::move(free);
    return true;
  }

  // Rebuilds the free list from the empty slots (after place()), lowest slot reused first.
  void reindex_free() {
    free_.clear();
    for (std::size_t i = slots_.size() - 1; i >= 1; --i) {
      if (slots_[i] == nullptr) free_.push_back(static_cast<std::uint32_t>(i));
    }
  }

  void clear() {
    slots_.assign(1, nullptr);
    free_.clear();
  }

 private:
  std::vector<Message*> slots_;      // slot -> message; [0] is always nullptr
  std::vector<std::uint32_t> free_;  // slots ready for reuse
};

}  // namespace pymsg
