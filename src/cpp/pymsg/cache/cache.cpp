#include "pymsg/cache/cache.hpp"

#include <algorithm>
#include <cstring>
#include <limits>

#include "pymsg/common/errors.hpp"
#include "pymsg/common/hash.hpp"
#include "pymsg/durability/snapshot_io.hpp"
#include "pymsg/kinesis/hash_key.hpp"

namespace pymsg {
namespace {

constexpr std::size_t kInitialSlots = 8;
constexpr std::size_t kSlotBytes = sizeof(void*) + 1;  // entry pointer and tag
constexpr std::size_t kHeapItemBytes = 16;
constexpr std::size_t kLfuSamples = 5;
constexpr std::uint32_t kLfuInit = 5;
constexpr double kLfuLogFactor = 10;
constexpr TimeUs kSweepEveryUs = 100 * kUsPerMilli;  // Redis's hz = 10
constexpr std::size_t kSweepBudget = 20;             // expired entries per shard per timed sweep

// What the allocator hands out for a request of n bytes (glibc: 8 bytes of header, 16-byte
// chunks, 32 at least), so used_memory tracks resident memory.
std::int64_t chunk_bytes(std::size_t n) noexcept {
  return static_cast<std::int64_t>(std::max<std::size_t>(32, (n + 8 + 15) & ~std::size_t{15}));
}

std::uint32_t minutes_of(TimeUs t) noexcept { return static_cast<std::uint32_t>(t / (60 * kUsPerSecond)) & 0xFFFF; }

[[noreturn]] void throw_oom() {
  throw Error(ErrorCode::OutOfMemoryError, "OOM command not allowed when used memory > 'maxmemory'.");
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Entries, shards and their structures

struct Cache::Entry {
  Entry* prev;               // recency list of its kind (persistent or volatile), newest first
  Entry* next;
  std::uint32_t stamp;       // LRU: low bits of the access counter; LFU: counter << 16 | minutes
  std::uint32_t heap_index;  // 1-based position in the shard's TTL heap; 0: no TTL
  std::uint32_t value_size;
  std::uint16_t key_size;
  std::uint8_t unused[2];

  char* key() noexcept { return reinterpret_cast<char*>(this + 1); }
  char* value() noexcept { return key() + key_size; }
  std::string_view key_view() noexcept { return {key(), key_size}; }
  std::string_view value_view() noexcept { return {value(), value_size}; }
  std::int64_t charge() const noexcept { return chunk_bytes(sizeof(Entry) + key_size + value_size); }

  static Entry* create(std::string_view key, std::string_view value) {
    auto* e = static_cast<Entry*>(::operator new(sizeof(Entry) + key.size() + value.size()));
    e->prev = e->next = nullptr;
    e->stamp = 0;
    e->heap_index = 0;
    e->value_size = static_cast<std::uint32_t>(value.size());
    e->key_size = static_cast<std::uint16_t>(key.size());
    std::memcpy(e->key(), key.data(), key.size());
    if (!value.empty()) std::memcpy(e->value(), value.data(), value.size());
    return e;
  }
  static void destroy(Entry* e) noexcept { ::operator delete(static_cast<void*>(e)); }
};
static_assert(sizeof(Cache::Entry*) == 8 && sizeof(void*) == 8, "64-bit only");

struct Cache::Shard {
  std::mutex mutex;
  std::vector<std::uint8_t> tags;  // 0: empty slot; else 0x80 | 7 bits of the key's hash
  std::vector<Entry*> slots;
  std::size_t count = 0;
  Entry* head[2] = {nullptr, nullptr};  // [0] persistent keys, [1] keys with a TTL
  Entry* tail[2] = {nullptr, nullptr};
  struct HeapItem {
    TimeUs deadline;
    Entry* entry;
  };
  std::vector<HeapItem> heap;  // min-heap by deadline
  std::uint64_t rng;           // xorshift state (LFU increments, sampling)
  std::uint64_t hits = 0, misses = 0, evictions = 0, expired = 0;

  std::uint64_t random() noexcept {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
  }
};

// A chosen victim: its shard and key (re-found under the lock, since the entry may be gone).
struct Cache::Victim {
  std::size_t shard = SIZE_MAX;
  std::string key;
  bool found() const noexcept { return shard != SIZE_MAX; }
};

namespace {

using Entry = Cache::Entry;
using Shard = Cache::Shard;

std::uint8_t tag_of(std::uint64_t h) noexcept { return static_cast<std::uint8_t>(0x80 | (h & 0x7F)); }
std::size_t home_of(std::uint64_t h, std::size_t mask) noexcept { return static_cast<std::size_t>(h >> 8) & mask; }
int list_of(const Entry* e) noexcept { return e->heap_index != 0 ? 1 : 0; }

void list_push_front(Shard& s, Entry* e) noexcept {
  const int l = list_of(e);
  e->prev = nullptr;
  e->next = s.head[l];
  if (s.head[l] != nullptr) s.head[l]->prev = e;
  s.head[l] = e;
  if (s.tail[l] == nullptr) s.tail[l] = e;
}

void list_unlink(Shard& s, Entry* e) noexcept {
  const int l = list_of(e);
  (e->prev != nullptr ? e->prev->next : s.head[l]) = e->next;
  (e->next != nullptr ? e->next->prev : s.tail[l]) = e->prev;
  e->prev = e->next = nullptr;
}

void heap_swap(Shard& s, std::size_t a, std::size_t b) noexcept {
  std::swap(s.heap[a], s.heap[b]);
  s.heap[a].entry->heap_index = static_cast<std::uint32_t>(a + 1);
  s.heap[b].entry->heap_index = static_cast<std::uint32_t>(b + 1);
}

void heap_fix(Shard& s, std::size_t i) noexcept {  // restores the heap around position i
  while (i > 0 && s.heap[(i - 1) / 2].deadline > s.heap[i].deadline) {
    heap_swap(s, i, (i - 1) / 2);
    i = (i - 1) / 2;
  }
  for (;;) {
    const std::size_t l = 2 * i + 1, r = l + 1;
    std::size_t m = i;
    if (l < s.heap.size() && s.heap[l].deadline < s.heap[m].deadline) m = l;
    if (r < s.heap.size() && s.heap[r].deadline < s.heap[m].deadline) m = r;
    if (m == i) return;
    heap_swap(s, i, m);
    i = m;
  }
}

TimeUs deadline_of(const Shard& s, const Entry* e) noexcept { return s.heap[e->heap_index - 1].deadline; }

// Takes e's item out of the TTL heap (e->heap_index != 0); e keeps its stale index.
void heap_remove(Shard& s, const Entry* e) noexcept {
  const std::size_t at = e->heap_index - 1;
  heap_swap(s, at, s.heap.size() - 1);
  s.heap.pop_back();
  if (at < s.heap.size()) heap_fix(s, at);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Policies

EvictionPolicy parse_eviction_policy(std::string_view name) {
  static constexpr std::pair<std::string_view, EvictionPolicy> kNames[] = {
      {"allkeys-lru", EvictionPolicy::kAllKeysLru},       {"volatile-lru", EvictionPolicy::kVolatileLru},
      {"allkeys-lfu", EvictionPolicy::kAllKeysLfu},       {"volatile-lfu", EvictionPolicy::kVolatileLfu},
      {"allkeys-random", EvictionPolicy::kAllKeysRandom}, {"volatile-random", EvictionPolicy::kVolatileRandom},
      {"volatile-ttl", EvictionPolicy::kVolatileTtl},     {"noeviction", EvictionPolicy::kNoEviction}};
  for (const auto& [text, policy] : kNames) {
    if (text == name) return policy;
  }
  throw Error(ErrorCode::InvalidParameterValue,
              "Unknown eviction policy '" + std::string(name.substr(0, 64)) +
                  "' (use allkeys-lru, volatile-lru, allkeys-lfu, volatile-lfu, allkeys-random, "
                  "volatile-random, volatile-ttl or noeviction).");
}

const char* eviction_policy_name(EvictionPolicy policy) noexcept {
  switch (policy) {
    case EvictionPolicy::kAllKeysLru: return "allkeys-lru";
    case EvictionPolicy::kVolatileLru: return "volatile-lru";
    case EvictionPolicy::kAllKeysLfu: return "allkeys-lfu";
    case EvictionPolicy::kVolatileLfu: return "volatile-lfu";
    case EvictionPolicy::kAllKeysRandom: return "allkeys-random";
    case EvictionPolicy::kVolatileRandom: return "volatile-random";
    case EvictionPolicy::kVolatileTtl: return "volatile-ttl";
    case EvictionPolicy::kNoEviction: return "noeviction";
  }
  return "noeviction";
}

namespace {
bool is_lru(EvictionPolicy p) noexcept { return p == EvictionPolicy::kAllKeysLru || p == EvictionPolicy::kVolatileLru; }
bool is_lfu(EvictionPolicy p) noexcept { return p == EvictionPolicy::kAllKeysLfu || p == EvictionPolicy::kVolatileLfu; }
bool volatile_only(EvictionPolicy p) noexcept {
  return p == EvictionPolicy::kVolatileLru || p == EvictionPolicy::kVolatileLfu ||
         p == EvictionPolicy::kVolatileRandom || p == EvictionPolicy::kVolatileTtl;
}

// Redis's LFU counter after `now`'s decay (one step per idle minute).
std::uint32_t lfu_decayed(const Entry* e, std::uint32_t now_minutes) noexcept {
  const std::uint32_t counter = e->stamp >> 16, last = e->stamp & 0xFFFF;
  const std::uint32_t idle = (now_minutes - last) & 0xFFFF;
  return idle >= counter ? 0 : counter - idle;
}
}  // namespace

// ---------------------------------------------------------------------------------------------
// Construction

Cache::Cache(std::string name, const CacheOptions& options, std::shared_ptr<Clock> clock,
             std::optional<std::uint64_t> seed)
    : name_(std::move(name)), options_(options), clock_(std::move(clock)), seed_(seed ? *seed : random_u64()) {
  std::uint32_t n = 1;
  while (n < std::max<std::uint32_t>(options.shards, 1) && n < 1024) n *= 2;
  shard_shift_ = 64;
  for (std::uint32_t m = n; m > 1; m /= 2) --shard_shift_;
  for (std::uint32_t i = 0; i < n; ++i) {
    auto s = std::make_unique<Shard>();
    s->tags.assign(kInitialSlots, 0);
    s->slots.assign(kInitialSlots, nullptr);
    s->rng = random_u64() | 1;
    shards_.push_back(std::move(s));
  }
  entry_bytes_ = static_cast<std::int64_t>(n * kInitialSlots * kSlotBytes);
  clock_->add_listener(this);
}

Cache::~Cache() {
  clock_->remove_listener(this);
  for (auto& s : shards_) {
    for (Entry* e : s->slots) Entry::destroy(e);  // nullptr is fine
  }
}

std::uint64_t Cache::hash(std::string_view key) const noexcept { return hash_bytes(key, seed_); }

std::size_t Cache::shard_index(std::uint64_t h) const noexcept {
  return shard_shift_ >= 64 ? 0 : static_cast<std::size_t>(h >> shard_shift_);
}

Cache::Shard& Cache::shard_of(std::uint64_t h) const noexcept {
  return *shards_[shard_index(h)];
}

void Cache::check_alive() const {
  if (deleted_.load(std::memory_order_relaxed)) {
    throw Error(ErrorCode::CacheClusterNotFound, "CacheCluster not found: " + name_);
  }
}

void Cache::mark_deleted() {
  deleted_.store(true, std::memory_order_relaxed);
  clear_entries(/*logged=*/false);  // the Broker logged the deletion
}

void Cache::check_key(std::string_view key) const {
  check_alive();
  if (key.size() > kMaxCacheKeySize) {
    throw Error(ErrorCode::InvalidParameterValue, "Cache keys are at most " + std::to_string(kMaxCacheKeySize) +
                                                      " bytes (got " + std::to_string(key.size()) + ").");
  }
}

std::uint64_t Cache::used_memory() const noexcept {
  return static_cast<std::uint64_t>(std::max<std::int64_t>(0, entry_bytes_.load(std::memory_order_relaxed)));
}

// ---------------------------------------------------------------------------------------------
// Table operations (shard lock held). Written as lambdas over the shard to keep them next to
// the one hash function they need.

namespace {

struct Table {
  Shard& s;
  std::uint64_t seed;
  std::atomic<std::int64_t>& bytes;

  std::size_t mask() const noexcept { return s.slots.size() - 1; }

  std::size_t find(std::string_view key, std::uint64_t h) const noexcept {
    const std::uint8_t tag = tag_of(h);
    for (std::size_t i = home_of(h, mask());; i = (i + 1) & mask()) {
      if (s.tags[i] == 0) return SIZE_MAX;
      if (s.tags[i] == tag && s.slots[i]->key_view() == key) return i;
    }
  }

  void place(Entry* e, std::uint64_t h) noexcept {  // into the first empty slot of its probe
    std::size_t i = home_of(h, mask());
    while (s.tags[i] != 0) i = (i + 1) & mask();
    s.tags[i] = tag_of(h);
    s.slots[i] = e;
  }

  void insert(Entry* e, std::uint64_t h) {
    if ((s.count + 1) * 5 > s.slots.size() * 4) grow();
    place(e, h);
    ++s.count;
  }

  void grow() {
    std::vector<std::uint8_t> tags(s.tags.size() * 2, 0);
    std::vector<Entry*> slots(s.slots.size() * 2, nullptr);
    bytes.fetch_add(static_cast<std::int64_t>(s.slots.size() * kSlotBytes), std::memory_order_relaxed);
    std::swap(tags, s.tags);
    std::swap(slots, s.slots);
    for (std::size_t i = 0; i < slots.size(); ++i) {
      if (tags[i] != 0) place(slots[i], hash_bytes(slots[i]->key_view(), seed));
    }
  }

  void erase(std::size_t i) noexcept {  // backward-shift deletion keeps probes tombstone-free
    --s.count;
    for (std::size_t j = (i + 1) & mask();; j = (j + 1) & mask()) {
      if (s.tags[j] == 0) break;
      const std::size_t k = home_of(hash_bytes(s.slots[j]->key_view(), seed), mask());
      // Move j back to the hole when its home is not cyclically in (i, j].
      const bool stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
      if (stays) continue;
      s.tags[i] = s.tags[j];
      s.slots[i] = s.slots[j];
      i = j;
    }
    s.tags[i] = 0;
    s.slots[i] = nullptr;
  }
};

// Deletes entry e at slot i (lock held), returning its bytes to the accounting.
void remove_entry(Shard& s, Table& table, std::size_t i, Entry* e, std::atomic<std::uint64_t>& items) noexcept {
  list_unlink(s, e);
  std::int64_t freed = e->charge();
  if (e->heap_index != 0) {
    heap_remove(s, e);
    freed += static_cast<std::int64_t>(kHeapItemBytes);
  }
  table.bytes.fetch_sub(freed, std::memory_order_relaxed);
  table.erase(i);
  items.fetch_sub(1, std::memory_order_relaxed);
  Entry::destroy(e);
}

// Puts `value` for `key` (lock held): in place of `old` at slot i (its TTL dropped, as Redis's
// SET drops it), or as a new entry; with `deadline` (0: none) and the recency or LFU `stamp`.
void put_entry(Shard& s, Table& table, std::size_t i, Entry* old, std::string_view key, std::uint64_t h,
               std::string_view value, TimeUs deadline, std::uint32_t stamp, std::atomic<std::uint64_t>& items) {
  Entry* e = Entry::create(key, value);
  e->stamp = stamp;
  std::int64_t delta = e->charge();
  if (old != nullptr) {
    list_unlink(s, old);
    if (old->heap_index != 0) {
      heap_remove(s, old);
      delta -= static_cast<std::int64_t>(kHeapItemBytes);
    }
    delta -= old->charge();
    s.slots[i] = e;
    Entry::destroy(old);
  } else {
    table.insert(e, h);
    items.fetch_add(1, std::memory_order_relaxed);
  }
  if (deadline != 0) {
    s.heap.push_back({deadline, e});
    e->heap_index = static_cast<std::uint32_t>(s.heap.size());
    heap_fix(s, s.heap.size() - 1);
    delta += static_cast<std::int64_t>(kHeapItemBytes);
  }
  list_push_front(s, e);
  table.bytes.fetch_add(delta, std::memory_order_relaxed);
}

// Gives entry e the deadline (lock held; 0: none, as PERSIST), moving it between the recency
// lists of keys with and without a TTL and its item in and out of the heap.
void set_deadline(Shard& s, Table& table, Entry* e, TimeUs deadline) {
  if (deadline != 0 && e->heap_index != 0) {
    s.heap[e->heap_index - 1].deadline = deadline;
    heap_fix(s, e->heap_index - 1);
    return;
  }
  if ((deadline != 0) == (e->heap_index != 0)) return;  // no TTL, and none asked for
  list_unlink(s, e);
  if (deadline != 0) {
    s.heap.push_back({deadline, e});
    e->heap_index = static_cast<std::uint32_t>(s.heap.size());
    heap_fix(s, s.heap.size() - 1);
    table.bytes.fetch_add(static_cast<std::int64_t>(kHeapItemBytes), std::memory_order_relaxed);
  } else {
    heap_remove(s, e);
    e->heap_index = 0;
    table.bytes.fetch_sub(static_cast<std::int64_t>(kHeapItemBytes), std::memory_order_relaxed);
  }
  list_push_front(s, e);
}

// Frees every entry of a shard (lock held) and shrinks its table back to its first size.
void clear_shard(Shard& s, std::atomic<std::uint64_t>& items, std::atomic<std::int64_t>& bytes) noexcept {
  std::int64_t freed = static_cast<std::int64_t>((s.slots.size() - kInitialSlots) * kSlotBytes +
                                                 s.heap.size() * kHeapItemBytes);
  for (Entry*& e : s.slots) {
    if (e != nullptr) {
      freed += e->charge();
      Entry::destroy(e);
    }
  }
  items.fetch_sub(s.count, std::memory_order_relaxed);
  s.tags.assign(kInitialSlots, 0);
  s.slots.assign(kInitialSlots, nullptr);
  s.tags.shrink_to_fit();
  s.slots.shrink_to_fit();
  s.heap.clear();
  s.count = 0;
  s.head[0] = s.head[1] = s.tail[0] = s.tail[1] = nullptr;
  bytes.fetch_sub(freed, std::memory_order_relaxed);
}

// The live entry of `key` (lock held): nullptr when absent, or expired (then deleted here and
// counted: lazy expiry). Sets `slot`, and `*now` when it read the clock.
Entry* find_live(Shard& s, Table& table, std::string_view key, std::uint64_t h, const Clock& clock,
                 std::atomic<std::uint64_t>& items, std::size_t& slot, TimeUs* now = nullptr) {
  slot = table.find(key, h);
  Entry* e = slot == SIZE_MAX ? nullptr : s.slots[slot];
  if (e == nullptr || e->heap_index == 0) return e;
  const TimeUs t = clock.now();
  if (now != nullptr) *now = t;
  if (deadline_of(s, e) > t) return e;
  remove_entry(s, table, slot, e, items);
  ++s.expired;
  slot = SIZE_MAX;
  return nullptr;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Operations

void Cache::check_value(std::string_view value) const {
  if (value.size() > kMaxCacheValueSize) {
    throw Error(ErrorCode::InvalidParameterValue, "Cache values are at most " + std::to_string(kMaxCacheValueSize) +
                                                      " bytes (got " + std::to_string(value.size()) + ").");
  }
}

std::int64_t Cache::check_charge(std::string_view key, std::size_t value_size, TtlAfter ttl) const {
  const std::int64_t charge = chunk_bytes(sizeof(Entry) + key.size() + value_size);
  const std::int64_t with_ttl = charge + (ttl == TtlAfter::kSet ? static_cast<std::int64_t>(kHeapItemBytes) : 0);
  if (options_.max_memory != 0 && static_cast<std::uint64_t>(with_ttl) > options_.max_memory) {
    // Larger than the whole limit: no eviction can make room, so Redis's refusal.
    throw Error(ErrorCode::OutOfMemoryError, "OOM command not allowed when used memory > 'maxmemory'.");
  }
  return charge;
}

bool Cache::limited() const noexcept { return options_.max_memory != 0 || options_.max_items != 0; }

void Cache::make_room(const std::vector<PlannedWrite>& writes) {
  // The common case first: room even if every write added a key and every table doubled
  // (tables are part of used_memory, so doubling them adds at most used_memory).
  std::int64_t most = 2 * static_cast<std::int64_t>(used_memory());
  for (const PlannedWrite& w : writes) {
    const std::int64_t heap_item = w.ttl == TtlAfter::kSet ? static_cast<std::int64_t>(kHeapItemBytes) : 0;
    most += std::max<std::int64_t>(w.charge, 0) + heap_item;
  }
  if ((options_.max_memory == 0 || most <= static_cast<std::int64_t>(options_.max_memory)) &&
      (options_.max_items == 0 || size() + writes.size() <= options_.max_items)) {
    return;
  }
  // What the writes add: bytes (new entries, minus the ones they replace, plus table growth)
  // and items. Looked up now; a write racing in from another thread is trimmed afterwards.
  std::int64_t bytes = 0;
  std::uint64_t items = 0;
  struct Growth {  // a shard's table as the writes before this one leave it
    const Shard* shard;
    std::size_t count, slots;
  };
  std::vector<Growth> growth;
  for (const PlannedWrite& w : writes) {
    Shard& s = shard_of(w.hash);
    std::lock_guard<std::mutex> lock(s.mutex);
    const std::size_t i = Table{s, seed_, entry_bytes_}.find(w.key, w.hash);
    if (i != SIZE_MAX) {  // a TTL's heap item comes or goes with the write
      const Entry* old = s.slots[i];
      if (w.charge != kSameEntry) bytes += w.charge - old->charge();
      const bool had_ttl = old->heap_index != 0;
      const bool has_ttl = w.ttl == TtlAfter::kSet || (w.ttl == TtlAfter::kKept && had_ttl);
      bytes += (static_cast<std::int64_t>(has_ttl) - static_cast<std::int64_t>(had_ttl)) *
               static_cast<std::int64_t>(kHeapItemBytes);
    } else if (w.charge != kSameEntry) {
      bytes += w.charge + (w.ttl == TtlAfter::kSet ? static_cast<std::int64_t>(kHeapItemBytes) : 0);
      ++items;
      auto g = std::find_if(growth.begin(), growth.end(), [&](const Growth& x) { return x.shard == &s; });
      if (g == growth.end()) g = growth.insert(growth.end(), Growth{&s, s.count, s.slots.size()});
      if ((g->count + 1) * 5 > g->slots * 4) {  // this insert doubles the table (Table::insert)
        bytes += static_cast<std::int64_t>(g->slots * kSlotBytes);
        g->slots *= 2;
      }
      ++g->count;
    }
  }
  auto over = [&] {
    return (options_.max_memory != 0 &&
            static_cast<std::int64_t>(used_memory()) + bytes > static_cast<std::int64_t>(options_.max_memory)) ||
           (options_.max_items != 0 && size() + items > options_.max_items);
  };
  if (!over()) return;
  std::lock_guard<std::mutex> evicting(evict_mutex_);
  while (over()) {
    if (!evict_one(writes)) throw_oom();  // nothing written yet (evictions made stay made, as Redis's)
  }
}

void Cache::trim_after(const std::vector<PlannedWrite>& writes) {
  if (!limited() || !over_limits() || options_.policy == EvictionPolicy::kNoEviction) return;
  std::lock_guard<std::mutex> evicting(evict_mutex_);  // concurrent writers overshot: trim back
  while (over_limits() && evict_one(writes)) {
  }
}

bool Cache::set(std::string_view key, std::string_view value, std::optional<TimeUs> ttl, SetCondition condition) {
  check_key(key);
  check_value(value);
  const TimeUs life = ttl ? *ttl : options_.default_ttl;
  if (life < 0) throw Error(ErrorCode::InvalidParameterValue, "ERR invalid expire time in 'set' command");
  const TtlAfter after = life > 0 ? TtlAfter::kSet : TtlAfter::kNone;
  const std::vector<PlannedWrite> writes = {{key, hash(key), check_charge(key, value.size(), after), after}};
  if (limited() && (condition == SetCondition::kAlways || exists(key) == (condition == SetCondition::kIfPresent))) {
    make_room(writes);  // Redis makes room before a write: nothing is written when it cannot
  }
  const bool stored = store(key, writes[0].hash, value, life, condition);
  if (stored) trim_after(writes);
  return stored;
}

void Cache::mset(const std::vector<std::pair<std::string_view, std::string_view>>& pairs, std::optional<TimeUs> ttl) {
  const TimeUs life = ttl ? *ttl : options_.default_ttl;
  if (life < 0) throw Error(ErrorCode::InvalidParameterValue, "ERR invalid expire time in 'mset' command");
  std::vector<PlannedWrite> writes;
  writes.reserve(pairs.size());
  for (const auto& [key, value] : pairs) {  // every pair is checked before any is written
    check_key(key);
    check_value(value);
    const TtlAfter after = life > 0 ? TtlAfter::kSet : TtlAfter::kNone;
    writes.push_back({key, hash(key), check_charge(key, value.size(), after), after});
  }
  if (limited()) make_room(writes);
  for (std::size_t i = 0; i < pairs.size(); ++i) store(pairs[i].first, writes[i].hash, pairs[i].second, life, SetCondition::kAlways);
  trim_after(writes);
}

bool Cache::store(std::string_view key, std::uint64_t h, std::string_view value, TimeUs life, SetCondition condition) {
  Shard& s = shard_of(h);
  const TimeUs now = clock_->now();
  {
    std::lock_guard<std::mutex> lock(s.mutex);
    Table table{s, seed_, entry_bytes_};
    std::size_t i = SIZE_MAX;
    Entry* old = find_live(s, table, key, h, *clock_, items_, i);
    if ((condition == SetCondition::kIfAbsent && old != nullptr) ||
        (condition == SetCondition::kIfPresent && old == nullptr)) {
      return false;
    }
    const std::uint32_t stamp = is_lfu(options_.policy)
                                    ? (kLfuInit << 16 | minutes_of(now))
                                    : static_cast<std::uint32_t>(stamp_.fetch_add(1, std::memory_order_relaxed));
    const TimeUs deadline = life > 0 ? now + life : 0;
    put_entry(s, table, i, old, key, h, value, deadline, stamp, items_);
    if (journal_) log_set(key, value, deadline, now);
  }
  maybe_sweep(now);
  return true;
}

bool Cache::over_limits() const noexcept {
  return (options_.max_memory != 0 && used_memory() > options_.max_memory) ||
         (options_.max_items != 0 && size() > options_.max_items);
}

template <class F>
decltype(auto) Cache::with_live(std::string_view key, F&& f, TimeUs* now) {
  check_alive();
  const std::uint64_t h = hash(key);
  Shard& s = shard_of(h);
  std::lock_guard<std::mutex> lock(s.mutex);
  Table table{s, seed_, entry_bytes_};
  std::size_t i = SIZE_MAX;
  Entry* e = find_live(s, table, key, h, *clock_, items_, i, now);
  return f(s, table, i, e);
}

bool Cache::get(std::string_view key, std::string& out) {
  return with_live(key, [&](Shard& s, Table&, std::size_t, Entry* e) {
    if (e == nullptr) {
      ++s.misses;
      return false;
    }
    ++s.hits;
    touch(s, e);
    out.assign(e->value(), e->value_size);
    return true;
  });
}

bool Cache::peek(std::string_view key, std::string& out) {
  return with_live(key, [&](Shard&, Table&, std::size_t, Entry* e) {
    if (e != nullptr) out.assign(e->value(), e->value_size);
    return e != nullptr;
  });
}

void Cache::touch(Shard& s, Entry* e) {
  if (is_lru(options_.policy)) {
    e->stamp = static_cast<std::uint32_t>(stamp_.fetch_add(1, std::memory_order_relaxed));
    if (s.head[list_of(e)] != e) {
      list_unlink(s, e);
      list_push_front(s, e);
    }
  } else if (is_lfu(options_.policy)) {
    const std::uint32_t minutes = minutes_of(clock_->now());
    std::uint32_t counter = lfu_decayed(e, minutes);
    if (counter < 255) {
      const double r = static_cast<double>(s.random() >> 11) / 9007199254740992.0;
      const double base = counter > kLfuInit ? counter - kLfuInit : 0;
      if (r < 1.0 / (base * kLfuLogFactor + 1)) ++counter;
    }
    e->stamp = counter << 16 | minutes;
  }
}

bool Cache::remove(std::string_view key) {
  return with_live(key, [&](Shard& s, Table& table, std::size_t i, Entry* e) {
    if (e == nullptr) return false;
    remove_entry(s, table, i, e, items_);
    if (journal_) log_key(durability::Record::kCacheRemove, key, clock_->now());
    return true;
  });
}

bool Cache::exists(std::string_view key) {
  return with_live(key, [](Shard&, Table&, std::size_t, Entry* e) { return e != nullptr; });
}

KeyTtl Cache::ttl(std::string_view key) {
  TimeUs now = 0;
  return with_live(
      key,
      [&](Shard& s, Table&, std::size_t, Entry* e) -> KeyTtl {
        if (e == nullptr) return {};
        if (e->heap_index == 0) return {KeyTtl::kPersistent, 0};
        return {KeyTtl::kVolatile, deadline_of(s, e) - now};
      },
      &now);
}

bool Cache::expire(std::string_view key, TimeUs life) {
  // A key without a TTL gets a heap item: room for it first, as for any write.
  const std::vector<PlannedWrite> writes = {{key, hash(key), kSameEntry, TtlAfter::kSet}};
  if (life > 0 && limited()) {
    check_alive();
    make_room(writes);
  }
  const bool done = with_live(key, [&](Shard& s, Table& table, std::size_t i, Entry* e) {
    if (e == nullptr) return false;
    const TimeUs now = clock_->now();
    if (life <= 0) {  // as Redis's EXPIRE with a non-positive time: the key is deleted
      remove_entry(s, table, i, e, items_);
      if (journal_) log_key(durability::Record::kCacheRemove, key, now);
      return true;
    }
    set_deadline(s, table, e, now + life);
    if (journal_) log_key(durability::Record::kCacheExpire, key, now, now + life);
    return true;
  });
  if (done && life > 0) trim_after(writes);
  return done;
}

bool Cache::persist(std::string_view key) {
  return with_live(key, [&](Shard& s, Table& table, std::size_t, Entry* e) {
    if (e == nullptr || e->heap_index == 0) return false;
    set_deadline(s, table, e, 0);
    if (journal_) log_key(durability::Record::kCacheExpire, key, clock_->now(), 0);
    return true;
  });
}

std::int64_t Cache::incr(std::string_view key, std::int64_t amount) {
  check_key(key);
  const std::uint64_t h = hash(key);
  const std::vector<PlannedWrite> writes = {{key, h, check_charge(key, 20, TtlAfter::kKept), TtlAfter::kKept}};  // at most 20 digits
  if (limited()) make_room(writes);
  Shard& s = shard_of(h);
  std::int64_t result = 0;
  {
    std::lock_guard<std::mutex> lock(s.mutex);
    Table table{s, seed_, entry_bytes_};
    std::size_t i = SIZE_MAX;
    Entry* e = find_live(s, table, key, h, *clock_, items_, i);
    std::int64_t current = 0;
    if (e != nullptr) {  // Redis: a decimal int64, no sign but '-', no spaces, no leading zeros
      const std::string_view text = e->value_view();
      bool ok = !text.empty() && text.size() <= 20;
      std::size_t p = 0;
      const bool negative = ok && text[0] == '-';
      p = negative ? 1 : 0;
      ok = ok && p < text.size() && (text[p] != '0' || text.size() == p + 1) && !(negative && text == "-0");
      uint128 magnitude = 0;
      for (; ok && p < text.size(); ++p) {
        ok = text[p] >= '0' && text[p] <= '9';
        magnitude = magnitude * 10 + static_cast<unsigned>(text[p] - '0');
      }
      const uint128 limit = negative ? static_cast<uint128>(INT64_MAX) + 1 : INT64_MAX;
      if (!ok || magnitude > limit) {
        throw Error(ErrorCode::InvalidParameterValue, "ERR value is not an integer or out of range");
      }
      const auto low = static_cast<std::uint64_t>(magnitude);
      current = negative ? static_cast<std::int64_t>(0 - low) : static_cast<std::int64_t>(low);
    }
    if (__builtin_add_overflow(current, amount, &result)) {
      throw Error(ErrorCode::InvalidParameterValue, "ERR increment or decrement would overflow");
    }
    const std::string text = std::to_string(result);
    Entry* n = Entry::create(key, text);
    std::int64_t delta = n->charge();
    if (e != nullptr) {  // keeps the TTL and the place in the recency list
      n->stamp = e->stamp;
      n->heap_index = e->heap_index;
      if (n->heap_index != 0) s.heap[n->heap_index - 1].entry = n;
      n->prev = e->prev;
      n->next = e->next;
      const int l = list_of(e);
      (e->prev != nullptr ? e->prev->next : s.head[l]) = n;
      (e->next != nullptr ? e->next->prev : s.tail[l]) = n;
      s.slots[i] = n;
      delta -= e->charge();
      Entry::destroy(e);
      touch(s, n);  // INCR is a use, as Redis's lookupKeyWrite counts it
    } else {
      n->stamp = is_lfu(options_.policy) ? (kLfuInit << 16 | minutes_of(clock_->now()))
                                         : static_cast<std::uint32_t>(stamp_.fetch_add(1, std::memory_order_relaxed));
      table.insert(n, h);
      items_.fetch_add(1, std::memory_order_relaxed);
      list_push_front(s, n);
    }
    entry_bytes_.fetch_add(delta, std::memory_order_relaxed);
    if (journal_) log_set(key, text, n->heap_index != 0 ? deadline_of(s, n) : 0, clock_->now());
  }
  trim_after(writes);
  return result;
}

void Cache::clear() {
  check_alive();
  clear_entries(/*logged=*/true);
}

void Cache::clear_entries(bool logged) {
  const TimeUs now = logged && journal_ ? clock_->now() : 0;
  for (std::size_t si = 0; si < shards_.size(); ++si) {
    Shard& s = *shards_[si];
    std::lock_guard<std::mutex> lock(s.mutex);
    if (logged && journal_) {
      durability::RecordBuffer& payload = record_head(now);
      durability::RecordWriter(payload).u32(static_cast<std::uint32_t>(si));
      journal_->append(durability::Record::kCacheClear, payload);
    }
    clear_shard(s, items_, entry_bytes_);
  }
}

CacheStats Cache::stats() const {
  check_alive();
  CacheStats out;
  for (const auto& sp : shards_) {
    std::lock_guard<std::mutex> lock(sp->mutex);
    out.hits += sp->hits;
    out.misses += sp->misses;
    out.evictions += sp->evictions;
    out.expired += sp->expired;
  }
  out.items = size();
  out.used_memory = used_memory();
  out.max_memory = options_.max_memory;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Eviction (evict_mutex_ held: one evicting thread scans the shards at a time)

bool Cache::evict_one(const std::vector<PlannedWrite>& keep) {
  const EvictionPolicy policy = options_.policy;
  if (policy == EvictionPolicy::kNoEviction) return false;
  const bool only_volatile = volatile_only(policy);
  const std::uint32_t now_stamp = static_cast<std::uint32_t>(stamp_.load(std::memory_order_relaxed));
  const TimeUs now = clock_->now();
  const std::uint32_t minutes = minutes_of(now);
  Victim best;
  std::uint64_t best_score = UINT64_MAX;  // lower is evicted first
  auto spared = [&](Entry* e) {  // the keys being written are never their own victims
    for (const PlannedWrite& w : keep) {
      if (e->key_view() == w.key) return true;
    }
    return false;
  };
  const std::size_t start = policy == EvictionPolicy::kAllKeysRandom || policy == EvictionPolicy::kVolatileRandom
                                ? static_cast<std::size_t>(shards_[0]->random() % shards_.size())
                                : 0;
  for (std::size_t n = 0; n < shards_.size(); ++n) {
    const std::size_t si = (start + n) % shards_.size();
    Shard& s = *shards_[si];
    std::lock_guard<std::mutex> lock(s.mutex);
    Entry* candidate = nullptr;
    std::uint64_t score = UINT64_MAX;
    if (is_lru(policy)) {  // the oldest tail (ages relative to the counter, so wrap-around is fine)
      for (int l = only_volatile ? 1 : 0; l < 2; ++l) {
        Entry* e = s.tail[l];
        while (e != nullptr && spared(e)) e = e->prev;
        if (e == nullptr) continue;
        const std::uint64_t age_score = UINT64_MAX - (now_stamp - e->stamp);  // older: lower
        if (age_score < score) score = age_score, candidate = e;
      }
    } else if (is_lfu(policy)) {
      auto consider = [&](Entry* e) {
        if (e == nullptr || spared(e) || (only_volatile && e->heap_index == 0)) return;
        const std::uint64_t c = lfu_decayed(e, minutes);
        if (c < score) score = c, candidate = e;
      };
      const std::size_t population = only_volatile ? s.heap.size() : s.count;
      if (population <= kLfuSamples) {
        if (only_volatile) {
          for (const auto& item : s.heap) consider(item.entry);
        } else {
          for (Entry* e : s.slots) consider(e);
        }
      } else {
        for (std::size_t k = 0; k < kLfuSamples; ++k) {
          if (only_volatile) {
            consider(s.heap[s.random() % s.heap.size()].entry);
          } else {
            std::size_t i = s.random() & (s.slots.size() - 1);
            while (s.tags[i] == 0) i = (i + 1) & (s.slots.size() - 1);
            consider(s.slots[i]);
          }
        }
      }
    } else if (policy == EvictionPolicy::kVolatileTtl) {
      // The soonest deadline: the heap top, or (when that is the spared key) one of its children.
      for (std::size_t k = 0; k < std::min<std::size_t>(3, s.heap.size()); ++k) {
        Entry* e = s.heap[k].entry;
        const auto deadline = static_cast<std::uint64_t>(s.heap[k].deadline);
        if (!spared(e) && deadline < score) score = deadline, candidate = e;
        if (k == 0 && candidate != nullptr) break;
      }
    } else {  // random: the first shard (from a random start) with a candidate
      const std::size_t population = only_volatile ? s.heap.size() : s.count;
      for (std::size_t tries = 0; population > 0 && tries < 8 && candidate == nullptr; ++tries) {
        Entry* e;
        if (only_volatile) {
          e = s.heap[s.random() % s.heap.size()].entry;
        } else {
          std::size_t i = s.random() & (s.slots.size() - 1);
          while (s.tags[i] == 0) i = (i + 1) & (s.slots.size() - 1);
          e = s.slots[i];
        }
        if (!spared(e)) candidate = e, score = 0;
      }
    }
    if (candidate != nullptr && score < best_score) {
      best_score = score;
      best.shard = si;
      best.key.assign(candidate->key(), candidate->key_size);
      if (score == 0 && !is_lfu(policy)) break;  // random: take it
    }
  }
  if (!best.found()) return false;
  Shard& s = *shards_[best.shard];
  std::lock_guard<std::mutex> lock(s.mutex);
  Table table{s, seed_, entry_bytes_};
  const std::size_t i = table.find(best.key, hash(best.key));
  if (i != SIZE_MAX) {  // else deleted meanwhile: room was made anyway
    remove_entry(s, table, i, s.slots[i], items_);
    ++s.evictions;
    if (journal_) log_key(durability::Record::kCacheRemove, best.key, now);  // as Redis propagates a DEL
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Active expiry

std::size_t Cache::sweep_expired(std::size_t budget) {
  const TimeUs now = clock_->now();
  std::size_t dropped = 0;
  for (auto& sp : shards_) {
    Shard& s = *sp;
    std::lock_guard<std::mutex> lock(s.mutex);
    Table table{s, seed_, entry_bytes_};
    for (std::size_t n = 0; n < budget && !s.heap.empty() && s.heap.front().deadline <= now; ++n) {
      Entry* e = s.heap.front().entry;
      const std::size_t i = table.find(e->key_view(), hash(e->key_view()));
      remove_entry(s, table, i, e, items_);
      ++s.expired;
      ++dropped;
    }
  }
  last_sweep_us_.store(now, std::memory_order_relaxed);
  return dropped;
}

void Cache::maybe_sweep(TimeUs now) {
  if (now - last_sweep_us_.load(std::memory_order_relaxed) >= kSweepEveryUs) sweep_expired(kSweepBudget);
}

// Redis expires actively hz = 10 times a second, a bounded number of keys each time; a manual
// clock's advance runs the cycles the elapsed time holds (20 keys a shard each), so expired keys
// nobody touches go at Redis's pace, deterministically, and the rest wait for an access.
// Each cycle runs at a multiple of 100 ms and drops at most 20 keys a shard whose deadline has
// passed by then; cycles that would find nothing are skipped, so a long advance costs what it
// expires, not what it spans.
void Cache::on_clock_changed() {
  const TimeUs now = clock_->now();
  const TimeUs from = last_sweep_us_.exchange(now, std::memory_order_relaxed);
  for (auto& sp : shards_) {
    Shard& s = *sp;
    std::lock_guard<std::mutex> lock(s.mutex);
    Table table{s, seed_, entry_bytes_};
    TimeUs tick = (from / kSweepEveryUs + 1) * kSweepEveryUs;  // the first cycle after the last sweep
    while (tick <= now && !s.heap.empty() && s.heap.front().deadline <= now) {
      if (s.heap.front().deadline > tick) {  // nothing due at this cycle: jump to the one that has
        tick = (s.heap.front().deadline + kSweepEveryUs - 1) / kSweepEveryUs * kSweepEveryUs;
        continue;
      }
      for (std::size_t n = 0; n < kSweepBudget && !s.heap.empty() && s.heap.front().deadline <= tick; ++n) {
        Entry* e = s.heap.front().entry;
        const std::size_t i = table.find(e->key_view(), hash(e->key_view()));
        remove_entry(s, table, i, e, items_);
        ++s.expired;
      }
      tick += kSweepEveryUs;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The write-ahead log and snapshots
//
// Record payloads, after the cache's id (u64) and the clock reading of the write (i64 us):
//   kCacheSet     key, value, deadline i64 (0: none)
//   kCacheRemove  key
//   kCacheExpire  key, deadline i64 (0: none)
//   kCacheClear   shard index u32
//   kCacheCreate  after the Broker's head: max_memory u64, max_items u64, default TTL i64,
//                 policy u8, shards u32, hash seed u64
// A replayed record is applied as it is (no lazy expiry, no limits, no eviction): the log holds
// every change the writer made, evictions included, in each key's order.
// Dump ("PCA1"): hash seed u64, shard count u32, then per shard its cut (the journal's LSN
// while its lock was held) u64, entry count u64, and its entries oldest use first: key, value,
// deadline i64.

namespace {

constexpr char kDumpMagic[4] = {'P', 'C', 'A', '1'};

}  // namespace

void Cache::attach_journal(std::shared_ptr<durability::Journal> journal, std::uint64_t id) {
  journal_ = std::move(journal);
  journal_id_ = id;
}

durability::RecordBuffer& Cache::record_head(TimeUs now) const {
  return durability::Journal::start(journal_id_, now);
}

void Cache::log_set(std::string_view key, std::string_view value, TimeUs deadline, TimeUs now) const {
  durability::RecordBuffer& payload = record_head(now);
  durability::RecordWriter w(payload);
  w.str(key);
  w.str(value);
  w.i64(deadline);
  journal_->append(durability::Record::kCacheSet, payload);
}

void Cache::log_key(durability::Record type, std::string_view key, TimeUs now, TimeUs deadline) const {
  durability::RecordBuffer& payload = record_head(now);
  durability::RecordWriter w(payload);
  w.str(key);
  if (type == durability::Record::kCacheExpire) w.i64(deadline);
  journal_->append(type, payload);
}

void Cache::log_delete(TimeUs now) {
  if (journal_) journal_->append(durability::Record::kCacheDelete, record_head(now));
}

void Cache::write_create(std::string& out) const {
  SnapshotWriter w(out);
  w.u64(options_.max_memory);
  w.u64(options_.max_items);
  w.i64(options_.default_ttl);
  w.u8(static_cast<std::uint8_t>(options_.policy));
  w.u32(options_.shards);
  w.u64(seed_);
}

CacheOptions Cache::read_create(SnapshotReader& r, std::uint64_t& seed) {
  CacheOptions options;
  options.max_memory = r.u64();
  options.max_items = r.u64();
  options.default_ttl = r.i64();
  const std::uint8_t policy = r.u8();
  if (policy > static_cast<std::uint8_t>(EvictionPolicy::kNoEviction)) r.fail("its eviction policy is " + std::to_string(policy));
  options.policy = static_cast<EvictionPolicy>(policy);
  options.shards = r.u32();
  seed = r.u64();
  return options;
}

bool Cache::replay(std::uint64_t lsn, durability::Record type, std::string_view payload) {
  using durability::Record;
  SnapshotReader r(payload, "cache log record");
  r.u64();  // the id, which led here
  const TimeUs now = r.i64();
  auto covered = [&](std::size_t shard) { return shard < replay_cuts_.size() && lsn <= replay_cuts_[shard]; };
  if (type == Record::kCacheClear) {
    const std::uint32_t shard = r.u32();
    if (!r.done()) r.fail("bytes follow its end");
    if (shard >= shards_.size()) r.fail("it clears shard " + std::to_string(shard) + ", which the cache does not have");
    if (covered(shard)) return false;
    Shard& s = *shards_[shard];
    std::lock_guard<std::mutex> lock(s.mutex);
    clear_shard(s, items_, entry_bytes_);
    return true;
  }
  const std::string_view key = r.str();
  std::string_view value;
  TimeUs deadline = 0;
  if (type == Record::kCacheSet) {
    value = r.str();
    deadline = r.i64();
  } else if (type == Record::kCacheExpire) {
    deadline = r.i64();
  } else if (type != Record::kCacheRemove) {
    r.fail("its type " + std::to_string(static_cast<int>(type)) + " is not a cache's");
  }
  if (!r.done()) r.fail("bytes follow its end");
  if (key.size() > kMaxCacheKeySize || value.size() > kMaxCacheValueSize) r.fail("its key or value is too long");
  const std::uint64_t h = hash(key);
  const std::size_t shard = shard_index(h);
  if (covered(shard)) return false;
  Shard& s = *shards_[shard];
  std::lock_guard<std::mutex> lock(s.mutex);
  Table table{s, seed_, entry_bytes_};
  const std::size_t i = table.find(key, h);
  Entry* e = i == SIZE_MAX ? nullptr : s.slots[i];
  if (type == Record::kCacheSet) {
    const std::uint32_t stamp = is_lfu(options_.policy)
                                    ? (kLfuInit << 16 | minutes_of(now))
                                    : static_cast<std::uint32_t>(stamp_.fetch_add(1, std::memory_order_relaxed));
    put_entry(s, table, i, e, key, h, value, deadline, stamp, items_);
  } else if (e != nullptr && type == Record::kCacheRemove) {
    remove_entry(s, table, i, e, items_);
  } else if (e != nullptr) {
    set_deadline(s, table, e, deadline);
  }
  return true;
}

std::string Cache::dump() {
  check_alive();
  std::string out;
  SnapshotWriter w(out);
  w.raw(kDumpMagic, 4);
  w.u64(seed_);
  w.u32(static_cast<std::uint32_t>(shards_.size()));
  for (const auto& sp : shards_) {
    Shard& s = *sp;
    std::lock_guard<std::mutex> lock(s.mutex);
    w.u64(journal_ ? journal_->wal().appended_lsn() : 0);
    w.u64(s.count);
    for (int l = 0; l < 2; ++l) {  // oldest use first, so that restoring in order rebuilds the lists
      for (Entry* e = s.tail[l]; e != nullptr; e = e->prev) {
        w.str(e->key_view());
        w.str(e->value_view());
        w.i64(e->heap_index != 0 ? deadline_of(s, e) : 0);
      }
    }
  }
  return out;
}

std::uint64_t Cache::dumped_seed(std::string_view dump) {
  SnapshotReader r(dump, "cache snapshot");
  r.expect_magic(std::string_view(kDumpMagic, 4));
  return r.u64();
}

void Cache::restore(std::string_view dump) {
  SnapshotReader r(dump, "cache snapshot");
  r.expect_magic(std::string_view(kDumpMagic, 4));
  if (r.u64() != seed_) r.fail("its hash seed is not the cache's");
  const std::uint32_t count = r.u32();
  if (count != shards_.size()) {
    r.fail("it has " + std::to_string(count) + " shards, the cache " + std::to_string(shards_.size()));
  }
  replay_cuts_.assign(count, 0);
  const TimeUs now = clock_->now();
  for (std::size_t si = 0; si < shards_.size(); ++si) {
    Shard& s = *shards_[si];
    std::lock_guard<std::mutex> lock(s.mutex);
    replay_cuts_[si] = r.u64();
    for (std::uint64_t n = r.u64(); n > 0; --n) {
      const std::string_view key = r.str(), value = r.str();
      const TimeUs deadline = r.i64();
      if (key.size() > kMaxCacheKeySize || value.size() > kMaxCacheValueSize) r.fail("a key or value is too long");
      const std::uint64_t h = hash(key);
      if (shard_index(h) != si) {
        r.fail("a key is in another shard than its hash says");
      }
      Table table{s, seed_, entry_bytes_};
      if (table.find(key, h) != SIZE_MAX) r.fail("a key is in it twice");
      const std::uint32_t stamp = is_lfu(options_.policy)
                                      ? (kLfuInit << 16 | minutes_of(now))
                                      : static_cast<std::uint32_t>(stamp_.fetch_add(1, std::memory_order_relaxed));
      put_entry(s, table, SIZE_MAX, nullptr, key, h, value, deadline, stamp, items_);
    }
  }
  if (!r.done()) r.fail("bytes follow its end");
}

}  // namespace pymsg
