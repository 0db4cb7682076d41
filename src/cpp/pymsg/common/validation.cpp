#include "pymsg/common/validation.hpp"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>

#include "pymsg/common/errors.hpp"
#include "pymsg/common/limits.hpp"

namespace pymsg {
namespace {

// [A-Za-z0-9_-] as a table: batch entry ids are checked on every batch call.
struct IdCharTable {
  bool allowed[256];
  constexpr IdCharTable() : allowed() {
    for (int c = 0; c < 256; ++c) {
      allowed[c] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                   c == '_' || c == '-';
    }
  }
};
constexpr IdCharTable kIdChars;

bool is_id_char(unsigned char c) noexcept { return kIdChars.allowed[c]; }

}  // namespace

std::string format_number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.15g", value);
  return text;
}

bool is_valid_message_text(std::string_view utf8) noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(utf8.data());
  const auto* end = p + utf8.size();
  while (p < end) {
    // Fast path: 8 bytes of printable ASCII (no byte < 0x20, none >= 0x80) at a time.
    if (end - p >= 8) {
      std::uint64_t word;
      std::memcpy(&word, p, 8);
      constexpr std::uint64_t kOnes = 0x0101010101010101ULL, kHigh = 0x8080808080808080ULL;
      const std::uint64_t below_space = (word - kOnes * 0x20) & ~word & kHigh;
      if (((word & kHigh) | below_space) == 0) {
        p += 8;
        continue;
      }
    }
    const unsigned char c = *p;
    if (c < 0x80) {  // ASCII: printable, tab, LF, CR
      if (c < 0x20 && c != 0x09 && c != 0x0A && c != 0x0D) return false;
      ++p;
      continue;
    }
    std::uint32_t cp;
    int extra;
    if ((c & 0xE0) == 0xC0) {
      cp = c & 0x1Fu, extra = 1;
    } else if ((c & 0xF0) == 0xE0) {
      cp = c & 0x0Fu, extra = 2;
    } else if ((c & 0xF8) == 0xF0) {
      cp = c & 0x07u, extra = 3;
    } else {
      return false;
    }
    if (end - p <= extra) return false;
    for (int i = 1; i <= extra; ++i) {
      if ((p[i] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i] & 0x3Fu);
    }
    static constexpr std::uint32_t kMinForLength[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMinForLength[extra]) return false;             // overlong encoding
    if (cp >= 0xD800 && cp <= 0xDFFF) return false;          // surrogates
    if (cp == 0xFFFE || cp == 0xFFFF || cp > 0x10FFFF) return false;
    p += extra + 1;
  }
  return true;
}

void check_queue_name(std::string_view name) {
  std::string_view stem = name;
  constexpr std::string_view kFifo = ".fifo";
  const bool fifo = stem.size() > kFifo.size() && stem.substr(stem.size() - kFifo.size()) == kFifo;
  if (fifo) stem.remove_suffix(kFifo.size());
  bool ok = !stem.empty() && name.size() <= kMaxQueueNameLength;
  for (char c : stem) ok = ok && is_id_char(static_cast<unsigned char>(c));
  if (ok) return;
  throw Error(ErrorCode::InvalidParameterValue,
              fifo ? "The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, "
                     "must end with .fifo suffix and be 1 to 80 in length"
                   : "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length");
}

bool is_valid_batch_entry_id(std::string_view id) noexcept {
  if (id.empty() || id.size() > kMaxBatchEntryIdLength) return false;
  for (char c : id) {
    if (!is_id_char(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

void check_fifo_id(std::string_view value, const char* parameter) {
  bool ok = !value.empty() && value.size() <= kMaxFifoIdLength;
  for (char c : value) ok = ok && c >= 0x21 && c <= 0x7E;  // alphanumerics and punctuation
  if (!ok) {
    throw Error(ErrorCode::InvalidParameterValue,
                "Value " + std::string(value.substr(0, 200)) + " for parameter " + parameter +
                    " is invalid. Reason: " + parameter +
                    " can only include alphanumeric and punctuation characters. 1 to 128 in length.");
  }
}

Error invalid_max_messages(std::int64_t value, std::uint32_t limit) {
  return Error(ErrorCode::InvalidParameterValue,
               "Value " + std::to_string(value) + " for parameter MaxNumberOfMessages is invalid. Reason: Must be "
               "between 1 and " + std::to_string(limit) + ", if provided.");
}

void check_seconds_range(double seconds, std::int64_t lo, std::int64_t hi, const char* parameter) {
  if (!std::isfinite(seconds) || seconds < static_cast<double>(lo) ||
      seconds > static_cast<double>(hi)) {
    std::string shown = std::isfinite(seconds) ? format_number(seconds) : std::string("nan/inf");
    throw Error(ErrorCode::InvalidParameterValue,
                "Value " + shown + " for parameter " + parameter + " is invalid. Reason: " + parameter +
                    " must be >= " + std::to_string(lo) + " and <= " + std::to_string(hi) + ".");
  }
}

}  // namespace pymsg
