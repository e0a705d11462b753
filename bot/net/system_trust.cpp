#include "bot/net/system_trust.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string_view>

#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

namespace katabot::client {

namespace {

std::optional<std::string> environment(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::string(value);
}

// c_rehash / update-ca-certificates names: the subject hash in 8 hex digits, a dot, a sequence number.
bool is_hashed_name(std::string_view name) {
  const auto hex = [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); };
  const auto digit = [](char c) { return c >= '0' && c <= '9'; };
  return name.size() > 9 && std::all_of(name.begin(), name.begin() + 8, hex) && name[8] == '.' &&
         std::all_of(name.begin() + 9, name.end(), digit);
}

bool has_hashed_names(const std::string& directory) {
  std::error_code error;
  for (std::filesystem::directory_iterator entry(directory, error), end; !error && entry != end; entry.increment(error)) {
    if (is_hashed_name(entry->path().filename().string())) return true;
  }
  return false;
}

bool add_directory(X509_STORE* store, const std::string& directory) {
  X509_LOOKUP* lookup = X509_STORE_add_lookup(store, X509_LOOKUP_hash_dir());
  return lookup != nullptr && X509_LOOKUP_add_dir(lookup, directory.c_str(), X509_FILETYPE_PEM) == 1;
}

}  // namespace

TrustSources TrustSources::from_environment() {
  return {.file_from_environment = environment(X509_get_default_cert_file_env()),
          .directory_from_environment = environment(X509_get_default_cert_dir_env()),
          .default_file = X509_get_default_cert_file(),
          .default_directory = X509_get_default_cert_dir()};
}

bool add_system_trust(X509_STORE* store, const TrustSources& sources) {
  const bool operator_chose = sources.file_from_environment || sources.directory_from_environment;
  if (!operator_chose && has_hashed_names(sources.default_directory)) {
    return add_directory(store, sources.default_directory);
  }
  const auto& file = sources.file_from_environment.value_or(sources.default_file);
  const auto& directory = sources.directory_from_environment.value_or(sources.default_directory);
  const bool file_loaded = X509_STORE_load_file(store, file.c_str()) == 1;
  const bool directory_added = add_directory(store, directory);
  ERR_clear_error();  // a missing default file is normal where only the directory exists
  return file_loaded || directory_added;
}

}  // namespace katabot::client
