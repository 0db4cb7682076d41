#include "pymsg/common/ids.hpp"

#include <cstring>

#include "pymsg/common/hash.hpp"

namespace pymsg {
namespace {

constexpr std::uint64_t kMask62 = (1ULL << 62) - 1;

// A bijection of the 62-bit space: xor with a key, then odd multiplications and xor-shifts,
// each invertible modulo 2^62.
std::uint64_t permute62(std::uint64_t x, std::uint64_t key) noexcept {
  x = (x ^ key) & kMask62;
  x = (x * 0x9E3779B97F4A7C15ULL) & kMask62;
  x ^= x >> 29;
  x = (x * 0xBF58476D1CE4E5B9ULL) & kMask62;
  x ^= x >> 31;
  return x;
}

void put_u64(std::uint8_t* p, std::uint64_t v) noexcept {
  for (int i = 7; i >= 0; --i, v >>= 8) p[i] = static_cast<std::uint8_t>(v);
}
void put_u32(std::uint8_t* p, std::uint32_t v) noexcept {
  for (int i = 3; i >= 0; --i, v >>= 8) p[i] = static_cast<std::uint8_t>(v);
}
std::uint64_t get_u64(const std::uint8_t* p) noexcept {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
  return v;
}
std::uint32_t get_u32(const std::uint8_t* p) noexcept {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | p[i];
  return v;
}

std::uint64_t handle_tag(const QueueKeys& keys, const ReceiptHandle& h) noexcept {
  return keyed_hash(keys.k1, keys.k0, h.seq, (std::uint64_t{h.slot} << 32) | h.receive_count);
}

}  // namespace

QueueKeys QueueKeys::random() {
  QueueKeys keys;
  keys.k0 = random_u64();
  keys.k1 = random_u64();
  // 10^19 .. 1.2 * 10^19: 20 digits, with room for 2^40 messages at a stride of 4096 below 2^64.
  keys.sequence_base = 10'000'000'000'000'000'000ULL + random_u64() % 2'000'000'000'000'000'000ULL;
  return keys;
}

MessageId derive_message_id(const QueueKeys& keys, std::uint64_t seq) noexcept {
  std::uint64_t hi = mix64(seq ^ keys.k0);
  std::uint64_t lo = permute62(seq, keys.k1);
  hi = (hi & ~0xF000ULL) | 0x4000ULL;  // version 4
  lo |= 0x8000000000000000ULL;         // variant 10
  MessageId id;
  put_u64(id.data(), hi);
  put_u64(id.data() + 8, lo);
  return id;
}

void format_uuid(const MessageId& id, char out[kUuidLength]) noexcept {
  static constexpr char kHex[] = "0123456789abcdef";
  std::size_t o = 0;
  for (std::size_t i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out[o++] = '-';
    out[o++] = kHex[id[i] >> 4];
    out[o++] = kHex[id[i] & 0xF];
  }
}

std::string format_uuid(const MessageId& id) {
  std::string s(kUuidLength, '\0');
  format_uuid(id, s.data());
  return s;
}

std::uint64_t fifo_sequence_number(const QueueKeys& keys, std::uint64_t seq) noexcept {
  return keys.sequence_base + seq * 4096;
}

void encode_receipt_handle(const QueueKeys& keys, const ReceiptHandle& handle,
                           char out[kReceiptHandleLength]) noexcept {
  std::uint8_t raw[24];
  put_u32(raw, handle.slot);
  put_u64(raw + 4, handle.seq);
  put_u32(raw + 12, handle.receive_count);
  put_u64(raw + 16, handle_tag(keys, handle));
  std::memcpy(out, "AQEB", 4);
  static_assert(base64_encoded_size(sizeof raw) + 4 == kReceiptHandleLength);
  base64_encode_to(raw, sizeof raw, out + 4);
}

bool decode_receipt_handle(const QueueKeys& keys, std::string_view text,
                           ReceiptHandle& handle) noexcept {
  if (text.size() != kReceiptHandleLength || text.substr(0, 4) != "AQEB") return false;
  std::uint8_t raw[24];
  if (base64_decode_to(text.substr(4), raw) != static_cast<std::ptrdiff_t>(sizeof raw)) return false;
  ReceiptHandle h;
  h.slot = get_u32(raw);
  h.seq = get_u64(raw + 4);
  h.receive_count = get_u32(raw + 12);
  if (get_u64(raw + 16) != handle_tag(keys, h)) return false;
  handle = h;
  return true;
}

}  // namespace pymsg
