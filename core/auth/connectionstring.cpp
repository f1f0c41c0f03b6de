#include "connectionstring.h"

#include "sastoken.h"

#include <algorithm>
#include <array>

namespace busyard::core {

namespace {

/** Endpoint schemes the SDKs are seen with; all of them mean the same namespace (they rewrite to sb://). */
constexpr std::array<std::string_view, 7> kEndpointSchemes = {"sb", "amqps", "amqp", "https", "http", "wss", "ws"};

enum Field { EndpointField, KeyNameField, KeyField, SignatureField, EntityPathField, EmulatorField, FieldCount };

/** Canonical spelling of each known key, in the order toString writes them. */
constexpr std::array<std::string_view, FieldCount> kFieldNames = {
    "Endpoint", "SharedAccessKeyName", "SharedAccessKey", "SharedAccessSignature", "EntityPath",
    "UseDevelopmentEmulator"};

char asciiLower(char c)
{
    return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c;
}

std::string toLower(std::string_view s)
{
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), asciiLower);
    return out;
}

bool equalsIgnoreCase(std::string_view a, std::string_view b)
{
    return a.size() == b.size()
        && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return asciiLower(x) == asciiLower(y); });
}

bool isSpace(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

std::string_view trim(std::string_view s)
{
    while (!s.empty() && isSpace(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && isSpace(s.back()))
        s.remove_suffix(1);
    return s;
}

/** Non-secret text for a message: quoted, control characters replaced, bounded. */
std::string quoted(std::string_view s, std::size_t limit = 200)
{
    std::string out = "'";
    for (std::size_t i = 0; i < s.size() && i < limit; ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        out.push_back(c < 0x20 || c == 0x7F ? '?' : char(c));
    }
    if (s.size() > limit)
        out += "...";
    out.push_back('\'');
    return out;
}

/**
 * A segment without '=' is shown so the user can find it, but it could be a stray piece of a key
 * (e.g. a key pasted on its own): long ones are cut to a short prefix.
 */
std::string describeSegment(std::string_view s)
{
    return s.size() <= 24 ? quoted(s) : quoted(s.substr(0, 8)) + " (" + std::to_string(s.size()) + " characters)";
}

Error invalid(std::string message)
{
    return makeError(ErrorCode::InvalidArgument, std::move(message));
}

bool isDigits(std::string_view s)
{
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool isHostNameChar(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-'
        || c == '_';
}

bool isIpv6Char(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' || c == '.';
}

Result<void> parsePort(std::string_view text, std::string_view endpoint, ConnectionString &cs)
{
    int port = 0;
    for (const char c : text.size() <= 5 ? text : std::string_view())
        port = port * 10 + (c - '0');
    if (!isDigits(text) || port < 1 || port > 65535)
        return invalid("Endpoint " + quoted(endpoint) + " has port " + quoted(text, 20)
                       + ", which is not a number from 1 to 65535");
    cs.port = port;
    return {};
}

/** Fills scheme, host, port and endpoint from an Endpoint value. */
Result<void> parseEndpoint(std::string_view value, ConnectionString &cs)
{
    const std::size_t schemeEnd = value.find("://");
    if (schemeEnd == std::string_view::npos || schemeEnd == 0)
        return invalid("Endpoint " + quoted(value) + " must start with sb:// (e.g. sb://<namespace>.servicebus.windows.net/)");
    const std::string scheme = toLower(value.substr(0, schemeEnd));
    if (std::find(kEndpointSchemes.begin(), kEndpointSchemes.end(), scheme) == kEndpointSchemes.end())
        return invalid("Endpoint " + quoted(value) + " has scheme " + quoted(scheme, 20) + ": use sb://");

    std::string_view rest = value.substr(schemeEnd + 3);
    const std::size_t authorityEnd = std::min(rest.find_first_of("/?#"), rest.size());
    const std::string_view authority = rest.substr(0, authorityEnd);
    const std::string_view tail = rest.substr(authorityEnd);
    // Do not echo the value: user information may hold a password.
    if (authority.find('@') != std::string_view::npos)
        return invalid("Endpoint must not contain user information ('user@' before the host)");
    if (authority.empty())
        return invalid("Endpoint " + quoted(value) + " has no host name after '" + scheme + "://'");

    std::string_view host;
    std::string_view portText;
    bool hasPort = false;
    bool ipv6 = false;
    if (authority.front() == '[') {
        const std::size_t close = authority.find(']');
        if (close == std::string_view::npos)
            return invalid("Endpoint " + quoted(value) + " has an IPv6 address without the closing ']'");
        host = authority.substr(1, close - 1);
        ipv6 = true;
        const std::string_view after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':')
                return invalid("Endpoint " + quoted(value) + " has text after the IPv6 address that is not ':port'");
            hasPort = true;
            portText = after.substr(1);
        }
    } else {
        const auto colons = std::count(authority.begin(), authority.end(), ':');
        if (colons <= 1) {
            const std::size_t colon = authority.find(':');
            host = authority.substr(0, colon);
            if (colon != std::string_view::npos) {
                hasPort = true;
                portText = authority.substr(colon + 1);
            }
        } else {
            // @azure/core-amqp special-cases an unbracketed IPv6 loopback ("sb://::1:5672").
            for (const std::string_view loopback : {std::string_view("0:0:0:0:0:0:0:1"), std::string_view("::1")}) {
                if (authority.substr(0, loopback.size()) == loopback
                    && (authority.size() == loopback.size() || authority[loopback.size()] == ':')) {
                    host = loopback;
                    ipv6 = true;
                    if (authority.size() > loopback.size()) {
                        hasPort = true;
                        portText = authority.substr(loopback.size() + 1);
                    }
                    break;
                }
            }
            if (!ipv6)
                return invalid("Endpoint " + quoted(value)
                               + " has an IPv6 address: write it in brackets, e.g. sb://[fe80::1]:5672/");
        }
    }

    if (host.empty())
        return invalid("Endpoint " + quoted(value) + " has no host name after '" + scheme + "://'");
    for (const char c : host) {
        if (ipv6 ? !isIpv6Char(c) : !isHostNameChar(c))
            return invalid("Endpoint " + quoted(value) + " has host " + quoted(host) + ", which contains the character "
                           + quoted(std::string_view(&c, 1)));
    }
    if (hasPort) {
        if (auto ok = parsePort(portText, value, cs); !ok)
            return ok;
    }

    cs.scheme = scheme;
    cs.host = toLower(host);
    cs.endpoint = "sb://" + (ipv6 ? "[" + cs.host + "]" : cs.host);
    if (cs.port)
        cs.endpoint += ":" + std::to_string(*cs.port);
    cs.endpoint += "/";
    if (!tail.empty() && tail != "/")
        cs.warnings.push_back("Endpoint " + quoted(tail) + " after the host is ignored (the namespace is "
                              + cs.endpoint + "; name the entity with EntityPath)");
    return {};
}

} // namespace

int ConnectionString::amqpPort() const
{
    return port.value_or(useDevelopmentEmulator ? 5672 : 5671);
}

bool ConnectionString::isEmulator() const
{
    return useDevelopmentEmulator || isLoopbackHost(host);
}

std::string ConnectionString::audienceFor(std::string_view entity) const
{
    while (!entity.empty() && entity.front() == '/')
        entity.remove_prefix(1);
    return endpoint + std::string(entity);
}

bool isLoopbackHost(std::string_view host)
{
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    if (equalsIgnoreCase(host, "localhost") || host == "::1" || host == "0:0:0:0:0:0:0:1")
        return true;
    if (host.substr(0, 4) != "127.")
        return false;
    // 127.0.0.0/8: four dot-separated decimal parts of at most 3 digits.
    int parts = 0;
    std::string_view rest = host;
    while (true) {
        const std::size_t dot = std::min(rest.find('.'), rest.size());
        const std::string_view part = rest.substr(0, dot);
        if (!isDigits(part) || part.size() > 3 || std::stoi(std::string(part)) > 255)
            return false;
        ++parts;
        if (dot == rest.size())
            break;
        rest.remove_prefix(dot + 1);
    }
    return parts == 4;
}

Result<ConnectionString> parseConnectionString(std::string_view text)
{
    ConnectionString cs;
    std::array<std::size_t, FieldCount> seenAt{};   // 1-based segment of each known key, 0 = absent
    std::array<std::string_view, FieldCount> values{};

    std::size_t segmentNumber = 0;
    std::string_view rest = text;
    bool more = true;
    while (more) {
        const std::size_t semicolon = rest.find(';');
        more = semicolon != std::string_view::npos;
        const std::string_view segment = trim(rest.substr(0, more ? semicolon : rest.size()));
        rest.remove_prefix(more ? semicolon + 1 : rest.size());
        ++segmentNumber;
        if (segment.empty())
            continue;

        const std::size_t eq = segment.find('=');
        if (eq == std::string_view::npos)
            return invalid("segment " + std::to_string(segmentNumber) + " " + describeSegment(segment)
                           + " has no '=' (expected Key=Value)");
        const std::string_view key = trim(segment.substr(0, eq));
        const std::string_view value = trim(segment.substr(eq + 1));
        if (key.empty())
            return invalid("segment " + std::to_string(segmentNumber) + " has no key before '='");

        const auto known = std::find_if(kFieldNames.begin(), kFieldNames.end(),
                                        [&](std::string_view name) { return equalsIgnoreCase(name, key); });
        if (known == kFieldNames.end()) {
            cs.unknownKeys.emplace_back(key);
            continue;
        }
        const auto field = static_cast<std::size_t>(known - kFieldNames.begin());
        const std::string name(*known);
        if (seenAt[field] != 0)
            return invalid(name + " is given twice (segments " + std::to_string(seenAt[field]) + " and "
                           + std::to_string(segmentNumber) + ")");
        seenAt[field] = segmentNumber;
        if (value.empty())
            return invalid(name + " has no value (segment " + std::to_string(segmentNumber) + ")");
        values[field] = value;
    }

    if (!seenAt[EndpointField])
        return invalid("Endpoint is missing (expected Endpoint=sb://<namespace>.servicebus.windows.net/)");
    if (auto ok = parseEndpoint(values[EndpointField], cs); !ok)
        return ok.error();

    cs.sharedAccessKeyName = std::string(values[KeyNameField]);
    cs.sharedAccessKey = std::string(values[KeyField]);
    cs.sharedAccessSignature = std::string(values[SignatureField]);
    cs.entityPath = std::string(values[EntityPathField]);

    if (seenAt[EmulatorField]) {
        const std::string_view flag = values[EmulatorField];
        if (equalsIgnoreCase(flag, "true"))
            cs.useDevelopmentEmulator = true;
        else if (!equalsIgnoreCase(flag, "false"))
            return invalid("UseDevelopmentEmulator is " + quoted(flag, 40) + " but must be true or false (segment "
                           + std::to_string(seenAt[EmulatorField]) + ")");
    }

    const bool hasName = seenAt[KeyNameField] != 0;
    const bool hasKey = seenAt[KeyField] != 0;
    const bool hasSignature = seenAt[SignatureField] != 0;
    if (hasSignature && (hasName || hasKey))
        return invalid("SharedAccessSignature cannot be combined with SharedAccessKeyName or SharedAccessKey: "
                       "give either a key or a signature");
    if (hasName && !hasKey)
        return invalid("SharedAccessKey is missing (needed with SharedAccessKeyName)");
    if (hasKey && !hasName)
        return invalid("SharedAccessKeyName is missing (needed with SharedAccessKey)");
    if (!hasName && !hasSignature)
        return invalid("credentials are missing: give SharedAccessKeyName and SharedAccessKey, or "
                       "SharedAccessSignature");
    if (hasSignature) {
        // parseSasToken's messages name fields and reasons, never the signature.
        if (auto token = parseSasToken(cs.sharedAccessSignature); !token)
            return invalid("SharedAccessSignature (segment " + std::to_string(seenAt[SignatureField])
                           + ") is not a valid token: " + token.error().message);
    }
    return cs;
}

std::string toString(const ConnectionString &cs, bool redactSecrets)
{
    std::string out;
    const auto add = [&out](Field field, std::string_view value) {
        out.append(kFieldNames[field]).append("=").append(value).append(";");
    };
    add(EndpointField, cs.endpoint);
    if (!cs.sharedAccessKeyName.empty())
        add(KeyNameField, cs.sharedAccessKeyName);
    if (!cs.sharedAccessKey.empty())
        add(KeyField, redactSecrets ? std::string_view("***") : std::string_view(cs.sharedAccessKey));
    if (!cs.sharedAccessSignature.empty())
        add(SignatureField, redactSecrets ? std::string_view("***") : std::string_view(cs.sharedAccessSignature));
    if (!cs.entityPath.empty())
        add(EntityPathField, cs.entityPath);
    if (cs.useDevelopmentEmulator)
        add(EmulatorField, "true");
    return out;
}

} // namespace busyard::core
