#include "pymsg/kinesis/sequence_number.hpp"

#include "pymsg/kinesis/hash_key.hpp"

namespace pymsg {
namespace {

// A 192-bit unsigned integer as three 64-bit words, least significant first.
struct U192 {
  std::uint64_t w[3] = {0, 0, 0};

  void put(std::uint64_t value, unsigned offset, unsigned width) noexcept {  // fields never overlap
    const std::uint64_t v = width == 64 ? value : value & ((std::uint64_t{1} << width) - 1);
    const unsigned word = offset / 64, bit = offset % 64;
    w[word] |= v << bit;
    if (bit != 0 && bit + width > 64) w[word + 1] |= v >> (64 - bit);
  }
  std::uint64_t get(unsigned offset, unsigned width) const noexcept {
    const unsigned word = offset / 64, bit = offset % 64;
    std::uint64_t v = w[word] >> bit;
    if (bit != 0 && bit + width > 64) v |= w[word + 1] << (64 - bit);
    return width == 64 ? v : v & ((std::uint64_t{1} << width) - 1);
  }
};

// Field offsets, least significant bit first.
constexpr unsigned kLowVersion = 0, kShardIndex = 4, kRecordSecond = 36, kZeroByte = 72, kRecordIndex = 80,
                   kShardNibble = 144, kShardStamp = 148, kHighVersion = 184;
constexpr std::uint64_t kVersion = 2;
constexpr std::uint64_t kPow19 = 10'000'000'000'000'000'000ull;

}  // namespace

std::size_t format_sequence_number_to(const SequenceFields& f, char* out) noexcept {
  U192 v;
  v.put(kVersion, kLowVersion, 4);
  v.put(f.shard_index, kShardIndex, 32);
  v.put(f.record_second, kRecordSecond, 36);
  v.put(f.record_index, kRecordIndex, 64);
  v.put(f.shard_index & 0xF, kShardNibble, 4);
  v.put(f.shard_stamp, kShardStamp, 36);
  v.put(kVersion, kHighVersion, 4);
  // Three divisions by 10^19 give 19-digit groups, least significant first (2^188 < 10^57).
  std::uint64_t groups[3];
  for (std::uint64_t& group : groups) {
    uint128 rem = 0;
    for (int i = 2; i >= 0; --i) {
      const uint128 cur = rem << 64 | v.w[i];
      v.w[i] = static_cast<std::uint64_t>(cur / kPow19);
      rem = cur % kPow19;
    }
    group = static_cast<std::uint64_t>(rem);
  }
  char digits[kMaxSequenceDigits];
  std::size_t n = 0;
  for (std::uint64_t group : groups) {
    for (int d = 0; d < 19; ++d) {
      digits[n++] = static_cast<char>('0' + group % 10);
      group /= 10;
    }
  }
  while (n > 1 && digits[n - 1] == '0') --n;
  for (std::size_t i = 0; i < n; ++i) out[i] = digits[n - 1 - i];
  return n;
}

std::string format_sequence_number(const SequenceFields& fields) {
  char text[kMaxSequenceDigits];
  return {text, format_sequence_number_to(fields, text)};
}

bool parse_sequence_number(std::string_view text, SequenceFields& out) noexcept {
  if (text.empty() || text.size() > kMaxSequenceDigits || text[0] == '0') return false;
  U192 v;
  for (const char c : text) {
    if (c < '0' || c > '9') return false;
    // v = v * 10 + digit, failing past 192 bits
    std::uint64_t carry = static_cast<std::uint64_t>(c - '0');
    for (std::uint64_t& word : v.w) {
      const uint128 cur = uint128{word} * 10 + carry;
      word = static_cast<std::uint64_t>(cur);
      carry = static_cast<std::uint64_t>(cur >> 64);
    }
    if (carry != 0) return false;
  }
  if (v.get(kHighVersion, 8) != kVersion || v.get(kLowVersion, 4) != kVersion || v.get(kZeroByte, 8) != 0) {
    return false;
  }
  const auto shard_index = static_cast<std::uint32_t>(v.get(kShardIndex, 32));
  if (v.get(kShardNibble, 4) != (shard_index & 0xF)) return false;
  out.shard_index = shard_index;
  out.shard_stamp = v.get(kShardStamp, 36);
  out.record_index = v.get(kRecordIndex, 64);
  out.record_second = v.get(kRecordSecond, 36);
  return true;
}

}  // namespace pymsg
