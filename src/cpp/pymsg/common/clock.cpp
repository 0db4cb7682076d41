#include "pymsg/common/clock.hpp"

#include <algorithm>
#include <chrono>

#include "pymsg/common/errors.hpp"

namespace pymsg {

TimeUs SystemClock::now() const noexcept {
  using namespace std::chrono;
  return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
}

void SystemClock::wait_until(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                             TimeUs deadline) const {
  const TimeUs left = deadline - now();
  if (left <= 0) return;
  // A relative wait on the steady clock, so wall-clock jumps neither shorten nor stretch it.
  cv.wait_for(lock, std::chrono::microseconds(left));
}

void ManualClock::wait_until(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                             TimeUs deadline) const {
  if (now() >= deadline) return;
  // Only advance()/set() move this clock, and they notify every listener, which notifies `cv`
  // under the waiter's lock; so an untimed wait cannot miss the deadline.
  cv.wait(lock);
}

void ManualClock::advance(TimeUs delta) {
  if (delta < 0) throw Error(ErrorCode::InvalidParameterValue, "ManualClock.advance: seconds must be >= 0");
  {
    std::lock_guard<std::mutex> guard(move_mutex_);
    now_.store(now_.load(std::memory_order_relaxed) + delta, std::memory_order_release);
  }
  notify_listeners();
}

void ManualClock::set(TimeUs t) {
  {
    std::lock_guard<std::mutex> guard(move_mutex_);
    if (t < now_.load(std::memory_order_relaxed)) {
      throw Error(ErrorCode::InvalidParameterValue,
                  "ManualClock.set: time cannot move backwards (timers never run backwards)");
    }
    now_.store(t, std::memory_order_release);
  }
  notify_listeners();
}

void ManualClock::add_listener(ClockListener* listener) {
  std::lock_guard<std::mutex> guard(listeners_mutex_);
  listeners_.push_back(listener);
}

void ManualClock::remove_listener(ClockListener* listener) {
  std::lock_guard<std::mutex> guard(listeners_mutex_);
  listeners_.erase(std::remove(listeners_.begin(), listeners_.end(), listener), listeners_.end());
}

void ManualClock::notify_listeners() {
  // Held across the calls so a listener cannot be removed (and destroyed) mid-call. Lock order:
  // listeners_mutex_ before any queue mutex; no queue calls into the clock while holding its own.
  std::lock_guard<std::mutex> guard(listeners_mutex_);
  for (ClockListener* listener : listeners_) listener->on_clock_changed();
}

}  // namespace pymsg
