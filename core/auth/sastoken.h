#pragma once

#include "core/clock.h"
#include "core/result.h"

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

/**
 * Service Bus shared access signatures (servicebus-amqp.md §1.4, §1.5):
 *
 *     SharedAccessSignature sr=<url-encoded resource>&sig=<url-encoded base64 HMAC>&se=<unix seconds>&skn=<key name>
 *
 * The signature is HMAC-SHA256, keyed with the UTF-8 bytes of the key text as given (not
 * base64-decoded), over `<sr exactly as it appears in the token>\n<se exactly as it appears>`.
 *
 * Never log tokens, signatures or keys: the error messages of this file name fields and reasons only.
 */
namespace busyard::core {

/** A claim of a shared access policy. Values are bits so that a set fits in AccessRights. */
enum class AccessRight : std::uint8_t {
    Listen = 1,
    Send = 2,
    Manage = 4,
};

/** Azure's name of a right: "Listen", "Send", "Manage". */
const char *accessRightName(AccessRight right);

/**
 * A set of claims. Membership is literal (`contains`); `grants` applies Service Bus semantics,
 * where Manage implies Send and Listen.
 */
class AccessRights
{
public:
    constexpr AccessRights() = default;
    constexpr AccessRights(std::initializer_list<AccessRight> rights)
    {
        for (const AccessRight r : rights)
            m_bits = std::uint8_t(m_bits | std::uint8_t(r));
    }

    /** Manage + Send + Listen. */
    static constexpr AccessRights all() { return {AccessRight::Manage, AccessRight::Send, AccessRight::Listen}; }

    constexpr bool contains(AccessRight r) const { return (m_bits & std::uint8_t(r)) != 0; }
    /** True if the set allows `r`: it contains `r`, or it contains Manage. */
    constexpr bool grants(AccessRight r) const { return contains(r) || contains(AccessRight::Manage); }
    /** The set with the implications applied (Manage adds Send and Listen). */
    constexpr AccessRights effective() const { return contains(AccessRight::Manage) ? all() : *this; }
    constexpr bool empty() const { return m_bits == 0; }
    constexpr void insert(AccessRight r) { m_bits = std::uint8_t(m_bits | std::uint8_t(r)); }
    constexpr std::uint8_t bits() const { return m_bits; }

    constexpr bool operator==(const AccessRights &) const = default;

private:
    std::uint8_t m_bits = 0;
};

/** "Manage, Send, Listen" (Azure's order), or "none". */
std::string toString(AccessRights rights);

/**
 * A shared access authorization rule, on the namespace (entityPath empty) or on one entity.
 * A token signed with an entity rule is only valid for that entity and the paths below it.
 * An empty key is never matched.
 */
struct SharedAccessPolicy
{
    std::string keyName;
    std::string primaryKey;
    std::string secondaryKey;
    AccessRights rights;
    std::string entityPath;   ///< "" = namespace level; else e.g. "queue1" or "topic1/Subscriptions/s1"
};

/** Key name of the official emulator's only policy (servicebus-amqp.md §8.1). */
inline constexpr std::string_view kDevelopmentKeyName = "RootManageSharedAccessKey";
/**
 * Key of the official emulator's policy: the documented connection string carries the literal text
 * `SAS_KEY_VALUE` as its SharedAccessKey, and tokens are signed with those bytes.
 */
inline constexpr std::string_view kDevelopmentKey = "SAS_KEY_VALUE";
/** The emulator connection string as Microsoft documents it (servicebus-amqp.md §1.1, §8.1). */
inline constexpr std::string_view kDevelopmentConnectionString =
    "Endpoint=sb://localhost;SharedAccessKeyName=RootManageSharedAccessKey;"
    "SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true;";

/** The emulator's default namespace policy: RootManageSharedAccessKey / SAS_KEY_VALUE with all rights. */
SharedAccessPolicy developmentPolicy();

/** A parsed token. Fields are URL-decoded; `stringToSign` keeps the raw bytes the signature covers. */
struct SasToken
{
    std::string resource;       ///< sr, decoded: "sb://ns.servicebus.windows.net/queue1"
    std::string keyName;        ///< skn, decoded
    TimePoint expiry;           ///< se (whole seconds)
    std::string signature;      ///< sig: the raw 32-byte HMAC (decoded from URL encoding and base64)
    std::string stringToSign;   ///< raw sr + "\n" + raw se, exactly as in the token
};

/** What a valid token allows. */
struct SasGrant
{
    std::string keyName;
    std::string resource;       ///< the token's sr (decoded): the scope it covers
    AccessRights rights;        ///< effective rights of the policy (Manage expanded)
    TimePoint expiry;           ///< the caller must stop honouring the token at this instant
};

/**
 * Creates a token the way @azure/core-amqp does: sr = encodeURIComponent(audience),
 * se = expiry in whole seconds (rounded down), sig = encodeURIComponent(base64(HMAC)),
 * skn = encodeURIComponent(keyName). Field order sr, sig, se, skn.
 */
std::string createSasToken(std::string_view audience, std::string_view keyName, std::string_view key,
                           TimePoint expiry);

/**
 * Parses "SharedAccessSignature k=v&k=v...". Fields sr, sig, se and skn are required and may come
 * in any order; unknown fields are ignored; a repeated field is an error. Leading and trailing
 * whitespace is ignored. Errors are ErrorCode::Unauthorized (a malformed token is an authentication
 * failure for CBS) and never contain the signature.
 */
Result<SasToken> parseSasToken(std::string_view token);

/**
 * Checks the key name, the signature (primary then secondary key, constant-time compare) and the
 * expiry (`now >= expiry` is expired). Does not check audience or rights. Unauthorized on failure,
 * with the reason ("signature does not match ...", "token expired at ...").
 */
Result<SasGrant> verifySasToken(const SasToken &token, const std::vector<SharedAccessPolicy> &policies,
                                TimePoint now);

/**
 * True if a token for `tokenAudience` may be used on `target`, as Service Bus decides it:
 * both are compared case-insensitively after dropping the scheme (sb, amqps, amqp, https, http, wss,
 * ws, ...), the port, any query or fragment, and empty path segments; the token's path must be a
 * prefix of the target's path at a segment boundary ("sb://ns/queue1" covers "sb://ns/queue1/$management"
 * but not "sb://ns/queue10"); a namespace token ("sb://ns/") covers every entity. Host names must be
 * equal, unless either side has no "scheme://" prefix: such a value is a bare path ("queue1",
 * "/topic/Subscriptions/s1") and only paths are compared.
 */
bool sasAudienceCovers(std::string_view tokenAudience, std::string_view target);

/**
 * Full authorization of a use of a token: verifySasToken, then the audience (sasAudienceCovers of the
 * token's sr over `requiredAudience`, and of an entity policy's entity over the target path), then the
 * claim (`required`, with Manage implying Send and Listen). Unauthorized with the reason on failure.
 */
Result<SasGrant> validateSasToken(const SasToken &token, const std::vector<SharedAccessPolicy> &policies,
                                  std::string_view requiredAudience, AccessRight required, TimePoint now);

} // namespace busyard::core
