#include "pymsg/durability/wal.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <utility>

#include "pymsg/durability/crc32c.hpp"

namespace pymsg::durability {
namespace {

namespace fs = std::filesystem;

constexpr char kMagic[8] = {'P', 'Y', 'M', 'S', 'G', 'W', 'A', 'L'};
constexpr std::uint32_t kFormatVersion = 1;
constexpr std::size_t kMaxSpareBytes = 8u << 20;  // a larger batch buffer is freed, not kept

void put_u32(char* at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) at[i] = static_cast<char>((v >> (8 * i)) & 0xFFu);
}
void put_u64(char* at, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) at[i] = static_cast<char>((v >> (8 * i)) & 0xFFu);
}
std::uint32_t get_u32(const char* at) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(at[i]);
  return v;
}
std::uint64_t get_u64(const char* at) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(at[i]);
  return v;
}

std::string segment_name(std::uint64_t first_lsn) {
  char name[40];
  std::snprintf(name, sizeof name, "wal-%020" PRIu64 ".log", first_lsn);
  return name;
}

std::string segment_path(const std::string& dir, std::uint64_t first_lsn) {
  return (fs::path(dir) / segment_name(first_lsn)).string();
}

std::string segment_header(std::uint64_t first_lsn) {
  std::string header(kSegmentHeaderBytes, '\0');
  std::memcpy(header.data(), kMagic, sizeof kMagic);
  put_u32(header.data() + 8, kFormatVersion);
  put_u64(header.data() + 12, first_lsn);
  put_u32(header.data() + 20, crc32c(header.data(), 20));
  return header;
}

// The first LSNs of the segments in `dir`, in order (files named otherwise are not the log's).
std::vector<std::uint64_t> list_segments(const std::string& dir) {
  std::vector<std::uint64_t> found;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(dir, error)) {
    const std::string name = entry.path().filename().string();
    if (name.size() != 28 || name.compare(0, 4, "wal-") != 0 || name.compare(24, 4, ".log") != 0) continue;
    const std::string digits = name.substr(4, 20);
    if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) continue;
    found.push_back(std::stoull(digits));
  }
  if (error) throw IoError(error.value(), dir, "cannot list");
  std::sort(found.begin(), found.end());
  return found;
}

bool all_zero(const std::string& data, std::size_t from) {
  return std::all_of(data.begin() + static_cast<std::ptrdiff_t>(from), data.end(), [](char c) { return c == 0; });
}

void require_directory(const std::string& dir) {
  std::error_code error;
  if (!fs::is_directory(dir, error)) throw IoError(error ? error.value() : ENOENT, dir, "no data directory");
}

// Where reading stopped at damage, when repairing instead of throwing.
struct Cut {
  std::string file;
  std::uint64_t offset = 0;
  bool found = false;
};

// Reads the log; throws CorruptLog at damage unless `cut` is given (then it records it and stops).
LogReport scan(const std::string& dir, const Replay& replay, Cut* cut) {
  require_directory(dir);
  LogReport report;
  const std::vector<std::uint64_t> segments = list_segments(dir);
  if (segments.empty()) return report;
  std::uint64_t lsn = segments.front();
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const std::string path = segment_path(dir, segments[i]);
    const bool last = i + 1 == segments.size();
    const std::string data = read_file(path);
    ++report.segments;
    // Damage at `offset`: the torn end of the log when `torn` holds here, else corruption.
    auto damaged = [&](std::uint64_t offset, bool torn, const std::string& why) {
      if (last && torn) {
        report.torn_file = path;
        report.torn_offset = offset;
        report.torn_bytes = data.size() - offset;
        return;
      }
      if (cut == nullptr) throw CorruptLog(path, offset, why);
      *cut = Cut{path, offset, true};
    };
    if (data.size() < kSegmentHeaderBytes) {
      damaged(0, true, "the segment header is cut short");
      break;
    }
    if (std::memcmp(data.data(), kMagic, sizeof kMagic) != 0 || get_u32(data.data() + 20) != crc32c(data.data(), 20)) {
      damaged(0, all_zero(data, 0), "not a pymsg log segment (bad magic or header checksum)");
      break;
    }
    if (get_u32(data.data() + 8) != kFormatVersion) {
      damaged(0, false, "log format " + std::to_string(get_u32(data.data() + 8)) + " is not " +
                            std::to_string(kFormatVersion) + "; this pymsg cannot read it");
      break;
    }
    if (get_u64(data.data() + 12) != segments[i] || segments[i] != lsn) {
      damaged(0, false, "the segment starts at LSN " + std::to_string(get_u64(data.data() + 12)) + " where LSN " +
                            std::to_string(lsn) + " was due (a segment is missing or misnamed)");
      break;
    }
    std::size_t at = kSegmentHeaderBytes;
    bool stopped = false;
    while (at < data.size()) {
      const std::size_t left = data.size() - at;
      if (left < kRecordHeaderBytes) {
        damaged(at, true, "a record header is cut short");
        stopped = true;
        break;
      }
      const char* head = data.data() + at;
      if (get_u32(head + 5) != crc32c(head, 5)) {  // length and type checked before the length is trusted
        damaged(at, all_zero(data, at), "a record header's checksum does not match");
        stopped = true;
        break;
      }
      const std::uint32_t length = get_u32(head);
      if (length > kMaxRecordBytes) {
        damaged(at, false, "a record claims " + std::to_string(length) + " bytes");
        stopped = true;
        break;
      }
      if (left - kRecordHeaderBytes < length) {
        damaged(at, true, "a record runs past the end of its segment");
        stopped = true;
        break;
      }
      const std::string_view payload(head + kRecordHeaderBytes, length);
      if (crc32c(payload) != get_u32(head + 9)) {
        // The log's very last record, its payload wrong: a write the machine lost part of (its
        // pages reach the disk in any order), so torn. Anywhere before that, it is damage.
        const bool final_record = at + kRecordHeaderBytes + length == data.size();
        damaged(at, final_record, "a record's checksum does not match");
        stopped = true;
        break;
      }
      if (replay) {
        try {
          replay(lsn, static_cast<std::uint8_t>(head[4]), payload);
        } catch (const BadRecord& e) {
          throw CorruptLog(path, at, "record " + std::to_string(lsn) + " cannot be replayed: " + e.what(), false);
        }
      }
      ++lsn;
      ++report.records;
      at += kRecordHeaderBytes + length;
    }
    if (stopped) break;
  }
  report.next_lsn = lsn;
  return report;
}

// Cuts `file` at `offset` (a header's damage removes the whole file) and removes every segment
// after it.
std::uint64_t cut_log(const std::string& dir, const std::string& file, std::uint64_t offset) {
  std::uint64_t removed = 0;
  const std::vector<std::uint64_t> segments = list_segments(dir);
  bool after = false;
  for (std::uint64_t first : segments) {
    const std::string path = segment_path(dir, first);
    if (after) {
      std::error_code error;
      fs::remove(path, error);
      if (error) throw IoError(error.value(), path, "cannot remove");
      ++removed;
    } else if (path == file) {
      after = true;
      if (offset < kSegmentHeaderBytes) {
        std::error_code error;
        fs::remove(path, error);
        if (error) throw IoError(error.value(), path, "cannot remove");
      } else {
        AppendFile segment(path, false);
        segment.truncate(offset);
        segment.sync();
      }
    }
  }
  sync_directory(dir);
  return removed;
}

}  // namespace

CorruptLog::CorruptLog(std::string file, std::uint64_t offset, const std::string& why, bool repairable)
    : std::runtime_error("the write-ahead log is damaged at " + file + " offset " + std::to_string(offset) + ": " +
                         why +
                         (repairable ? " (python -m pymsg repair-log DIR cuts it there)"
                                     : " (its checksum holds: a pymsg of another version may have written it)")),
      file_(std::move(file)),
      offset_(offset) {}

Fsync parse_fsync(std::string_view name) {
  if (name == "always") return Fsync::Always;
  if (name == "everysec") return Fsync::EverySec;
  if (name == "no") return Fsync::No;
  throw std::invalid_argument("fsync is always, everysec or no, not '" + std::string(name) + "'");
}

const char* fsync_name(Fsync policy) noexcept {
  switch (policy) {
    case Fsync::Always:
      return "always";
    case Fsync::EverySec:
      return "everysec";
    case Fsync::No:
      return "no";
  }
  return "?";
}

LogReport read_log(const std::string& dir, const Replay& replay) { return scan(dir, replay, nullptr); }

LogReport repair_log(const std::string& dir) {
  require_directory(dir);
  DirectoryLock lock(dir);
  Cut cut;
  LogReport report = scan(dir, nullptr, &cut);
  if (!cut.found && !report.torn_file.empty()) cut = Cut{report.torn_file, report.torn_offset, true};
  if (cut.found) {
    report.repaired_file = cut.file;
    report.repaired_offset = cut.offset;
    report.removed_segments = cut_log(dir, cut.file, cut.offset);
  }
  return report;
}

WriteAheadLog::WriteAheadLog(WalOptions options, const Replay& replay) : options_(std::move(options)) {
  if (options_.segment_bytes < kSegmentHeaderBytes + kRecordHeaderBytes)
    throw std::invalid_argument("segment_bytes must be at least " +
                                std::to_string(kSegmentHeaderBytes + kRecordHeaderBytes));
  require_directory(options_.dir);
  dir_lock_ = std::make_unique<DirectoryLock>(options_.dir);
  if (options_.before_replay) options_.before_replay();
  recovery_ = scan(options_.dir, replay, nullptr);
  if (!recovery_.torn_file.empty()) cut_log(options_.dir, recovery_.torn_file, recovery_.torn_offset);
  segments_ = list_segments(options_.dir);
  next_lsn_ = recovery_.next_lsn;
  written_lsn_ = synced_lsn_ = next_lsn_ - 1;
  if (!segments_.empty()) {  // go on where the last whole record ends (a torn header's segment is gone)
    segment_ = AppendFile(segment_path(options_.dir, segments_.back()), false);
    segment_first_lsn_ = segments_.back();
  } else {
    open_segment(next_lsn_);
    segments_.push_back(next_lsn_);
  }
  if (options_.fsync != Fsync::Always) writer_ = std::thread([this] { background(); });
}

WriteAheadLog::~WriteAheadLog() {
  try {
    close();
  } catch (...) {  // a destructor cannot report it; close() called first does
  }
}

void WriteAheadLog::open_segment(std::uint64_t first_lsn) {
  AppendFile segment(segment_path(options_.dir, first_lsn), true);
  segment.write(segment_header(first_lsn));
  segment.sync();
  sync_directory(options_.dir);
  segment_ = std::move(segment);
  segment_first_lsn_ = first_lsn;
}

void WriteAheadLog::check_usable() const {
  if (failure_) std::rethrow_exception(failure_);
  if (closed_) throw std::logic_error("the write-ahead log is closed");
}

void RecordBuffer::grow(std::size_t n) {
  const std::size_t capacity = std::max(capacity_ * 2, size_ + n);
  std::unique_ptr<char[]> data(new char[capacity]);
  std::memcpy(data.get(), data_.get(), size_);
  data_ = std::move(data);
  capacity_ = capacity;
}

namespace {

// Writes a record's frame header into `header` for `payload`.
void frame(char* header, std::uint8_t type, std::string_view payload) {
  if (payload.size() > kMaxRecordBytes)
    throw std::invalid_argument("a log record holds at most " + std::to_string(kMaxRecordBytes) + " bytes");
  put_u32(header, static_cast<std::uint32_t>(payload.size()));
  header[4] = static_cast<char>(type);
  put_u32(header + 5, crc32c(header, 5));
  put_u32(header + 9, crc32c(payload));
}

}  // namespace

std::uint64_t WriteAheadLog::append(std::uint8_t type, std::string_view payload) {
  char header[kRecordHeaderBytes];
  frame(header, type, payload);
  std::lock_guard<std::mutex> lock(mutex_);
  check_usable();
  pending_.append(header, kRecordHeaderBytes);
  return end_record(payload.data(), payload.size());
}

std::uint64_t WriteAheadLog::append(std::uint8_t type, RecordBuffer& record) {
  frame(record.data(), type, record.payload());
  std::lock_guard<std::mutex> lock(mutex_);
  check_usable();
  return end_record(record.data(), record.size());
}

std::uint64_t WriteAheadLog::end_record(const char* bytes, std::size_t size) {
  pending_.append(bytes, size);
  if (writer_idle_) {
    writer_idle_ = false;
    work_.notify_one();
  }
  return next_lsn_++;
}

void WriteAheadLog::write_pending(std::unique_lock<std::mutex>& lock, bool sync) {
  writing_ = true;
  std::string batch;
  batch.swap(pending_);
  pending_.swap(spare_);
  const std::uint64_t upto = next_lsn_ - 1;
  const bool sync_now = sync && upto > synced_lsn_;
  std::uint64_t new_segment = 0;
  lock.unlock();
  try {
    if (!batch.empty()) segment_.write(batch);
    if (segment_.size() >= options_.segment_bytes) {  // the old segment synced before the next begins
      segment_.sync();
      open_segment(upto + 1);
      new_segment = upto + 1;
    } else if (sync_now) {
      segment_.sync();
    }
  } catch (...) {
    lock.lock();
    failure_ = std::current_exception();
    writing_ = false;
    written_.notify_all();
    work_.notify_all();
    throw;
  }
  lock.lock();
  batch.clear();
  if (batch.capacity() <= kMaxSpareBytes) spare_.swap(batch);
  written_lsn_ = upto;
  if (sync_now || new_segment != 0) {
    synced_lsn_ = upto;
    ++syncs_;
  }
  if (new_segment != 0) segments_.push_back(new_segment);
  writing_ = false;
  written_.notify_all();
}

void WriteAheadLog::commit(std::uint64_t lsn) {
  if (options_.fsync != Fsync::Always) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (failure_) std::rethrow_exception(failure_);
    return;
  }
  std::unique_lock<std::mutex> lock(mutex_);
  while (synced_lsn_ < lsn) {
    if (failure_) std::rethrow_exception(failure_);
    if (writing_) {
      written_.wait(lock);
    } else {
      write_pending(lock, true);  // the leader: everyone's records in one write and one sync
    }
  }
}

void WriteAheadLog::flush() {
  std::unique_lock<std::mutex> lock(mutex_);
  check_usable();
  written_.wait(lock, [this] { return !writing_; });
  check_usable();
  write_pending(lock, true);
}

std::uint64_t WriteAheadLog::rotate() {
  std::unique_lock<std::mutex> lock(mutex_);
  check_usable();
  written_.wait(lock, [this] { return !writing_; });
  check_usable();
  write_pending(lock, true);
  // Not next_lsn_: other threads may have appended while write_pending had the lock released,
  // and those records, still pending, go to the new segment.
  const std::uint64_t first = written_lsn_ + 1;
  if (first == segment_first_lsn_) return first;  // the current segment is still empty
  writing_ = true;
  lock.unlock();
  try {
    segment_.sync();
    open_segment(first);
  } catch (...) {
    lock.lock();
    failure_ = std::current_exception();
    writing_ = false;
    written_.notify_all();
    throw;
  }
  lock.lock();
  segments_.push_back(first);
  writing_ = false;
  written_.notify_all();
  return first;
}

std::uint64_t WriteAheadLog::drop_before(std::uint64_t lsn) {
  std::lock_guard<std::mutex> lock(mutex_);
  check_usable();
  std::uint64_t dropped = 0;
  // Segment i holds LSNs [segments_[i], segments_[i + 1]); the current one is never dropped.
  while (segments_.size() > 1 && segments_[1] <= lsn) {
    const std::string path = segment_path(options_.dir, segments_.front());
    std::error_code error;
    fs::remove(path, error);
    if (error) throw IoError(error.value(), path, "cannot remove");
    segments_.erase(segments_.begin());
    ++dropped;
  }
  if (dropped > 0) sync_directory(options_.dir);
  return dropped;
}

void WriteAheadLog::background() {
  using Clock = std::chrono::steady_clock;
  const auto interval = std::chrono::milliseconds(options_.write_interval_ms);
  const bool everysec = options_.fsync == Fsync::EverySec;
  std::unique_lock<std::mutex> lock(mutex_);
  auto last_sync = Clock::now();
  while (!closed_ && !failure_) {
    const bool unsynced = everysec && written_lsn_ > synced_lsn_;
    if (pending_.empty() && !unsynced) {
      writer_idle_ = true;
      work_.wait(lock, [this] { return closed_ || failure_ || !pending_.empty(); });
      writer_idle_ = false;
      continue;
    }
    // Let a batch gather for one interval. Also while only a sync is due (everysec): waiting for
    // the sync's time instead would keep what is appended meanwhile in memory for up to a second
    // (appends wake only an idle writer), one large write and a regrown buffer each second.
    work_.wait_for(lock, interval, [this] { return closed_ || failure_ != nullptr; });
    if (closed_ || failure_) break;
    if (writing_) {
      written_.wait(lock, [this] { return !writing_; });
      continue;
    }
    const bool sync = everysec && Clock::now() - last_sync >= std::chrono::seconds(1);
    if (pending_.empty() && !sync) continue;
    try {
      write_pending(lock, sync);
    } catch (...) {
      break;  // failure_ holds it: the next call raises it
    }
    if (sync) last_sync = Clock::now();
  }
}

void WriteAheadLog::close() {
  std::unique_lock<std::mutex> lock(mutex_);
  if (closed_) return;
  std::exception_ptr error;
  written_.wait(lock, [this] { return !writing_; });
  if (!failure_) {
    try {
      write_pending(lock, true);
    } catch (...) {
      error = std::current_exception();
    }
  }
  closed_ = true;
  work_.notify_all();
  lock.unlock();
  if (writer_.joinable()) writer_.join();
  segment_.close();
  dir_lock_.reset();
  if (error) std::rethrow_exception(error);
}

std::uint64_t WriteAheadLog::appended_lsn() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return next_lsn_ - 1;
}

std::uint64_t WriteAheadLog::synced_lsn() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return synced_lsn_;
}

std::uint64_t WriteAheadLog::syncs() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return syncs_;
}

}  // namespace pymsg::durability
