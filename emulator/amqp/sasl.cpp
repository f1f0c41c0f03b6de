#include "sasl.h"

#include <proton/codec.h>

#include <array>

namespace busyard::emulator::amqp {

namespace {

constexpr std::uint64_t kSaslMechanismsCode = 0x40;
constexpr std::uint64_t kSaslInitCode = 0x41;
constexpr std::uint8_t kSaslFrameType = 0x01;

void appendU32(std::string &out, std::uint32_t v)
{
    out.push_back(static_cast<char>((v >> 24) & 0xff));
    out.push_back(static_cast<char>((v >> 16) & 0xff));
    out.push_back(static_cast<char>((v >> 8) & 0xff));
    out.push_back(static_cast<char>(v & 0xff));
}

std::uint32_t readU32(std::string_view s)
{
    auto b = [&](int i) { return static_cast<std::uint32_t>(static_cast<unsigned char>(s[i])); };
    return (b(0) << 24) | (b(1) << 16) | (b(2) << 8) | b(3);
}

/** A SASL frame (type 1, channel 0, doff 2) around an already encoded performative. */
std::string saslFrame(const std::string &performative)
{
    std::string frame;
    appendU32(frame, static_cast<std::uint32_t>(8 + performative.size()));
    frame.push_back('\x02');
    frame.push_back(static_cast<char>(kSaslFrameType));
    frame.push_back('\x00');
    frame.push_back('\x00');
    frame += performative;
    return frame;
}

/** Described list with a small-ulong descriptor and list8 encoding (all our frames are small). */
std::string describedList8(std::uint8_t code, std::uint8_t count, const std::string &fields)
{
    std::string out;
    out.push_back('\x00');
    out.push_back('\x53');
    out.push_back(static_cast<char>(code));
    out.push_back('\xc0');
    out.push_back(static_cast<char>(fields.size() + 1));
    out.push_back(static_cast<char>(count));
    out += fields;
    return out;
}

} // namespace

std::string SaslNegotiator::mechanismsFrame()
{
    // sasl-server-mechanisms must be an array of symbol (uamqp-c walks it with
    // amqpvalue_get_array_item), in the order the real service offers them.
    static constexpr std::array<std::string_view, 4> mechanisms{"MSSBCBS", "PLAIN", "ANONYMOUS", "EXTERNAL"};
    std::string elements;
    for (auto m : mechanisms) {
        elements.push_back(static_cast<char>(m.size()));
        elements += m;
    }
    std::string array;
    array.push_back('\xe0'); // array8
    array.push_back(static_cast<char>(elements.size() + 2)); // count + constructor + elements
    array.push_back(static_cast<char>(mechanisms.size()));
    array.push_back('\xa3'); // sym8
    array += elements;
    return saslFrame(describedList8(static_cast<std::uint8_t>(kSaslMechanismsCode), 1, array));
}

std::string SaslNegotiator::outcomeFrame()
{
    std::string fields;
    fields += std::string_view("\x50\x00", 2); // code: ubyte 0 (ok)
    fields += std::string_view("\xa0\x08Welcome!", 10); // additional-data: vbin8
    return saslFrame(describedList8(0x44, 2, fields));
}

std::string SaslNegotiator::takeRemainder()
{
    std::string out;
    out.swap(m_buffer);
    return out;
}

SaslNegotiator::State SaslNegotiator::fail(std::string text, std::string &output)
{
    // Tell the client which protocol we speak before the caller closes the socket.
    if (m_state == State::Header)
        output += kSaslHeader;
    m_error = std::move(text);
    m_state = State::Failed;
    return m_state;
}

bool SaslNegotiator::handleInit(std::string_view body)
{
    pn_data_t *data = pn_data(0);
    const ssize_t used = pn_data_decode(data, body.data(), body.size());
    bool ok = false;
    if (used > 0) {
        pn_data_rewind(data);
        if (pn_data_next(data) && pn_data_type(data) == PN_DESCRIBED) {
            pn_data_enter(data);
            pn_data_next(data);
            const bool isInit = (pn_data_type(data) == PN_ULONG && pn_data_get_ulong(data) == kSaslInitCode);
            if (isInit && pn_data_next(data) && pn_data_type(data) == PN_LIST) {
                pn_data_enter(data);
                if (pn_data_next(data) && pn_data_type(data) == PN_SYMBOL) {
                    const pn_bytes_t mech = pn_data_get_symbol(data);
                    m_mechanism.assign(mech.start, mech.size);
                    ok = !m_mechanism.empty();
                }
                // initial-response is ignored: authorization comes from CBS put-token.
                pn_data_next(data);
                if (pn_data_next(data) && pn_data_type(data) == PN_STRING) {
                    const pn_bytes_t host = pn_data_get_string(data);
                    m_hostname.assign(host.start, host.size);
                }
            }
        }
    }
    pn_data_free(data);
    return ok;
}

SaslNegotiator::State SaslNegotiator::feed(std::string_view input, std::string &output)
{
    if (m_state == State::Done || m_state == State::Failed) {
        m_buffer += input;
        return m_state;
    }
    m_buffer += input;

    if (m_state == State::Header) {
        if (m_buffer.size() < 8) {
            // Reject early on a wrong prefix so garbage does not wait for 8 bytes.
            if (std::string_view(m_buffer) != kSaslHeader.substr(0, m_buffer.size())
                && std::string_view(m_buffer) != kAmqpHeader.substr(0, m_buffer.size()))
                return fail("not an AMQP 1.0 protocol header", output);
            return m_state;
        }
        const std::string_view header(m_buffer.data(), 8);
        if (header == kAmqpHeader) {
            // No SASL: the header and everything after it belong to the driver.
            m_skipped = true;
            m_state = State::Done;
            return m_state;
        }
        if (header != kSaslHeader)
            return fail("unsupported protocol header", output);
        m_buffer.erase(0, 8);
        output += kSaslHeader;
        output += mechanismsFrame();
        m_state = State::Init;
    }

    if (m_state == State::Init) {
        if (m_buffer.size() < 8)
            return m_state;
        const std::uint32_t size = readU32(m_buffer);
        const auto doff = static_cast<std::uint8_t>(m_buffer[4]);
        const auto type = static_cast<std::uint8_t>(m_buffer[5]);
        if (size < 8 || size > kMaxSaslFrame || doff < 2 || doff * 4u > size || type != kSaslFrameType)
            return fail("malformed SASL frame", output);
        if (m_buffer.size() < size)
            return m_state;
        const std::string_view body(m_buffer.data() + doff * 4, size - doff * 4);
        if (body.empty()) { // an empty (heartbeat) frame is legal but carries nothing
            m_buffer.erase(0, size);
            return feed({}, output);
        }
        if (!handleInit(body))
            return fail("expected sasl-init", output);
        m_buffer.erase(0, size);
        output += outcomeFrame();
        m_state = State::Done;
    }
    return m_state;
}

} // namespace busyard::emulator::amqp
