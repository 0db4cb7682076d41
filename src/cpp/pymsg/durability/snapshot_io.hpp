// Little-endian integers and length-prefixed strings for the core's snapshots (Queue::dump,
// Stream::dump; pymsg serve --state) and the write-ahead log's records. A reader that runs out or
// finds nonsense throws InvalidParameterValue naming what it was reading.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "pymsg/common/clock.hpp"
#include "pymsg/common/errors.hpp"

namespace pymsg {

// Writes into `Out`: a std::string (snapshots) or a durability::RecordBuffer (log records, whose
// appends are inline: a field costs a bounds check and a store, not a library call).
template <class Out>
class BasicWriter {
 public:
  explicit BasicWriter(Out& out) : out_(out) {}
  void raw(const void* data, std::size_t n) { out_.append(static_cast<const char*>(data), n); }
  void u8(std::uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void u32(std::uint32_t v) { uint(v, 4); }
  void u64(std::uint64_t v) { uint(v, 8); }
  void i64(TimeUs v) { uint(static_cast<std::uint64_t>(v), 8); }
  void str(std::string_view s) {
    u32(static_cast<std::uint32_t>(s.size()));
    raw(s.data(), s.size());
  }
  std::size_t position() const { return out_.size(); }
  void patch_u64(std::size_t at, std::uint64_t v) {
    for (int i = 0; i < 8; ++i) out_[at + static_cast<std::size_t>(i)] = static_cast<char>((v >> (8 * i)) & 0xFF);
  }

 private:
  void uint(std::uint64_t v, int bytes) {  // one append, not a push_back a byte
    char b[8];
    for (int i = 0; i < 8; ++i) b[i] = static_cast<char>((v >> (8 * i)) & 0xFF);
    out_.append(b, static_cast<std::size_t>(bytes));
  }
  Out& out_;
};

using SnapshotWriter = BasicWriter<std::string>;

class SnapshotReader {
 public:
  SnapshotReader(std::string_view in, const char* what) : in_(in), what_(what) {}
  std::string_view take(std::size_t n) {
    if (in_.size() - pos_ < n) fail("it is truncated");
    std::string_view out = in_.substr(pos_, n);
    pos_ += n;
    return out;
  }
  std::uint8_t u8() { return static_cast<std::uint8_t>(take(1)[0]); }
  std::uint32_t u32() { return static_cast<std::uint32_t>(uint(4)); }
  std::uint64_t u64() { return uint(8); }
  TimeUs i64() { return static_cast<TimeUs>(uint(8)); }
  std::string_view str() { return take(u32()); }
  bool done() const { return pos_ == in_.size(); }
  // Reads the dump's four-byte format mark; fails unless it is `magic`.
  void expect_magic(std::string_view magic) {
    if (take(magic.size()) != magic) fail("it does not start with " + std::string(magic));
  }

  [[noreturn]] void fail(const std::string& why) const {
    throw Error(ErrorCode::InvalidParameterValue, std::string("Not a pymsg ") + what_ + ": " + why + ".");
  }

 private:
  std::uint64_t uint(int bytes) {
    std::string_view b = take(static_cast<std::size_t>(bytes));
    std::uint64_t v = 0;
    for (int i = bytes - 1; i >= 0; --i) v = v << 8 | static_cast<std::uint8_t>(b[static_cast<std::size_t>(i)]);
    return v;
  }
  std::string_view in_;
  const char* what_;  // "queue snapshot", for messages
  std::size_t pos_ = 0;
};

}  // namespace pymsg
