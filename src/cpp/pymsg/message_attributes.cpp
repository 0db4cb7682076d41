#include "pymsg/message_attributes.hpp"

#include <algorithm>
#include <cctype>

#include "pymsg/errors.hpp"
#include "pymsg/limits.hpp"
#include "pymsg/validation.hpp"

namespace pymsg {
namespace {

[[noreturn]] void invalid(const std::string& why) {
  throw Error(ErrorCode::InvalidParameterValue, "Message attribute " + why);
}

bool starts_with_ignore_case(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  }
  return true;
}

void check_name(const std::string& name) {
  if (name.empty() || name.size() > kMaxAttributeNameLength) {
    invalid("name '" + name.substr(0, 300) + "' must be 1 to 256 characters.");
  }
  for (char c : name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.')) {
      invalid("name '" + name + "' can only contain alphanumerics, '_', '-' and '.'.");
    }
  }
  if (name.front() == '.' || name.back() == '.' || name.find("..") != std::string::npos) {
    invalid("name '" + name + "' cannot start or end with '.' or contain '..'.");
  }
  if (starts_with_ignore_case(name, "aws.") || starts_with_ignore_case(name, "amazon.")) {
    invalid("name '" + name + "' cannot start with 'AWS.' or 'Amazon.' (reserved).");
  }
}

// The base type (String, Number, Binary) of a data type with an optional ".label".
std::string_view base_type(std::string_view data_type) {
  return data_type.substr(0, data_type.find('.'));
}

// A Number: [-+]digits[.digits][(e|E)[-+]digits] with at most 38 significant digits, in AWS's
// range -10^128 .. 10^126.
bool is_valid_number(std::string_view s) {
  std::size_t i = 0;
  const bool negative = !s.empty() && s[0] == '-';
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) ++i;
  std::string digits;  // integer then fraction digits, without the point
  std::size_t int_digits = 0;
  for (; i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])); ++i) digits += s[i];
  int_digits = digits.size();
  if (i < s.size() && s[i] == '.') {
    for (++i; i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])); ++i) digits += s[i];
  }
  if (digits.empty()) return false;
  long exponent = 0;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    const bool exp_negative = i + 1 < s.size() && s[i + 1] == '-';
    if (i + 1 < s.size() && (s[i + 1] == '-' || s[i + 1] == '+')) ++i;
    const std::size_t first = ++i;
    for (; i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])); ++i) {
      exponent = std::min(exponent * 10 + (s[i] - '0'), 1'000'000L);
    }
    if (i == first) return false;
    if (exp_negative) exponent = -exponent;
  }
  if (i != s.size()) return false;
  const std::size_t first_nonzero = digits.find_first_not_of('0');
  if (first_nonzero == std::string::npos) return true;  // zero
  const std::size_t last_nonzero = digits.find_last_not_of('0');
  if (last_nonzero - first_nonzero + 1 > 38) return false;
  // Decimal exponent of the leading digit: 123.4 -> 2, 0.05 -> -2.
  const long magnitude =
      static_cast<long>(int_digits) - 1 - static_cast<long>(first_nonzero) + exponent;
  return magnitude <= (negative ? 128 : 126);
}

void put_len(std::string& out, std::size_t n) {
  out.push_back(static_cast<char>((n >> 24) & 0xFF));
  out.push_back(static_cast<char>((n >> 16) & 0xFF));
  out.push_back(static_cast<char>((n >> 8) & 0xFF));
  out.push_back(static_cast<char>(n & 0xFF));
}

}  // namespace

std::string encode_message_attributes(std::vector<MessageAttribute>& attributes,
                                      std::uint32_t max_count) {
  if (attributes.size() > max_count) {
    throw Error(ErrorCode::InvalidParameterValue,
                "Number of message attributes [" + std::to_string(attributes.size()) +
                    "] exceeds the allowed maximum [" + std::to_string(max_count) + "].");
  }
  std::sort(attributes.begin(), attributes.end(),
            [](const MessageAttribute& a, const MessageAttribute& b) { return a.name < b.name; });
  std::size_t total = 0;
  for (std::size_t i = 0; i < attributes.size(); ++i) {
    const MessageAttribute& a = attributes[i];
    check_name(a.name);
    if (i > 0 && attributes[i - 1].name == a.name) invalid("name '" + a.name + "' is repeated.");
    const std::string_view base = base_type(a.data_type);
    const bool label_ok = a.data_type.size() == base.size() || a.data_type.size() > base.size() + 1;
    if (a.data_type.size() > kMaxAttributeTypeLength || !label_ok ||
        !(base == "String" || base == "Number" || base == "Binary")) {
      invalid("'" + a.name + "' has an invalid DataType '" + a.data_type.substr(0, 300) +
              "': use String, Number or Binary, optionally followed by '.label'.");
    }
    if (a.value.empty()) invalid("'" + a.name + "' must have a non-empty value.");
    if ((base == "Binary") != a.binary) {
      invalid("'" + a.name + "' of type " + a.data_type + " needs a " +
              (base == "Binary" ? "BinaryValue" : "StringValue") + ".");
    }
    if (base == "Number" && !is_valid_number(a.value)) {
      invalid("'" + a.name + "' has an invalid Number value '" + a.value.substr(0, 300) +
              "' (at most 38 significant digits, between -10^128 and 10^126).");
    }
    if (!a.binary && !is_valid_message_text(a.value)) {
      throw Error(ErrorCode::InvalidMessageContents,
                  "Message attribute '" + a.name + "' contains characters outside the allowed set "
                  "(#x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF).");
    }
    total += 13 + a.name.size() + a.data_type.size() + a.value.size();
  }
  std::string out;
  out.reserve(total);
  for (const MessageAttribute& a : attributes) {
    put_len(out, a.name.size());
    out += a.name;
    put_len(out, a.data_type.size());
    out += a.data_type;
    out.push_back(a.binary ? '\2' : '\1');
    put_len(out, a.value.size());
    out += a.value;
  }
  return out;
}

std::uint64_t message_attributes_size(std::string_view encoded) noexcept {
  std::uint64_t size = 0;
  for_each_message_attribute(encoded, [&](const AttributeView& a) {
    size += a.name.size() + a.data_type.size() + a.value.size();
  });
  return size;
}

}  // namespace pymsg
