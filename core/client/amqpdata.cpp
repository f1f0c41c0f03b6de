#include "amqpdata.h"

#include "amqpcodec.h"

namespace busyard::client::amqpdata {

std::string encode(pn_data_t *d)
{
    std::string out(std::size_t(pn_data_encoded_size(d)), '\0');
    const ssize_t n = pn_data_encode(d, out.data(), out.size());
    out.resize(n > 0 ? std::size_t(n) : 0);
    return out;
}

MapWriter::MapWriter() : m_d(newData())
{
    pn_data_put_map(m_d.get());
    pn_data_enter(m_d.get());
}

pn_data_t *MapWriter::key(std::string_view k)
{
    pn_data_put_string(m_d.get(), bytes(k));
    return m_d.get();
}

void MapWriter::string(std::string_view k, std::string_view v)
{
    key(k);
    pn_data_put_string(m_d.get(), bytes(v));
}

void MapWriter::value(std::string_view k, const core::Value &v)
{
    key(k);
    codec::putValue(m_d.get(), v);
}

void MapWriter::longArray(std::string_view k, const std::vector<std::int64_t> &values)
{
    key(k);
    pn_data_put_array(m_d.get(), false, PN_LONG);
    pn_data_enter(m_d.get());
    for (std::int64_t v : values)
        pn_data_put_long(m_d.get(), v);
    pn_data_exit(m_d.get());
}

void MapWriter::uuidArray(std::string_view k, const std::vector<core::Uuid> &values)
{
    key(k);
    pn_data_put_array(m_d.get(), false, PN_UUID);
    pn_data_enter(m_d.get());
    for (const core::Uuid &u : values) {
        pn_uuid_t raw;
        std::copy(u.bytes.begin(), u.bytes.end(), raw.bytes);
        pn_data_put_uuid(m_d.get(), raw);
    }
    pn_data_exit(m_d.get());
}

std::string MapWriter::finish()
{
    pn_data_exit(m_d.get());
    return encode(m_d.get());
}

std::optional<std::string> textAt(pn_data_t *d)
{
    if (pn_data_type(d) == PN_STRING)
        return text(pn_data_get_string(d));
    if (pn_data_type(d) == PN_SYMBOL)
        return text(pn_data_get_symbol(d));
    return std::nullopt;
}

std::optional<std::int64_t> integerAt(pn_data_t *d)
{
    switch (pn_data_type(d)) {
    case PN_UBYTE: return pn_data_get_ubyte(d);
    case PN_USHORT: return pn_data_get_ushort(d);
    case PN_UINT: return pn_data_get_uint(d);
    case PN_ULONG: return std::int64_t(pn_data_get_ulong(d));
    case PN_BYTE: return pn_data_get_byte(d);
    case PN_SHORT: return pn_data_get_short(d);
    case PN_INT: return pn_data_get_int(d);
    case PN_LONG: return pn_data_get_long(d);
    case PN_TIMESTAMP: return pn_data_get_timestamp(d);
    case PN_DOUBLE: {
        // rhea (the JS SDK's AMQP library) sends JS numbers above 2^31 as doubles: accepted when they hold
        // an exact integer in range, refused otherwise (a fraction or NaN is not a count or a number).
        const double v = pn_data_get_double(d);
        if (!(v >= -9.2233720368547758e18 && v < 9.2233720368547758e18) || v != static_cast<double>(std::int64_t(v)))
            return std::nullopt;
        return std::int64_t(v);
    }
    default: return std::nullopt;
    }
}

bool seekInMap(pn_data_t *d, std::string_view key)
{
    if (pn_data_type(d) != PN_MAP)
        return false;
    pn_data_enter(d);
    while (pn_data_next(d)) {
        const auto k = textAt(d);
        if (!pn_data_next(d))
            return false;
        if (k && *k == key)
            return true;
    }
    return false;
}

MapReader::MapReader(std::string_view encoded) : m_d(newData())
{
    if (!encoded.empty()) {
        const ssize_t n = pn_data_decode(m_d.get(), encoded.data(), encoded.size());
        pn_data_rewind(m_d.get());
        m_valid = n > 0 && pn_data_next(m_d.get()) && pn_data_type(m_d.get()) == PN_MAP;
    }
}

bool MapReader::seek(std::string_view key) const
{
    if (!m_valid)
        return false;
    pn_data_rewind(m_d.get());
    return pn_data_next(m_d.get()) && seekInMap(m_d.get(), key);
}

std::optional<std::int64_t> MapReader::integer(std::string_view key) const
{
    return seek(key) ? integerAt(m_d.get()) : std::nullopt;
}

std::optional<std::string> MapReader::string(std::string_view key) const
{
    return seek(key) ? textAt(m_d.get()) : std::nullopt;
}

std::optional<std::string> MapReader::binary(std::string_view key) const
{
    if (!seek(key) || pn_data_type(m_d.get()) != PN_BINARY)
        return std::nullopt;
    return text(pn_data_get_binary(m_d.get()));
}

bool MapReader::isNull(std::string_view key) const
{
    return !seek(key) || pn_data_type(m_d.get()) == PN_NULL;
}

void MapReader::forEach(std::string_view key, const std::function<void(pn_data_t *)> &f) const
{
    if (!seek(key))
        return;
    pn_data_t *d = m_d.get();
    const pn_type_t type = pn_data_type(d);
    if (type != PN_ARRAY && type != PN_LIST)
        return;
    pn_data_enter(d);
    while (pn_data_next(d)) {
        const pn_handle_t point = pn_data_point(d);
        f(d);
        pn_data_restore(d, point);
    }
}

} // namespace busyard::client::amqpdata
