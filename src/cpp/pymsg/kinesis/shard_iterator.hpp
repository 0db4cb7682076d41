// Shard iterators: opaque strings naming (stream incarnation, shard, position, issue time).
//
// The text is base64 of 48 bytes: AWS's 8-byte version prefix 00..01 (so iterators start
// "AAAAAAAAAAE" as real ones do), the stream's incarnation, the shard index, the record index to
// read next, the issue time, and a keyed tag over all of them. A forged, truncated or foreign
// iterator fails the tag (InvalidArgumentException) without any per-iterator storage; the issue
// time makes it expire after 5 minutes of broker time (ExpiredIteratorException).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "pymsg/common/clock.hpp"

namespace pymsg {

struct IteratorKeys {
  std::uint64_t k0 = 0, k1 = 0;   // tag keys
  std::uint64_t incarnation = 0;  // differs between a stream and a re-created one of its name
};

struct IteratorFields {
  std::uint32_t shard_index = 0;
  std::uint64_t position = 0;  // record index of the next record to read
  TimeUs issued_us = 0;
};

constexpr std::size_t kShardIteratorLength = 64;
std::string encode_shard_iterator(const IteratorKeys& keys, const IteratorFields& fields);
// True and fills `out` when `text` is an iterator issued with these keys.
bool decode_shard_iterator(const IteratorKeys& keys, std::string_view text, IteratorFields& out) noexcept;

}  // namespace pymsg
