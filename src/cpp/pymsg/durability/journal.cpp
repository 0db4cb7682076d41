#include "pymsg/durability/journal.hpp"

namespace pymsg::durability {
namespace {

// This thread's record buffer, and what it appended and has not committed: the latest LSN and
// its log (held, so a log closed meanwhile is still there to ask). A call appends to one log (a
// broker's family shares one), so one pair is enough.
//
// Reached through a plain pointer: in a shared library every thread_local costs a call to look
// it up, and one with a constructor three (its guard, its address, its destructor's
// registration), on every record. The owner, made once per thread, destroys it at thread exit.
struct ThreadRecords {
  RecordBuffer buffer;
  std::shared_ptr<WriteAheadLog> wal;
  std::uint64_t lsn = 0;
  ~ThreadRecords();
};
thread_local ThreadRecords* t_records = nullptr;

ThreadRecords::~ThreadRecords() { t_records = nullptr; }

[[gnu::noinline]] ThreadRecords& make_thread_records() {
  thread_local std::unique_ptr<ThreadRecords> owner;
  owner = std::make_unique<ThreadRecords>();
  t_records = owner.get();
  return *owner;
}

ThreadRecords& thread_records() {
  ThreadRecords* t = t_records;
  return t != nullptr ? *t : make_thread_records();
}

std::uint64_t note_pending(const std::shared_ptr<WriteAheadLog>& wal, std::uint64_t lsn) {
  ThreadRecords& t = thread_records();
  if (t.wal != wal) t.wal = wal;  // a pointer compare; a copy only when the log changes
  t.lsn = lsn;
  return lsn;
}

}  // namespace

RecordBuffer& Journal::start() {
  RecordBuffer& buffer = thread_records().buffer;
  buffer.reset();
  return buffer;
}

RecordBuffer& Journal::start(std::uint64_t id, std::int64_t now) {
  RecordBuffer& buffer = start();
  RecordWriter w(buffer);
  w.u64(id);
  w.i64(now);
  return buffer;
}

std::uint64_t Journal::append(Record type, RecordBuffer& record) {
  return note_pending(wal_, wal_->append(static_cast<std::uint8_t>(type), record));
}

std::uint64_t Journal::append(Record type, std::string_view payload) {
  return note_pending(wal_, wal_->append(static_cast<std::uint8_t>(type), payload));
}

bool Journal::commit_pending() {
  ThreadRecords* t = t_records;  // none yet: this thread appended nothing
  if (t == nullptr || t->lsn == 0) return false;
  const std::uint64_t lsn = t->lsn;
  t->lsn = 0;
  t->wal->commit(lsn);
  return true;
}

bool Journal::must_wait() noexcept {
  const ThreadRecords* t = t_records;
  return t != nullptr && t->lsn != 0 && t->wal->policy() == Fsync::Always;
}

void Journal::taken_id(std::uint64_t id) noexcept {
  std::uint64_t next = next_id_.load(std::memory_order_relaxed);
  while (next <= id && !next_id_.compare_exchange_weak(next, id + 1, std::memory_order_relaxed)) {
  }
}

}  // namespace pymsg::durability
