#include "server/tls.h"

#include <openssl/ssl.h>

#include "crypto/soft/keystore.h"

namespace medsign::server {

Result<std::shared_ptr<boost::asio::ssl::context>> make_tls_context(const services::Platform& p) {
  namespace ssl = boost::asio::ssl;
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                   ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  auto chain = p.cfg.resolve(p.cfg.server.tls_cert);
  auto key_file = p.cfg.resolve(p.cfg.server.tls_key);
  if (SSL_CTX_use_certificate_chain_file(ctx->native_handle(), chain.c_str()) != 1)
    return Error(Errc::config_invalid, "server.tls_cert: cannot read a PEM certificate chain from " + chain.string());
  auto sealed = crypto::read_file(key_file);
  if (!sealed) return Error(Errc::config_invalid, "server.tls_key: cannot read " + key_file.string());
  auto der = p.keys.unseal_blob(*sealed, "tls-server-key");
  if (!der)
    return Error(Errc::config_invalid,
                 "server.tls_key: " + key_file.string() + " does not unseal with this data dir's key");
  MEDSIGN_ASSIGN(crypto::EvpKey key, crypto::EvpKey::from_private_der(der->view()));
  if (SSL_CTX_use_PrivateKey(ctx->native_handle(), key.get()) != 1 ||
      SSL_CTX_check_private_key(ctx->native_handle()) != 1)
    return Error(Errc::config_invalid, "server.tls_key does not match server.tls_cert");
  return ctx;
}

}  // namespace medsign::server
