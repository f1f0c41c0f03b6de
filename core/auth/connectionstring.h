#pragma once

#include "core/result.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace busyard::core {

/**
 * A parsed Service Bus connection string (servicebus-amqp.md §1.1):
 *
 *     Endpoint=sb://<host>[:port]/;SharedAccessKeyName=<name>;SharedAccessKey=<key>[;EntityPath=<entity>]
 *     Endpoint=sb://<host>/;SharedAccessSignature=SharedAccessSignature sr=...[;EntityPath=...]
 *     Endpoint=sb://localhost;SharedAccessKeyName=...;SharedAccessKey=...;UseDevelopmentEmulator=true;
 *
 * Holds secrets: never log it; use toString(cs, true) for display.
 */
struct ConnectionString
{
    std::string endpoint;               ///< normalised: "sb://" + host (IPv6 in brackets) + [":" port] + "/"
    std::string scheme;                 ///< scheme as written, lower-case ("sb", "amqps", "https", ...)
    std::string host;                   ///< lower-case host name or IP (IPv6 without brackets)
    std::optional<int> port;            ///< only if the Endpoint names one
    std::string sharedAccessKeyName;
    std::string sharedAccessKey;        ///< secret
    std::string sharedAccessSignature;  ///< secret: a whole "SharedAccessSignature sr=..." token
    std::string entityPath;
    bool useDevelopmentEmulator = false;
    std::vector<std::string> unknownKeys;  ///< keys we do not know, as written (values are not kept)
    std::vector<std::string> warnings;     ///< accepted oddities, e.g. an Endpoint path that is ignored

    /** True if this string authenticates with a key (name + key), false if with a SAS token. */
    bool usesSharedKey() const { return !sharedAccessKeyName.empty(); }
    /**
     * The AMQP TCP port a client connects to: the Endpoint's port if given (as @azure/core-amqp does),
     * else 5672 (plain) with UseDevelopmentEmulator, else 5671 (TLS).
     */
    int amqpPort() const;
    /** TLS unless UseDevelopmentEmulator=true, which selects plain AMQP like the official emulator. */
    bool useTls() const { return !useDevelopmentEmulator; }
    /** UseDevelopmentEmulator=true, or a loopback host (localhost, 127.x.x.x, ::1). */
    bool isEmulator() const;
    /** The CBS audience of an entity as the JS SDK builds it: endpoint + entity ("sb://host[:port]/queue1"). */
    std::string audienceFor(std::string_view entity) const;
};

/**
 * Parses a connection string as the Azure SDKs do, a little stricter where they silently guess:
 * - `Key=Value` pairs separated by ';'; keys are case-insensitive; a value may contain '='
 *   (only the first '=' splits); whitespace around keys and values is trimmed; empty segments
 *   (e.g. a trailing ';') are ignored.
 * - Endpoint is required: `scheme://host[:port][/]` where the scheme is sb, amqps, amqp, https,
 *   http, wss or ws (the SDKs replace any scheme by sb://); a path, query or fragment is ignored
 *   with a warning, as the .NET SDK does.
 * - Credentials: SharedAccessKeyName with SharedAccessKey, or SharedAccessSignature (a token that
 *   parseSasToken accepts), not both.
 * - UseDevelopmentEmulator: true or false, any case.
 * - Unknown keys are collected in unknownKeys; a known key given twice or with an empty value is an error.
 *
 * Errors are ErrorCode::InvalidArgument and name the key or the 1-based segment that is wrong.
 * They never contain the value of SharedAccessKey or SharedAccessSignature.
 */
Result<ConnectionString> parseConnectionString(std::string_view text);

/**
 * The connection string in canonical form ("Endpoint=sb://host/;SharedAccessKeyName=...;..."), which
 * parseConnectionString reads back to the same values (unknown keys are dropped). With
 * redactSecrets, SharedAccessKey and SharedAccessSignature values are replaced by "***".
 */
std::string toString(const ConnectionString &cs, bool redactSecrets);

/** True for "localhost", 127.0.0.0/8, "::1" and "0:0:0:0:0:0:0:1" (case-insensitive). */
bool isLoopbackHost(std::string_view host);

} // namespace busyard::core
