// The Kinesis hash-key space: unsigned 128-bit integers, 0 .. 2^128-1.
//
// A record's hash key is the MD5 of its partition key's UTF-8 bytes read as a big-endian
// integer, or the explicit hash key it was given; it goes to the open shard whose inclusive
// [starting, ending] range holds the key. On the wire hash keys are decimal strings.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace pymsg {

__extension__ typedef unsigned __int128 uint128;  // GCC/Clang; __extension__ keeps -Wpedantic quiet

constexpr uint128 kMaxHashKey = ~uint128{0};  // 2^128 - 1

// The hash key of a partition key: MD5(utf8) as a big-endian integer. Allocates nothing.
uint128 partition_key_hash(std::string_view partition_key) noexcept;

// Parses AWS's ExplicitHashKey / StartingHashKey syntax: `0|([1-9]\d{0,38})`, below 2^128.
// False (and `out` untouched) for anything else.
bool parse_hash_key(std::string_view text, uint128& out) noexcept;

// The decimal text of a 128-bit value.
std::string format_hash_key(uint128 value);

// The i-th of n equal ranges of the key space, as CreateStream and UpdateShardCount lay them
// out: step = 2^128 / n, range i = [i*step, (i+1)*step - 1], the last ending at 2^128 - 1.
uint128 uniform_range_start(std::uint32_t i, std::uint32_t n) noexcept;

}  // namespace pymsg
