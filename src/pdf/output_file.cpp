#include "pdf/output_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>
#include <vector>

namespace medsign::pdf {
namespace {

constexpr std::size_t kChunk = 1 << 20;

Error io(const std::string& what) { return Error(Errc::io_error, what + ": " + std::strerror(errno)); }

Status read_fd_range(int fd, std::uint64_t offset, std::uint64_t length, const std::function<void(ByteView)>& sink) {
  std::vector<std::uint8_t> buf(std::min<std::uint64_t>(kChunk, std::max<std::uint64_t>(length, 1)));
  while (length > 0) {
    std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(buf.size(), length));
    ssize_t n = ::pread(fd, buf.data(), want, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return io("PDF: read failed");
    if (n == 0) return Error(Errc::io_error, "PDF: the file is shorter than expected");
    sink(ByteView(buf.data(), static_cast<std::size_t>(n)));
    offset += static_cast<std::uint64_t>(n);
    length -= static_cast<std::uint64_t>(n);
  }
  return {};
}

}  // namespace

Result<OutputFile> OutputFile::create(const std::filesystem::path& destination) {
  OutputFile f;
  f.destination_ = destination;
  auto dir = destination.parent_path();
  if (dir.empty()) dir = ".";
  std::random_device rd;
  std::string name(1, '.');
  name.append(destination.filename().string()).append(".tmp-").append(std::to_string(rd()));
  f.temp_ = dir / name;
  f.fd_ = ::open(f.temp_.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (f.fd_ < 0) return io("PDF: cannot create " + f.temp_.string());
  return f;
}

OutputFile::OutputFile(OutputFile&& o) noexcept
    : fd_(o.fd_), temp_(std::move(o.temp_)), destination_(std::move(o.destination_)), size_(o.size_),
      committed_(o.committed_) {
  o.fd_ = -1;
  o.committed_ = true;
}

OutputFile::~OutputFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_ && !temp_.empty()) {
    std::error_code ec;
    std::filesystem::remove(temp_, ec);
  }
}

Status OutputFile::append(std::string_view data) {
  MEDSIGN_TRY(patch(size_, data));
  return {};
}

Status OutputFile::patch(std::uint64_t offset, std::string_view data) {
  std::size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::pwrite(fd_, data.data() + done, data.size() - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return io("PDF: write failed");
    done += static_cast<std::size_t>(n);
  }
  size_ = std::max<std::uint64_t>(size_, offset + data.size());
  return {};
}

Status OutputFile::append_file(const std::filesystem::path& source, std::uint64_t expected_size) {
  int in = ::open(source.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) return io("PDF: cannot open " + source.string());
  Status st;
  Status r = read_fd_range(in, 0, expected_size, [&](ByteView b) {
    if (st) st = append(as_chars(b));
  });
  ::close(in);
  MEDSIGN_TRY(r);
  return st;
}

Status OutputFile::read_range(std::uint64_t offset, std::uint64_t length,
                              const std::function<void(ByteView)>& sink) const {
  return read_fd_range(fd_, offset, length, sink);
}

Status OutputFile::commit() {
  if (::fsync(fd_) != 0) return io("PDF: fsync failed");
  ::close(fd_);
  fd_ = -1;
  std::error_code ec;
  std::filesystem::rename(temp_, destination_, ec);
  if (ec) return Error(Errc::io_error, "PDF: cannot rename into " + destination_.string() + ": " + ec.message());
  committed_ = true;
  auto dir = destination_.parent_path();
  int d = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (d >= 0) {
    ::fsync(d);
    ::close(d);
  }
  return {};
}

Status read_file_range(const std::filesystem::path& path, std::uint64_t offset, std::uint64_t length,
                       const std::function<void(ByteView)>& sink) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return io("PDF: cannot open " + path.string());
  Status st = read_fd_range(fd, offset, length, sink);
  ::close(fd);
  return st;
}

}  // namespace medsign::pdf
