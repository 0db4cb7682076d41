#include "pymsg/kinesis/hash_key.hpp"

#include "pymsg/common/hash.hpp"

namespace pymsg {

uint128 partition_key_hash(std::string_view partition_key) noexcept {
  const U128 h = md5_u128(partition_key);
  return uint128{h.hi} << 64 | h.lo;
}

bool parse_hash_key(std::string_view text, uint128& out) noexcept {
  if (text.empty() || text.size() > 39 || (text.size() > 1 && text[0] == '0')) return false;
  uint128 value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return false;
    const auto digit = static_cast<unsigned>(c - '0');
    if (value > (kMaxHashKey - digit) / 10) return false;  // would pass 2^128 - 1
    value = value * 10 + digit;
  }
  out = value;
  return true;
}

std::string format_hash_key(uint128 value) {
  char digits[40];
  std::size_t n = 0;
  do {
    digits[n++] = static_cast<char>('0' + static_cast<unsigned>(value % 10));
    value /= 10;
  } while (value != 0);
  std::string out(n, '0');
  for (std::size_t i = 0; i < n; ++i) out[i] = digits[n - 1 - i];
  return out;
}

uint128 uniform_range_start(std::uint32_t i, std::uint32_t n) noexcept {
  if (i == 0) return 0;
  // step = floor(2^128 / n) = floor((2^128 - 1) / n), except when n divides 2^128 (n a power of 2).
  uint128 step = kMaxHashKey / n;
  if ((n & (n - 1)) == 0) step += 1;
  return step * i;
}

}  // namespace pymsg
