// SNS subscription filter policies, compiled once at subscribe time.
//
// A policy is a JSON object. Its keys are ANDed; the array under a key lists conditions that are
// ORed; "$or": [policy, policy, ...] ORs whole sub-policies at any level. Conditions: exact
// strings, numbers, booleans and null; {"prefix"}, {"suffix"}, {"equals-ignore-case"};
// {"anything-but": value | [values] | {"prefix"|"suffix"|"equals-ignore-case": ...}};
// {"numeric": ["=", n]} or a range ([">"|">=", low, "<"|"<=", high], either half alone);
// {"exists": true|false}; {"cidr": "10.0.0.0/24"} (IPv4 or IPv6).
// Scope MessageAttributes (the default) matches String, String.Array (any element) and Number
// attributes, and allows no nesting; scope MessageBody matches a JSON object body, nested and
// dotted keys alike ({"a": {"b": ..}} is "a.b") and through arrays of objects (a body that is no
// JSON object matches nothing). Numbers compare to six decimal places. AWS's limits are checked
// at compile time: 5 top-level keys, 150 combinations (a list counts its length times its depth,
// $or branches add), 256 KB of policy.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "pymsg/common/json.hpp"

namespace pymsg {

// One message attribute as a filter sees it.
struct FilterAttribute {
  std::string_view name;
  std::string_view data_type;  // "String", "String.Array", "Number", "Binary" (a custom ".suffix" allowed)
  std::string_view value;      // text (Binary values never match)
};

class FilterPolicy {
 public:
  enum class Scope : unsigned char { kMessageAttributes, kMessageBody };

  // InvalidParameter ("Invalid parameter: FilterPolicy: ...") when the policy is malformed or
  // passes a limit.
  static std::shared_ptr<const FilterPolicy> compile(std::string_view json, Scope scope);

  Scope scope() const noexcept { return scope_; }
  bool matches_attributes(const std::vector<FilterAttribute>& attributes) const;
  // `body` is the message parsed once per publish; nullptr when it is not JSON (no match).
  bool matches_body(const JsonValue* body) const;

  struct Condition;
  struct Rule;
  struct Node;

 private:
  Scope scope_ = Scope::kMessageAttributes;
  std::shared_ptr<const Node> root_;
};

}  // namespace pymsg
