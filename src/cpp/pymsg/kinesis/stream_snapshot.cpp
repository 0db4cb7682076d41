// Stream::dump, the dump constructor's restore_shards, and Shard::write_to / read_from.
//
// Layout (snapshot_io.hpp's integers and strings): "PKS1", iterator keys (k0, k1, incarnation:
// u64), created_us (i64), UpdateShardCount times (u64 count, i64 each), shard count (u64), then
// per shard in index order: index u32, starting and ending hash key (u128 as high, low u64),
// stamp u64, parent and adjacent parent (u8 present, u32 index), then the shard's own part:
// first record index u64, last arrival i64, closed u8, closed_at i64, record count u64, and per
// record its data and partition key (strings) and arrival time (i64).
#include <algorithm>

#include "pymsg/durability/snapshot_io.hpp"
#include "pymsg/kinesis/stream.hpp"

namespace pymsg {
namespace {

constexpr char kMagic[4] = {'P', 'K', 'S', '1'};
constexpr const char* kWhat = "stream snapshot";

void write_u128(SnapshotWriter& w, uint128 v) {
  w.u64(static_cast<std::uint64_t>(v >> 64));
  w.u64(static_cast<std::uint64_t>(v));
}

uint128 read_u128(SnapshotReader& r) {
  const uint128 high = r.u64();
  return high << 64 | r.u64();
}

void write_optional(SnapshotWriter& w, std::optional<std::uint32_t> v) {
  w.u8(v ? 1 : 0);
  w.u32(v.value_or(0));
}

std::optional<std::uint32_t> read_optional(SnapshotReader& r) {
  const bool present = r.u8() != 0;
  const std::uint32_t v = r.u32();
  return present ? std::optional<std::uint32_t>(v) : std::nullopt;
}

StreamIdentity read_identity(SnapshotReader& r) {
  r.expect_magic(std::string_view(kMagic, 4));
  StreamIdentity identity;
  identity.keys.k0 = r.u64();
  identity.keys.k1 = r.u64();
  identity.keys.incarnation = r.u64();
  identity.created_us = r.i64();
  return identity;
}

}  // namespace

StreamIdentity dumped_stream_identity(std::string_view dump) {
  SnapshotReader r(dump, kWhat);
  return read_identity(r);
}

void Shard::write_to(SnapshotWriter& w) {
  std::lock_guard<std::mutex> lock(mutex_);
  w.u64(first_index_);
  w.i64(last_arrival_us_);
  w.u8(closed_ ? 1 : 0);
  w.i64(closed_at_us_);
  w.u64(log_.size());
  for (const Entry& e : log_) {
    w.str({e.bytes, e.data_size});
    w.str({e.bytes + e.data_size, e.key_size});
    w.i64(e.arrival_us);
  }
}

void Shard::read_from(SnapshotReader& r) {
  std::lock_guard<std::mutex> lock(mutex_);
  first_index_ = r.u64();
  last_arrival_us_ = r.i64();
  closed_ = r.u8() != 0;
  closed_at_us_ = r.i64();
  const std::uint64_t count = r.u64();
  if (first_index_ == 0) r.fail("a shard's first record index is 0");
  for (std::uint64_t i = 0; i < count; ++i) {
    const std::string_view data = r.str(), key = r.str();
    const TimeUs arrival = r.i64();
    char* bytes = reserve(data.size() + key.size());
    if (!data.empty()) std::copy(data.begin(), data.end(), bytes);
    std::copy(key.begin(), key.end(), bytes + data.size());
    log_.push_back({bytes, static_cast<std::uint32_t>(data.size()), static_cast<std::uint32_t>(key.size()), arrival});
    chunks_.back()->end_index = first_index_ + log_.size();
  }
}

std::string Stream::dump() {
  std::shared_lock<std::shared_mutex> lock(topology_);
  check_alive();
  std::string out;
  dump_locked(out);
  return out;
}

void Stream::dump_locked(std::string& out) {
  SnapshotWriter w(out);
  w.raw(kMagic, 4);
  w.u64(keys_.k0);
  w.u64(keys_.k1);
  w.u64(keys_.incarnation);
  w.i64(created_us_);
  w.u64(scalings_.size());
  for (TimeUs t : scalings_) w.i64(t);
  w.u64(shards_.size());
  for (const auto& shard : shards_) {
    w.u32(shard->index());
    write_u128(w, shard->starting_hash_key());
    write_u128(w, shard->ending_hash_key());
    w.u64(shard->stamp());
    write_optional(w, shard->parent());
    write_optional(w, shard->adjacent_parent());
    shard->write_to(w);
  }
}

void Stream::restore_shards(std::string_view dump) {
  SnapshotReader r(dump, kWhat);
  read_identity(r);
  for (std::uint64_t n = r.u64(); n > 0; --n) scalings_.push_back(r.i64());
  const std::uint64_t count = r.u64();
  const TimeUs now = clock_->now();
  for (std::uint64_t i = 0; i < count; ++i) {
    const std::uint32_t index = r.u32();
    if (index != i) r.fail("its shards are not numbered 0, 1, 2, ...");
    const uint128 start = read_u128(r), end = read_u128(r);
    const std::uint64_t stamp = r.u64();
    const std::optional<std::uint32_t> parent = read_optional(r), adjacent = read_optional(r);
    if (start > end || (parent && *parent >= index) || (adjacent && *adjacent >= index)) {
      r.fail("shard " + std::to_string(index) + " has an impossible range or parent");
    }
    auto shard = std::make_shared<Shard>(index, start, end, stamp, parent, adjacent, now);
    shard->read_from(r);
    shards_.push_back(std::move(shard));
  }
  if (!r.done()) r.fail("bytes follow its end");
  rebuild_open();
  // The open shards must cover the key space once, as a stream's always do.
  uint128 next = 0;
  bool covered = !open_.empty() && open_.front()->starting_hash_key() == 0 && open_.back()->ending_hash_key() == kMaxHashKey;
  for (const Shard* s : open_) {
    covered = covered && s->starting_hash_key() == next;
    next = s->ending_hash_key() + 1;
  }
  if (!covered) r.fail("its open shards do not cover the hash-key space exactly once");
  if (!quota_->try_reserve(static_cast<std::int64_t>(open_.size()))) {
    const auto open = static_cast<std::int64_t>(open_.size());
    open_.clear();  // nothing reserved: the destructor must give nothing back
    throw_shard_limit(open);
  }
}

}  // namespace pymsg
