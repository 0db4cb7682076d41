// libFuzzer harness: SNS filter policies. The input is a policy (JSON text); the first byte picks
// the scope (MessageAttributes or MessageBody). A policy either compiles or is refused with
// InvalidParameter; a compiled one is matched against a few attribute sets and message bodies,
// which must not throw.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "pymsg/common/errors.hpp"
#include "pymsg/common/json.hpp"
#include "pymsg/sns/filter_policy.hpp"

namespace {

const char* const kBodies[] = {
    R"({"store":"example_corp","event":"order_placed","price_usd":210.75,"customer_interests":["soccer","rugby"]})",
    R"({"a":{"b":{"c":[1,2,{"d":"x"}]}},"n":-0.5,"s":"","t":true,"z":null})",
    R"({"source":["aws.ec2"],"detail":{"state":"running","ip":"10.0.0.1","size":10}})",
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const auto scope = (data[0] & 1) ? pymsg::FilterPolicy::Scope::kMessageBody
                                   : pymsg::FilterPolicy::Scope::kMessageAttributes;
  const std::string_view policy_text(reinterpret_cast<const char*>(data + 1), size - 1);
  std::shared_ptr<const pymsg::FilterPolicy> policy;
  try {
    policy = pymsg::FilterPolicy::compile(policy_text, scope);
  } catch (const pymsg::Error& e) {
    if (e.code() != pymsg::ErrorCode::InvalidParameter) std::abort();  // only InvalidParameter refuses a policy
    return 0;
  }
  const std::vector<std::vector<pymsg::FilterAttribute>> attribute_sets = {
      {},
      {{"store", "String", "example_corp"}, {"price_usd", "Number", "210.75"}},
      {{"customer_interests", "String.Array", R"(["soccer","rugby",7,null])"}, {"event", "String", ""}},
      {{"n", "Number", "-1e9"}, {"b", "Binary", "AAEC"}, {"ip", "String", "10.0.0.1"}},
  };
  for (const auto& attributes : attribute_sets) (void)policy->matches_attributes(attributes);
  for (const char* body : kBodies) {
    pymsg::JsonValue parsed;
    std::string error;
    if (!pymsg::parse_json(body, parsed, error)) std::abort();
    (void)policy->matches_body(&parsed);
  }
  (void)policy->matches_body(nullptr);
  // The policy's own text as a body: deep and odd shapes, from the fuzzer itself.
  pymsg::JsonValue self;
  std::string error;
  if (pymsg::parse_json(policy_text, self, error)) (void)policy->matches_body(&self);
  return 0;
}
