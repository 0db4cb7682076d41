// A token bucket on the broker clock: `rate` tokens a second, holding at most `capacity`.
// Deterministic: the tokens are a function of the calls and the `now`s they pass, so a manual
// clock makes throttling reproducible. Not thread-safe (a shard's mutex guards its buckets).
#pragma once

#include <algorithm>

#include "pymsg/common/clock.hpp"

namespace pymsg {

class TokenBucket {
 public:
  TokenBucket(double rate, double capacity, TimeUs now) noexcept
      : rate_(rate), capacity_(capacity), tokens_(capacity), last_us_(now) {}

  // The tokens there now (negative while a debt is being paid back).
  double available(TimeUs now) noexcept {
    if (now > last_us_) {
      tokens_ = std::min(capacity_, tokens_ + rate_ * static_cast<double>(now - last_us_) / 1e6);
      last_us_ = now;
    }
    return tokens_;
  }
  // Takes `n` tokens. A take larger than the whole bucket gets no credit from it: it leaves a
  // debt of n, paid back at `rate` (AWS: a 10 MiB read blocks the next 5 s at 2 MiB/s).
  void take(double n) noexcept { tokens_ = n > capacity_ ? std::min(tokens_, 0.0) - n : tokens_ - n; }
  // Whether a take of n may happen now: the tokens are there, or, for n larger than the bucket,
  // the bucket is full.
  bool admits(double n, TimeUs now) noexcept { return available(now) >= std::min(n, capacity_); }

 private:
  double rate_;      // tokens added per second
  double capacity_;  // most tokens held
  double tokens_;    // current balance
  TimeUs last_us_;   // when tokens_ was last brought up to date
};

}  // namespace pymsg
