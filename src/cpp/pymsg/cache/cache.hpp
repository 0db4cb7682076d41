// An ElastiCache-style cache: bytes keys to bytes values with TTLs, a memory limit and Redis's
// eviction policies.
//
// Lock striping: the key's hash picks one of `shards` shards, each with its own mutex, hash
// table, recency lists and TTL heap, so operations on different shards never contend.
// - Entries are one allocation each: a 32-byte header, then the key, then the value.
// - Each shard's table is open addressing with linear probing: a byte of hash tag and an entry
//   pointer per slot, at most 80% full, deleted by backward shift (no tombstones).
// - Recency is exact and global: every access stamps the entry from one atomic counter and moves
//   it to the front of its shard's list (volatile keys and persistent keys have a list each, so
//   volatile-lru finds its victim at a tail too); eviction takes the oldest tail of all shards.
// - LFU is Redis's: an 8-bit logarithmic counter (new keys at 5, log factor 10) that decays one
//   step per idle minute; eviction takes the lowest counter among up to 5 entries sampled from
//   each shard (every entry of a shard that has 5 or fewer).
// - TTLs live in a per-shard min-heap: expiry is lazy (an access to an expired key deletes it
//   and misses) and active, at Redis's pace: 10 cycles a second of at most 20 expired keys a
//   shard, taken from the heap tops (on the system clock on writes, on a manual clock for the
//   time each advance covers). volatile-ttl evicts the soonest deadline of all shards.
// used_memory counts each entry's allocation (header, key, value, rounded as the allocator
// does), each table slot (9 bytes) and each TTL heap item (16 bytes); writes evict until it is
// at most max_memory (and the item count at most max_items) before they return.
// All public methods are thread-safe. Time-dependent decisions read the cache's clock.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pymsg/common/clock.hpp"
#include "pymsg/durability/journal.hpp"

namespace pymsg {

enum class EvictionPolicy : std::uint8_t {
  kAllKeysLru, kVolatileLru, kAllKeysLfu, kVolatileLfu, kAllKeysRandom, kVolatileRandom, kVolatileTtl, kNoEviction
};
// "allkeys-lru" ...; InvalidParameterValue for other names.
EvictionPolicy parse_eviction_policy(std::string_view name);
const char* eviction_policy_name(EvictionPolicy policy) noexcept;

struct CacheOptions {
  std::uint64_t max_memory = 0;  // bytes of used_memory; 0: no limit
  std::uint64_t max_items = 0;   // entries; 0: no limit
  TimeUs default_ttl = 0;        // TTL of sets without one; 0: none
  EvictionPolicy policy = EvictionPolicy::kAllKeysLru;
  std::uint32_t shards = 16;     // rounded up to a power of two
};

enum class SetCondition : std::uint8_t { kAlways, kIfAbsent /* NX */, kIfPresent /* XX */ };

struct CacheStats {
  std::uint64_t hits = 0, misses = 0, evictions = 0, expired = 0, items = 0, used_memory = 0, max_memory = 0;
};

// TTL of a key: absent, present without a TTL, or present with `remaining` microseconds left.
struct KeyTtl {
  enum State : std::uint8_t { kMissing, kPersistent, kVolatile } state = kMissing;
  TimeUs remaining = 0;
};

constexpr std::size_t kMaxCacheKeySize = 65'535;           // bytes (memcached allows 250)
constexpr std::size_t kMaxCacheValueSize = 512u << 20;     // bytes (Redis's string limit)

class SnapshotReader;

class Cache final : public ClockListener {
 public:
  // With `seed` (a dump's or a kCacheCreate's), keys hash, and so fall into shards, as they did
  // in the cache that wrote it.
  Cache(std::string name, const CacheOptions& options, std::shared_ptr<Clock> clock,
        std::optional<std::uint64_t> seed = std::nullopt);
  ~Cache() override;
  Cache(const Cache&) = delete;
  Cache& operator=(const Cache&) = delete;

  const std::string& name() const noexcept { return name_; }
  const CacheOptions& options() const noexcept { return options_; }

  // SET with NX/XX and a TTL (nullopt: the default TTL; 0: none; < 0 is the caller's error).
  // Returns whether it stored. OutOfMemoryError under noeviction (or a volatile policy with
  // nothing to evict) when the limit would be passed, and for an entry larger than max_memory;
  // InvalidParameterValue for oversized keys
  // or values or an entry larger than max_memory. Allocates the entry.
  bool set(std::string_view key, std::string_view value, std::optional<TimeUs> ttl,
           SetCondition condition = SetCondition::kAlways);
  // GET: copies the value into `out` and counts a hit, or counts a miss. Touches recency/LFU.
  bool get(std::string_view key, std::string& out);
  // GET without stats or recency (the single-flight leader's second look).
  bool peek(std::string_view key, std::string& out);
  // MSET: every pair is checked, and room made for all, before any is written.
  void mset(const std::vector<std::pair<std::string_view, std::string_view>>& pairs, std::optional<TimeUs> ttl);
  bool remove(std::string_view key);                 // DEL
  bool exists(std::string_view key);                 // EXISTS (no recency, no stats)
  KeyTtl ttl(std::string_view key);                  // PTTL
  bool expire(std::string_view key, TimeUs ttl);     // PEXPIRE; ttl <= 0 deletes the key
  bool persist(std::string_view key);                // PERSIST: true if a TTL was removed
  // INCRBY: the new value; a missing key counts from 0. InvalidParameterValue when the value
  // is not a decimal int64 or the result overflows (Redis's messages).
  std::int64_t incr(std::string_view key, std::int64_t amount);
  void clear();                                      // FLUSHDB
  void check_alive() const;                          // CacheClusterNotFound once deleted
  std::uint64_t size() const noexcept { return items_.load(std::memory_order_relaxed); }
  std::uint64_t used_memory() const noexcept;
  CacheStats stats() const;

  // Active expiry: drops entries whose TTL passed, at most `budget` per shard. Returns how many
  // it dropped. Runs by itself (see above); sweep_expired() drops every one.
  std::size_t sweep_expired(std::size_t budget = SIZE_MAX);
  void on_clock_changed() override;

  // DeleteCacheCluster: frees every entry; later calls raise CacheClusterNotFound.
  void mark_deleted();
  bool deleted() const noexcept { return deleted_.load(std::memory_order_relaxed); }

  // The write-ahead log. Once attached (before anyone else sees the cache), every write is
  // appended to `journal` under its key's shard lock as one record naming `id`, holding its
  // effect: the value a SET, MSET or INCR left with its absolute deadline, a key gone (DEL,
  // EXPIRE <= 0, an eviction), a new deadline, a flushed shard. Expiry by time is not logged: a
  // replayed key keeps its deadline and expires as it did. Not kept: recency and LFU counters
  // (replay's order is the writes' order) and the hit/miss statistics, as Redis's AOF.
  void attach_journal(std::shared_ptr<durability::Journal> journal, std::uint64_t id);
  std::uint64_t journal_id() const noexcept { return journal_id_; }
  std::uint64_t seed() const noexcept { return seed_; }
  // Replays one record, unless the dump of the key's shard already holds it (lsn at or below
  // that shard's cut). Returns whether it applied. InvalidParameterValue for a damaged record.
  bool replay(std::uint64_t lsn, durability::Record type, std::string_view payload);
  // Snapshots: every entry with its deadline, shard by shard, each under its lock with the
  // journal's LSN at that moment (the shard's cut). restore() fills a new, empty cache made with
  // dumped_seed(dump), past the limits (the entries fitted); InvalidParameterValue if damaged.
  std::string dump();
  void restore(std::string_view dump);
  static std::uint64_t dumped_seed(std::string_view dump);
  // The part of a kCacheCreate after its head (the Broker's), and its reading.
  void write_create(std::string& out) const;
  static CacheOptions read_create(SnapshotReader& r, std::uint64_t& seed);
  void log_delete(TimeUs now);  // DeleteCacheCluster's record (the Broker's, under its registry lock)

  struct Entry;  // internals, public only for the helpers in cache.cpp
  struct Shard;

 private:
  struct Victim;

  std::size_t shard_index(std::uint64_t hash) const noexcept;  // which shard a key's hash falls in
  Shard& shard_of(std::uint64_t hash) const noexcept;
  std::uint64_t hash(std::string_view key) const noexcept;
  void check_key(std::string_view key) const;
  // What a write does to a key's TTL: none after it (SET without one drops the old), a TTL
  // after it (its heap item), or the one it had (INCR).
  enum class TtlAfter : std::uint8_t { kNone, kSet, kKept };
  static constexpr std::int64_t kSameEntry = -1;  // a charge for a write that keeps the entry (EXPIRE)
  struct PlannedWrite {  // a key about to be written, its new entry's size and its TTL
    std::string_view key;
    std::uint64_t hash;
    std::int64_t charge;  // or kSameEntry
    TtlAfter ttl = TtlAfter::kNone;
  };
  void check_value(std::string_view value) const;
  // The entry's bytes; OutOfMemoryError when it (with its TTL's heap item) is past max_memory.
  std::int64_t check_charge(std::string_view key, std::size_t value_size, TtlAfter ttl) const;
  bool limited() const noexcept;
  bool over_limits() const noexcept;
  // Evicts (sparing the keys being written) until the writes fit; OutOfMemoryError when it may not.
  void make_room(const std::vector<PlannedWrite>& writes);
  // After writes: evicts back under the limits that concurrent writers overshot.
  void trim_after(const std::vector<PlannedWrite>& writes);
  bool evict_one(const std::vector<PlannedWrite>& keep);
  bool store(std::string_view key, std::uint64_t hash, std::string_view value, TimeUs life, SetCondition condition);
  void touch(Shard& s, Entry* e);  // a use: recency (LRU) or frequency (LFU)
  // Runs f(shard, table, slot, live entry or nullptr) under the key's shard lock, after lazy
  // expiry (cache.cpp; `now` gets the clock when an expiry was checked).
  template <class F>
  decltype(auto) with_live(std::string_view key, F&& f, TimeUs* now = nullptr);
  void clear_entries(bool logged);
  void maybe_sweep(TimeUs now);
  // Records (under the key's shard lock).
  durability::RecordBuffer& record_head(TimeUs now) const;
  void log_set(std::string_view key, std::string_view value, TimeUs deadline, TimeUs now) const;
  void log_key(durability::Record type, std::string_view key, TimeUs now, TimeUs deadline = 0) const;

  const std::string name_;
  const CacheOptions options_;
  const std::shared_ptr<Clock> clock_;
  const std::uint64_t seed_;                  // hash seed, random per cache
  unsigned shard_shift_ = 64;                 // hash >> shard_shift_ is the shard
  std::vector<std::unique_ptr<Shard>> shards_;
  std::atomic<std::uint64_t> stamp_{0};       // global access counter (exact recency)
  std::atomic<std::uint64_t> items_{0};
  std::atomic<std::int64_t> entry_bytes_{0};  // entries' allocations; shards add table and heap bytes
  std::atomic<TimeUs> last_sweep_us_{0};
  std::mutex evict_mutex_;                    // one evicting thread at a time (victim choice scans shards)
  std::atomic<bool> deleted_{false};
  std::shared_ptr<durability::Journal> journal_;  // null: not durable (or replaying); set before use
  std::uint64_t journal_id_ = 0;
  std::vector<std::uint64_t> replay_cuts_;        // per shard: the LSN its dump covers (recovery only)
};

}  // namespace pymsg
