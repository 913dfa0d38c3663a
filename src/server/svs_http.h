// The signing service's REST business routes (/api/v1/svs/sign-data, ...) as asynchronous routes: the
// answer is written once the call's svs_log row has committed, so no thread waits on the log. The same
// handlers are on the router too (api_svs.cpp).
#pragma once

#include "server/http_server.h"
#include "services/svs.h"

namespace medsign::server {

// Also adds the GM/T 0029 Annex B/C form routes (POST /SignData, ...; svs_form.cpp).
void add_svs_async_routes(HttpServer& http, services::SvsService& svs);
void add_svs_form_async_routes(HttpServer& http, services::SvsService& svs);
// The streamed-file routes (POST /api/v1/svs/sign-file, /verify-file; api_svs.cpp).
void add_svs_stream_routes(HttpServer& http, services::SvsService& svs);

}  // namespace medsign::server
