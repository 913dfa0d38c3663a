// The HTTPS server context of a data dir: certificate chain from server.tls_cert and the private key unsealed
// from server.tls_key (it is never written in plaintext).
#pragma once

#include <memory>

#include <boost/asio/ssl/context.hpp>

#include "services/platform.h"

namespace medsign::server {

Result<std::shared_ptr<boost::asio::ssl::context>> make_tls_context(const services::Platform& p);

}  // namespace medsign::server
