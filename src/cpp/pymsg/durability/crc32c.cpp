#include "pymsg/durability/crc32c.hpp"

#include <array>
#include <cstring>

// On x86-64 the SSE4.2 crc32 instruction computes this CRC eight bytes at a time. It is reached
// through inline assembly rather than the _mm_crc32 intrinsics: the intrinsics need a per-function
// target attribute whose spelling differs between GCC and Clang (Clang 16+ wants "crc32" besides
// "sse4.2"), and the wheels are built with Clang while source installs usually use GCC.
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define PYMSG_CRC32C_SSE42 1
#endif

namespace pymsg::durability {
namespace {

constexpr std::uint32_t kReflectedPolynomial = 0x82F63B78u;

// table[k][b]: the CRC of byte b followed by k zero bytes, so eight bytes fold in one step.
struct Tables {
  std::array<std::array<std::uint32_t, 256>, 8> t{};
  constexpr Tables() {
    for (std::uint32_t b = 0; b < 256; ++b) {
      std::uint32_t crc = b;
      for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ ((crc & 1u) ? kReflectedPolynomial : 0u);
      t[0][b] = crc;
    }
    for (std::size_t k = 1; k < 8; ++k)
      for (std::size_t b = 0; b < 256; ++b) t[k][b] = (t[k - 1][b] >> 8) ^ t[0][t[k - 1][b] & 0xFFu];
  }
};

constexpr Tables kTables{};

#ifdef PYMSG_CRC32C_SSE42
std::uint32_t crc32c_sse42(const void* data, std::size_t n, std::uint32_t crc) noexcept {
  const auto* p = static_cast<const unsigned char*>(data);
  std::uint64_t c = ~crc;
  for (; n >= 8; p += 8, n -= 8) {
    std::uint64_t word;
    std::memcpy(&word, p, 8);
    __asm__("crc32q %1, %0" : "+r"(c) : "rm"(word));
  }
  auto c32 = static_cast<std::uint32_t>(c);
  for (; n > 0; ++p, --n) __asm__("crc32b %1, %0" : "+r"(c32) : "rm"(*p));
  return ~c32;
}

const bool kHaveSse42 = __builtin_cpu_supports("sse4.2");
#endif

}  // namespace

std::uint32_t crc32c(const void* data, std::size_t n, std::uint32_t crc) noexcept {
#ifdef PYMSG_CRC32C_SSE42
  if (kHaveSse42) return crc32c_sse42(data, n, crc);
#endif
  return crc32c_portable(data, n, crc);
}

std::uint32_t crc32c_portable(const void* data, std::size_t n, std::uint32_t crc) noexcept {
  const auto* p = static_cast<const unsigned char*>(data);
  const auto& t = kTables.t;
  crc = ~crc;
  while (n >= 8) {
    const std::uint32_t low = crc ^ (static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
                                     static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24);
    crc = t[7][low & 0xFFu] ^ t[6][(low >> 8) & 0xFFu] ^ t[5][(low >> 16) & 0xFFu] ^ t[4][low >> 24] ^
          t[3][p[4]] ^ t[2][p[5]] ^ t[1][p[6]] ^ t[0][p[7]];
    p += 8;
    n -= 8;
  }
  while (n-- > 0) crc = (crc >> 8) ^ t[0][(crc ^ *p++) & 0xFFu];
  return ~crc;
}

}  // namespace pymsg::durability
