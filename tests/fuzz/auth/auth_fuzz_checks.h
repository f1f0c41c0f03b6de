#pragma once

// Invariants of the core/auth parsers, shared by the libFuzzer targets and the always-on corpus
// regression test (tests/core/auth/tst_authcorpus.cpp). Each check returns a description of the
// first broken invariant, or nothing.

#include "core/auth/connectionstring.h"
#include "core/auth/sastoken.h"

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>

namespace busyard::fuzz {

namespace detail {

/** A marker that never occurs in the parsers' own message texts. */
inline constexpr std::string_view kMarker = "zq9SECRETMARKERzq9";

inline char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c;
}

inline bool isSpace(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

/**
 * Token text with the value of the first field named sig (any case, at a field boundary: after the
 * start, a blank or '&') replaced by the marker, up to the next '&' or ';'.
 */
inline std::optional<std::string> withSignatureReplaced(std::string_view input)
{
    std::size_t at = std::string_view::npos;
    for (std::size_t i = 0; i + 4 <= input.size(); ++i) {
        const bool boundary = i == 0 || input[i - 1] == '&' || isSpace(input[i - 1]);
        if (boundary && lower(input[i]) == 's' && lower(input[i + 1]) == 'i' && lower(input[i + 2]) == 'g'
            && input[i + 3] == '=') {
            at = i;
            break;
        }
    }
    if (at == std::string_view::npos)
        return std::nullopt;
    const std::size_t begin = at + 4;
    const std::size_t end = std::min(input.find_first_of("&;", begin), input.size());
    return std::string(input.substr(0, begin)) + std::string(kMarker) + std::string(input.substr(end));
}

/**
 * Input with the trimmed value of every segment whose key is `key` (case-insensitive) replaced by the
 * marker (with `signatureOnly`: only the sig field inside that value); nullopt if nothing was replaced.
 */
inline std::optional<std::string> withValueReplaced(std::string_view input, std::string_view key,
                                                    bool signatureOnly = false)
{
    std::string out;
    bool replaced = false;
    std::size_t start = 0;
    while (start <= input.size()) {
        const std::size_t end = std::min(input.find(';', start), input.size());
        std::string_view segment = input.substr(start, end - start);
        const std::size_t eq = segment.find('=');
        bool matches = false;
        if (eq != std::string_view::npos) {
            std::string_view k = segment.substr(0, eq);
            while (!k.empty() && isSpace(k.front()))
                k.remove_prefix(1);
            while (!k.empty() && isSpace(k.back()))
                k.remove_suffix(1);
            matches = k.size() == key.size()
                && std::equal(k.begin(), k.end(), key.begin(), [](char a, char b) { return lower(a) == lower(b); });
        }
        std::string_view value = eq == std::string_view::npos ? std::string_view() : segment.substr(eq + 1);
        while (!value.empty() && isSpace(value.front()))
            value.remove_prefix(1);
        while (!value.empty() && isSpace(value.back()))
            value.remove_suffix(1);
        const auto inner = signatureOnly ? withSignatureReplaced(value) : std::optional<std::string>(kMarker);
        if (matches && !value.empty() && inner) {
            out.append(segment.substr(0, eq + 1)).append(*inner);
            replaced = true;
        } else {
            out.append(segment);
        }
        if (end == input.size())
            break;
        out.push_back(';');
        start = end + 1;
    }
    if (!replaced)
        return std::nullopt;
    return out;
}

inline bool leaksMarker(const std::optional<std::string> &input, bool connectionString)
{
    if (!input || std::string_view(*input).find(kMarker) != input->rfind(kMarker))
        return false;   // no marker, or the marker was already part of the input elsewhere
    std::string message;
    if (connectionString) {
        const auto result = core::parseConnectionString(*input);
        if (result.ok())
            return false;
        message = result.error().message;
    } else {
        const auto result = core::parseSasToken(*input);
        if (result.ok())
            return false;
        message = result.error().message;
    }
    return message.find(kMarker) != std::string::npos;
}

} // namespace detail

inline std::optional<std::string> checkConnectionString(std::string_view input)
{
    using namespace busyard::core;

    // Secrets never appear in error messages (checked by planting a marker as the secret).
    if (input.find(detail::kMarker) == std::string_view::npos) {
        if (detail::leaksMarker(detail::withValueReplaced(input, "SharedAccessKey"), true))
            return "an error message contains the SharedAccessKey value";
        if (detail::leaksMarker(detail::withValueReplaced(input, "SharedAccessSignature"), true))
            return "an error message contains the SharedAccessSignature value";
        if (detail::leaksMarker(detail::withValueReplaced(input, "SharedAccessSignature", true), true))
            return "an error message contains the sig of the SharedAccessSignature";
    }

    const auto parsed = parseConnectionString(input);
    if (!parsed.ok()) {
        if (parsed.error().code != ErrorCode::InvalidArgument)
            return "error code is not InvalidArgument";
        if (parsed.error().message.empty())
            return "empty error message";
        return std::nullopt;
    }
    const ConnectionString &cs = *parsed;
    if (cs.endpoint.rfind("sb://", 0) != 0 || cs.endpoint.back() != '/')
        return "endpoint is not sb://.../";
    if (cs.host.empty())
        return "empty host";
    if (cs.amqpPort() < 1 || cs.amqpPort() > 65535)
        return "AMQP port out of range";
    const bool key = !cs.sharedAccessKeyName.empty() && !cs.sharedAccessKey.empty();
    const bool sas = !cs.sharedAccessSignature.empty();
    if (key == sas || (sas && (!cs.sharedAccessKeyName.empty() || !cs.sharedAccessKey.empty())))
        return "not exactly one kind of credentials";
    if (sas && !parseSasToken(cs.sharedAccessSignature).ok())
        return "accepted a SharedAccessSignature that parseSasToken rejects";

    const std::string canonical = toString(cs, false);
    const auto again = parseConnectionString(canonical);
    if (!again.ok())
        return "canonical form does not parse: " + again.error().message;
    if (again->endpoint != cs.endpoint || again->host != cs.host || again->port != cs.port
        || again->sharedAccessKeyName != cs.sharedAccessKeyName || again->sharedAccessKey != cs.sharedAccessKey
        || again->sharedAccessSignature != cs.sharedAccessSignature || again->entityPath != cs.entityPath
        || again->useDevelopmentEmulator != cs.useDevelopmentEmulator)
        return "canonical form parses to different values";
    if (toString(*again, false) != canonical)
        return "canonical form is not a fixed point";

    // In the redacted form, the secret fields hold "***" (values cannot contain ';', so splitting is exact).
    const std::string redacted = toString(cs, true);
    int secretFields = 0;
    for (std::size_t start = 0; start < redacted.size();) {
        const std::size_t end = std::min(redacted.find(';', start), redacted.size());
        const std::string_view segment = std::string_view(redacted).substr(start, end - start);
        const std::size_t eq = segment.find('=');
        const std::string_view name = segment.substr(0, eq);
        if (name == "SharedAccessKey" || name == "SharedAccessSignature") {
            ++secretFields;
            if (segment.substr(eq + 1) != "***")
                return "redacted form shows a secret";
        }
        start = end + 1;
    }
    if (secretFields != 1)
        return "redacted form does not have exactly one secret field";
    return std::nullopt;
}

inline std::optional<std::string> checkSasToken(std::string_view input)
{
    using namespace busyard::core;

    if (!core::sasAudienceCovers(input, input))
        return "an audience does not cover itself";

    if (input.find(detail::kMarker) == std::string_view::npos
        && detail::leaksMarker(detail::withSignatureReplaced(input), false))
        return "an error message contains the sig value";

    const auto parsed = parseSasToken(input);
    if (!parsed.ok()) {
        if (parsed.error().code != ErrorCode::Unauthorized)
            return "error code is not Unauthorized";
        return std::nullopt;
    }
    const SasToken &token = *parsed;
    if (token.resource.empty() || token.keyName.empty())
        return "empty sr or skn accepted";
    if (token.signature.size() != 32)
        return "signature is not 32 bytes";
    if (token.expiry > kMaxTime)
        return "expiry beyond kMaxTime";
    if (!sasAudienceCovers(token.resource, token.resource))
        return "the token's resource does not cover itself";

    // Whatever the resource and key name, signing them again must round-trip and verify.
    const std::string key = "fuzz-key";
    const std::string remade = createSasToken(token.resource, token.keyName, key, token.expiry);
    const auto back = parseSasToken(remade);
    if (!back.ok())
        return "re-created token does not parse: " + back.error().message;
    if (back->resource != token.resource || back->keyName != token.keyName || back->expiry != token.expiry)
        return "re-created token parses to different values";
    const SharedAccessPolicy policy{token.keyName, key, {}, AccessRights{AccessRight::Send}, {}};
    const TimePoint before = back->expiry - Duration{1};
    if (!verifySasToken(*back, {policy}, before).ok())
        return "re-created token does not verify";
    if (!validateSasToken(*back, {policy}, token.resource, AccessRight::Send, before).ok())
        return "re-created token is not valid for its own resource";
    if (verifySasToken(*back, {policy}, back->expiry).ok())
        return "token verifies at its expiry instant";
    return std::nullopt;
}

} // namespace busyard::fuzz
