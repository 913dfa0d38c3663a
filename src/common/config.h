// MedSign configuration: var/medsign.toml (written by `medsign init`), overridden by environment variables
// MEDSIGN_<SECTION>_<KEY> (e.g. MEDSIGN_SERVER_HTTP_PORT=9090), validated strictly: an unknown section or
// key, a value of the wrong type or out of range is refused with a message naming it.
// Every key is documented in docs/CONFIG.md; config_keys() is the single table both come from.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "common/error.h"

namespace medsign {

struct ServerConfig {
  std::string listen = "127.0.0.1";
  int http_port = 8080;
  bool https_enabled = true;
  int https_port = 8443;
  int threads = 0;  // 0 = one per core
  std::int64_t max_body_bytes = 16 * 1024 * 1024;
  int header_timeout_ms = 10000;
  int body_timeout_ms = 60000;
  int idle_timeout_ms = 75000;
  int shutdown_grace_ms = 15000;
  std::string tls_cert = "tls/server-chain.pem";
  std::string tls_key = "tls/server-key.sealed";
  std::string web_root;  // empty: the console bundle built next to the binary (web/console/dist)
};

struct DatabaseSettings {
  std::string backend = "sqlite";  // sqlite | postgres
  std::string sqlite_path = "medsign.db";
  std::string postgres_url;
  int pool_size = 4;
  int busy_timeout_ms = 5000;
};

struct SecuritySettings {
  int session_idle_timeout_s = 900;
  int session_max_lifetime_s = 43200;
  int heartbeat_interval_s = 30;
  int heartbeat_grace_s = 15;
  int challenge_ttl_s = 120;
  int lockout_threshold = 5;
  int lockout_minutes = 15;
  int password_min_length = 10;
  bool secure_cookies_over_http = false;
};

struct AuditSettings {
  int checkpoint_every = 100;  // a signed checkpoint after this many entries
};

struct TimeSettings {
  std::string servers;          // comma-separated host[:port] NTP/SNTP sources; empty = trust the local clock
  int poll_interval_s = 64;
  int timeout_ms = 1000;
  int max_offset_ms = 1000;     // the accuracy trusted time must keep
  int holdover_s = 3600;        // how long the last good sample stays valid
  bool use_chrony = true;       // also read `chronyc tracking` when chrony runs on the host
  bool sntp_enabled = true;
  int sntp_port = 1123;
};

struct TsaSettings {
  bool enabled = true;
  std::string default_unit = "sm2";
  // Default policy OID of the tokens (under the 2.25 UUID arc, which needs no registration); set the
  // hospital's own policy OID here.
  std::string policy = "2.25.272170470712307402315457925049217395412";
  std::string accepted_policies;  // comma-separated further OIDs a request may ask for
  int accuracy_ms = 10;
  int node_id = 0;                // unique per node when several share one database (0-32767)
  bool include_tsa_name = true;
  bool access_log = false;        // an access-log line per HTTP timestamp request (tokens are logged anyway)
  bool tcp_enabled = true;        // RFC 3161 §3.3 socket protocol
  int tcp_port = 3318;
  int tcp_max_message = 65536;    // largest TCP message accepted (length field)
  int tcp_idle_timeout_ms = 75000;
  bool udp_enabled = true;        // one TimeStampReq per datagram
  int udp_port = 3318;
  int max_datagram = 1472;        // largest datagram accepted and sent
  int transport_threads = 0;      // I/O threads of the TCP and UDP transports; 0 = one per core
};

struct SvsSettings {
  bool enabled = true;            // signing service: REST /api/v1/svs and the GM/T 0029 protocols
  bool tcp_enabled = true;        // GM/T 0029 Annex A DER messages over TCP (persistent, pipelined)
  int tcp_port = 6029;
  bool udp_enabled = true;        // one request per datagram
  int udp_port = 6029;
  int max_message = 4194304;      // largest binary-protocol message accepted
  int max_datagram = 1472;
  int max_pipeline = 64;          // requests in flight per TCP connection before reading pauses
  int idle_timeout_ms = 75000;
  int transport_threads = 0;      // 0 = one per core
  bool tls_enabled = false;       // GM/T 0029 Annex A messages inside TLS (server.tls_cert / tls_key)
  int tls_port = 6030;
};

struct LogSettings {
  std::string level = "info";
  std::string file = "logs/medsign.log";
};

// Crypto providers the running server offers besides the data dir's soft provider (services/providers.h).
struct ProvidersSettings {
  std::string sdf_library;        // GM/T 0018 library path; empty = no SDF device
  std::string pkcs11_module;      // PKCS#11 module path; empty = none
  std::string pkcs11_token;       // token label; empty = the first token (or pkcs11_slot)
  std::int64_t pkcs11_slot = -1;  // slot id instead of the label; -1 = by label
  std::string pkcs11_pin_file;    // file holding the token's user PIN (relative to the data dir)
};

struct Config {
  ServerConfig server;
  DatabaseSettings database;
  SecuritySettings security;
  AuditSettings audit;
  TimeSettings time;
  TsaSettings tsa;
  SvsSettings svs;
  LogSettings log;
  ProvidersSettings providers;

  std::filesystem::path data_dir;  // not in the file: where it was loaded from
  // Resolves a path from the file relative to data_dir (absolute paths are kept).
  std::filesystem::path resolve(const std::string& p) const;
};

using ConfigValue = std::variant<std::int64_t, bool, std::string>;

struct ConfigKey {
  std::string section, name, doc;
  ConfigValue default_value;
  std::function<ConfigValue(const Config&)> get;
  // Sets the value after a type check; returns an error message (empty when accepted).
  std::function<std::string(Config&, const ConfigValue&)> set;
};

const std::vector<ConfigKey>& config_keys();

// Parses TOML text strictly. source names the file in messages.
Result<Config> parse_config(std::string_view toml_text, const std::string& source);
// Applies MEDSIGN_<SECTION>_<KEY> variables from env; unknown MEDSIGN_ variables are refused too
// (except MEDSIGN_DATA, MEDSIGN_TEST_*, and MEDSIGN_ADMIN_PASSWORD-style names listed in docs/CONFIG.md).
Status apply_env_overrides(Config& cfg, const std::map<std::string, std::string>& env);
// Cross-field checks (ports distinct, backend settings present, ...).
Status validate_config(const Config& cfg);
// parse + env + validate for <data_dir>/medsign.toml.
Result<Config> load_config(const std::filesystem::path& data_dir);
std::map<std::string, std::string> process_environment();

// The file `medsign init` writes: every key with its default and a comment.
std::string default_config_toml();
// The effective configuration as TOML (what `medsign config show` prints).
std::string config_to_toml(const Config& cfg);

}  // namespace medsign
