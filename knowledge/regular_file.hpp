#pragma once
// Reads a whole file that must be a regular file of bounded size. Anything else at the path (a FIFO,
// a device, a directory) is reported instead of read: opening a FIFO for reading blocks until a
// writer appears, which would hang start-up.
#include <cstddef>
#include <filesystem>
#include <string>

namespace katabot {

struct FileContents {
  std::string text;
  std::string problem;  // empty when read; else why not, e.g. "is a FIFO (named pipe), not a regular file"
};

FileContents read_regular_file(const std::filesystem::path& path, std::size_t max_bytes);

}  // namespace katabot
