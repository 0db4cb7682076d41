// Standalone tests for the write-ahead log (pymsg/durability/). Prints "N passed, M failed";
// exits nonzero on any failure. Each test works in a directory of its own under the system's
// temporary directory and removes it.
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <algorithm>
#include <string>
#include <thread>
#include <vector>

#include "pymsg/durability/crc32c.hpp"
#include "pymsg/durability/file.hpp"
#include "pymsg/durability/wal.hpp"
#include "tests/check.hpp"

namespace {

namespace fs = std::filesystem;
using namespace pymsg::durability;

using pymsg::testing::check;

struct Record {
  std::uint64_t lsn;
  std::uint8_t type;
  std::string payload;
  bool operator==(const Record& other) const {
    return lsn == other.lsn && type == other.type && payload == other.payload;
  }
};

// A fresh directory, removed at the end of the test.
struct TempDir {
  fs::path path;
  TempDir() {
    static int counter = 0;
    path = fs::temp_directory_path() /
           ("pymsg-wal-test-" + std::to_string(std::random_device{}()) + "-" + std::to_string(++counter));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }
  std::string str() const { return path.string(); }
};

std::vector<Record> read_all(const std::string& dir, LogReport* report = nullptr) {
  std::vector<Record> records;
  LogReport got = read_log(dir, [&](std::uint64_t lsn, std::uint8_t type, std::string_view payload) {
    records.push_back({lsn, type, std::string(payload)});
  });
  if (report != nullptr) *report = got;
  return records;
}

Replay collect(std::vector<Record>& into) {
  return [&into](std::uint64_t lsn, std::uint8_t type, std::string_view payload) {
    into.push_back({lsn, type, std::string(payload)});
  };
}

std::string payload_for(int i) { return std::string(static_cast<std::size_t>(i % 37), static_cast<char>('a' + i % 26)) + std::to_string(i); }

// Appends `n` records (committing each) and returns what was appended.
std::vector<Record> write_records(WriteAheadLog& log, int n, int start = 0) {
  std::vector<Record> written;
  for (int i = start; i < start + n; ++i) {
    const auto type = static_cast<std::uint8_t>(i % 7 + 1);
    const std::string payload = payload_for(i);
    const std::uint64_t lsn = log.append(type, payload);
    log.commit(lsn);
    written.push_back({lsn, type, payload});
  }
  return written;
}

// A log's options in `dir`: fsync=always, 1 MiB segments and a 2 ms writer unless said otherwise.
WalOptions options(const TempDir& dir, Fsync policy = Fsync::Always, std::uint64_t segment_bytes = 1 << 20,
                   std::uint32_t write_interval_ms = 2) {
  return WalOptions{dir.str(), policy, segment_bytes, write_interval_ms, {}};
}

// `n` committed records in a new log in `dir` (fsync=always), closed again; what was written.
std::vector<Record> logged(const TempDir& dir, int n, std::uint64_t segment_bytes = 1 << 20) {
  WriteAheadLog log(options(dir, Fsync::Always, segment_bytes), nullptr);
  return write_records(log, n);
}

std::vector<fs::path> segments_in(const std::string& dir) {
  std::vector<fs::path> found;
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.path().extension() == ".log") found.push_back(entry.path());
  std::sort(found.begin(), found.end());
  return found;
}

std::string read_bytes(const fs::path& path) { return read_file(path.string()); }

void write_bytes(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

void test_crc32c() {
  check(crc32c(std::string_view("123456789")) == 0xE3069283u, "crc32c check value");
  check(crc32c(std::string_view("")) == 0u, "crc32c of nothing");
  // Incremental equals whole, across the 8-byte steps of the slicing.
  const std::string text = "The quick brown fox jumps over the lazy dog, twice over";
  for (std::size_t cut = 0; cut <= text.size(); ++cut) {
    const std::uint32_t first = crc32c(std::string_view(text).substr(0, cut));
    if (crc32c(std::string_view(text).substr(cut), first) != crc32c(std::string_view(text))) {
      check(false, "crc32c incremental at " + std::to_string(cut));
      return;
    }
  }
  check(true, "crc32c incremental");
  // The hardware path (where the CPU has one) and the software one agree at every length and
  // alignment around the 8-byte steps.
  std::string bytes;
  for (int i = 0; i < 300; ++i) bytes.push_back(static_cast<char>((i * 131 + 7) & 0xFF));
  for (std::size_t start = 0; start < 9; ++start) {
    for (std::size_t n = 0; start + n <= bytes.size(); n += 7) {
      if (crc32c(bytes.data() + start, n, 0x1234u) != crc32c_portable(bytes.data() + start, n, 0x1234u)) {
        check(false, "crc32c hardware and software differ at " + std::to_string(start) + "+" + std::to_string(n));
        return;
      }
    }
  }
  check(true, "crc32c hardware and software agree");
}

void test_round_trip(Fsync policy) {
  TempDir dir;
  std::vector<Record> written;
  {
    WriteAheadLog log(options(dir, policy, 4096), nullptr);
    written = write_records(log, 500);
    written.push_back({log.append(9, std::string(10000, 'x')), 9, std::string(10000, 'x')});
    written.push_back({log.append(0, ""), 0, ""});  // an empty record is a record
    log.close();
  }
  LogReport report;
  const std::vector<Record> got = read_all(dir.str(), &report);
  const std::string name = std::string("round trip ") + fsync_name(policy);
  check(got == written, name + ": every record back, in order");
  check(report.next_lsn == written.size() + 1, name + ": next LSN");
  check(report.segments > 1, name + ": 4 KiB segments roll over");
  check(report.torn_file.empty(), name + ": nothing torn after close");
  // Reopened, it replays the same and goes on at the next LSN.
  std::vector<Record> replayed;
  WriteAheadLog again(options(dir, policy, 4096), collect(replayed));
  check(replayed == written, name + ": reopening replays the same");
  check(again.append(1, "next") == written.size() + 1, name + ": appends go on at the next LSN");
}

void test_always_is_synced_at_commit() {
  TempDir dir;
  WriteAheadLog log(options(dir), nullptr);
  const std::uint64_t lsn = log.append(1, "one");
  check(log.synced_lsn() == 0, "always: nothing synced before commit");
  log.commit(lsn);
  check(log.synced_lsn() == lsn, "always: synced once commit returns");
  // Not closed: what a SIGKILL now would leave is already readable.
  check(read_all(dir.str()).size() == 1, "always: the committed record is on disk before close");
}

void test_close_flushes_everysec_and_no() {
  for (Fsync policy : {Fsync::EverySec, Fsync::No}) {
    TempDir dir;
    {
      WriteAheadLog log(options(dir, policy, 1 << 20, 1000), nullptr);  // a writer too slow to matter
      for (int i = 0; i < 100; ++i) log.commit(log.append(2, payload_for(i)));
      log.flush();
      check(log.synced_lsn() == 100, std::string(fsync_name(policy)) + ": flush syncs everything");
      for (int i = 100; i < 150; ++i) log.append(2, payload_for(i));
    }  // the destructor closes: flushes the 50 unwritten
    check(read_all(dir.str()).size() == 150, std::string(fsync_name(policy)) + ": close writes what was appended");
  }
}

void test_background_writer_writes_without_commit() {
  TempDir dir;
  WriteAheadLog log(options(dir, Fsync::No, 1 << 20, 1), nullptr);
  log.append(1, "written by the writer");
  std::size_t seen = 0;
  for (int i = 0; i < 2000 && seen == 0; ++i) {  // the writer's interval is 1 ms; allow 2 s
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    seen = read_all(dir.str()).size();
  }
  check(seen == 1, "no: the background writer writes an appended record unasked");
}

// Truncating the last segment anywhere inside its last record leaves a torn tail: cut, reported,
// everything before it kept.
void test_torn_tail() {
  TempDir dir;
  const std::vector<Record> written = logged(dir, 20);
  const fs::path segment = segments_in(dir.str()).back();
  const std::string whole = read_bytes(segment);
  const std::size_t last_size = kRecordHeaderBytes + written.back().payload.size();
  const std::size_t last_start = whole.size() - last_size;
  bool all_ok = true;
  for (std::size_t keep = last_start + 1; keep < whole.size(); ++keep) {
    write_bytes(segment, whole.substr(0, keep));
    LogReport report;
    const auto got = read_all(dir.str(), &report);
    if (got.size() != 19 || report.torn_offset != last_start || report.torn_bytes != keep - last_start) {
      all_ok = false;
      check(false, "torn at " + std::to_string(keep));
      break;
    }
  }
  check(all_ok, "a record cut anywhere is a torn tail");
  // Opening cuts the tail off and goes on from the last whole record.
  write_bytes(segment, whole.substr(0, whole.size() - 3));
  {
    std::vector<Record> replayed;
    WriteAheadLog log(options(dir), collect(replayed));
    check(replayed.size() == 19 && log.recovery().torn_bytes == last_size - 3, "open reports the torn tail");
    check(fs::file_size(segment) == last_start, "open cuts the torn tail off");
    check(log.append(5, "after") == 20, "the next record takes the torn one's LSN");
    log.close();
  }
  const auto got = read_all(dir.str());
  check(got.size() == 20 && got.back().payload == "after", "appends after a cut read back");
  // Zeros after the last record (space allocated, never written) are torn too.
  write_bytes(segment, read_bytes(segment) + std::string(4096, '\0'));
  LogReport report;
  check(read_all(dir.str(), &report).size() == 20 && report.torn_bytes == 4096, "a zero tail is torn");
  { WriteAheadLog cuts_it(options(dir), nullptr); }
  check(fs::file_size(segment) == report.torn_offset, "open cuts a zero tail off");
  // A segment whose header was cut short (a crash while it was made) is torn as well.
  write_bytes(dir.path / "wal-00000000000000000021.log", std::string("PYMSG"));
  check(read_all(dir.str(), &report).size() == 20 && report.torn_offset == 0, "a cut segment header is torn");
  {
    WriteAheadLog log(options(dir), nullptr);
    check(log.append(1, "x") == 21, "a cut segment header is removed on open");
  }
}

// A flipped bit anywhere before the last record refuses to load, naming the file and offset;
// in the last record it is torn (a lost part of the final write), never a silent change.
void test_flipped_bits() {
  TempDir dir;
  const std::vector<Record> written = logged(dir, 4);
  const fs::path segment = segments_in(dir.str()).back();
  const std::string whole = read_bytes(segment);
  std::vector<std::size_t> starts;  // where each record begins
  std::size_t at = kSegmentHeaderBytes;
  for (const Record& r : written) {
    starts.push_back(at);
    at += kRecordHeaderBytes + r.payload.size();
  }
  int refused = 0, torn = 0, wrong = 0;
  for (std::size_t byte = 0; byte < whole.size(); ++byte) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string damaged = whole;
      damaged[byte] = static_cast<char>(damaged[byte] ^ (1 << bit));
      write_bytes(segment, damaged);
      std::size_t record = 0;  // which record the byte is in (header: none)
      while (record + 1 < starts.size() && starts[record + 1] <= byte) ++record;
      try {
        LogReport report;
        const auto got = read_all(dir.str(), &report);
        const bool in_last = byte >= starts.back() + 9;  // the last record's payload checksum or payload
        // A bad length may make the last record look cut short: torn either way.
        if (in_last && got.size() == 3 && std::equal(got.begin(), got.end(), written.begin()) &&
            report.torn_offset == starts.back()) {
          ++torn;
        } else {
          ++wrong;
          check(false, "flipped byte " + std::to_string(byte) + " bit " + std::to_string(bit) + " loaded");
        }
      } catch (const CorruptLog& e) {
        const std::uint64_t expected = byte < kSegmentHeaderBytes ? 0 : starts[record];
        if (e.file() == segment.string() && e.offset() == expected && byte < starts.back() + 9) {
          ++refused;
        } else {
          ++wrong;
          check(false, "flipped byte " + std::to_string(byte) + ": refused at " + std::to_string(e.offset()));
        }
      }
      if (wrong > 3) return;
    }
  }
  std::printf("flipped bits: %d refused, %d torn, %d loaded changed\n", refused, torn, wrong);
  check(wrong == 0, "every flipped bit is refused or torn (" + std::to_string(refused) + " refused, " +
                        std::to_string(torn) + " torn)");
  check(static_cast<std::size_t>(refused) == 8 * (starts.back() + 9),
        "every bit before the last record's payload checksum refuses");
  write_bytes(segment, whole);
}

void test_damage_in_an_earlier_segment_is_never_torn() {
  TempDir dir;
  logged(dir, 100, 256);
  auto segments = segments_in(dir.str());
  check(segments.size() > 3, "small segments: several");
  // The last byte of the first segment: its final record, but not the log's.
  std::string first = read_bytes(segments[0]);
  first.back() = static_cast<char>(first.back() ^ 1);
  write_bytes(segments[0], first);
  bool refused = false;
  try {
    read_all(dir.str());
  } catch (const CorruptLog& e) {
    refused = e.file() == segments[0].string();
    check(std::string(e.what()).find("repair") != std::string::npos, "the error names the repair");
  }
  check(refused, "a bad last record of an earlier segment refuses");
  // Repair cuts there and removes every later segment; what came before loads.
  const LogReport repaired = repair_log(dir.str());
  check(repaired.repaired_file == segments[0].string() && repaired.removed_segments == segments.size() - 1,
        "repair cuts at the damage and removes the segments after it");
  const auto kept = read_all(dir.str());
  check(!kept.empty() && kept.size() == repaired.records && kept.back().lsn == kept.size(),
        "after repair the log loads up to the damage");
  {
    WriteAheadLog log(options(dir, Fsync::Always, 256), nullptr);
    check(log.append(1, "x") == kept.size() + 1, "after repair appends go on");
  }
  // A missing segment in the middle is damage, not a gap to skip.
  {
    TempDir other;
    logged(other, 100, 256);
    auto all = segments_in(other.str());
    fs::remove(all[1]);
    bool gap_refused = false;
    try {
      read_all(other.str());
    } catch (const CorruptLog& e) {
      gap_refused = e.file() == all[2].string() && std::string(e.what()).find("missing") != std::string::npos;
    }
    check(gap_refused, "a missing segment refuses, naming the segment after the gap");
  }
}

void test_corruption_leaves_the_files_alone() {
  TempDir dir;
  logged(dir, 5);
  const fs::path segment = segments_in(dir.str()).back();
  std::string damaged = read_bytes(segment);
  damaged[kSegmentHeaderBytes + 12] ^= 4;  // inside the first record
  write_bytes(segment, damaged);
  bool refused = false;
  try {
    WriteAheadLog log(options(dir), nullptr);
  } catch (const CorruptLog&) {
    refused = true;
  }
  check(refused, "open refuses a damaged log");
  check(read_bytes(segment) == damaged && segments_in(dir.str()).size() == 1, "a refused open changes nothing");
  // The lock was released: repair can run.
  check(repair_log(dir.str()).repaired_offset == kSegmentHeaderBytes, "repair cuts at the first record");
  check(read_all(dir.str()).empty(), "nothing before the damage: an empty log");
}

void test_one_log_per_directory() {
  TempDir dir;
  WriteAheadLog log(options(dir, Fsync::No), nullptr);
  bool locked = false;
  try {
    WriteAheadLog second(options(dir, Fsync::No), nullptr);
  } catch (const DirectoryLocked&) {
    locked = true;
  }
  check(locked, "a second log on the directory is refused");
  bool repair_locked = false;
  try {
    repair_log(dir.str());
  } catch (const DirectoryLocked&) {
    repair_locked = true;
  }
  check(repair_locked, "repair is refused while the log is open");
  log.close();
  WriteAheadLog reopened(options(dir, Fsync::No), nullptr);
  check(true, "after close the directory opens again");
}

void test_missing_and_unwritable_directories() {
  TempDir dir;
  int error = 0;
  try {
    WriteAheadLog log(WalOptions{(dir.path / "absent").string(), Fsync::No, 1 << 20, 2, {}}, nullptr);
  } catch (const IoError& e) {
    error = e.error();
  }
  check(error == ENOENT, "a missing directory is ENOENT at open");
  error = 0;
  try {
    read_log((dir.path / "absent").string(), nullptr);
  } catch (const IoError& e) {
    error = e.error();
  }
  check(error == ENOENT, "read_log of a missing directory is ENOENT");
  bool refused = false;
  try {
    WriteAheadLog log(options(dir, Fsync::No, 8), nullptr);
  } catch (const std::invalid_argument&) {
    refused = true;
  }
  check(refused, "a segment size below one header and record is refused");
}

void test_enospc() {
  for (Fsync policy : {Fsync::Always, Fsync::EverySec}) {
    const std::string name = std::string("ENOSPC ") + fsync_name(policy);
    TempDir dir;
    std::size_t acknowledged = 0;
    int error = 0;
    {
      WriteAheadLog log(options(dir, policy, 1 << 20, 1), nullptr);
      inject_write_error(ENOSPC, 2000);
      try {
        for (int i = 0; i < 10000; ++i) {
          const std::uint64_t lsn = log.append(1, std::string(50, 'p'));
          if (policy == Fsync::Always) {
            log.commit(lsn);
          } else if (i % 10 == 9) {
            log.flush();
          }
          acknowledged = lsn;
        }
      } catch (const IoError& e) {
        error = e.error();
      }
      inject_write_error(0, 0);
      check(error == ENOSPC, name + ": the failing call raises ENOSPC");
      bool still_refused = false;
      try {
        log.append(1, "after");
      } catch (const IoError& e) {
        still_refused = e.error() == ENOSPC;
      }
      check(still_refused, name + ": every later call raises it too");
    }
    const auto got = read_all(dir.str());
    // always: exactly what commit acknowledged. everysec: flush acknowledged every tenth, and
    // records the background writer wrote beyond that are there whole.
    if (policy == Fsync::Always) {
      check(got.size() == acknowledged, name + ": the acknowledged records, and no part of another");
    } else {
      check(got.size() >= acknowledged - acknowledged % 10 && got.size() <= acknowledged + 1,
            name + ": the flushed records, whole");
    }
    LogReport report;
    read_all(dir.str(), &report);
    check(report.torn_file.empty(), name + ": a failed write leaves no torn record");
  }
}

void test_group_commit() {
  TempDir dir;
  constexpr int kThreads = 8;
  constexpr int kEach = 200;
  {
    WriteAheadLog log(options(dir), nullptr);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&log, t] {
        for (int i = 0; i < kEach; ++i) {
          const std::uint64_t lsn = log.append(static_cast<std::uint8_t>(t), std::to_string(t) + ":" + std::to_string(i));
          log.commit(lsn);
          if (log.synced_lsn() < lsn) std::abort();  // commit returned before its record was on disk
        }
      });
    }
    for (auto& thread : threads) thread.join();
    std::printf("group commit: %llu syncs for %d commits from %d threads\n",
                static_cast<unsigned long long>(log.syncs()), kThreads * kEach, kThreads);
    check(log.syncs() < static_cast<std::uint64_t>(kThreads * kEach),
          "group commit: " + std::to_string(log.syncs()) + " syncs for " + std::to_string(kThreads * kEach) + " commits");
  }
  const auto got = read_all(dir.str());
  check(got.size() == kThreads * kEach, "group commit: every record");
  std::vector<int> next(kThreads, 0);  // each thread's records in its own order
  bool ordered = true;
  for (const Record& r : got) {
    if (r.payload != std::to_string(r.type) + ":" + std::to_string(next[r.type]++)) ordered = false;
  }
  check(ordered, "group commit: each thread's records in its order");
}

void test_rotate_and_drop() {
  TempDir dir;
  {
    WriteAheadLog log(options(dir, Fsync::EverySec), nullptr);
    write_records(log, 10);
    const std::uint64_t first = log.rotate();
    check(first == 11, "rotate starts a segment at the next LSN");
    check(log.rotate() == 11, "rotating an empty segment makes no new one");
    write_records(log, 5, 10);
    check(segments_in(dir.str()).size() == 2, "two segments after a rotate");
    check(log.drop_before(first) == 1, "drop_before removes the segment it covers");
    check(log.drop_before(1000) == 0, "the segment being written is never dropped");
  }
  const auto got = read_all(dir.str());
  check(got.size() == 5 && got.front().lsn == 11, "after a drop the log starts at the kept segment");
}

}  // namespace

int main() {
  test_crc32c();
  for (Fsync policy : {Fsync::Always, Fsync::EverySec, Fsync::No}) test_round_trip(policy);
  test_always_is_synced_at_commit();
  test_close_flushes_everysec_and_no();
  test_background_writer_writes_without_commit();
  test_torn_tail();
  test_flipped_bits();
  test_damage_in_an_earlier_segment_is_never_torn();
  test_corruption_leaves_the_files_alone();
  test_one_log_per_directory();
  test_missing_and_unwritable_directories();
  test_enospc();
  test_group_commit();
  test_rotate_and_drop();
  return pymsg::testing::report();
}
