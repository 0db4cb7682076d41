#include "pymsg/kinesis/shard_iterator.hpp"

#include <cstring>

#include "pymsg/common/hash.hpp"

namespace pymsg {
namespace {

constexpr std::size_t kRawLength = 48;

void put64(std::uint8_t* p, std::uint64_t v) noexcept {
  for (int i = 7; i >= 0; --i, v >>= 8) p[i] = static_cast<std::uint8_t>(v);
}
std::uint64_t get64(const std::uint8_t* p) noexcept {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = v << 8 | p[i];
  return v;
}

std::uint64_t tag_of(const IteratorKeys& keys, const IteratorFields& f) noexcept {
  const std::uint64_t a = keyed_hash(keys.k0, keys.k1, keys.incarnation, f.shard_index);
  const std::uint64_t b = keyed_hash(keys.k0, keys.k1, f.position, static_cast<std::uint64_t>(f.issued_us));
  return keyed_hash(keys.k0, keys.k1, a, b);
}

}  // namespace

std::string encode_shard_iterator(const IteratorKeys& keys, const IteratorFields& f) {
  std::uint8_t raw[kRawLength];
  put64(raw, 1);  // AWS's version prefix
  put64(raw + 8, keys.incarnation);
  put64(raw + 16, f.shard_index);
  put64(raw + 24, f.position);
  put64(raw + 32, static_cast<std::uint64_t>(f.issued_us));
  put64(raw + 40, tag_of(keys, f));
  std::string out(kShardIteratorLength, '\0');
  base64_encode_to(raw, kRawLength, out.data());
  return out;
}

bool decode_shard_iterator(const IteratorKeys& keys, std::string_view text, IteratorFields& out) noexcept {
  if (text.size() != kShardIteratorLength) return false;
  std::uint8_t raw[kRawLength];
  if (base64_decode_to(text, raw) != static_cast<std::ptrdiff_t>(kRawLength)) return false;
  if (get64(raw) != 1 || get64(raw + 8) != keys.incarnation || get64(raw + 16) > 0xFFFFFFFFu) return false;
  IteratorFields f;
  f.shard_index = static_cast<std::uint32_t>(get64(raw + 16));
  f.position = get64(raw + 24);
  f.issued_us = static_cast<TimeUs>(get64(raw + 32));
  if (get64(raw + 40) != tag_of(keys, f)) return false;
  out = f;
  return true;
}

}  // namespace pymsg
