// A small JSON reader (RFC 8259) for what the core must read: SNS filter policies, message
// bodies under the MessageBody filter scope, and MessageStructure=json messages. It builds a
// DOM of JsonValue; numbers keep their text and a double. Writing JSON is the callers' (they
// write fixed shapes with json_escape).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pymsg {

struct JsonValue {
  enum class Kind : unsigned char { kNull, kBool, kNumber, kString, kArray, kObject };
  Kind kind = Kind::kNull;
  bool boolean = false;
  double number = 0;
  std::string text;                                        // a string's value, or a number's source text
  std::vector<JsonValue> items;                            // array
  std::vector<std::pair<std::string, JsonValue>> members;  // object, in document order

  const JsonValue* find(std::string_view key) const noexcept;  // an object's member, or nullptr
  bool is(Kind k) const noexcept { return kind == k; }
};

// Parses `text` (one value, surrounding whitespace allowed). False with `error` describing where
// and what on malformed input; nesting deeper than 64 is refused.
bool parse_json(std::string_view text, JsonValue& out, std::string& error);

// Appends `s` as a JSON string literal (quotes included) to `out`.
void json_escape(std::string_view s, std::string& out);

}  // namespace pymsg
