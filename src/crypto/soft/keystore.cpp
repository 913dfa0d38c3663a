#include "crypto/soft/keystore.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "crypto/soft/key_seal.h"

namespace medsign::crypto {
namespace fs = std::filesystem;

Status write_file_atomic(const fs::path& path, ByteView data, int mode) {
  std::error_code ec;
  if (path.has_parent_path()) fs::create_directories(path.parent_path(), ec);
  fs::path tmp = path;
  tmp += ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return Error(Errc::io_error, "cannot write " + tmp.string());
  std::size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n <= 0) {
      ::close(fd);
      return Error(Errc::io_error, "write failed on " + tmp.string());
    }
    off += static_cast<std::size_t>(n);
  }
  ::fchmod(fd, static_cast<mode_t>(mode));
  if (::fsync(fd) != 0 || ::close(fd) != 0) return Error(Errc::io_error, "fsync failed on " + tmp.string());
  if (::rename(tmp.c_str(), path.c_str()) != 0) return Error(Errc::io_error, "cannot rename to " + path.string());
  if (path.has_parent_path()) {
    int dfd = ::open(path.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
      ::fsync(dfd);
      ::close(dfd);
    }
  }
  return {};
}

Result<Bytes> read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error(Errc::io_error, "cannot read " + path.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  return Bytes(s.begin(), s.end());
}

Result<SoftKeyStore> SoftKeyStore::open(const fs::path& data_dir) {
  SoftKeyStore ks;
  ks.dir_ = data_dir / "keys";
  auto kek = read_file(ks.dir_ / "kek");
  if (!kek) return Error(Errc::data_dir_missing, "key store: cannot read " + (ks.dir_ / "kek").string());
  if (kek->size() != kKekSize) return Error(Errc::config_invalid, "key store: keys/kek is not 32 bytes");
  ks.kek_ = SecretBytes(std::move(*kek));
  return ks;
}

Result<SoftKeyStore> SoftKeyStore::create(const fs::path& data_dir) {
  SoftKeyStore ks;
  ks.dir_ = data_dir / "keys";
  if (fs::exists(ks.dir_ / "kek")) return Error(Errc::data_dir_not_empty, "key store already exists");
  std::error_code ec;
  fs::create_directories(ks.dir_, ec);
  fs::permissions(ks.dir_, fs::perms::owner_all, ec);
  Bytes kek = random_bytes(kKekSize);
  MEDSIGN_TRY(write_file_atomic(ks.dir_ / "kek", kek, 0600));
  ks.kek_ = SecretBytes(std::move(kek));
  return ks;
}

Status SoftKeyStore::put(const std::string& name, const EvpKey& key) {
  MEDSIGN_ASSIGN(SecretBytes der, key.private_der());
  MEDSIGN_ASSIGN(Bytes sealed, seal(kek_.view(), der.view(), "medsign-key:" + name));
  return write_file_atomic(dir_ / (name + ".key"), sealed, 0600);
}

Result<EvpKey> SoftKeyStore::get(const std::string& name) const {
  auto sealed = read_file(dir_ / (name + ".key"));
  if (!sealed) return Error(Errc::key_not_found, "no key named " + name);
  MEDSIGN_ASSIGN(SecretBytes der, unseal(kek_.view(), *sealed, "medsign-key:" + name));
  return EvpKey::from_private_der(der.view());
}

bool SoftKeyStore::contains(const std::string& name) const { return fs::exists(dir_ / (name + ".key")); }

Status SoftKeyStore::put_certificate(const std::string& name, const std::string& pem) {
  return write_file_atomic(dir_ / (name + ".pem"), as_bytes(pem), 0644);
}

Result<std::string> SoftKeyStore::certificate(const std::string& name) const {
  auto b = read_file(dir_ / (name + ".pem"));
  if (!b) return Error(Errc::key_not_found, "no certificate named " + name);
  return std::string(b->begin(), b->end());
}

std::vector<std::string> SoftKeyStore::names() const {
  std::vector<std::string> out;
  std::error_code ec;
  for (auto& e : fs::directory_iterator(dir_, ec))
    if (e.path().extension() == ".key") out.push_back(e.path().stem().string());
  return out;
}

Result<Bytes> SoftKeyStore::seal_blob(ByteView plaintext, std::string_view purpose) const {
  return seal(kek_.view(), plaintext, std::string("medsign-blob:") + std::string(purpose));
}

Result<SecretBytes> SoftKeyStore::unseal_blob(ByteView sealed, std::string_view purpose) const {
  return unseal(kek_.view(), sealed, std::string("medsign-blob:") + std::string(purpose));
}

}  // namespace medsign::crypto
