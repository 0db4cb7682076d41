// Time for every timer of the core.
//
// All of pymsg's timers (visibility timeouts, delays, retention, the FIFO dedup window, long-poll
// deadlines) read one Clock, owned by the broker. Time is an integer count of microseconds since
// the Unix epoch (TimeUs); the broker reads it once per public operation and passes `now` down.
//
// SystemClock follows the wall clock. ManualClock only moves when told to (advance/set), which
// makes time-dependent behaviour testable without sleeping: advancing it notifies every
// registered ClockListener, so long-poll waiters re-check their deadlines.
//
// Waiting: Clock::wait_until blocks a thread that holds `lock` until `deadline` on this clock, a
// notification of `cv`, or a spurious wake-up. With the system clock it is a timed wait; with the
// manual clock it is an untimed wait that ManualClock::advance/set end through the listeners.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <vector>

namespace pymsg {

using TimeUs = std::int64_t;  // microseconds since the Unix epoch
constexpr TimeUs kUsPerSecond = 1'000'000;
constexpr TimeUs kUsPerMilli = 1'000;

// Converts seconds (as Python passes them) to microseconds, rounding to the nearest microsecond.
inline TimeUs seconds_to_us(double seconds) noexcept {
  return static_cast<TimeUs>(seconds * 1e6 + (seconds >= 0 ? 0.5 : -0.5));
}

// Something that must re-check its deadlines when a manual clock moves (a queue's long-poll waiters).
class ClockListener {
 public:
  virtual ~ClockListener() = default;
  // Called after the time changed, with no lock of the clock held. Must not block for long.
  virtual void on_clock_changed() = 0;
};

class Clock {
 public:
  virtual ~Clock() = default;
  Clock() = default;
  Clock(const Clock&) = delete;
  Clock& operator=(const Clock&) = delete;

  // The current time. Thread-safe, lock-free.
  virtual TimeUs now() const noexcept = 0;

  // Blocks until `deadline`, a notify on `cv`, or a spurious wake-up; `lock` must be held and is
  // held again on return. Callers loop and re-check their condition. Thread-safe.
  virtual void wait_until(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                          TimeUs deadline) const = 0;

  // Listeners are told when a manual clock moves; the system clock never calls them.
  // Thread-safe; a listener must be removed before it is destroyed.
  virtual void add_listener(ClockListener* listener) { (void)listener; }
  virtual void remove_listener(ClockListener* listener) { (void)listener; }
};

class SystemClock final : public Clock {
 public:
  TimeUs now() const noexcept override;
  void wait_until(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                  TimeUs deadline) const override;
};

class ManualClock final : public Clock {
 public:
  explicit ManualClock(TimeUs start) noexcept : now_(start) {}

  TimeUs now() const noexcept override { return now_.load(std::memory_order_acquire); }
  void wait_until(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                  TimeUs deadline) const override;

  // Moves time forward by `delta` (>= 0) and wakes the listeners. Thread-safe.
  void advance(TimeUs delta);
  // Sets the time to `t` (not earlier than now: timers never run backwards) and wakes the
  // listeners. Thread-safe.
  void set(TimeUs t);

  void add_listener(ClockListener* listener) override;
  void remove_listener(ClockListener* listener) override;

 private:
  void notify_listeners();

  std::atomic<TimeUs> now_;                 // the time this clock shows
  std::mutex move_mutex_;                   // serialises advance/set so time only moves forward
  std::mutex listeners_mutex_;              // guards listeners_
  std::vector<ClockListener*> listeners_;   // told after every move
};

}  // namespace pymsg
