// The timestamp authority's HTTP endpoints (POST /tsa, POST /tsa/{unit}) as asynchronous routes: the token
// is built on the I/O thread and the answer written once its log row has committed, so no thread waits on
// the log. The same endpoints exist as ordinary routes in api_tsa.cpp for servers without these.
#pragma once

#include "server/http_server.h"
#include "services/tsa.h"

namespace medsign::server {

void add_tsa_async_routes(HttpServer& http, services::TsaService& tsa, bool access_log);

}  // namespace medsign::server
