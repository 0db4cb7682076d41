// pymsg/common/hash.cpp -- MD5 (RFC 1321), SHA-256 (FIPS 180-4), base64 (RFC 4648), mixing and randomness.
#include "pymsg/common/hash.hpp"

#include <cstring>
#include <random>

namespace pymsg {
namespace {

constexpr std::uint32_t rotl32(std::uint32_t x, unsigned n) { return (x << n) | (x >> (32 - n)); }
constexpr std::uint32_t rotr32(std::uint32_t x, unsigned n) { return (x >> n) | (x << (32 - n)); }
constexpr std::uint64_t rotl64(std::uint64_t x, unsigned n) { return (x << n) | (x >> (64 - n)); }

std::uint32_t load_le32(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
         static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24;
}
std::uint32_t load_be32(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0]) << 24 | static_cast<std::uint32_t>(p[1]) << 16 |
         static_cast<std::uint32_t>(p[2]) << 8 | static_cast<std::uint32_t>(p[3]);
}
void store_le32(std::uint8_t* p, std::uint32_t v) {
  for (unsigned i = 0; i < 4; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}
void store_be32(std::uint8_t* p, std::uint32_t v) {
  for (unsigned i = 0; i < 4; ++i) p[i] = static_cast<std::uint8_t>(v >> (24 - 8 * i));
}

// Shared Merkle-Damgard buffering: feeds `len` bytes through 64-byte `block` calls.
template <class Block>
void absorb(std::uint8_t* buf, std::size_t& buf_len, std::uint64_t& total, const void* data,
            std::size_t len, Block&& block) {
  const auto* p = static_cast<const std::uint8_t*>(data);
  total += len;
  if (buf_len > 0) {
    const std::size_t take = len < 64 - buf_len ? len : 64 - buf_len;
    std::memcpy(buf + buf_len, p, take);
    buf_len += take;
    p += take;
    len -= take;
    if (buf_len < 64) return;
    block(buf);
    buf_len = 0;
  }
  for (; len >= 64; p += 64, len -= 64) block(p);
  if (len > 0) std::memcpy(buf, p, len);
  buf_len = len;
}

// Shared padding: 0x80, zeros, then the 64-bit message length in bits (little- or big-endian).
template <class Block>
void pad(std::uint8_t* buf, std::size_t buf_len, std::uint64_t total, bool big_endian,
         Block&& block) {
  buf[buf_len++] = 0x80;
  if (buf_len > 56) {
    std::memset(buf + buf_len, 0, 64 - buf_len);
    block(buf);
    buf_len = 0;
  }
  std::memset(buf + buf_len, 0, 56 - buf_len);
  const std::uint64_t bits = total * 8;
  for (unsigned i = 0; i < 8; ++i)
    buf[56 + i] = static_cast<std::uint8_t>(bits >> (big_endian ? 56 - 8 * i : 8 * i));
  block(buf);
}

constexpr std::uint32_t kMd5K[64] = {
    0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
    0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
    0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
    0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
    0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
    0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
    0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
    0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391};
constexpr unsigned kMd5S[4][4] = {{7, 12, 17, 22}, {5, 9, 14, 20}, {4, 11, 16, 23}, {6, 10, 15, 21}};

constexpr std::uint32_t kSha256K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

constexpr char kB64Alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// Reverse alphabet: 6-bit value of each byte, or -1 if not in the alphabet ('=' included).
constexpr std::array<std::int8_t, 256> kB64Reverse = [] {
  std::array<std::int8_t, 256> t{};
  for (auto& v : t) v = -1;
  for (int i = 0; i < 64; ++i) t[static_cast<unsigned char>(kB64Alphabet[i])] = static_cast<std::int8_t>(i);
  return t;
}();

}  // namespace

// ---- MD5 ----

Md5::Md5() noexcept
    : state_{0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476}, total_(0), buf_{}, buf_len_(0) {}

// One 64-byte compression round of RFC 1321 section 3.4.
// The 64 steps of RFC 1321 on L independent messages at once (lanes). Each loop below runs
// over lanes with compile-time step constants, so the compiler unrolls the steps and turns the
// lane loops into SIMD (L = 8: two SSE2 vectors); L = 1 is the plain scalar compression.
template <unsigned L>
void md5_compress(std::uint32_t state[4][L], const std::uint32_t m[16][L]) noexcept {
  std::uint32_t a[L], b[L], c[L], d[L];
  for (unsigned l = 0; l < L; ++l) a[l] = state[0][l], b[l] = state[1][l], c[l] = state[2][l], d[l] = state[3][l];
  auto step = [&](unsigned i, auto f, unsigned g) {
    for (unsigned l = 0; l < L; ++l) {
      const std::uint32_t t = d[l];
      d[l] = c[l];
      c[l] = b[l];
      b[l] += rotl32(a[l] + f(b[l], d[l] /* old c */, t /* old d */) + kMd5K[i] + m[g][l], kMd5S[i / 16][i % 4]);
      a[l] = t;
    }
  };
  // f receives (b, c, d) of before the step (c and d already shifted above: see the call sites).
  const auto f0 = [](std::uint32_t x, std::uint32_t y, std::uint32_t z) { return (x & y) | (~x & z); };
  const auto f1 = [](std::uint32_t x, std::uint32_t y, std::uint32_t z) { return (z & x) | (~z & y); };
  const auto f2 = [](std::uint32_t x, std::uint32_t y, std::uint32_t z) { return x ^ y ^ z; };
  const auto f3 = [](std::uint32_t x, std::uint32_t y, std::uint32_t z) { return y ^ (x | ~z); };
#pragma GCC unroll 16
  for (unsigned i = 0; i < 16; ++i) step(i, f0, i);
#pragma GCC unroll 16
  for (unsigned i = 16; i < 32; ++i) step(i, f1, (5 * i + 1) % 16);
#pragma GCC unroll 16
  for (unsigned i = 32; i < 48; ++i) step(i, f2, (3 * i + 5) % 16);
#pragma GCC unroll 16
  for (unsigned i = 48; i < 64; ++i) step(i, f3, (7 * i) % 16);
  for (unsigned l = 0; l < L; ++l) {
    state[0][l] += a[l], state[1][l] += b[l], state[2][l] += c[l], state[3][l] += d[l];
  }
}

void Md5::block(const std::uint8_t* p) noexcept {
  std::uint32_t m[16][1];
  for (unsigned i = 0; i < 16; ++i) m[i][0] = load_le32(p + 4 * i);
  std::uint32_t st[4][1] = {{state_[0]}, {state_[1]}, {state_[2]}, {state_[3]}};
  md5_compress<1>(st, m);
  for (unsigned i = 0; i < 4; ++i) state_[i] = st[i][0];
}

void Md5::update(const void* data, std::size_t len) noexcept {
  absorb(buf_, buf_len_, total_, data, len, [this](const std::uint8_t* p) { block(p); });
}

std::array<std::uint8_t, 16> Md5::digest() noexcept {
  pad(buf_, buf_len_, total_, false, [this](const std::uint8_t* p) { block(p); });
  std::array<std::uint8_t, 16> out;
  for (unsigned i = 0; i < 4; ++i) store_le32(out.data() + 4 * i, state_[i]);
  return out;
}

std::array<std::uint8_t, 16> md5(std::string_view data) noexcept {
  Md5 h;
  h.update(data);
  return h.digest();
}

// ---- SHA-256 ----

Sha256::Sha256() noexcept
    : state_{0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
             0x5be0cd19},
      total_(0), buf_{}, buf_len_(0) {}

// One 64-byte compression round of FIPS 180-4 section 6.2.2.
void Sha256::block(const std::uint8_t* p) noexcept {
  std::uint32_t w[64];
  for (unsigned i = 0; i < 16; ++i) w[i] = load_be32(p + 4 * i);
  for (unsigned i = 16; i < 64; ++i) {
    const std::uint32_t s0 = rotr32(w[i - 15], 7) ^ rotr32(w[i - 15], 18) ^ (w[i - 15] >> 3);
    const std::uint32_t s1 = rotr32(w[i - 2], 17) ^ rotr32(w[i - 2], 19) ^ (w[i - 2] >> 10);
    w[i] = w[i - 16] + s0 + w[i - 7] + s1;
  }
  std::uint32_t a = state_[0], b = state_[1], c = state_[2], d = state_[3];
  std::uint32_t e = state_[4], f = state_[5], g = state_[6], h = state_[7];
  for (unsigned i = 0; i < 64; ++i) {
    const std::uint32_t t1 = h + (rotr32(e, 6) ^ rotr32(e, 11) ^ rotr32(e, 25)) +
                             ((e & f) ^ (~e & g)) + kSha256K[i] + w[i];
    const std::uint32_t t2 =
        (rotr32(a, 2) ^ rotr32(a, 13) ^ rotr32(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
    h = g;
    g = f;
    f = e;
    e = d + t1;
    d = c;
    c = b;
    b = a;
    a = t1 + t2;
  }
  state_[0] += a;
  state_[1] += b;
  state_[2] += c;
  state_[3] += d;
  state_[4] += e;
  state_[5] += f;
  state_[6] += g;
  state_[7] += h;
}

void Sha256::update(const void* data, std::size_t len) noexcept {
  absorb(buf_, buf_len_, total_, data, len, [this](const std::uint8_t* p) { block(p); });
}

std::array<std::uint8_t, 32> Sha256::digest() noexcept {
  pad(buf_, buf_len_, total_, true, [this](const std::uint8_t* p) { block(p); });
  std::array<std::uint8_t, 32> out;
  for (unsigned i = 0; i < 8; ++i) store_be32(out.data() + 4 * i, state_[i]);
  return out;
}

std::array<std::uint8_t, 32> sha256(std::string_view data) noexcept {
  Sha256 h;
  h.update(data);
  return h.digest();
}

// ---- hex / base64 ----

std::string to_hex(const std::uint8_t* data, std::size_t len) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(2 * len, '\0');
  for (std::size_t i = 0; i < len; ++i) {
    out[2 * i] = kDigits[data[i] >> 4];
    out[2 * i + 1] = kDigits[data[i] & 0xf];
  }
  return out;
}

void base64_encode_to(const void* data, std::size_t len, char* out) noexcept {
  const auto* p = static_cast<const std::uint8_t*>(data);
  for (std::size_t i = 0; i < len; i += 3) {
    const std::size_t n = len - i < 3 ? len - i : 3;
    std::uint32_t v = static_cast<std::uint32_t>(p[i]) << 16;
    if (n > 1) v |= static_cast<std::uint32_t>(p[i + 1]) << 8;
    if (n > 2) v |= p[i + 2];
    *out++ = kB64Alphabet[(v >> 18) & 63];
    *out++ = kB64Alphabet[(v >> 12) & 63];
    *out++ = n > 1 ? kB64Alphabet[(v >> 6) & 63] : '=';
    *out++ = n > 2 ? kB64Alphabet[v & 63] : '=';
  }
}

std::string base64_encode(const void* data, std::size_t len) {
  std::string out(base64_encoded_size(len), '\0');
  base64_encode_to(data, len, out.data());
  return out;
}

// Accepts only full 4-char groups, with '=' allowed solely as the last one or two characters.
// Non-zero bits under the padding (e.g. "Zh==") are accepted, as Python's b64decode does.
std::ptrdiff_t base64_decode_to(std::string_view in, std::uint8_t* out) noexcept {
  if (in.size() % 4 != 0) return -1;
  std::size_t padding = 0;
  if (!in.empty() && in.back() == '=') padding = in[in.size() - 2] == '=' ? 2 : 1;
  std::uint8_t* const start = out;
  std::uint32_t acc = 0;
  for (std::size_t i = 0; i < in.size() - padding; ++i) {
    const std::int8_t v = kB64Reverse[static_cast<unsigned char>(in[i])];
    if (v < 0) return -1;
    acc = acc << 6 | static_cast<std::uint32_t>(v);
    if (i % 4 == 3) {
      *out++ = static_cast<std::uint8_t>(acc >> 16);
      *out++ = static_cast<std::uint8_t>(acc >> 8);
      *out++ = static_cast<std::uint8_t>(acc);
      acc = 0;
    }
  }
  if (padding == 2) *out++ = static_cast<std::uint8_t>(acc >> 4);  // 2 chars = 12 bits -> 1 byte
  if (padding == 1) {                                              // 3 chars = 18 bits -> 2 bytes
    *out++ = static_cast<std::uint8_t>(acc >> 10);
    *out++ = static_cast<std::uint8_t>(acc >> 2);
  }
  return out - start;
}

bool base64_decode(std::string_view in, std::string& out) {
  out.assign(in.size() / 4 * 3, '\0');
  const std::ptrdiff_t n = base64_decode_to(in, reinterpret_cast<std::uint8_t*>(out.data()));
  out.resize(n < 0 ? 0 : static_cast<std::size_t>(n));
  return n >= 0;
}

// ---- mixing ----

std::uint64_t keyed_hash(std::uint64_t key0, std::uint64_t key1, std::uint64_t a,
                         std::uint64_t b) noexcept {
  std::uint64_t h = mix64(a ^ key0);
  h = mix64(h ^ b ^ key1);
  return mix64(h + key0);
}

U128 md5_u128(std::string_view data) noexcept {
  const auto d = md5(data);
  U128 r{0, 0};
  for (unsigned i = 0; i < 8; ++i) {
    r.hi = r.hi << 8 | d[i];
    r.lo = r.lo << 8 | d[8 + i];
  }
  return r;
}

void md5_u128_many(const std::string_view* data, std::size_t n, U128* out) noexcept {
  constexpr unsigned L = 8;
  std::size_t pending[L];  // indices of the short inputs waiting for a lane
  unsigned lanes = 0;
  auto flush = [&] {
    std::uint32_t m[16][L] = {};
    std::uint32_t st[4][L];
    for (unsigned l = 0; l < L; ++l) {
      st[0][l] = 0x67452301, st[1][l] = 0xefcdab89, st[2][l] = 0x98badcfe, st[3][l] = 0x10325476;
    }
    for (unsigned l = 0; l < lanes; ++l) {  // one padded block: bytes, 0x80, zeros, bit length
      std::uint8_t block[64] = {};
      const std::string_view d = data[pending[l]];
      if (!d.empty()) std::memcpy(block, d.data(), d.size());
      block[d.size()] = 0x80;
      const std::uint64_t bits = std::uint64_t{d.size()} * 8;
      for (unsigned i = 0; i < 8; ++i) block[56 + i] = static_cast<std::uint8_t>(bits >> (8 * i));
      for (unsigned i = 0; i < 16; ++i) m[i][l] = load_le32(block + 4 * i);
    }
    md5_compress<L>(st, m);
    for (unsigned l = 0; l < lanes; ++l) {  // the digest's bytes (little-endian words) read big-endian
      std::uint64_t w[4];
      for (unsigned i = 0; i < 4; ++i) w[i] = __builtin_bswap32(st[i][l]);
      out[pending[l]] = {w[0] << 32 | w[1], w[2] << 32 | w[3]};
    }
    lanes = 0;
  };
  for (std::size_t i = 0; i < n; ++i) {
    if (data[i].size() > 55) {  // needs more than one block: the scalar path
      out[i] = md5_u128(data[i]);
      continue;
    }
    pending[lanes++] = i;
    if (lanes == L) flush();
  }
  if (lanes > 0) flush();
}

// ---- hash_bytes ----

namespace {
__extension__ typedef unsigned __int128 u128;
std::uint64_t fold(std::uint64_t a, std::uint64_t b) noexcept {
  const u128 r = static_cast<u128>(a) * b;
  return static_cast<std::uint64_t>(r) ^ static_cast<std::uint64_t>(r >> 64);
}
std::uint64_t read64(const char* p) noexcept {
  std::uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
constexpr std::uint64_t kH0 = 0xa0761d6478bd642full, kH1 = 0xe7037ed1a0b428dbull, kH2 = 0x8ebc6af09c88c6e3ull;
}  // namespace

std::uint64_t hash_bytes(std::string_view data, std::uint64_t seed) noexcept {
  const char* p = data.data();
  std::size_t n = data.size();
  std::uint64_t h = seed ^ fold(n ^ kH0, kH1);
  while (n > 16) {
    h = fold(read64(p) ^ kH1 ^ h, read64(p + 8) ^ kH2);
    p += 16;
    n -= 16;
  }
  std::uint64_t a = 0, b = 0;  // the last 1..16 bytes (possibly re-reading some: n > 16 before)
  if (data.size() >= 16) {
    a = read64(data.data() + data.size() - 16);
    b = read64(data.data() + data.size() - 8);
  } else if (n >= 8) {
    a = read64(p);
    b = read64(p + n - 8);
  } else if (n > 0) {
    std::memcpy(&a, p, n);
  }
  return mix64(fold(a ^ kH1 ^ h, b ^ kH2 ^ data.size()));
}

// ---- randomness ----

namespace {

// xoshiro256** seeded from std::random_device (once per thread). If the device cannot be opened the
// exception escapes a noexcept caller and the process terminates: no silent weak seeding.
struct Xoshiro256 {
  std::uint64_t s[4];
  Xoshiro256() {
    std::random_device rd;
    for (unsigned i = 0; i < 4; ++i) {
      const std::uint64_t seed = static_cast<std::uint64_t>(rd()) << 32 ^ rd();
      s[i] = mix64(seed + 0x9e3779b97f4a7c15ULL * (i + 1));
    }
  }
  std::uint64_t next() {
    const std::uint64_t result = rotl64(s[1] * 5, 7) * 9;
    const std::uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl64(s[3], 45);
    return result;
  }
};

Xoshiro256& thread_rng() {
  thread_local Xoshiro256 rng;
  return rng;
}

}  // namespace

std::uint64_t random_u64() noexcept { return thread_rng().next(); }

void random_bytes(void* out, std::size_t len) noexcept {
  auto* p = static_cast<std::uint8_t*>(out);
  Xoshiro256& rng = thread_rng();
  for (; len >= 8; p += 8, len -= 8) {
    const std::uint64_t v = rng.next();
    std::memcpy(p, &v, 8);
  }
  if (len > 0) {
    const std::uint64_t v = rng.next();
    std::memcpy(p, &v, len);
  }
}

}  // namespace pymsg
