#pragma once

#include "core/result.h"

#include <string>
#include <string_view>

/**
 * Byte encodings used by Service Bus shared access signatures: base64, the URL encoding of the
 * Azure SDKs and HMAC-SHA256 (OpenSSL libcrypto). All functions are pure and thread-safe.
 */
namespace busyard::core {

/** Standard base64 (RFC 4648 alphabet, '=' padding) of arbitrary bytes. */
std::string base64Encode(std::string_view bytes);

/**
 * Decodes standard base64. Strict: the length must be a multiple of 4, padding only at the end,
 * no whitespace, no URL-safe alphabet. InvalidArgument otherwise (the message never echoes input).
 */
Result<std::string> base64Decode(std::string_view text);

/**
 * URL encoding exactly as JavaScript's encodeURIComponent (what @azure/core-amqp uses for `sr`,
 * `sig` and `skn`): every byte except A-Z a-z 0-9 - _ . ! ~ * ' ( ) becomes %XX with upper-case hex.
 * The input is treated as UTF-8 bytes.
 */
std::string urlEncode(std::string_view text);

/**
 * Decodes %XX escapes (either hex case) and '+' as a space, like .NET's WebUtility.UrlDecode
 * that Service Bus applies to token fields (Python's quote_plus writes spaces as '+').
 * InvalidArgument for a '%' not followed by two hex digits; the message gives the position only.
 */
Result<std::string> urlDecode(std::string_view text);

/** Raw 32-byte HMAC-SHA256 of `data` keyed with the bytes of `key`. */
std::string hmacSha256(std::string_view key, std::string_view data);

/** Compares two byte strings in time that depends only on their lengths (for signatures). */
bool constantTimeEquals(std::string_view a, std::string_view b);

} // namespace busyard::core
