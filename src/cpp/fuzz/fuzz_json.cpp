// libFuzzer harness: the core's JSON parser (parse_json), which every filter policy, message body
// filter and JSON attribute goes through. Any input must parse or be refused with a message; a
// parsed value's strings, escaped again with json_escape, must parse back to the same text.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "pymsg/common/json.hpp"

namespace {

void check_strings(const pymsg::JsonValue& v) {
  if (v.is(pymsg::JsonValue::Kind::kString)) {
    std::string literal;
    pymsg::json_escape(v.text, literal);
    pymsg::JsonValue again;
    std::string error;
    if (!pymsg::parse_json(literal, again, error) || !again.is(pymsg::JsonValue::Kind::kString) ||
        again.text != v.text) {
      std::abort();  // json_escape wrote something parse_json does not read back
    }
  }
  for (const auto& item : v.items) check_strings(item);
  for (const auto& member : v.members) check_strings(member.second);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  pymsg::JsonValue value;
  std::string error;
  if (pymsg::parse_json(text, value, error)) {
    check_strings(value);
  } else if (error.empty()) {
    std::abort();  // a refusal always says why
  }
  return 0;
}
