#include "pymsg/durability/file.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <utility>

#ifdef _WIN32
#include <io.h>
#include <windows.h>
#else
#include <sys/file.h>
#include <unistd.h>
#endif

namespace pymsg::durability {
namespace {

std::string describe(int error) {
#ifdef _WIN32
  char text[256];
  strerror_s(text, sizeof text, error);
  return text;
#else
  return std::strerror(error);
#endif
}

std::atomic<int> g_injected_error{0};
std::atomic<std::int64_t> g_injected_left{0};

// Whether the next write of `n` bytes must fail (an injected fault), and with what.
int injected(std::size_t n) noexcept {
  const int error = g_injected_error.load(std::memory_order_relaxed);
  if (error == 0) return 0;
  if (g_injected_left.fetch_sub(static_cast<std::int64_t>(n)) - static_cast<std::int64_t>(n) >= 0) return 0;
  return error;
}

#ifdef _WIN32
int sys_open(const char* path, int flags) { return ::_open(path, flags | _O_BINARY, _S_IREAD | _S_IWRITE); }
long long sys_write(int fd, const char* data, std::size_t n) {
  return ::_write(fd, data, static_cast<unsigned>(n > 0x40000000u ? 0x40000000u : n));
}
int sys_sync(int fd) { return ::_commit(fd); }
int sys_truncate(int fd, std::uint64_t size) { return ::_chsize_s(fd, static_cast<long long>(size)) == 0 ? 0 : -1; }
int sys_close(int fd) { return ::_close(fd); }
#define PYMSG_O_APPEND _O_WRONLY | _O_APPEND
#define PYMSG_O_CREATE _O_CREAT | _O_EXCL
#else
int sys_open(const char* path, int flags) { return ::open(path, flags | O_CLOEXEC, 0644); }
long long sys_write(int fd, const char* data, std::size_t n) { return ::write(fd, data, n); }
int sys_sync(int fd) {
#if defined(__APPLE__)
  return ::fcntl(fd, F_FULLFSYNC) == -1 ? ::fsync(fd) : 0;  // fsync alone leaves it in the drive's cache
#else
  return ::fdatasync(fd);
#endif
}
int sys_truncate(int fd, std::uint64_t size) { return ::ftruncate(fd, static_cast<off_t>(size)); }
int sys_close(int fd) { return ::close(fd); }
#define PYMSG_O_APPEND O_WRONLY | O_APPEND
#define PYMSG_O_CREATE O_CREAT | O_EXCL
#endif

}  // namespace

IoError::IoError(int error, std::string path, const std::string& what)
    : std::runtime_error(what + " " + path + ": " + describe(error)), error_(error), path_(std::move(path)) {}

AppendFile::AppendFile(std::string path, bool create) : path_(std::move(path)) {
  fd_ = sys_open(path_.c_str(), PYMSG_O_APPEND | (create ? PYMSG_O_CREATE : 0));
  if (fd_ < 0) throw IoError(errno, path_, create ? "cannot create" : "cannot open");
  struct stat info {};
  if (::fstat(fd_, &info) != 0) {
    const int error = errno;
    close();
    throw IoError(error, path_, "cannot stat");
  }
  size_ = static_cast<std::uint64_t>(info.st_size);
}

AppendFile::AppendFile(AppendFile&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), path_(std::move(other.path_)), size_(other.size_) {}

AppendFile& AppendFile::operator=(AppendFile&& other) noexcept {
  if (this != &other) {
    close();
    fd_ = std::exchange(other.fd_, -1);
    path_ = std::move(other.path_);
    size_ = other.size_;
  }
  return *this;
}

AppendFile::~AppendFile() { close(); }

void AppendFile::write(std::string_view bytes) {
  const std::uint64_t before = size_;
  std::size_t done = 0;
  while (done < bytes.size()) {
    int error = injected(bytes.size() - done);
    long long n = -1;
    if (error == 0) {
      n = sys_write(fd_, bytes.data() + done, bytes.size() - done);
      error = n < 0 ? errno : 0;
    }
    if (error == EINTR) continue;
    if (error != 0) {
      sys_truncate(fd_, before);  // best effort: the log keeps whole records only
      size_ = before;
      throw IoError(error, path_, "cannot write");
    }
    done += static_cast<std::size_t>(n);
    size_ += static_cast<std::uint64_t>(n);
  }
}

void AppendFile::sync() {
  if (sys_sync(fd_) != 0) throw IoError(errno, path_, "cannot sync");
}

void AppendFile::truncate(std::uint64_t size) {
  if (sys_truncate(fd_, size) != 0) throw IoError(errno, path_, "cannot truncate");
  size_ = size;
}

void AppendFile::close() noexcept {
  if (fd_ >= 0) sys_close(fd_);
  fd_ = -1;
}

void sync_directory(const std::string& dir) {
#ifndef _WIN32
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) throw IoError(errno, dir, "cannot open the directory");
  const int result = ::fsync(fd);
  const int error = errno;
  ::close(fd);
  if (result != 0 && error != EINVAL) throw IoError(error, dir, "cannot sync the directory");
#else
  (void)dir;
#endif
}

std::string read_file(const std::string& path) {
#ifdef _WIN32
  const int fd = ::_open(path.c_str(), _O_RDONLY | _O_BINARY);
#else
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
#endif
  if (fd < 0) throw IoError(errno, path, "cannot open");
  std::string out;
  char buffer[1 << 16];
  while (true) {
#ifdef _WIN32
    const long long n = ::_read(fd, buffer, sizeof buffer);
#else
    const long long n = ::read(fd, buffer, sizeof buffer);
#endif
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int error = errno;
      sys_close(fd);
      throw IoError(error, path, "cannot read");
    }
    if (n == 0) break;
    out.append(buffer, static_cast<std::size_t>(n));
  }
  sys_close(fd);
  return out;
}

DirectoryLock::DirectoryLock(const std::string& dir) {
  const std::string path = dir + "/LOCK";
#ifdef _WIN32
  fd_ = ::_open(path.c_str(), _O_RDWR | _O_CREAT | _O_BINARY, _S_IREAD | _S_IWRITE);
  if (fd_ < 0) throw IoError(errno, path, "cannot open the lock file");
  OVERLAPPED at{};
  if (!LockFileEx(reinterpret_cast<HANDLE>(_get_osfhandle(fd_)), LOCKFILE_EXCLUSIVE_LOCK | LOCKFILE_FAIL_IMMEDIATELY,
                  0, 1, 0, &at)) {
    ::_close(fd_);
    fd_ = -1;
    throw DirectoryLocked("the data directory " + dir + " is in use: another pymsg holds " + path);
  }
#else
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw IoError(errno, path, "cannot open the lock file");
  // flock locks belong to the open file, so a second log in this process is refused too.
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    ::close(fd_);
    fd_ = -1;
    if (error == EWOULDBLOCK)
      throw DirectoryLocked("the data directory " + dir + " is in use: another pymsg holds " + path);
    throw IoError(error, path, "cannot lock");
  }
#endif
}

DirectoryLock::~DirectoryLock() {
  if (fd_ >= 0) sys_close(fd_);  // closing releases the lock
}

void inject_write_error(int error, std::uint64_t after_bytes) noexcept {
  g_injected_left.store(static_cast<std::int64_t>(after_bytes));
  g_injected_error.store(error);
}

}  // namespace pymsg::durability
