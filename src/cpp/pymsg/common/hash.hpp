// pymsg/common/hash.hpp -- the hashing and encoding primitives that the SQS and Kinesis semantics need:
//   * MD5: SQS MD5OfMessageBody / MD5OfMessageAttributes, and Kinesis partition-key -> hash-key
//     routing (the digest read as a 128-bit big-endian integer);
//   * SHA-256: SQS content-based deduplication for FIFO queues;
//   * base64: binary attribute values and Kinesis record data;
//   * mix64 / keyed_hash: fast non-cryptographic hashing for in-process tables;
//   * random_bytes / random_u64: message ids, receipt handles, sequence-number salt.
// Pure C++17, standard library only.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace pymsg {

// Incremental MD5 (RFC 1321). Not thread-safe per instance; allocation-free.
class Md5 {
 public:
  Md5() noexcept;
  void update(const void* data, std::size_t len) noexcept;
  void update(std::string_view s) noexcept { update(s.data(), s.size()); }
  std::array<std::uint8_t, 16> digest() noexcept;  // finalises; instance must not be updated afterwards

 private:
  void block(const std::uint8_t* p) noexcept;
  std::uint32_t state_[4];
  std::uint64_t total_;  // bytes consumed so far
  std::uint8_t buf_[64];
  std::size_t buf_len_;
};

std::array<std::uint8_t, 16> md5(std::string_view data) noexcept;

// Incremental SHA-256 (FIPS 180-4), same shape as Md5.
class Sha256 {
 public:
  Sha256() noexcept;
  void update(const void* data, std::size_t len) noexcept;
  void update(std::string_view s) noexcept { update(s.data(), s.size()); }
  std::array<std::uint8_t, 32> digest() noexcept;  // finalises; instance must not be updated afterwards

 private:
  void block(const std::uint8_t* p) noexcept;
  std::uint32_t state_[8];
  std::uint64_t total_;  // bytes consumed so far
  std::uint8_t buf_[64];
  std::size_t buf_len_;
};

std::array<std::uint8_t, 32> sha256(std::string_view data) noexcept;

// Lowercase hex of bytes.
std::string to_hex(const std::uint8_t* data, std::size_t len);
template <std::size_t N>
std::string to_hex(const std::array<std::uint8_t, N>& a) {
  return to_hex(a.data(), N);
}

// Standard base64 with padding (RFC 4648 section 4) and its strict decoder: returns false on any
// character outside the alphabet, bad padding or bad length; `out` is cleared first.
std::string base64_encode(const void* data, std::size_t len);
bool base64_decode(std::string_view in, std::string& out);

// The same without allocating, for fixed-size tokens (receipt handles). base64_encode_to writes
// exactly base64_encoded_size(len) characters to `out`; base64_decode_to writes the bytes to
// `out` (room for in.size() / 4 * 3) and returns how many, or -1 where base64_decode fails.
constexpr std::size_t base64_encoded_size(std::size_t len) noexcept { return (len + 2) / 3 * 4; }
void base64_encode_to(const void* data, std::size_t len, char* out) noexcept;
std::ptrdiff_t base64_decode_to(std::string_view in, std::uint8_t* out) noexcept;

// 64-bit finaliser of splitmix64 (a bijection on uint64).
constexpr std::uint64_t mix64(std::uint64_t x) noexcept {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

// Keyed 64-bit mix of two words built from mix64; every bit of each input affects every output bit,
// and the result depends on the order of (a, b). Not cryptographic.
std::uint64_t keyed_hash(std::uint64_t key0, std::uint64_t key1, std::uint64_t a,
                         std::uint64_t b) noexcept;

// 128-bit MD5 of a string read as a big-endian unsigned integer, split into two words (hi, lo).
// Used for Kinesis partition-key routing.
struct U128 {
  std::uint64_t hi;
  std::uint64_t lo;
};
U128 md5_u128(std::string_view data) noexcept;
// md5_u128 of n inputs: inputs of up to 55 bytes (one MD5 block) are hashed eight at a time
// in SIMD lanes, several times the throughput of one by one. Allocates nothing.
void md5_u128_many(const std::string_view* data, std::size_t n, U128* out) noexcept;

// A seeded 64-bit hash of a byte string for in-process hash tables (the cache's): 16 bytes a
// step through a 64x64->128 multiply-fold, then mix64. Fast on short keys; not cryptographic.
std::uint64_t hash_bytes(std::string_view data, std::uint64_t seed) noexcept;

// Fills `out` with `len` bytes from a per-thread xoshiro256** generator seeded from
// std::random_device. Thread-safe (each thread owns its generator).
void random_bytes(void* out, std::size_t len) noexcept;
std::uint64_t random_u64() noexcept;

}  // namespace pymsg
