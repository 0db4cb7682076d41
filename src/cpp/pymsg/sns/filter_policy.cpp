#include "pymsg/sns/filter_policy.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstring>

#include "pymsg/common/errors.hpp"

namespace pymsg {
namespace {

constexpr std::size_t kMaxPolicyBytes = 256 * 1024;
constexpr std::size_t kMaxKeys = 5;
constexpr std::size_t kMaxCombinations = 150;

// AWS compares numbers to six decimal places, rounded (its documentation says five, but
// 1.000001 and 1.000002 differ there while 1.0000001 and 1.0000002 do not), and takes any
// number in a policy.
double comparable(double n) { return std::nearbyint(n * 1e6); }

[[noreturn]] void invalid(const std::string& why) {
  throw Error(ErrorCode::InvalidParameter, "Invalid parameter: FilterPolicy: " + why);
}

// A value a condition is tested against: one attribute value, or one element of an array.
struct Candidate {
  JsonValue::Kind kind;
  std::string_view text;  // strings
  double number = 0;      // numbers
  bool boolean = false;
};

bool lower_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

bool starts_with(std::string_view s, std::string_view p) { return s.size() >= p.size() && s.substr(0, p.size()) == p; }
bool ends_with(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.substr(s.size() - p.size()) == p;
}

// An IPv4 or IPv6 address as 16 bytes (IPv4 mapped into ::ffff:0:0/96). False when malformed.
bool parse_ip(std::string_view s, std::array<unsigned char, 16>& out, bool& v4) {
  out.fill(0);
  if (s.find(':') == std::string_view::npos) {
    v4 = true;
    out[10] = out[11] = 0xFF;
    int part = 0;
    std::size_t i = 0;
    while (part < 4) {
      if (i >= s.size() || !std::isdigit(static_cast<unsigned char>(s[i]))) return false;
      unsigned v = 0;
      std::size_t digits = 0;
      while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])) && digits < 4) {
        v = v * 10 + static_cast<unsigned>(s[i++] - '0');
        ++digits;
      }
      if (v > 255) return false;
      out[12 + static_cast<std::size_t>(part++)] = static_cast<unsigned char>(v);
      if (part < 4) {
        if (i >= s.size() || s[i] != '.') return false;
        ++i;
      }
    }
    return i == s.size();
  }
  v4 = false;  // groups of hex, one "::" allowed
  std::vector<unsigned> head, tail;
  std::vector<unsigned>* groups = &head;
  std::size_t i = 0;
  if (starts_with(s, "::")) {
    groups = &tail;
    i = 2;
  }
  while (i < s.size()) {
    unsigned v = 0;
    std::size_t digits = 0;
    while (i < s.size() && std::isxdigit(static_cast<unsigned char>(s[i])) && digits < 4) {
      const char c = static_cast<char>(std::tolower(static_cast<unsigned char>(s[i++])));
      v = v * 16 + static_cast<unsigned>(c <= '9' ? c - '0' : c - 'a' + 10);
      ++digits;
    }
    if (digits == 0) return false;
    groups->push_back(v);
    if (i == s.size()) break;
    if (s[i] != ':') return false;
    ++i;
    if (i < s.size() && s[i] == ':') {
      if (groups == &tail) return false;
      groups = &tail;
      ++i;
    }
  }
  if (head.size() + tail.size() > 8 || (groups == &head && head.size() != 8)) return false;
  std::size_t g = 0;
  for (unsigned v : head) out[2 * g] = static_cast<unsigned char>(v >> 8), out[2 * g + 1] = static_cast<unsigned char>(v), ++g;
  g = 8 - tail.size();
  for (unsigned v : tail) out[2 * g] = static_cast<unsigned char>(v >> 8), out[2 * g + 1] = static_cast<unsigned char>(v), ++g;
  return true;
}

}  // namespace

struct FilterPolicy::Condition {
  enum class Kind : unsigned char {
    kString, kNumber, kBoolean, kNull, kPrefix, kSuffix, kEqualsIgnoreCase, kAnythingBut,
    kAnythingButPrefix, kAnythingButSuffix, kAnythingButEqualsIgnoreCase, kNumeric, kExists, kCidr
  };
  Kind kind = Kind::kString;
  std::string text;                    // strings, prefixes, suffixes
  double number = 0;
  bool flag = false;                   // booleans, exists
  std::vector<Condition> excluded;     // anything-but values (kString / kNumber conditions)
  bool has_low = false, low_inclusive = false, has_high = false, high_inclusive = false;
  double low = 0, high = 0;            // numeric range ("=" is [n, n])
  std::array<unsigned char, 16> net{};  // cidr
  unsigned prefix_bits = 0;

  bool matches(const Candidate& c) const {
    switch (kind) {
      case Kind::kString: return c.kind == JsonValue::Kind::kString && c.text == text;
      case Kind::kNumber: return c.kind == JsonValue::Kind::kNumber && comparable(c.number) == comparable(number);
      case Kind::kBoolean: return c.kind == JsonValue::Kind::kBool && c.boolean == flag;
      case Kind::kNull: return c.kind == JsonValue::Kind::kNull;
      case Kind::kPrefix: return c.kind == JsonValue::Kind::kString && starts_with(c.text, text);
      case Kind::kSuffix: return c.kind == JsonValue::Kind::kString && ends_with(c.text, text);
      case Kind::kEqualsIgnoreCase: return c.kind == JsonValue::Kind::kString && lower_equal(c.text, text);
      case Kind::kAnythingBut:
        return std::none_of(excluded.begin(), excluded.end(), [&](const Condition& x) { return x.matches(c); });
      case Kind::kAnythingButPrefix: return c.kind == JsonValue::Kind::kString && !starts_with(c.text, text);
      case Kind::kAnythingButSuffix: return c.kind == JsonValue::Kind::kString && !ends_with(c.text, text);
      case Kind::kAnythingButEqualsIgnoreCase: return c.kind == JsonValue::Kind::kString && !lower_equal(c.text, text);
      case Kind::kNumeric: {
        if (c.kind != JsonValue::Kind::kNumber) return false;
        const double x = comparable(c.number), lo = comparable(low), hi = comparable(high);
        return (!has_low || (low_inclusive ? x >= lo : x > lo)) && (!has_high || (high_inclusive ? x <= hi : x < hi));
      }
      case Kind::kCidr: {
        if (c.kind != JsonValue::Kind::kString) return false;
        std::array<unsigned char, 16> ip;
        bool v4 = false;
        if (!parse_ip(c.text, ip, v4)) return false;
        for (unsigned bit = 0; bit < prefix_bits; ++bit) {
          const unsigned mask = 0x80u >> (bit % 8);
          if ((ip[bit / 8] & mask) != (net[bit / 8] & mask)) return false;
        }
        return true;
      }
      case Kind::kExists: return true;  // presence is decided by the rule
    }
    return false;
  }
};

struct FilterPolicy::Rule {
  std::vector<std::string> path;        // one key (attributes), or the nested keys (body)
  std::vector<Condition> any;           // ORed
};

struct FilterPolicy::Node {
  std::vector<Rule> rules;                                 // ANDed
  std::vector<std::vector<std::shared_ptr<Node>>> ors;     // each: one of its nodes must match
};

namespace {

using Condition = FilterPolicy::Condition;
using Rule = FilterPolicy::Rule;
using Node = FilterPolicy::Node;
using Kind = Condition::Kind;

Condition exact(const JsonValue& v) {
  Condition c;
  switch (v.kind) {
    case JsonValue::Kind::kString: c.kind = Kind::kString; c.text = v.text; break;
    case JsonValue::Kind::kNumber: c.kind = Kind::kNumber; c.number = v.number; break;
    case JsonValue::Kind::kBool: c.kind = Kind::kBoolean; c.flag = v.boolean; break;
    case JsonValue::Kind::kNull: c.kind = Kind::kNull; break;
    default: invalid("Match value must be String, number, true, false, or null");
  }
  return c;
}

std::string string_operand(const JsonValue& v, const char* op) {
  if (!v.is(JsonValue::Kind::kString)) invalid(std::string(op) + " match pattern must be a string");
  return v.text;
}

// AWS's numeric grammar and words: ["=", n], [op, n] or [">"|">=", n, "<"|"<=", n].
Condition numeric(const JsonValue& v) {
  Condition c;
  c.kind = Kind::kNumeric;
  if (!v.is(JsonValue::Kind::kArray) || v.items.empty()) invalid("Invalid member in numeric match: ]");
  auto value_of = [&](std::size_t i, const std::string& op) {
    if (i >= v.items.size() || !v.items[i].is(JsonValue::Kind::kNumber)) {
      invalid("Value of " + (op == "=" ? std::string("equals") : op) + " must be numeric");
    }
    return v.items[i].number;
  };
  const JsonValue& first = v.items[0];
  if (!first.is(JsonValue::Kind::kString)) invalid("Invalid member in numeric match: " + first.text);
  const std::string& op = first.text;
  if (op == "=") {
    c.has_low = c.has_high = c.low_inclusive = c.high_inclusive = true;
    c.low = c.high = value_of(1, op);
    if (v.items.size() > 2) invalid("Too many elements in numeric expression");
    return c;
  }
  if (op == "<" || op == "<=") {
    c.has_high = true, c.high_inclusive = op == "<=", c.high = value_of(1, op);
    if (v.items.size() > 2) invalid("Too many elements in numeric expression");
    return c;
  }
  if (op != ">" && op != ">=") invalid("Unrecognized numeric range operator: " + op);
  c.has_low = true, c.low_inclusive = op == ">=", c.low = value_of(1, op);
  if (v.items.size() == 2) return c;
  const JsonValue& second = v.items[2];
  if (!second.is(JsonValue::Kind::kString)) invalid("Bad value in numeric range: " + second.text);
  const std::string& upper = second.text;
  if (upper != "<" && upper != "<=") invalid("Bad numeric range operator: " + upper);
  c.has_high = true, c.high_inclusive = upper == "<=", c.high = value_of(3, upper);
  if (v.items.size() > 4) invalid("Too many terms in numeric range expression");
  if (comparable(c.low) >= comparable(c.high)) invalid("Bottom must be less than top");
  return c;
}

Condition cidr(const JsonValue& v) {
  const std::string text = string_operand(v, "prefix");  // AWS words a non-string CIDR as a prefix
  const std::size_t slash = text.find('/');
  Condition c;
  c.kind = Kind::kCidr;
  bool v4 = false;
  if (slash == std::string::npos || !parse_ip(std::string_view(text).substr(0, slash), c.net, v4)) {
    if (slash == std::string::npos) invalid("Malformed CIDR, one '/' required");
    invalid("Nonstandard IP address: " + text.substr(0, slash));
  }
  const std::string bits = text.substr(slash + 1);
  char* end = nullptr;
  const long n = std::strtol(bits.c_str(), &end, 10);
  if (bits.empty() || *end != '\0' || n < 0 || n > (v4 ? 32 : 128)) invalid("Malformed CIDR, mask bits must be an integer");
  c.prefix_bits = static_cast<unsigned>(n) + (v4 ? 96 : 0);
  return c;
}

Condition anything_but(const JsonValue& v) {
  Condition c;
  c.kind = Kind::kAnythingBut;
  if (v.is(JsonValue::Kind::kObject)) {
    if (v.members.size() != 1) invalid("Only one key allowed in match expression");
    const auto& [op, operand] = v.members[0];
    if (op == "prefix") c.kind = Kind::kAnythingButPrefix;
    else if (op == "suffix") c.kind = Kind::kAnythingButSuffix;
    else if (op == "equals-ignore-case") c.kind = Kind::kAnythingButEqualsIgnoreCase;
    else invalid("Unsupported anything-but pattern: " + op);
    c.text = string_operand(operand, op.c_str());
    return c;
  }
  if (v.is(JsonValue::Kind::kArray)) {
    if (v.items.empty()) invalid("Empty arrays are not allowed");
    for (const JsonValue& item : v.items) {
      if (!item.is(JsonValue::Kind::kString) && !item.is(JsonValue::Kind::kNumber)) {
        invalid("Inside anything but list, start|null|boolean is not supported.");
      }
      c.excluded.push_back(exact(item));
    }
    return c;
  }
  if (!v.is(JsonValue::Kind::kString) && !v.is(JsonValue::Kind::kNumber)) {
    invalid("Inside anything but list, start|null|boolean is not supported.");
  }
  c.excluded.push_back(exact(v));
  return c;
}

Condition condition(const JsonValue& v) {
  if (!v.is(JsonValue::Kind::kObject)) return exact(v);
  if (v.members.size() != 1) invalid("Only one key allowed in match expression");
  const auto& [op, operand] = v.members[0];
  Condition c;
  if (op == "prefix") {
    c.kind = Kind::kPrefix, c.text = string_operand(operand, "prefix");
  } else if (op == "suffix") {
    c.kind = Kind::kSuffix, c.text = string_operand(operand, "suffix");
  } else if (op == "equals-ignore-case") {
    c.kind = Kind::kEqualsIgnoreCase, c.text = string_operand(operand, "equals-ignore-case");
  } else if (op == "anything-but") {
    c = anything_but(operand);
  } else if (op == "numeric") {
    c = numeric(operand);
  } else if (op == "exists") {
    if (!operand.is(JsonValue::Kind::kBool)) invalid("exists match pattern must be either true or false.");
    c.kind = Kind::kExists, c.flag = operand.boolean;
  } else if (op == "cidr") {
    c = cidr(operand);
  } else {
    invalid("Unrecognized match type " + op);
  }
  return c;
}

struct Compiler {
  FilterPolicy::Scope scope;

  // Returns the node and its complexity, as AWS counts it: a value list counts its length times
  // its depth (1 at the top), the keys of one object multiply, the branches of a $or add.
  std::shared_ptr<Node> node(const JsonValue& v, std::vector<std::string>& path, std::size_t& combinations) {
    if (!v.is(JsonValue::Kind::kObject)) invalid("Filter policy must be a JSON object");
    auto n = std::make_shared<Node>();
    combinations = 1;
    for (const auto& [key, value] : v.members) {
      std::size_t c = 1;
      if (key == "$or") {
        if (!value.is(JsonValue::Kind::kArray) || value.items.size() < 2) {
          invalid("\"$or\" must be an array of at least two filter policies");
        }
        std::size_t sum = 0;
        auto& group = n->ors.emplace_back();
        for (const JsonValue& branch : value.items) {
          std::size_t bc = 1;
          group.push_back(node(branch, path, bc));
          sum += bc;
        }
        c = sum;
      } else if (value.is(JsonValue::Kind::kArray)) {
        if (scope == FilterPolicy::Scope::kMessageAttributes && !path.empty()) {
          throw Error(ErrorCode::InvalidParameter,
                      "Invalid parameter: Filter policy scope MessageAttributes does not support nested filter policy");
        }
        if (value.items.empty()) invalid("Empty arrays are not allowed");
        Rule& r = n->rules.emplace_back();
        r.path = path;
        r.path.push_back(key);
        for (const JsonValue& item : value.items) {
          if (item.is(JsonValue::Kind::kArray)) invalid("Match value must be String, number, true, false, or null");
          r.any.push_back(condition(item));
        }
        c = value.items.size() * r.path.size();
      } else if (value.is(JsonValue::Kind::kObject)) {  // nested: a body's keys (refused at its lists otherwise)
        path.push_back(key);
        n->ors.push_back({node(value, path, c)});
        path.pop_back();
      } else {
        invalid("\"" + key + "\" must be an object or an array");
      }
      combinations *= c;
      if (combinations > kMaxCombinations) invalid("Filter policy is too complex");
    }
    return n;
  }
};

// Adds the scalar values of `v` (itself, or every scalar inside nested arrays) to `out`.
void add_scalars(const JsonValue& v, std::vector<Candidate>& out) {
  if (v.is(JsonValue::Kind::kArray)) {
    for (const JsonValue& x : v.items) add_scalars(x, out);
  } else if (!v.is(JsonValue::Kind::kObject)) {
    out.push_back({v.kind, v.text, v.number, v.boolean});
  }
}

// Walks `v` under the dotted name `prefix` towards `target`, as AWS flattens a body: nested
// objects and dotted keys are one name ({"a": {"b": 1}} and {"a.b": 1} are both "a.b"), and
// arrays are transparent (a key inside any element of an array of objects is found).
void collect(const JsonValue& v, const std::string& prefix, const std::string& target, std::vector<Candidate>& out) {
  if (v.is(JsonValue::Kind::kArray)) {
    for (const JsonValue& x : v.items) collect(x, prefix, target, out);
    return;
  }
  if (!v.is(JsonValue::Kind::kObject)) return;
  for (const auto& [key, value] : v.members) {
    const std::string name = prefix.empty() ? key : prefix + "." + key;
    if (name == target) {
      add_scalars(value, out);
    } else if (target.size() > name.size() && target.compare(0, name.size(), name) == 0 && target[name.size()] == '.') {
      collect(value, name, target, out);
    }
  }
}

// The values at `path` for body scope; present when there is at least one (an empty array, or
// an object where a value belongs, counts as absent).
bool body_values(const JsonValue* body, const std::vector<std::string>& path, std::vector<Candidate>& out) {
  std::string target;
  for (const std::string& key : path) target += (target.empty() ? "" : ".") + key;
  collect(*body, std::string(), target, out);
  return !out.empty();
}

// The values of one attribute: a String, a Number, or each element of a String.Array.
bool attribute_values(const std::vector<FilterAttribute>& attributes, std::string_view name,
                      std::vector<Candidate>& out, std::vector<JsonValue>& arrays) {
  for (const FilterAttribute& a : attributes) {
    if (a.name != name) continue;
    const std::string_view base = a.data_type.substr(0, a.data_type.find('.'));  // custom ".suffix" dropped
    if (a.data_type == "String.Array" || starts_with(a.data_type, "String.Array.")) {
      JsonValue parsed;
      std::string error;
      if (parse_json(a.value, parsed, error) && parsed.is(JsonValue::Kind::kArray)) {
        arrays.push_back(std::move(parsed));
        for (const JsonValue& x : arrays.back().items) {
          if (!x.is(JsonValue::Kind::kObject) && !x.is(JsonValue::Kind::kArray)) out.push_back({x.kind, x.text, x.number, x.boolean});
        }
      }
    } else if (base == "String") {
      out.push_back({JsonValue::Kind::kString, a.value, 0, false});
    } else if (base == "Number") {
      const std::string text(a.value);
      char* end = nullptr;
      const double n = std::strtod(text.c_str(), &end);
      if (!text.empty() && *end == '\0') out.push_back({JsonValue::Kind::kNumber, a.value, n, false});
    }
    return true;  // present (a Binary attribute is present with no comparable value)
  }
  return false;
}

template <class Values>
bool node_matches(const Node& n, Values&& values_of) {
  for (const Rule& r : n.rules) {
    std::vector<Candidate> candidates;
    std::vector<JsonValue> storage;
    const bool present = values_of(r.path, candidates, storage);
    bool ok = false;
    for (const Condition& c : r.any) {
      if (c.kind == Kind::kExists) {
        ok = present == c.flag;
      } else {
        ok = present && std::any_of(candidates.begin(), candidates.end(), [&](const Candidate& x) { return c.matches(x); });
      }
      if (ok) break;
    }
    if (!ok) return false;
  }
  for (const auto& group : n.ors) {
    if (std::none_of(group.begin(), group.end(), [&](const std::shared_ptr<Node>& b) { return node_matches(*b, values_of); })) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::shared_ptr<const FilterPolicy> FilterPolicy::compile(std::string_view json, Scope scope) {
  if (json.size() > kMaxPolicyBytes) invalid("Filter policy is too long");
  JsonValue doc;
  std::string error;
  if (!parse_json(json, doc, error)) invalid("failed to parse JSON. " + error);
  // Only the top-level keys count toward AWS's limit of 5 ($or is one of them), and before
  // anything else is checked.
  if (doc.is(JsonValue::Kind::kObject) && doc.members.size() > kMaxKeys) {
    invalid("Filter policy can not have more than 5 keys");
  }
  Compiler compiler{scope};
  std::vector<std::string> path;
  std::size_t combinations = 1;
  auto policy = std::make_shared<FilterPolicy>();
  policy->scope_ = scope;
  policy->root_ = compiler.node(doc, path, combinations);
  return policy;
}

bool FilterPolicy::matches_attributes(const std::vector<FilterAttribute>& attributes) const {
  return node_matches(*root_, [&](const std::vector<std::string>& path, std::vector<Candidate>& out,
                                  std::vector<JsonValue>& storage) {
    return attribute_values(attributes, path.front(), out, storage);
  });
}

bool FilterPolicy::matches_body(const JsonValue* body) const {
  if (body == nullptr || !body->is(JsonValue::Kind::kObject)) return false;  // a body that is no JSON object
  return node_matches(*root_, [&](const std::vector<std::string>& path, std::vector<Candidate>& out,
                                  std::vector<JsonValue>&) { return body_values(body, path, out); });
}

}  // namespace pymsg
