#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace busyard::emulator::amqp {

/**
 * Server side of the AMQP 1.0 SASL exchange, in front of a Proton connection driver that runs without
 * SASL (Proton's SASL does not know MSSBCBS, which uamqp-based clients insist on).
 *
 * Feed it the bytes a client sends. It answers the SASL protocol header with its own header and a
 * sasl-mechanisms frame offering [MSSBCBS, PLAIN, ANONYMOUS, EXTERNAL] (an AMQP array of symbol, in
 * the order of the real service), takes the sasl-init and answers sasl-outcome(ok, "Welcome!").
 * Authorization happens later through CBS, so every mechanism is accepted without checking
 * credentials. A client that skips SASL and sends the AMQP header directly is accepted as well.
 *
 * Once state() is Done, the bytes that followed the SASL exchange (normally the AMQP header) are in
 * takeRemainder() and belong to the connection driver. Pure byte logic: no I/O, no Qt.
 */
class SaslNegotiator
{
public:
    enum class State { Header, Init, Done, Failed };

    /** Consumes `input`; appends the bytes to send to the client to `output`. Returns state(). */
    State feed(std::string_view input, std::string &output);

    State state() const { return m_state; }
    /** The mechanism the client chose (empty when it skipped SASL). */
    const std::string &mechanism() const { return m_mechanism; }
    /** sasl-init hostname, when the client sent one. */
    const std::string &hostname() const { return m_hostname; }
    /** Why the exchange failed (state() == Failed). */
    const std::string &errorText() const { return m_error; }
    /** True when the client sent the AMQP header without a SASL exchange. */
    bool skippedSasl() const { return m_skipped; }
    /** Bytes received after the exchange; cleared by the call. */
    std::string takeRemainder();

    /** The exact sasl-mechanisms frame the negotiator sends (for tests). */
    static std::string mechanismsFrame();
    /** The exact sasl-outcome frame: code ok, additional-data "Welcome!". */
    static std::string outcomeFrame();

    static constexpr std::string_view kSaslHeader{"AMQP\x03\x01\x00\x00", 8};
    static constexpr std::string_view kAmqpHeader{"AMQP\x00\x01\x00\x00", 8};
    /** Largest SASL frame accepted from a client (sasl-init is small; guards against garbage). */
    static constexpr std::uint32_t kMaxSaslFrame = 65536;

private:
    State fail(std::string text, std::string &output);
    bool handleInit(std::string_view body);

    State m_state = State::Header;
    std::string m_buffer;
    std::string m_mechanism;
    std::string m_hostname;
    std::string m_error;
    bool m_skipped = false;
};

} // namespace busyard::emulator::amqp
