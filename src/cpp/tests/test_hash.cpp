// Standalone tests for pymsg/common/hash.hpp. Prints "N passed, M failed"; exits nonzero on any failure.
#include <algorithm>
#include <cstdio>
#include <string>
#include <unordered_set>
#include <vector>
#include <utility>

#include "pymsg/common/hash.hpp"
#include "tests/check.hpp"

namespace {

using pymsg::testing::check;

void check_eq(const std::string& got, const std::string& want, const std::string& what) {
  check(got == want, what + ": got " + got + ", want " + want);
}

std::string random_string(std::size_t len) {
  std::string s(len, '\0');
  pymsg::random_bytes(s.data(), len);
  return s;
}

void test_md5() {
  using pymsg::md5;
  using pymsg::to_hex;
  check_eq(to_hex(md5("")), "d41d8cd98f00b204e9800998ecf8427e", "md5 empty");
  check_eq(to_hex(md5("hello")), "5d41402abc4b2a76b9719d911017c592", "md5 hello");
  check_eq(to_hex(md5("The quick brown fox jumps over the lazy dog")),
           "9e107d9d372bb6826bd81d3542a419d6", "md5 fox");

  const std::string million(1000000, 'a');
  pymsg::Md5 h;
  std::size_t pos = 0;
  for (std::size_t step = 1; pos < million.size(); step = step * 7 % 251 + 1) {
    const std::size_t n = std::min(step, million.size() - pos);
    h.update(million.data() + pos, n);
    pos += n;
  }
  const auto chunked = h.digest();
  check(chunked == md5(million), "md5 1M 'a' chunked == one-shot");
  check_eq(to_hex(chunked), "7707d6ae4e027c70eea2a935c2296f21", "md5 1M 'a'");
}

void test_sha256() {
  using pymsg::sha256;
  using pymsg::to_hex;
  check_eq(to_hex(sha256("")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
           "sha256 empty");
  check_eq(to_hex(sha256("abc")),
           "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "sha256 abc");
  check_eq(to_hex(sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
           "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1", "sha256 448-bit");

  // Every length 0..200, split into a prefix and a byte-at-a-time tail.
  bool all_ok = true;
  for (std::size_t len = 0; len <= 200; ++len) {
    const std::string s = random_string(len);
    pymsg::Sha256 h;
    const std::size_t split = len / 3;
    h.update(s.substr(0, split));
    for (std::size_t i = split; i < len; ++i) h.update(s.data() + i, 1);
    if (h.digest() != sha256(s)) {
      all_ok = false;
      std::printf("sha256 incremental mismatch at len %zu\n", len);
    }
  }
  check(all_ok, "sha256 incremental == one-shot, lengths 0..200");
}

void test_base64() {
  bool all_ok = true;
  for (std::size_t len = 0; len <= 64; ++len) {
    const std::string s = random_string(len);
    const std::string enc = pymsg::base64_encode(s.data(), s.size());
    std::string dec = "junk";
    if (enc.size() != (len + 2) / 3 * 4 || !pymsg::base64_decode(enc, dec) || dec != s) {
      all_ok = false;
      std::printf("base64 round trip failed at len %zu\n", len);
    }
  }
  check(all_ok, "base64 round trip, lengths 0..64");

  const std::pair<const char*, const char*> vectors[] = {
      {"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"}, {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, enc] : vectors) {
    check_eq(pymsg::base64_encode(plain, std::char_traits<char>::length(plain)), enc,
             std::string("base64 encode '") + plain + "'");
    std::string dec;
    check(pymsg::base64_decode(enc, dec) && dec == plain,
          std::string("base64 decode '") + enc + "'");
  }

  for (const char* bad : {"Zg=", "Z===", "Zm9v!", "Zg==Zg==", "====", "Zm9"}) {
    std::string out = "junk";
    check(!pymsg::base64_decode(bad, out) && out.empty(),
          std::string("base64 rejects '") + bad + "'");
  }
}

void test_md5_u128() {
  const pymsg::U128 v = pymsg::md5_u128("");
  check(v.hi == 0xd41d8cd98f00b204ULL && v.lo == 0xe9800998ecf8427eULL, "md5_u128 empty");
}

// The eight-lane path must agree with the scalar one for every length it takes (0..55 bytes),
// for the longer inputs it hands to the scalar path, and for a count that leaves lanes empty.
void test_md5_u128_many() {
  std::vector<std::string> inputs;
  for (std::size_t len = 0; len <= 70; ++len) {
    std::string s;
    for (std::size_t i = 0; i < len; ++i) s.push_back(static_cast<char>('a' + (len * 7 + i * 13) % 26));
    inputs.push_back(s);
  }
  std::vector<std::string_view> views(inputs.begin(), inputs.end());
  std::vector<pymsg::U128> out(views.size());
  pymsg::md5_u128_many(views.data(), views.size(), out.data());
  int mismatches = 0;
  for (std::size_t i = 0; i < views.size(); ++i) {
    const pymsg::U128 one = pymsg::md5_u128(views[i]);
    mismatches += (one.hi != out[i].hi || one.lo != out[i].lo) ? 1 : 0;
  }
  check(mismatches == 0, "md5_u128_many == md5_u128 for lengths 0..70");
  const pymsg::U128 fox = out.empty() ? pymsg::U128{0, 0} : pymsg::md5_u128("The quick brown fox jumps over the lazy dog");
  check(fox.hi == 0x9e107d9d372bb682ULL && fox.lo == 0x6bd81d3542a419d6ULL, "md5_u128 fox");
}

void test_mix64() {
  std::unordered_set<std::uint64_t> seen;
  seen.reserve(100000);
  for (std::uint64_t i = 0; i < 100000; ++i) seen.insert(pymsg::mix64(i));
  check(seen.size() == 100000, "mix64 injective on 0..99999");
}

}  // namespace

int main() {
  test_md5();
  test_sha256();
  test_base64();
  test_md5_u128();
  test_md5_u128_many();
  test_mix64();
  return pymsg::testing::report();
}
