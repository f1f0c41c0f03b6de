#pragma once

#include "core/value.h"

#include <proton/codec.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

/** Small helpers around Proton's pn_data_t for the $management and $cbs request/response maps. */
namespace busyard::client::amqpdata {

struct DataDeleter
{
    void operator()(pn_data_t *d) const { pn_data_free(d); }
};
using DataPtr = std::unique_ptr<pn_data_t, DataDeleter>;

inline DataPtr newData() { return DataPtr(pn_data(16)); }
inline pn_bytes_t bytes(std::string_view s) { return pn_bytes(s.size(), s.data()); }
inline std::string text(pn_bytes_t b) { return std::string(b.start, b.size); }

/** AMQP encoding of the whole content of `d`. */
std::string encode(pn_data_t *d);

/** Builds a map with string keys (the request body of every $management operation). */
class MapWriter
{
public:
    MapWriter();
    /** Writes the key; the caller then writes exactly one value through d(). */
    pn_data_t *key(std::string_view k);
    void string(std::string_view k, std::string_view v);
    void value(std::string_view k, const core::Value &v);
    void longArray(std::string_view k, const std::vector<std::int64_t> &values);
    void uuidArray(std::string_view k, const std::vector<core::Uuid> &values);
    pn_data_t *d() const { return m_d.get(); }
    /** The encoded map. */
    std::string finish();

private:
    DataPtr m_d;
};

/** Reads a decoded map with string or symbol keys. Each getter starts from the root. */
class MapReader
{
public:
    /** Decodes `encoded` (an AMQP map); an empty or non-map input reads as an empty map. */
    explicit MapReader(std::string_view encoded);

    bool valid() const { return m_valid; }
    /** Leaves the cursor on the value of `key` (false if absent). */
    bool seek(std::string_view key) const;
    pn_data_t *d() const { return m_d.get(); }

    std::optional<std::int64_t> integer(std::string_view key) const;
    std::optional<std::string> string(std::string_view key) const;
    std::optional<std::string> binary(std::string_view key) const;
    bool isNull(std::string_view key) const;
    /** Calls `f` with the cursor on each element of the list or array under `key`. */
    void forEach(std::string_view key, const std::function<void(pn_data_t *)> &f) const;

private:
    DataPtr m_d;
    bool m_valid = false;
};

/** Text of a string or symbol node. */
std::optional<std::string> textAt(pn_data_t *d);
/** Any integer (or timestamp) node as int64; a double only when it holds an exact integer in range
    (rhea sends large JS numbers as doubles). Shared by the client and the emulator's $management node. */
std::optional<std::int64_t> integerAt(pn_data_t *d);
/** Positions the cursor on the value of `key` inside the map at the cursor (enters it). */
bool seekInMap(pn_data_t *d, std::string_view key);

} // namespace busyard::client::amqpdata
