#include "crypto/provider/pkcs11_provider.h"
#include "crypto/provider/sdf_provider.h"
#include "crypto/provider/soft_provider.h"

namespace medsign::crypto::provider {

Result<std::unique_ptr<Provider>> open_provider(const ProviderConfig& cfg) {
  switch (cfg.kind) {
    case ProviderKind::soft: {
      if (cfg.data_dir.empty()) return Error(Errc::invalid_argument, "the soft provider needs a data dir");
      MEDSIGN_ASSIGN(auto p, SoftProvider::open({cfg.data_dir, cfg.passphrase, false}));
      return std::unique_ptr<Provider>(std::move(p));
    }
    case ProviderKind::sdf: return open_sdf_provider(cfg.library);
    case ProviderKind::pkcs11: return open_pkcs11_provider(cfg);
  }
  return Error(Errc::invalid_argument, "unknown provider kind");
}

}  // namespace medsign::crypto::provider
