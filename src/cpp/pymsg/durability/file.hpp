// The little of the file system the write-ahead log needs, the same on POSIX and Windows: a file
// opened for appending, written whole and synced to the disk; a directory's entries synced; one
// process at a time in a data directory (a lock file). Failures throw IoError with the errno
// and the path, so the caller can say which file and why.
#pragma once

#include <atomic>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace pymsg::durability {

// A failed system call: errno() is its error (ENOSPC, EACCES, ...), path() the file.
class IoError : public std::runtime_error {
 public:
  IoError(int error, std::string path, const std::string& what);
  int error() const noexcept { return error_; }
  const std::string& path() const noexcept { return path_; }

 private:
  int error_;
  std::string path_;
};

// Another process (or another log in this one) holds the data directory.
class DirectoryLocked : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// An open file, written at its end. Not thread-safe: the log has one writer at a time.
class AppendFile {
 public:
  AppendFile() = default;
  // Opens `path` for appending; `create` makes it (it must not exist then).
  AppendFile(std::string path, bool create);
  AppendFile(AppendFile&& other) noexcept;
  AppendFile& operator=(AppendFile&& other) noexcept;
  AppendFile(const AppendFile&) = delete;
  AppendFile& operator=(const AppendFile&) = delete;
  ~AppendFile();

  bool is_open() const noexcept { return fd_ >= 0; }
  const std::string& path() const noexcept { return path_; }
  std::uint64_t size() const noexcept { return size_; }
  // Writes every byte (retrying short writes); on failure the file is cut back to where it was,
  // so a failed write leaves no partial record behind.
  void write(std::string_view bytes);
  void sync();  // the data on the disk (fdatasync, F_FULLFSYNC on macOS, FlushFileBuffers)
  void truncate(std::uint64_t size);
  void close() noexcept;

 private:
  int fd_ = -1;
  std::string path_;
  std::uint64_t size_ = 0;
};

// Makes the entries of `dir` (a file made or removed) durable; nothing to do on Windows.
void sync_directory(const std::string& dir);

// Reads a whole file.
std::string read_file(const std::string& path);

// An exclusive lock on `dir`/LOCK for as long as the object lives; DirectoryLocked when taken.
class DirectoryLock {
 public:
  explicit DirectoryLock(const std::string& dir);
  DirectoryLock(const DirectoryLock&) = delete;
  DirectoryLock& operator=(const DirectoryLock&) = delete;
  ~DirectoryLock();

 private:
  int fd_ = -1;
};

// For fault tests: the write that would pass `after_bytes` written (from now, over all files)
// fails with `error` (ENOSPC, say), as a full disk fails it. error 0 turns it off.
void inject_write_error(int error, std::uint64_t after_bytes) noexcept;

}  // namespace pymsg::durability
