#include "pymsg/common/message_attributes.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "pymsg/common/errors.hpp"
#include "pymsg/common/limits.hpp"
#include "pymsg/common/validation.hpp"

namespace pymsg {
namespace {

[[noreturn]] void invalid(AttributeRules rules, const std::string& message) {
  throw Error(rules == AttributeRules::kSns ? ErrorCode::ParameterValueInvalid : ErrorCode::InvalidParameterValue,
              message);
}

bool starts_with_ignore_case(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  }
  return true;
}

// Letters (any script: bytes of multi-byte UTF-8 characters), digits, '_', '-' and '.'.
bool is_name_char(unsigned char c) { return std::isalnum(c) || c >= 0x80 || c == '_' || c == '-' || c == '.'; }

void check_name(const std::string& name, AttributeRules rules) {
  const bool sns = rules == AttributeRules::kSns;
  if (name.empty() || name.size() >= kMaxAttributeNameLength) {
    invalid(rules, sns ? "Length of message attribute name must be less than 256 bytes."
                       : "Message (user) attribute names must be shorter than 256 Bytes");
  }
  for (char c : name) {
    if (is_name_char(static_cast<unsigned char>(c))) continue;
    if (!sns) {
      invalid(rules, "Message (user) attributes name can only contain upper and lower score characters, digits, "
                     "periods, hyphens and underscores. ");  // sic: AWS ends it with a space
    }
    char code[8];
    std::snprintf(code, sizeof code, "#x%X", static_cast<unsigned>(static_cast<unsigned char>(c)));
    invalid(rules, std::string("Invalid non-alphanumeric character '") + code +
                       "' was found in the message attribute name. Can only include alphanumeric characters, "
                       "hyphens, underscores, or dots.");
  }
  if (sns) {
    if (name.front() == '.') invalid(rules, "Invalid message attribute name starting with character '.' was found.");
    if (name.back() == '.') invalid(rules, "Invalid message attribute name ending with character '.' was found.");
    if (name.find("..") != std::string::npos) {
      invalid(rules, "Message attribute name can not have successive '.' character.");
    }
    return;
  }
  if (name.front() == '.' || name.back() == '.' || name.find("..") != std::string::npos ||
      starts_with_ignore_case(name, "aws.") || starts_with_ignore_case(name, "amazon.")) {
    invalid(rules, "You can't use message attribute names beginning with 'AWS.' or 'Amazon.'. These strings are "
                   "reserved for internal use. Additionally, they cannot start or end with '.'.");
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

std::string encode_message_attributes(std::vector<MessageAttribute>& attributes, std::uint32_t max_count,
                                      AttributeRules rules) {
  const bool sns = rules == AttributeRules::kSns;
  if (attributes.size() > max_count) {
    invalid(rules, "Number of message attributes [" + std::to_string(attributes.size()) +
                       "] exceeds the allowed maximum [" + std::to_string(max_count) + "].");
  }
  std::sort(attributes.begin(), attributes.end(),
            [](const MessageAttribute& a, const MessageAttribute& b) { return a.name < b.name; });
  std::size_t total = 0;
  for (std::size_t i = 0; i < attributes.size(); ++i) {
    const MessageAttribute& a = attributes[i];
    check_name(a.name, rules);
    if (i > 0 && attributes[i - 1].name == a.name) {
      invalid(rules, "Message attribute name '" + a.name + "' is repeated.");  // only the Python API can repeat one
    }
    const std::string_view base = base_type(a.data_type);
    const bool label_ok = a.data_type.size() == base.size() || a.data_type.size() > base.size() + 1;
    if (!label_ok || !(base == "String" || base == "Number" || base == "Binary")) {
      invalid(rules, sns ? "The message attribute '" + a.name + "' has an invalid message attribute type, the set "
                           "of supported type prefixes is Binary, Number, and String."
                         : "The type of message (user) attribute '" + a.name + "' is invalid. You must use only "
                           "the following supported type prefixes: Binary, Number, String.");
    }
    if (!sns && a.data_type.size() >= kMaxAttributeTypeLength) {
      invalid(rules, "Message (user) attribute types must be shorter than 256 Bytes");
    }
    const std::string base_name(base);
    if (sns && (base == "Binary") != a.binary) {
      invalid(rules, "The message attribute '" + a.name + "' with type '" + base_name + "' must use field '" +
                         (base == "Binary" ? "Binary" : "String") + "'.");
    }
    if (a.value.empty() || (base == "Binary") != a.binary) {
      invalid(rules, sns ? "The message attribute '" + a.name + "' must contain non-empty message attribute value "
                           "for message attribute type '" + base_name + "'."
                         : "Message (user) attribute '" + a.name + "' must contain a non-empty value of type '" +
                           base_name + "'.");
    }
    if (base == "Number" && !is_valid_number(a.value)) {
      invalid(rules, sns ? "Could not cast message attribute '" + a.name + "' value to number."
                         : "Can't cast the value of message (user) attribute '" + a.name + "' to a number.");
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
