// The write-ahead log: every change to the broker's state, appended as one record before the
// call that made it returns, so that a restart replays what was acknowledged.
//
// On disk, a directory of segments, wal-<first LSN, 20 digits>.log, each a 24-byte header (the
// magic "PYMSGWAL", the format version, the segment's first LSN, a CRC-32C of those) and then
// records, each framed as
//
//   u32 payload length | u8 type | u32 CRC-32C of (length, type) | u32 CRC-32C of payload | payload
//
// (little-endian, 13 bytes before the payload). The header has a checksum of its own so that a
// damaged length is told from a record cut short at the end of the log. A record's LSN is not
// stored: it is its segment's first LSN plus its place.
// A segment ends when it passes `segment_bytes` at a record boundary; the next starts at the
// next LSN, and the old one is synced first, so only the last segment can end in a torn record.
// Torn, at the end of the last segment: a header or record cut short, zeros (space the file
// system gave but never wrote), or a last record whose payload checksum fails (a write the
// machine lost part of). It is cut off and reported. Any other damage stops the log opening.
//
// Durability, named as Redis names its appendfsync settings:
//   always    commit(lsn) returns once the record is on the disk. Concurrent committers share
//             one write and one sync (group commit): whoever finds no write in progress writes
//             everything appended so far, for everyone, while the others wait.
//   everysec  a background writer writes what was appended every few milliseconds and syncs
//             once a second: a process crash loses the last few milliseconds, a machine crash
//             about the last second.
//   no        the same writer, never syncing: the operating system decides when.
// append() only copies the record into memory under the log's own mutex, so a caller may append
// while it holds its queue's lock (the log's order is then the state's order) and commit after
// releasing it; no lock but the log's is held while anything is written or synced.
//
// A failed write or sync (a full disk, an I/O error) cuts the file back to its last whole record
// and makes the log refuse every later call with that IoError: what was not written is not
// acknowledged as written.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstring>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "pymsg/durability/file.hpp"

namespace pymsg::durability {

enum class Fsync { Always, EverySec, No };

// "always", "everysec" or "no"; std::invalid_argument for anything else.
Fsync parse_fsync(std::string_view name);
const char* fsync_name(Fsync policy) noexcept;

constexpr std::uint32_t kMaxRecordBytes = 256u << 20;  // a length above this is damage, not a record
constexpr std::size_t kSegmentHeaderBytes = 24;
constexpr std::size_t kRecordHeaderBytes = 13;

// One record as it is built: room for its frame's header, then its payload, which append() frames
// in place and copies once, into the log's batch. Kept from record to record (one per thread, in
// Journal), so a warm record allocates nothing; appends are inline.
class RecordBuffer {
 public:
  RecordBuffer() : data_(new char[kInitialBytes]), capacity_(kInitialBytes) {}
  RecordBuffer(const RecordBuffer&) = delete;
  RecordBuffer& operator=(const RecordBuffer&) = delete;

  // Empties the payload; a buffer a large record grew is given back.
  void reset() {
    if (capacity_ > kKeptBytes) {
      data_.reset(new char[kInitialBytes]);
      capacity_ = kInitialBytes;
    }
    size_ = kRecordHeaderBytes;
  }
  void append(const char* bytes, std::size_t n) {
    if (n > capacity_ - size_) grow(n);
    std::memcpy(data_.get() + size_, bytes, n);
    size_ += n;
  }
  void push_back(char c) { append(&c, 1); }
  std::size_t size() const noexcept { return size_; }  // header room included
  char* data() noexcept { return data_.get(); }
  std::string_view payload() const noexcept {
    return {data_.get() + kRecordHeaderBytes, size_ - kRecordHeaderBytes};
  }

 private:
  static constexpr std::size_t kInitialBytes = 512;
  static constexpr std::size_t kKeptBytes = 1u << 20;
  void grow(std::size_t n);

  std::unique_ptr<char[]> data_;
  std::size_t size_ = kRecordHeaderBytes;
  std::size_t capacity_;
};

// A record or header whose checksum, length or sequence is wrong, not at the torn end of the log:
// the log cannot be trusted past `offset` of `file`, and nothing is overwritten.
class CorruptLog : public std::runtime_error {
 public:
  // `repairable`: whether repair-log would cut the log there (not for a BadRecord).
  CorruptLog(std::string file, std::uint64_t offset, const std::string& why, bool repairable = true);
  const std::string& file() const noexcept { return file_; }
  std::uint64_t offset() const noexcept { return offset_; }

 private:
  std::string file_;
  std::uint64_t offset_;
};

// Thrown by a replay callback for a record whose checksum holds but whose contents it cannot
// apply (written by another version, or a bug): the log turns it into a CorruptLog naming the
// record's file and offset.
class BadRecord : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// What reading a log found.
struct LogReport {
  std::uint64_t records = 0;          // records read (handed to the callback)
  std::uint64_t segments = 0;
  std::uint64_t next_lsn = 1;         // the LSN the next record appended gets
  std::string torn_file;              // the segment that ended in a torn record, if any
  std::uint64_t torn_offset = 0;      // where its last whole record ends
  std::uint64_t torn_bytes = 0;       // what follows it (cut off by WriteAheadLog and repair)
  std::string repaired_file;          // repair only: where it cut at a bad record
  std::uint64_t repaired_offset = 0;
  std::uint64_t removed_segments = 0;  // repair only: segments after the cut, deleted
};

using Replay = std::function<void(std::uint64_t lsn, std::uint8_t type, std::string_view payload)>;

// Reads every record of the log in `dir` (none when it has no segments), in LSN order, into
// `replay`. A torn last record is reported, not thrown; a bad record anywhere else throws
// CorruptLog. Changes nothing on disk.
LogReport read_log(const std::string& dir, const Replay& replay);

// As redis-check-aof --fix: cuts the log at its first bad record (deleting the segments after
// it), so that it loads with everything before the damage. Takes the directory's lock.
LogReport repair_log(const std::string& dir);

struct WalOptions {
  std::string dir;
  Fsync fsync = Fsync::EverySec;
  std::uint64_t segment_bytes = 64u << 20;
  std::uint32_t write_interval_ms = 2;  // everysec and no: how often the background writer writes
  // Called once the directory is locked, before the log is read: to load the snapshot the log's
  // records go on from, which no other process may be writing meanwhile.
  std::function<void()> before_replay;
};

class WriteAheadLog {
 public:
  // Locks `options.dir` (which must exist), replays the log there into `replay`, cuts off a torn
  // last record (reported in recovery()), and opens a new segment for appending. Throws
  // DirectoryLocked, IoError or CorruptLog, having changed nothing but the torn tail.
  WriteAheadLog(WalOptions options, const Replay& replay);
  WriteAheadLog(const WriteAheadLog&) = delete;
  WriteAheadLog& operator=(const WriteAheadLog&) = delete;
  ~WriteAheadLog();  // close()

  // Adds one record, in memory; returns its LSN. Throws the IoError that stopped the log.
  std::uint64_t append(std::uint8_t type, std::string_view payload);
  // The same for a record built in a RecordBuffer, framed where it lies (no copy but the one into
  // the batch).
  std::uint64_t append(std::uint8_t type, RecordBuffer& record);
  // Returns when record `lsn` is as durable as the policy promises: on the disk for always;
  // already for everysec and no (the background writer has it).
  void commit(std::uint64_t lsn);
  // Writes and syncs everything appended so far, whatever the policy.
  void flush();
  // Starts a new segment at the next LSN (a snapshot then covers what came before) and returns
  // that LSN.
  std::uint64_t rotate();
  // Deletes the segments whose records all come before `lsn` (what a snapshot made redundant).
  std::uint64_t drop_before(std::uint64_t lsn);
  // flush(), then stops the writer and releases the directory. Idempotent; later calls throw.
  void close();

  const LogReport& recovery() const noexcept { return recovery_; }
  Fsync policy() const noexcept { return options_.fsync; }
  std::uint64_t appended_lsn() const;  // the last LSN appended (0: none yet)
  std::uint64_t synced_lsn() const;    // the last LSN on the disk
  std::uint64_t syncs() const;         // how many syncs the log has made (group commit's measure)

 private:
  void write_pending(std::unique_lock<std::mutex>& lock, bool sync);
  void background();
  void open_segment(std::uint64_t first_lsn);
  void check_usable() const;
  // Under mutex_: appends the last bytes of a record to the batch; returns the record's LSN.
  std::uint64_t end_record(const char* bytes, std::size_t size);

  WalOptions options_;
  std::unique_ptr<DirectoryLock> dir_lock_;
  LogReport recovery_;

  mutable std::mutex mutex_;
  std::condition_variable written_;  // a write finished (or failed)
  std::condition_variable work_;     // wakes the background writer
  std::string pending_;              // framed records not yet written
  std::string spare_;                // a written batch's buffer, emptied, reused (no regrowing)
  std::uint64_t next_lsn_ = 1;
  std::uint64_t written_lsn_ = 0;
  std::uint64_t synced_lsn_ = 0;
  std::uint64_t syncs_ = 0;
  bool writing_ = false;  // one writer at a time; the others wait on written_
  bool writer_idle_ = false;
  bool closed_ = false;
  std::exception_ptr failure_;  // the IoError that stopped the log
  AppendFile segment_;          // only the writer of the moment touches it
  std::uint64_t segment_first_lsn_ = 1;
  std::vector<std::uint64_t> segments_;  // first LSNs of the segments on disk, in order
  std::thread writer_;
};

}  // namespace pymsg::durability
