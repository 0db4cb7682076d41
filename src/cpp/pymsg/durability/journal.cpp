#include "pymsg/durability/journal.hpp"

namespace pymsg::durability {
namespace {

// What this thread appended and has not committed: the latest LSN and its log (held, so a log
// closed meanwhile is still there to ask). A call appends to one log (a broker's family shares
// one), so one pair is enough.
thread_local std::shared_ptr<WriteAheadLog> t_wal;
thread_local std::uint64_t t_lsn = 0;

}  // namespace

std::uint64_t Journal::append(Record type, std::string_view payload) {
  const std::uint64_t lsn = wal_->append(static_cast<std::uint8_t>(type), payload);
  if (t_wal != wal_) t_wal = wal_;  // a pointer compare; a copy only when the log changes
  t_lsn = lsn;
  return lsn;
}

bool Journal::commit_pending() {
  if (t_lsn == 0) return false;
  const std::uint64_t lsn = t_lsn;
  t_lsn = 0;
  t_wal->commit(lsn);
  return true;
}

bool Journal::must_wait() noexcept {
  return t_lsn != 0 && t_wal->policy() == Fsync::Always;
}

void Journal::taken_id(std::uint64_t id) noexcept {
  std::uint64_t next = next_id_.load(std::memory_order_relaxed);
  while (next <= id && !next_id_.compare_exchange_weak(next, id + 1, std::memory_order_relaxed)) {
  }
}

}  // namespace pymsg::durability
