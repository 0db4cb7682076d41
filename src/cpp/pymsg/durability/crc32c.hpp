// CRC-32C (Castagnoli, the iSCSI polynomial 0x1EDC6F41), the checksum of each write-ahead log
// record, as Kafka, ext4 and LevelDB use it. On x86-64 with SSE 4.2 (checked at run time) the
// CPU's crc32 instruction, 8 bytes a step; elsewhere software slicing by 8 bytes. Each log record
// is checksummed on the caller's thread, so the hardware path is what keeps a record's cost
// small (it took about a third of the log's share of an SQS cycle in software).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace pymsg::durability {

// The CRC-32C of `n` bytes, continuing from `crc` (0 to start). crc32c("123456789") is 0xE3069283.
std::uint32_t crc32c(const void* data, std::size_t n, std::uint32_t crc = 0) noexcept;

// The software path, whatever the CPU (tests compare the two).
std::uint32_t crc32c_portable(const void* data, std::size_t n, std::uint32_t crc = 0) noexcept;

inline std::uint32_t crc32c(std::string_view bytes, std::uint32_t crc = 0) noexcept {
  return crc32c(bytes.data(), bytes.size(), crc);
}

}  // namespace pymsg::durability
