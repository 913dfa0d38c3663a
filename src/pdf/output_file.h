// An output file written next to its destination and renamed into place once complete and fsynced, so a
// reader never sees half a PDF and an input given as the output is replaced, never modified in place.
#pragma once

#include <filesystem>
#include <functional>
#include <string_view>

#include "common/bytes.h"

namespace medsign::pdf {

class OutputFile {
 public:
  static Result<OutputFile> create(const std::filesystem::path& destination);
  OutputFile(OutputFile&& o) noexcept;
  OutputFile& operator=(OutputFile&&) = delete;
  ~OutputFile();  // removes the temporary file unless committed

  Status append(std::string_view data);
  // Copies the whole of `source`, streamed.
  Status append_file(const std::filesystem::path& source, std::uint64_t expected_size);
  std::uint64_t size() const { return size_; }
  // Overwrites bytes already written (the ByteRange and Contents patches).
  Status patch(std::uint64_t offset, std::string_view data);
  // Feeds [offset, offset + length) to `sink` in chunks, read back from the file.
  Status read_range(std::uint64_t offset, std::uint64_t length, const std::function<void(ByteView)>& sink) const;
  // fsync, rename over the destination, fsync the directory.
  Status commit();

 private:
  OutputFile() = default;
  int fd_ = -1;
  std::filesystem::path temp_, destination_;
  std::uint64_t size_ = 0;
  bool committed_ = false;
};

// Reads [offset, offset + length) of a file in chunks.
Status read_file_range(const std::filesystem::path& path, std::uint64_t offset, std::uint64_t length,
                       const std::function<void(ByteView)>& sink);

}  // namespace medsign::pdf
