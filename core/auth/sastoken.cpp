#include "sastoken.h"

#include "encoding.h"

#include <algorithm>
#include <charconv>
#include <optional>

namespace busyard::core {

namespace {

constexpr std::string_view kTokenPrefix = "SharedAccessSignature";
/** Latest expiry we represent: DateTime.MaxValue in whole seconds. */
constexpr std::int64_t kMaxExpirySeconds = 253402300799LL;
/** Longest piece of client-supplied text (key name, audience) quoted in an error message. */
constexpr std::size_t kMaxQuoted = 200;

char asciiLower(char c)
{
    return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c;
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

/** Client text for an error message: bounded, control characters replaced. */
std::string quoted(std::string_view s)
{
    std::string out = "'";
    for (std::size_t i = 0; i < s.size() && i < kMaxQuoted; ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        out.push_back(c < 0x20 || c == 0x7F ? '?' : char(c));
    }
    if (s.size() > kMaxQuoted)
        out += "...";
    out.push_back('\'');
    return out;
}

Error unauthorized(std::string message)
{
    return makeError(ErrorCode::Unauthorized, std::move(message));
}

bool isSchemeText(std::string_view s)
{
    if (s.empty() || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
        return false;
    return std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' || c == '-'
            || c == '.';
    });
}

/** An audience or resource URI reduced to what Service Bus compares. */
struct Scope
{
    bool hasHost = false;
    std::string host;                   ///< lower-case, without port
    std::vector<std::string> segments;  ///< lower-case, empty segments dropped
};

Scope toScope(std::string_view text)
{
    std::string lower(trim(text));
    std::transform(lower.begin(), lower.end(), lower.begin(), asciiLower);
    std::string_view rest = lower;

    Scope scope;
    const std::size_t schemeEnd = rest.find("://");
    if (schemeEnd != std::string_view::npos && isSchemeText(rest.substr(0, schemeEnd))) {
        rest.remove_prefix(schemeEnd + 3);
        const std::size_t authorityEnd = std::min(rest.find_first_of("/?#"), rest.size());
        std::string_view authority = rest.substr(0, authorityEnd);
        rest.remove_prefix(authorityEnd);
        if (const std::size_t at = authority.rfind('@'); at != std::string_view::npos)
            authority.remove_prefix(at + 1);
        if (!authority.empty() && authority.front() == '[') {
            const std::size_t close = authority.find(']');
            authority = authority.substr(0, close == std::string_view::npos ? authority.size() : close + 1);
        } else if (std::count(authority.begin(), authority.end(), ':') == 1) {
            authority = authority.substr(0, authority.find(':'));
        }
        scope.hasHost = true;
        scope.host = std::string(authority);
    }
    rest = rest.substr(0, std::min(rest.find_first_of("?#"), rest.size()));
    while (!rest.empty()) {
        const std::size_t slash = std::min(rest.find('/'), rest.size());
        if (slash > 0)
            scope.segments.emplace_back(rest.substr(0, slash));
        rest.remove_prefix(std::min(slash + 1, rest.size()));
    }
    return scope;
}

bool scopeCovers(const Scope &token, const Scope &target)
{
    if (token.hasHost && target.hasHost && token.host != target.host)
        return false;
    if (token.segments.size() > target.segments.size())
        return false;
    return std::equal(token.segments.begin(), token.segments.end(), target.segments.begin());
}

std::optional<std::int64_t> parseSeconds(std::string_view s)
{
    if (s.empty() || s.size() > 19 || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return std::nullopt;
    std::int64_t value = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (ec != std::errc() || end != s.data() + s.size())
        return std::nullopt;
    return value;
}

} // namespace

const char *accessRightName(AccessRight right)
{
    switch (right) {
    case AccessRight::Listen:
        return "Listen";
    case AccessRight::Send:
        return "Send";
    case AccessRight::Manage:
        return "Manage";
    }
    return "?";
}

std::string toString(AccessRights rights)
{
    std::string out;
    for (const AccessRight r : {AccessRight::Manage, AccessRight::Send, AccessRight::Listen}) {
        if (!rights.contains(r))
            continue;
        if (!out.empty())
            out += ", ";
        out += accessRightName(r);
    }
    return out.empty() ? std::string("none") : out;
}

SharedAccessPolicy developmentPolicy()
{
    return SharedAccessPolicy{std::string(kDevelopmentKeyName), std::string(kDevelopmentKey), {},
                              AccessRights::all(), {}};
}

std::string createSasToken(std::string_view audience, std::string_view keyName, std::string_view key,
                           TimePoint expiry)
{
    const std::int64_t ms = toMillisSinceEpoch(expiry);
    // Round down to whole seconds, also for instants before 1970 (never valid, but well defined).
    const std::int64_t seconds = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
    const std::string sr = urlEncode(audience);
    const std::string se = std::to_string(seconds);
    const std::string sig = urlEncode(base64Encode(hmacSha256(key, sr + "\n" + se)));
    std::string token;
    token.reserve(kTokenPrefix.size() + sr.size() + sig.size() + keyName.size() * 3 + 32);
    token.append(kTokenPrefix).append(" sr=").append(sr);
    token.append("&sig=").append(sig);
    token.append("&se=").append(se);
    token.append("&skn=").append(urlEncode(keyName));
    return token;
}

Result<SasToken> parseSasToken(std::string_view text)
{
    std::string_view rest = trim(text);
    if (rest.size() <= kTokenPrefix.size() || !equalsIgnoreCase(rest.substr(0, kTokenPrefix.size()), kTokenPrefix)
        || !isSpace(rest[kTokenPrefix.size()]))
        return unauthorized("SAS token must start with 'SharedAccessSignature ' followed by sr, sig, se and skn");
    rest = trim(rest.substr(kTokenPrefix.size()));

    std::optional<std::string_view> rawSr, rawSig, rawSe, rawSkn;
    std::size_t fieldNumber = 0;
    while (!rest.empty()) {
        const std::size_t amp = std::min(rest.find('&'), rest.size());
        const std::string_view field = rest.substr(0, amp);
        rest.remove_prefix(std::min(amp + 1, rest.size()));
        ++fieldNumber;
        if (field.empty())
            continue;
        const std::size_t eq = field.find('=');
        if (eq == std::string_view::npos)
            return unauthorized("SAS token field " + std::to_string(fieldNumber) + " has no '=' (expected name=value)");
        const std::string_view name = field.substr(0, eq);
        const std::string_view value = field.substr(eq + 1);
        std::optional<std::string_view> *slot = nullptr;
        if (equalsIgnoreCase(name, "sr"))
            slot = &rawSr;
        else if (equalsIgnoreCase(name, "sig"))
            slot = &rawSig;
        else if (equalsIgnoreCase(name, "se"))
            slot = &rawSe;
        else if (equalsIgnoreCase(name, "skn"))
            slot = &rawSkn;
        if (!slot)
            continue;   // unknown fields are not signed and carry nothing we use
        if (slot->has_value())
            return unauthorized("SAS token field '" + std::string(name) + "' appears more than once");
        *slot = value;
    }

    if (!rawSr || rawSr->empty())
        return unauthorized("SAS token has no sr (the resource URI it is for)");
    if (!rawSig || rawSig->empty())
        return unauthorized("SAS token has no sig (signature)");
    if (!rawSe || rawSe->empty())
        return unauthorized("SAS token has no se (expiry in seconds since 1970)");
    if (!rawSkn || rawSkn->empty())
        return unauthorized("SAS token has no skn (shared access key name)");

    SasToken token;
    auto sr = urlDecode(*rawSr);
    if (!sr)
        return unauthorized("SAS token sr is not valid URL encoding: " + sr.error().message);
    token.resource = std::move(sr).value();

    auto skn = urlDecode(*rawSkn);
    if (!skn)
        return unauthorized("SAS token skn is not valid URL encoding: " + skn.error().message);
    token.keyName = std::move(skn).value();

    const auto seconds = parseSeconds(*rawSe);
    if (!seconds)
        return unauthorized("SAS token se " + quoted(*rawSe) + " is not a whole number of seconds since 1970");
    token.expiry = *seconds >= kMaxExpirySeconds ? kMaxTime : fromMillisSinceEpoch(*seconds * 1000);

    auto sigText = urlDecode(*rawSig);
    if (!sigText)
        return unauthorized("SAS token sig is not valid URL encoding: " + sigText.error().message);
    auto sig = base64Decode(*sigText);
    if (!sig) {
        const bool hadPlus = sigText->find(' ') != std::string::npos;
        return unauthorized(std::string("SAS token sig is not valid base64")
                            + (hadPlus ? " (a '+' in the signature must be URL-encoded as %2B)" : ""));
    }
    if (sig->size() != 32)
        return unauthorized("SAS token sig is " + std::to_string(sig->size())
                            + " bytes, not a 32-byte HMAC-SHA256");
    token.signature = std::move(sig).value();

    token.stringToSign.reserve(rawSr->size() + 1 + rawSe->size());
    token.stringToSign.append(*rawSr).append("\n").append(*rawSe);
    return token;
}

Result<SasGrant> verifySasToken(const SasToken &token, const std::vector<SharedAccessPolicy> &policies,
                                TimePoint now)
{
    const auto policy = std::find_if(policies.begin(), policies.end(),
                                     [&](const SharedAccessPolicy &p) { return p.keyName == token.keyName; });
    if (policy == policies.end())
        return unauthorized("no shared access policy named " + quoted(token.keyName));

    bool matched = false;
    for (const std::string *key : {&policy->primaryKey, &policy->secondaryKey}) {
        if (key->empty())
            continue;
        // Evaluate both keys whatever the first result, so timing does not tell which one matched.
        matched = constantTimeEquals(hmacSha256(*key, token.stringToSign), token.signature) || matched;
    }
    if (!matched)
        return unauthorized("SAS token signature does not match the keys of policy " + quoted(policy->keyName));

    if (now >= token.expiry)
        return unauthorized("SAS token expired at " + formatIso8601(token.expiry) + " (now "
                            + formatIso8601(now) + ")");

    return SasGrant{policy->keyName, token.resource, policy->rights.effective(), token.expiry};
}

bool sasAudienceCovers(std::string_view tokenAudience, std::string_view target)
{
    return scopeCovers(toScope(tokenAudience), toScope(target));
}

Result<SasGrant> validateSasToken(const SasToken &token, const std::vector<SharedAccessPolicy> &policies,
                                  std::string_view requiredAudience, AccessRight required, TimePoint now)
{
    auto grant = verifySasToken(token, policies, now);
    if (!grant)
        return grant;

    const Scope target = toScope(requiredAudience);
    if (!scopeCovers(toScope(token.resource), target))
        return unauthorized("SAS token for " + quoted(token.resource) + " does not cover " + quoted(requiredAudience));

    const auto policy = std::find_if(policies.begin(), policies.end(),
                                     [&](const SharedAccessPolicy &p) { return p.keyName == token.keyName; });
    if (!policy->entityPath.empty() && !scopeCovers(toScope(policy->entityPath), target))
        return unauthorized("policy " + quoted(policy->keyName) + " belongs to entity " + quoted(policy->entityPath)
                            + " and does not cover " + quoted(requiredAudience));

    if (!grant->rights.grants(required))
        return unauthorized("policy " + quoted(policy->keyName) + " lacks the claim " + accessRightName(required)
                            + " (it has " + toString(grant->rights) + ")");
    return grant;
}

} // namespace busyard::core
