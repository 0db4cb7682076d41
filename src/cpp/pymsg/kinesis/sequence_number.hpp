// Kinesis sequence numbers: 56-digit decimal strings shaped as AWS's.
//
// The value is a 188-bit integer laid out as kinesalite reverse-engineered AWS's version 2
// (most significant first): 4 bits '2', 36 bits shard creation second, 4 bits shard index & 15,
// 64 bits record index in the shard, 8 zero bits, 36 bits record arrival second, 32 bits shard
// index, 4 bits '2'. Read as decimal it has 56 digits and starts 4959... or 4964... today.
// Within a shard the record index dominates, so numbers strictly increase with it; a shard's
// creation "second" is its `stamp`, which a stream keeps above its parents' stamps, so a child's
// numbers are all greater than its parents' (AWS promises that; time alone would not).
// A shard's StartingSequenceNumber has record index 0 (its records start at 1); a closed
// shard's EndingSequenceNumber has record index 2^63 - 1.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace pymsg {

struct SequenceFields {
  std::uint64_t shard_stamp = 0;   // the shard's creation second (36 bits)
  std::uint32_t shard_index = 0;   // the shard's number, as in shardId-000000000007
  std::uint64_t record_index = 0;  // position in the shard's log; 0 = before the first record
  std::uint64_t record_second = 0; // arrival second of the record (36 bits)
};

constexpr std::uint64_t kEndingRecordIndex = 0x7FFF'FFFF'FFFF'FFFFull;

// The decimal text (56 digits for any second of this millennium). No allocation beyond the string.
std::string format_sequence_number(const SequenceFields& fields);
// Writes the digits into `out` (at least kMaxSequenceDigits bytes); returns how many.
constexpr std::size_t kMaxSequenceDigits = 58;
std::size_t format_sequence_number_to(const SequenceFields& fields, char* out) noexcept;

// Parses a sequence number this layout produced. False for anything else (AWS's own syntax is
// `0|([1-9]\d{0,128})`; numbers of other layouts name no record here).
bool parse_sequence_number(std::string_view text, SequenceFields& out) noexcept;

}  // namespace pymsg
