#include "pymsg/filter_policy.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstring>

#include "pymsg/errors.hpp"

namespace pymsg {
namespace {

constexpr std::size_t kMaxPolicyBytes = 256 * 1024;
constexpr std::size_t kMaxKeys = 5;
constexpr std::size_t kMaxCombinations = 150;
constexpr double kMaxNumber = 1e9;

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
      case Kind::kNumber: return c.kind == JsonValue::Kind::kNumber && c.number == number;
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
      case Kind::kNumeric:
        return c.kind == JsonValue::Kind::kNumber && (!has_low || (low_inclusive ? c.number >= low : c.number > low)) &&
               (!has_high || (high_inclusive ? c.number <= high : c.number < high));
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

double checked_number(const JsonValue& v) {
  if (std::fabs(v.number) > kMaxNumber) invalid("numbers must be between -1e9 and 1e9 (got " + v.text + ").");
  // At most 5 decimal places, however it is written (0.000001 and 1e-6 alike): the decimal
  // places are the mantissa's fraction digits minus the exponent.
  const std::size_t exp_at = v.text.find_first_of("eE");
  const std::string mantissa = v.text.substr(0, exp_at);
  const long exponent = exp_at == std::string::npos ? 0 : std::strtol(v.text.c_str() + exp_at + 1, nullptr, 10);
  const std::size_t dot = mantissa.find('.');
  std::size_t fraction = dot == std::string::npos ? 0 : mantissa.size() - dot - 1;
  while (fraction > 0 && mantissa[dot + fraction] == '0') --fraction;  // trailing zeros add nothing
  if (static_cast<long>(fraction) - exponent > 5) {
    invalid("numbers may have at most 5 decimal digits (got " + v.text + ").");
  }
  return v.number;
}

Condition exact(const JsonValue& v) {
  Condition c;
  switch (v.kind) {
    case JsonValue::Kind::kString: c.kind = Kind::kString; c.text = v.text; break;
    case JsonValue::Kind::kNumber: c.kind = Kind::kNumber; c.number = checked_number(v); break;
    case JsonValue::Kind::kBool: c.kind = Kind::kBoolean; c.flag = v.boolean; break;
    case JsonValue::Kind::kNull: c.kind = Kind::kNull; break;
    default: invalid("match values must be strings, numbers, booleans or null.");
  }
  return c;
}

std::string string_operand(const JsonValue& v, const char* op) {
  if (!v.is(JsonValue::Kind::kString)) invalid(std::string(op) + " match pattern must be a string.");
  return v.text;
}

Condition numeric(const JsonValue& v) {
  if (!v.is(JsonValue::Kind::kArray) || v.items.empty() || v.items.size() > 4 || v.items.size() % 2 != 0) {
    invalid("numeric takes [op, value] or [lower op, value, upper op, value].");
  }
  Condition c;
  c.kind = Kind::kNumeric;
  for (std::size_t i = 0; i < v.items.size(); i += 2) {
    if (!v.items[i].is(JsonValue::Kind::kString) || !v.items[i + 1].is(JsonValue::Kind::kNumber)) {
      invalid("numeric operators must be strings followed by numbers.");
    }
    const std::string& op = v.items[i].text;
    const double n = checked_number(v.items[i + 1]);
    if (op == "=" && v.items.size() == 2) {
      c.has_low = c.has_high = c.low_inclusive = c.high_inclusive = true;
      c.low = c.high = n;
    } else if ((op == ">" || op == ">=") && !c.has_low && !c.has_high) {
      c.has_low = true, c.low_inclusive = op == ">=", c.low = n;
    } else if ((op == "<" || op == "<=") && !c.has_high) {
      c.has_high = true, c.high_inclusive = op == "<=", c.high = n;
    } else {
      invalid("unrecognized numeric range operator: " + op + ".");
    }
  }
  if (c.has_low && c.has_high && c.low >= c.high && !(c.low == c.high && c.low_inclusive && c.high_inclusive)) {
    invalid("bottom must be less than top.");
  }
  return c;
}

Condition cidr(const JsonValue& v) {
  const std::string text = string_operand(v, "cidr");
  const std::size_t slash = text.find('/');
  Condition c;
  c.kind = Kind::kCidr;
  bool v4 = false;
  if (slash == std::string::npos || !parse_ip(std::string_view(text).substr(0, slash), c.net, v4)) {
    invalid("malformed CIDR, one '/' required (got " + text + ").");
  }
  const std::string bits = text.substr(slash + 1);
  char* end = nullptr;
  const long n = std::strtol(bits.c_str(), &end, 10);
  if (bits.empty() || *end != '\0' || n < 0 || n > (v4 ? 32 : 128)) invalid("malformed CIDR prefix length (got " + text + ").");
  c.prefix_bits = static_cast<unsigned>(n) + (v4 ? 96 : 0);
  return c;
}

Condition anything_but(const JsonValue& v) {
  Condition c;
  c.kind = Kind::kAnythingBut;
  if (v.is(JsonValue::Kind::kObject)) {
    if (v.members.size() != 1) invalid("anything-but takes one operator.");
    const auto& [op, operand] = v.members[0];
    c.text = string_operand(operand, op.c_str());
    if (op == "prefix") c.kind = Kind::kAnythingButPrefix;
    else if (op == "suffix") c.kind = Kind::kAnythingButSuffix;
    else if (op == "equals-ignore-case") c.kind = Kind::kAnythingButEqualsIgnoreCase;
    else invalid("unsupported anything-but pattern: " + op + ".");
    return c;
  }
  if (v.is(JsonValue::Kind::kArray)) {
    if (v.items.empty()) invalid("anything-but needs at least one value.");
    for (const JsonValue& item : v.items) {
      if (!item.is(JsonValue::Kind::kString) && !item.is(JsonValue::Kind::kNumber)) {
        invalid("anything-but values must be strings or numbers.");
      }
      c.excluded.push_back(exact(item));
    }
    return c;
  }
  if (!v.is(JsonValue::Kind::kString) && !v.is(JsonValue::Kind::kNumber)) {
    invalid("anything-but takes a string, a number, a list or an operator.");
  }
  c.excluded.push_back(exact(v));
  return c;
}

Condition condition(const JsonValue& v) {
  if (!v.is(JsonValue::Kind::kObject)) return exact(v);
  if (v.members.size() != 1) invalid("a match operator object takes exactly one operator.");
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
    invalid("unrecognized match type " + op + ".");
  }
  return c;
}

struct Compiler {
  FilterPolicy::Scope scope;
  std::size_t keys = 0;

  // Returns the node and its number of combinations (ANDed rules multiply, ORed branches add).
  std::shared_ptr<Node> node(const JsonValue& v, std::vector<std::string>& path, std::size_t& combinations) {
    if (!v.is(JsonValue::Kind::kObject)) invalid("a filter policy must be a JSON object.");
    if (v.members.empty()) invalid("a filter policy (or $or branch) cannot be empty.");
    auto n = std::make_shared<Node>();
    combinations = 1;
    for (const auto& [key, value] : v.members) {
      std::size_t c = 1;
      if (key == "$or") {
        if (!value.is(JsonValue::Kind::kArray) || value.items.size() < 2) invalid("$or takes a list of at least two policies.");
        std::size_t sum = 0;
        auto& group = n->ors.emplace_back();
        for (const JsonValue& branch : value.items) {
          std::size_t bc = 1;
          group.push_back(node(branch, path, bc));
          sum += bc;
        }
        c = sum;
      } else if (value.is(JsonValue::Kind::kArray)) {
        if (value.items.empty()) invalid("the list under " + key + " is empty.");
        ++keys;
        Rule& r = n->rules.emplace_back();
        r.path = path;
        r.path.push_back(key);
        for (const JsonValue& item : value.items) r.any.push_back(condition(item));
        c = value.items.size();
      } else if (value.is(JsonValue::Kind::kObject)) {
        if (scope == FilterPolicy::Scope::kMessageAttributes) {
          invalid("Filter policy scope MessageAttributes does not support nested filter policy.");
        }
        ++keys;  // a parent key counts too
        path.push_back(key);
        n->ors.push_back({node(value, path, c)});
        path.pop_back();
      } else {
        invalid("the value under " + key + " must be a list of match values.");
      }
      combinations *= c;
      if (combinations > kMaxCombinations) invalid("Filter policy is too complex (over 150 combinations).");
    }
    if (keys > kMaxKeys) invalid("Filter policy can not have more than 5 keys.");
    return n;
  }
};

// The values at `path` for body scope: the leaf, or each element of a leaf array.
bool body_values(const JsonValue* body, const std::vector<std::string>& path, std::vector<Candidate>& out) {
  const JsonValue* v = body;
  for (const std::string& key : path) {
    if (v == nullptr || !v->is(JsonValue::Kind::kObject)) return false;
    v = v->find(key);
  }
  if (v == nullptr) return false;
  auto add = [&](const JsonValue& x) {
    if (x.is(JsonValue::Kind::kObject) || x.is(JsonValue::Kind::kArray)) return;
    out.push_back({x.kind, x.text, x.number, x.boolean});
  };
  if (v->is(JsonValue::Kind::kArray)) {
    for (const JsonValue& x : v->items) add(x);
  } else {
    add(*v);
  }
  return true;
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
  if (json.size() > kMaxPolicyBytes) invalid("Filter policy is too long (over 256 KB).");
  JsonValue doc;
  std::string error;
  if (!parse_json(json, doc, error)) invalid("failed to parse JSON: " + error + ".");
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
  if (body == nullptr) return false;
  return node_matches(*root_, [&](const std::vector<std::string>& path, std::vector<Candidate>& out,
                                  std::vector<JsonValue>&) { return body_values(body, path, out); });
}

}  // namespace pymsg
