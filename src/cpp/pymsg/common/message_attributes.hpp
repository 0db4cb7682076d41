// SQS message attributes: validation, their size, and one compact encoding.
//
// The encoding is the exact byte string that AWS feeds to MD5 for MD5OfMessageAttributes:
// for each attribute in ascending name order,
//   u32be len + name, u32be len + data type, then 0x01 + u32be len + string value (String,
//   Number) or 0x02 + u32be len + raw bytes (Binary).
// Storing attributes in that form costs one string per message, makes the MD5 a single pass, and
// decodes back into the AWS shape on demand. Invariant: a stored encoding was produced by
// encode_message_attributes and is therefore well-formed.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace pymsg {

struct MessageAttribute {
  std::string name;       // letters, digits, '_', '-', '.'; 1 to 255 bytes, case-sensitive
  std::string data_type;  // String | Number | Binary, optionally ".label"
  std::string value;      // StringValue (UTF-8) or the raw BinaryValue bytes
  bool binary = false;    // true for a BinaryValue
};

// Whose rules and words apply: SQS's (InvalidParameterValue, "Message (user) attribute ...") or
// SNS's (ParameterValueInvalid, "The message attribute ..."). Both take letters of any script.
enum class AttributeRules : std::uint8_t { kSqs, kSns };

// Validates the attributes (count, names, types, values) and returns their encoding; sorts
// `attributes` by name. Throws InvalidParameterValue (ParameterValueInvalid for SNS) or
// InvalidMessageContents. O(n log n).
std::string encode_message_attributes(std::vector<MessageAttribute>& attributes, std::uint32_t max_count,
                                      AttributeRules rules = AttributeRules::kSqs);

// Bytes the attributes count toward the message size limit: name + data type + value, summed.
std::uint64_t message_attributes_size(std::string_view encoded) noexcept;

// One attribute viewed inside an encoding; valid while the encoding lives.
struct AttributeView {
  std::string_view name;
  std::string_view data_type;
  std::string_view value;
  bool binary;
};

// Calls f(AttributeView) for each attribute of an encoding, in name order.
template <class F>
void for_each_message_attribute(std::string_view encoded, F&& f) {
  std::size_t pos = 0;
  auto take = [&](std::size_t n) {
    std::string_view out = encoded.substr(pos, n);
    pos += n;
    return out;
  };
  auto take_len = [&]() {
    const auto* b = reinterpret_cast<const unsigned char*>(encoded.data() + pos);
    pos += 4;
    return (std::size_t{b[0]} << 24) | (std::size_t{b[1]} << 16) | (std::size_t{b[2]} << 8) |
           std::size_t{b[3]};
  };
  while (pos < encoded.size()) {
    AttributeView view{};
    view.name = take(take_len());
    view.data_type = take(take_len());
    view.binary = encoded[pos++] == 2;
    view.value = take(take_len());
    f(view);
  }
}

}  // namespace pymsg
