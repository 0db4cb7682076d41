// Standalone tests for pymsg/cache/cache.hpp's table and accounting, against std::unordered_map under
// a random mix of sets, deletes and gets (the backward-shift deletion is where open addressing
// goes wrong). Prints "N passed, M failed"; exits nonzero on any failure.
#include <cstdio>
#include <memory>
#include <random>
#include <string>
#include <unordered_map>

#include "pymsg/cache/cache.hpp"
#include "tests/check.hpp"

namespace {

using pymsg::testing::check;

void test_against_a_map(std::uint32_t shards) {
  auto clock = std::make_shared<pymsg::ManualClock>(1'700'000'000'000'000);
  pymsg::CacheOptions options;
  options.shards = shards;
  pymsg::Cache cache("t", options, clock);
  std::unordered_map<std::string, std::string> model;
  std::mt19937_64 rng(42);
  std::string out;
  int mismatches = 0;
  for (int step = 0; step < 200'000; ++step) {
    const std::string key = "k" + std::to_string(rng() % 3000);
    switch (rng() % 3) {
      case 0: {
        const std::string value(rng() % 40, static_cast<char>('a' + rng() % 26));
        cache.set(key, value, std::nullopt);
        model[key] = value;
        break;
      }
      case 1:
        mismatches += cache.remove(key) != (model.erase(key) == 1);
        break;
      default: {
        const auto it = model.find(key);
        const bool found = cache.get(key, out);
        mismatches += found != (it != model.end()) || (found && out != it->second);
      }
    }
  }
  check(mismatches == 0, "cache agrees with std::unordered_map (" + std::to_string(shards) + " shards)");
  check(cache.size() == model.size(), "size() equals the model's");
  cache.clear();
  check(cache.size() == 0, "clear() empties");
  const std::uint64_t empty = cache.used_memory();
  cache.set("a", "b", std::nullopt);
  cache.remove("a");
  check(cache.used_memory() == empty, "set then remove returns every byte");
}

void test_ttl_heap_and_sweep() {
  auto clock = std::make_shared<pymsg::ManualClock>(1'700'000'000'000'000);
  pymsg::Cache cache("t", {}, clock);
  for (int i = 0; i < 1000; ++i) cache.set("k" + std::to_string(i), "v", (i % 10 + 1) * pymsg::kUsPerSecond);
  clock->advance(5 * pymsg::kUsPerSecond);  // the advance sweeps: TTLs of 1..5 s are gone
  check(cache.size() == 500, "advance sweeps what expired (" + std::to_string(cache.size()) + " left)");
  check(cache.stats().expired == 500, "and counts it as expired");
}

}  // namespace

int main() {
  test_against_a_map(1);
  test_against_a_map(16);
  test_ttl_heap_and_sweep();
  return pymsg::testing::report();
}
