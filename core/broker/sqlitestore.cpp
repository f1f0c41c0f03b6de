#include "sqlitestore.h"

#include "core/logging.h"

#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <cstring>
#include <map>

namespace busyard::core::broker {

namespace {

using nlohmann::json;

constexpr int kSchemaVersion = 1;
constexpr std::uint8_t kMessageFormat = 1;

// ---- binary encoding -----------------------------------------------------------------------------

class Writer
{
public:
    void u8(std::uint8_t v) { m_out.push_back(static_cast<char>(v)); }
    void i64(std::int64_t v)
    {
        char b[8];
        std::memcpy(b, &v, 8);
        m_out.append(b, 8);
    }
    void bytes(std::string_view s)
    {
        i64(static_cast<std::int64_t>(s.size()));
        m_out.append(s.data(), s.size());
    }
    void optString(const std::optional<std::string> &s)
    {
        u8(s ? 1 : 0);
        if (s)
            bytes(*s);
    }
    void value(const Value &v)
    {
        u8(static_cast<std::uint8_t>(v.type()));
        switch (v.type()) {
        case Value::Type::Null: break;
        case Value::Type::Float:
        case Value::Type::Double: {
            const double d = v.toDouble();
            std::int64_t bits;
            std::memcpy(&bits, &d, 8);
            i64(bits);
            break;
        }
        case Value::Type::DateTimeOffset:
            i64(v.toInt64());
            i64(v.offsetMinutes());
            break;
        case Value::Type::Decimal:
        case Value::Type::String:
        case Value::Type::Symbol:
        case Value::Type::Uuid:
        case Value::Type::Binary:
        case Value::Type::Uri:
        case Value::Type::Opaque:
            bytes(v.bytes());
            break;
        default:
            i64(v.toInt64());
            break;
        }
    }
    void properties(const PropertyMap &p)
    {
        i64(static_cast<std::int64_t>(p.size()));
        for (const auto &[k, v] : p.entries()) {
            bytes(k);
            value(v);
        }
    }
    std::string take() { return std::move(m_out); }

private:
    std::string m_out;
};

class Reader
{
public:
    explicit Reader(std::string_view in) : m_in(in) {}
    bool ok() const { return m_ok; }
    std::uint8_t u8()
    {
        if (m_pos + 1 > m_in.size())
            return fail(), 0;
        return static_cast<std::uint8_t>(m_in[m_pos++]);
    }
    std::int64_t i64()
    {
        if (m_pos + 8 > m_in.size())
            return fail(), 0;
        std::int64_t v;
        std::memcpy(&v, m_in.data() + m_pos, 8);
        m_pos += 8;
        return v;
    }
    std::string bytes()
    {
        const std::int64_t n = i64();
        if (!m_ok || n < 0 || static_cast<std::uint64_t>(n) > m_in.size() - m_pos)
            return fail(), std::string();
        std::string s(m_in.substr(m_pos, static_cast<std::size_t>(n)));
        m_pos += static_cast<std::size_t>(n);
        return s;
    }
    std::optional<std::string> optString()
    {
        if (u8())
            return bytes();
        return std::nullopt;
    }
    Value value()
    {
        const auto type = static_cast<Value::Type>(u8());
        switch (type) {
        case Value::Type::Null: return Value();
        case Value::Type::Bool: return Value::boolean(i64() != 0);
        case Value::Type::UByte: return Value::ubyte(static_cast<std::uint8_t>(i64()));
        case Value::Type::UShort: return Value::ushort(static_cast<std::uint16_t>(i64()));
        case Value::Type::UInt: return Value::uint(static_cast<std::uint32_t>(i64()));
        case Value::Type::ULong: return Value::ulong(static_cast<std::uint64_t>(i64()));
        case Value::Type::Byte: return Value::byte(static_cast<std::int8_t>(i64()));
        case Value::Type::Short: return Value::shortInt(static_cast<std::int16_t>(i64()));
        case Value::Type::Int: return Value::int32(static_cast<std::int32_t>(i64()));
        case Value::Type::Long: return Value::int64(i64());
        case Value::Type::Float:
        case Value::Type::Double: {
            const std::int64_t bits = i64();
            double d;
            std::memcpy(&d, &bits, 8);
            return type == Value::Type::Float ? Value::float32(static_cast<float>(d)) : Value::float64(d);
        }
        case Value::Type::Decimal: return Value::decimal(bytes());
        case Value::Type::Char: return Value::character(static_cast<char32_t>(i64()));
        case Value::Type::String: return Value::string(bytes());
        case Value::Type::Symbol: return Value::symbol(bytes());
        case Value::Type::Timestamp: return Value::timestamp(fromMillisSinceEpoch(i64()));
        case Value::Type::Uuid: {
            const std::string b = bytes();
            Uuid u;
            if (b.size() != 16)
                return fail(), Value();
            std::memcpy(u.bytes.data(), b.data(), 16);
            return Value::uuid(u);
        }
        case Value::Type::Binary: return Value::binary(bytes());
        case Value::Type::TimeSpan: return Value::timeSpanTicks(i64());
        case Value::Type::Uri: return Value::uri(bytes());
        case Value::Type::DateTimeOffset: {
            const std::int64_t ticks = i64();
            return Value::dateTimeOffset(ticks, static_cast<std::int16_t>(i64()));
        }
        case Value::Type::Opaque: return Value::opaque(bytes());
        }
        fail();
        return Value();
    }
    PropertyMap properties()
    {
        PropertyMap p;
        const std::int64_t n = i64();
        if (n < 0 || static_cast<std::uint64_t>(n) > m_in.size())
            return fail(), p;
        for (std::int64_t i = 0; i < n && m_ok; ++i) {
            std::string k = bytes();
            Value v = value();
            p.entries().emplace_back(std::move(k), std::move(v));
        }
        return p;
    }
    bool atEnd() const { return m_pos == m_in.size(); }

private:
    void fail() { m_ok = false; }
    std::string_view m_in;
    std::size_t m_pos = 0;
    bool m_ok = true;
};

std::string toHex(std::string_view s)
{
    static const char *digits = "0123456789abcdef";
    std::string out;
    out.reserve(s.size() * 2);
    for (unsigned char c : s) {
        out.push_back(digits[c >> 4]);
        out.push_back(digits[c & 15]);
    }
    return out;
}

std::string fromHex(std::string_view s)
{
    auto nibble = [](char c) -> int {
        if (c >= '0' && c <= '9')
            return c - '0';
        if (c >= 'a' && c <= 'f')
            return c - 'a' + 10;
        return -1;
    };
    std::string out;
    for (std::size_t i = 0; i + 1 < s.size(); i += 2) {
        const int hi = nibble(s[i]), lo = nibble(s[i + 1]);
        if (hi < 0 || lo < 0)
            throw std::runtime_error("bad hex");
        out.push_back(static_cast<char>(hi * 16 + lo));
    }
    return out;
}

json valueJson(const Value &v)
{
    Writer w;
    w.value(v);
    return toHex(w.take());
}

Value valueFromJson(const json &j)
{
    const std::string raw = fromHex(j.get<std::string>());
    Reader r(raw);
    Value v = r.value();
    if (!r.ok())
        throw std::runtime_error("bad value");
    return v;
}

json propertiesJson(const std::vector<std::pair<std::string, Value>> &entries)
{
    json a = json::array();
    for (const auto &[k, v] : entries)
        a.push_back(json::array({k, valueJson(v)}));
    return a;
}

std::vector<std::pair<std::string, Value>> propertiesFromJson(const json &a)
{
    std::vector<std::pair<std::string, Value>> out;
    for (const auto &e : a)
        out.emplace_back(e.at(0).get<std::string>(), valueFromJson(e.at(1)));
    return out;
}

std::int64_t ms(Duration d) { return d.count(); }
std::int64_t ms(TimePoint t) { return toMillisSinceEpoch(t); }

json queueJson(const QueueDescription &q)
{
    return json{{"name", q.name},
                {"lockDuration", ms(q.lockDuration)},
                {"maxSizeInMegabytes", q.maxSizeInMegabytes},
                {"maxMessageSizeInKilobytes", q.maxMessageSizeInKilobytes},
                {"requiresDuplicateDetection", q.requiresDuplicateDetection},
                {"duplicateDetectionHistoryTimeWindow", ms(q.duplicateDetectionHistoryTimeWindow)},
                {"requiresSession", q.requiresSession},
                {"defaultMessageTimeToLive", ms(q.defaultMessageTimeToLive)},
                {"deadLetteringOnMessageExpiration", q.deadLetteringOnMessageExpiration},
                {"maxDeliveryCount", q.maxDeliveryCount},
                {"enableBatchedOperations", q.enableBatchedOperations},
                {"autoDeleteOnIdle", ms(q.autoDeleteOnIdle)},
                {"forwardTo", q.forwardTo},
                {"forwardDeadLetteredMessagesTo", q.forwardDeadLetteredMessagesTo},
                {"enablePartitioning", q.enablePartitioning},
                {"enableExpress", q.enableExpress},
                {"status", entityStatusName(q.status)},
                {"userMetadata", q.userMetadata},
                {"createdAt", ms(q.createdAt)},
                {"updatedAt", ms(q.updatedAt)},
                {"accessedAt", ms(q.accessedAt)}};
}

EntityStatus statusFrom(const json &j)
{
    return entityStatusFromName(j.get<std::string>()).value_or(EntityStatus::Active);
}

QueueDescription queueFrom(const json &j)
{
    QueueDescription q;
    q.name = j.at("name");
    q.lockDuration = Duration(j.at("lockDuration").get<std::int64_t>());
    q.maxSizeInMegabytes = j.at("maxSizeInMegabytes");
    q.maxMessageSizeInKilobytes = j.at("maxMessageSizeInKilobytes");
    q.requiresDuplicateDetection = j.at("requiresDuplicateDetection");
    q.duplicateDetectionHistoryTimeWindow = Duration(j.at("duplicateDetectionHistoryTimeWindow").get<std::int64_t>());
    q.requiresSession = j.at("requiresSession");
    q.defaultMessageTimeToLive = Duration(j.at("defaultMessageTimeToLive").get<std::int64_t>());
    q.deadLetteringOnMessageExpiration = j.at("deadLetteringOnMessageExpiration");
    q.maxDeliveryCount = j.at("maxDeliveryCount");
    q.enableBatchedOperations = j.at("enableBatchedOperations");
    q.autoDeleteOnIdle = Duration(j.at("autoDeleteOnIdle").get<std::int64_t>());
    q.forwardTo = j.at("forwardTo");
    q.forwardDeadLetteredMessagesTo = j.at("forwardDeadLetteredMessagesTo");
    q.enablePartitioning = j.at("enablePartitioning");
    q.enableExpress = j.at("enableExpress");
    q.status = statusFrom(j.at("status"));
    q.userMetadata = j.at("userMetadata");
    q.createdAt = fromMillisSinceEpoch(j.at("createdAt"));
    q.updatedAt = fromMillisSinceEpoch(j.at("updatedAt"));
    q.accessedAt = fromMillisSinceEpoch(j.at("accessedAt"));
    return q;
}

json topicJson(const TopicDescription &t)
{
    return json{{"name", t.name},
                {"defaultMessageTimeToLive", ms(t.defaultMessageTimeToLive)},
                {"maxSizeInMegabytes", t.maxSizeInMegabytes},
                {"maxMessageSizeInKilobytes", t.maxMessageSizeInKilobytes},
                {"requiresDuplicateDetection", t.requiresDuplicateDetection},
                {"duplicateDetectionHistoryTimeWindow", ms(t.duplicateDetectionHistoryTimeWindow)},
                {"enableBatchedOperations", t.enableBatchedOperations},
                {"autoDeleteOnIdle", ms(t.autoDeleteOnIdle)},
                {"enablePartitioning", t.enablePartitioning},
                {"enableExpress", t.enableExpress},
                {"status", entityStatusName(t.status)},
                {"userMetadata", t.userMetadata},
                {"createdAt", ms(t.createdAt)},
                {"updatedAt", ms(t.updatedAt)},
                {"accessedAt", ms(t.accessedAt)}};
}

TopicDescription topicFrom(const json &j)
{
    TopicDescription t;
    t.name = j.at("name");
    t.defaultMessageTimeToLive = Duration(j.at("defaultMessageTimeToLive").get<std::int64_t>());
    t.maxSizeInMegabytes = j.at("maxSizeInMegabytes");
    t.maxMessageSizeInKilobytes = j.at("maxMessageSizeInKilobytes");
    t.requiresDuplicateDetection = j.at("requiresDuplicateDetection");
    t.duplicateDetectionHistoryTimeWindow = Duration(j.at("duplicateDetectionHistoryTimeWindow").get<std::int64_t>());
    t.enableBatchedOperations = j.at("enableBatchedOperations");
    t.autoDeleteOnIdle = Duration(j.at("autoDeleteOnIdle").get<std::int64_t>());
    t.enablePartitioning = j.at("enablePartitioning");
    t.enableExpress = j.at("enableExpress");
    t.status = statusFrom(j.at("status"));
    t.userMetadata = j.at("userMetadata");
    t.createdAt = fromMillisSinceEpoch(j.at("createdAt"));
    t.updatedAt = fromMillisSinceEpoch(j.at("updatedAt"));
    t.accessedAt = fromMillisSinceEpoch(j.at("accessedAt"));
    return t;
}

json subscriptionJson(const SubscriptionDescription &s)
{
    return json{{"topicName", s.topicName},
                {"name", s.name},
                {"lockDuration", ms(s.lockDuration)},
                {"requiresSession", s.requiresSession},
                {"defaultMessageTimeToLive", ms(s.defaultMessageTimeToLive)},
                {"deadLetteringOnMessageExpiration", s.deadLetteringOnMessageExpiration},
                {"deadLetteringOnFilterEvaluationExceptions", s.deadLetteringOnFilterEvaluationExceptions},
                {"maxDeliveryCount", s.maxDeliveryCount},
                {"enableBatchedOperations", s.enableBatchedOperations},
                {"autoDeleteOnIdle", ms(s.autoDeleteOnIdle)},
                {"forwardTo", s.forwardTo},
                {"forwardDeadLetteredMessagesTo", s.forwardDeadLetteredMessagesTo},
                {"status", entityStatusName(s.status)},
                {"userMetadata", s.userMetadata},
                {"createdAt", ms(s.createdAt)},
                {"updatedAt", ms(s.updatedAt)},
                {"accessedAt", ms(s.accessedAt)}};
}

SubscriptionDescription subscriptionFrom(const json &j)
{
    SubscriptionDescription s;
    s.topicName = j.at("topicName");
    s.name = j.at("name");
    s.lockDuration = Duration(j.at("lockDuration").get<std::int64_t>());
    s.requiresSession = j.at("requiresSession");
    s.defaultMessageTimeToLive = Duration(j.at("defaultMessageTimeToLive").get<std::int64_t>());
    s.deadLetteringOnMessageExpiration = j.at("deadLetteringOnMessageExpiration");
    s.deadLetteringOnFilterEvaluationExceptions = j.at("deadLetteringOnFilterEvaluationExceptions");
    s.maxDeliveryCount = j.at("maxDeliveryCount");
    s.enableBatchedOperations = j.at("enableBatchedOperations");
    s.autoDeleteOnIdle = Duration(j.at("autoDeleteOnIdle").get<std::int64_t>());
    s.forwardTo = j.at("forwardTo");
    s.forwardDeadLetteredMessagesTo = j.at("forwardDeadLetteredMessagesTo");
    s.status = statusFrom(j.at("status"));
    s.userMetadata = j.at("userMetadata");
    s.createdAt = fromMillisSinceEpoch(j.at("createdAt"));
    s.updatedAt = fromMillisSinceEpoch(j.at("updatedAt"));
    s.accessedAt = fromMillisSinceEpoch(j.at("accessedAt"));
    return s;
}

json optJson(const std::optional<std::string> &s)
{
    return s ? json(*s) : json(nullptr);
}

std::optional<std::string> optFrom(const json &j)
{
    return j.is_null() ? std::nullopt : std::optional<std::string>(j.get<std::string>());
}

json ruleJson(const RuleDescription &r)
{
    json j{{"name", r.name}, {"createdAt", ms(r.createdAt)}};
    if (const auto *sql = std::get_if<SqlFilter>(&r.filter)) {
        j["filter"] = {{"kind", "sql"}, {"expression", sql->expression}, {"parameters", propertiesJson(sql->parameters)}};
    } else if (const auto *c = std::get_if<CorrelationFilter>(&r.filter)) {
        j["filter"] = {{"kind", "correlation"},
                       {"correlationId", optJson(c->correlationId)},
                       {"messageId", optJson(c->messageId)},
                       {"to", optJson(c->to)},
                       {"replyTo", optJson(c->replyTo)},
                       {"subject", optJson(c->subject)},
                       {"sessionId", optJson(c->sessionId)},
                       {"replyToSessionId", optJson(c->replyToSessionId)},
                       {"contentType", optJson(c->contentType)},
                       {"properties", propertiesJson(c->properties.entries())}};
    } else if (std::holds_alternative<TrueFilter>(r.filter)) {
        j["filter"] = {{"kind", "true"}};
    } else {
        j["filter"] = {{"kind", "false"}};
    }
    if (r.action)
        j["action"] = {{"expression", r.action->expression}, {"parameters", propertiesJson(r.action->parameters)}};
    return j;
}

RuleDescription ruleFrom(const json &j)
{
    RuleDescription r;
    r.name = j.at("name");
    r.createdAt = fromMillisSinceEpoch(j.at("createdAt"));
    const json &f = j.at("filter");
    const std::string kind = f.at("kind");
    if (kind == "sql") {
        r.filter = SqlFilter{f.at("expression"), propertiesFromJson(f.at("parameters"))};
    } else if (kind == "correlation") {
        CorrelationFilter c;
        c.correlationId = optFrom(f.at("correlationId"));
        c.messageId = optFrom(f.at("messageId"));
        c.to = optFrom(f.at("to"));
        c.replyTo = optFrom(f.at("replyTo"));
        c.subject = optFrom(f.at("subject"));
        c.sessionId = optFrom(f.at("sessionId"));
        c.replyToSessionId = optFrom(f.at("replyToSessionId"));
        c.contentType = optFrom(f.at("contentType"));
        for (auto &[k, v] : propertiesFromJson(f.at("properties")))
            c.properties.entries().emplace_back(std::move(k), std::move(v));
        r.filter = std::move(c);
    } else if (kind == "true") {
        r.filter = TrueFilter{};
    } else if (kind == "false") {
        r.filter = FalseFilter{};
    } else {
        throw std::runtime_error("unknown filter kind '" + kind + "'");
    }
    if (j.contains("action"))
        r.action = SqlRuleAction{j["action"].at("expression"), propertiesFromJson(j["action"].at("parameters"))};
    return r;
}

enum EntityTable : int { TableQueue = 0, TableTopic = 1, TableSubscription = 2 };

} // namespace

// ================================================================================================

struct SqliteStore::Impl
{
    std::string path;
    Options options;
    sqlite3 *db = nullptr;
    std::map<std::string, sqlite3_stmt *> statements;
    bool inBatch = false;
    std::optional<Error> batchError;
    /** Message writes of the open batch, coalesced: a message stored and removed within one batch
     *  (send + complete in one group commit) costs one cheap DELETE instead of an INSERT of its body.
     *  Value: encoded message, or nullopt for a removal. */
    std::map<std::tuple<std::string, int, std::int64_t, std::int64_t>, std::optional<std::string>> pendingMessages;
    std::map<std::string, std::int64_t> pendingCounters;

    ~Impl()
    {
        for (auto &[sql, stmt] : statements)
            sqlite3_finalize(stmt);
        if (db)
            sqlite3_close(db);
    }

    Error error(const std::string &what) const
    {
        return makeError(ErrorCode::StoreError, "Store '" + path + "': " + what + ": "
                                                    + (db ? sqlite3_errmsg(db) : "cannot open") + ".");
    }

    Result<void> exec(const char *sql)
    {
        char *msg = nullptr;
        if (sqlite3_exec(db, sql, nullptr, nullptr, &msg) != SQLITE_OK) {
            std::string text = msg ? msg : "unknown error";
            sqlite3_free(msg);
            return makeError(ErrorCode::StoreError, "Store '" + path + "': " + text + ".");
        }
        return {};
    }

    sqlite3_stmt *prepare(const char *sql)
    {
        auto it = statements.find(sql);
        if (it != statements.end()) {
            sqlite3_reset(it->second);
            sqlite3_clear_bindings(it->second);
            return it->second;
        }
        sqlite3_stmt *stmt = nullptr;
        if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) != SQLITE_OK) {
            note(error("cannot prepare statement"));
            return nullptr;
        }
        statements.emplace(sql, stmt);
        return stmt;
    }

    void note(Error e)
    {
        if (!batchError)
            batchError = std::move(e);
    }

    /** Runs a mutation: binds via `bind`, steps once, records failures for commit(). */
    template<typename Bind>
    void run(const char *sql, Bind &&bind)
    {
        if (batchError)
            return;
        sqlite3_stmt *stmt = prepare(sql);
        if (!stmt)
            return;
        bind(stmt);
        const int rc = sqlite3_step(stmt);
        if (rc != SQLITE_DONE)
            note(error("write failed"));
        sqlite3_reset(stmt);
    }

    static void text(sqlite3_stmt *s, int i, const std::string &v)
    {
        sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    }
    static void blob(sqlite3_stmt *s, int i, const std::string &v)
    {
        sqlite3_bind_blob(s, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    }
    static std::string column(sqlite3_stmt *s, int i)
    {
        const void *p = sqlite3_column_blob(s, i);
        const int n = sqlite3_column_bytes(s, i);
        return p ? std::string(static_cast<const char *>(p), static_cast<std::size_t>(n)) : std::string();
    }

    void flushPending()
    {
        for (auto &[k, data] : pendingMessages) {
            // Named copies, not structured bindings: lambdas capture these (Clang < 16 cannot capture bindings).
            const auto &entity = std::get<0>(k);
            const auto subQueue = std::get<1>(k);
            const auto seq = std::get<2>(k);
            const auto copy = std::get<3>(k);
            const auto &blobData = data;
            auto bindKey = [&](sqlite3_stmt *s) {
                text(s, 1, entity);
                sqlite3_bind_int(s, 2, subQueue);
                sqlite3_bind_int64(s, 3, seq);
                sqlite3_bind_int64(s, 4, copy);
            };
            if (blobData) {
                run("INSERT OR REPLACE INTO messages(entity_key, sub_queue, seq, copy, data) VALUES(?1, ?2, ?3, ?4, ?5)",
                    [&](sqlite3_stmt *s) {
                        bindKey(s);
                        blob(s, 5, *blobData);
                    });
            } else {
                run("DELETE FROM messages WHERE entity_key = ?1 AND sub_queue = ?2 AND seq = ?3 AND copy = ?4", bindKey);
            }
        }
        pendingMessages.clear();
        for (const auto &counter : pendingCounters) {
            run("INSERT OR REPLACE INTO counters(entity_key, last) VALUES(?1, ?2)", [&](sqlite3_stmt *s) {
                text(s, 1, counter.first);
                sqlite3_bind_int64(s, 2, counter.second);
            });
        }
        pendingCounters.clear();
    }

    void putEntity(int table, const std::string &key, const std::string &data)
    {
        run("INSERT OR REPLACE INTO entities(kind, key, data) VALUES(?1, ?2, ?3)", [&](sqlite3_stmt *s) {
            sqlite3_bind_int(s, 1, table);
            text(s, 2, key);
            text(s, 3, data);
        });
    }

    void removeByEntity(const char *sql, const std::string &key)
    {
        flushPending();
        run(sql, [&](sqlite3_stmt *s) { text(s, 1, key); });
    }
};

SqliteStore::SqliteStore() : d(std::make_unique<Impl>()) {}
SqliteStore::~SqliteStore()
{
    if (d->inBatch)
        (void)d->exec("ROLLBACK");
}

const std::string &SqliteStore::path() const { return d->path; }

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const std::string &path, Options options)
{
    std::unique_ptr<SqliteStore> store(new SqliteStore());
    Impl &d = *store->d;
    d.path = path;
    d.options = options;
    if (sqlite3_open_v2(path.c_str(), &d.db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr)
        != SQLITE_OK)
        return d.error("cannot open the file");
    sqlite3_extended_result_codes(d.db, 1);
    sqlite3_busy_timeout(d.db, 5000);
    // The first statement that reads the file tells a foreign or corrupt file apart.
    if (auto r = d.exec("PRAGMA journal_mode=WAL"); !r)
        return r.error();
    if (auto r = d.exec(options.fullSync ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL"); !r)
        return r.error();
    sqlite3_stmt *stmt = nullptr;
    if (sqlite3_prepare_v2(d.db, "PRAGMA user_version", -1, &stmt, nullptr) != SQLITE_OK)
        return d.error("cannot read the schema version");
    int version = 0;
    if (sqlite3_step(stmt) == SQLITE_ROW)
        version = sqlite3_column_int(stmt, 0);
    sqlite3_finalize(stmt);
    if (version > kSchemaVersion)
        return makeError(ErrorCode::StoreError, "Store '" + path + "' has schema version " + std::to_string(version)
                                                    + ", newer than this build understands ("
                                                    + std::to_string(kSchemaVersion) + ").");
    if (version == 0) {
        auto r = d.exec(
            "BEGIN;"
            "CREATE TABLE IF NOT EXISTS entities(kind INTEGER NOT NULL, key TEXT NOT NULL, data TEXT NOT NULL,"
            " PRIMARY KEY(kind, key)) WITHOUT ROWID;"
            "CREATE TABLE IF NOT EXISTS rules(sub_key TEXT NOT NULL, rule_key TEXT NOT NULL, topic TEXT NOT NULL,"
            " subscription TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY(sub_key, rule_key)) WITHOUT ROWID;"
            "CREATE TABLE IF NOT EXISTS counters(entity_key TEXT PRIMARY KEY, last INTEGER NOT NULL) WITHOUT ROWID;"
            "CREATE TABLE IF NOT EXISTS messages(entity_key TEXT NOT NULL, sub_queue INTEGER NOT NULL,"
            " seq INTEGER NOT NULL, copy INTEGER NOT NULL, data BLOB NOT NULL,"
            " PRIMARY KEY(entity_key, sub_queue, seq, copy));" // rowid table: 1 KB rows do not suit WITHOUT ROWID
            "CREATE TABLE IF NOT EXISTS session_states(entity_key TEXT NOT NULL, session_id TEXT NOT NULL,"
            " state BLOB NOT NULL, updated INTEGER NOT NULL, PRIMARY KEY(entity_key, session_id)) WITHOUT ROWID;"
            "CREATE TABLE IF NOT EXISTS duplicate_ids(entity_key TEXT NOT NULL, id_key BLOB NOT NULL,"
            " first_seen INTEGER NOT NULL, PRIMARY KEY(entity_key, id_key)) WITHOUT ROWID;"
            "PRAGMA user_version=1;"
            "COMMIT;");
        if (!r) {
            (void)d.exec("ROLLBACK");
            return r.error();
        }
    }
    return store;
}

Result<StoreSnapshot> SqliteStore::load()
{
    StoreSnapshot s;
    // A quick structural check first: a damaged file must be reported, never half-loaded.
    {
        sqlite3_stmt *stmt = nullptr;
        if (sqlite3_prepare_v2(d->db, "PRAGMA quick_check", -1, &stmt, nullptr) != SQLITE_OK)
            return d->error("cannot check the file");
        std::string result;
        if (sqlite3_step(stmt) == SQLITE_ROW) {
            const unsigned char *t = sqlite3_column_text(stmt, 0);
            result = t ? reinterpret_cast<const char *>(t) : "";
        } else {
            result = sqlite3_errmsg(d->db);
        }
        sqlite3_finalize(stmt);
        if (const auto nl = result.find('\n'); nl != std::string::npos)
            result = result.substr(0, nl) + " ...";
        if (result != "ok")
            return makeError(ErrorCode::StoreError, "Store '" + d->path + "' is damaged: " + result + ".");
    }
    auto query = [&](const char *sql, auto &&row) -> Result<void> {
        sqlite3_stmt *stmt = nullptr;
        if (sqlite3_prepare_v2(d->db, sql, -1, &stmt, nullptr) != SQLITE_OK)
            return d->error("cannot read");
        int rc;
        try {
            while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
                row(stmt);
        } catch (const std::exception &e) {
            sqlite3_finalize(stmt);
            return makeError(ErrorCode::StoreError, "Store '" + d->path + "' holds a damaged record: " + e.what() + ".");
        }
        sqlite3_finalize(stmt);
        if (rc != SQLITE_DONE)
            return d->error("read failed");
        return {};
    };
    auto str = [](sqlite3_stmt *st, int i) {
        const unsigned char *t = sqlite3_column_text(st, i);
        return t ? std::string(reinterpret_cast<const char *>(t), static_cast<std::size_t>(sqlite3_column_bytes(st, i)))
                 : std::string();
    };
    if (auto r = query("SELECT kind, data FROM entities ORDER BY kind, key", [&](sqlite3_stmt *st) {
            const json j = json::parse(str(st, 1));
            switch (sqlite3_column_int(st, 0)) {
            case TableQueue: s.queues.push_back(queueFrom(j)); break;
            case TableTopic: s.topics.push_back(topicFrom(j)); break;
            case TableSubscription: s.subscriptions.push_back(subscriptionFrom(j)); break;
            default: throw std::runtime_error("unknown entity kind");
            }
        });
        !r)
        return r.error();
    if (auto r = query("SELECT topic, subscription, data FROM rules", [&](sqlite3_stmt *st) {
            s.rules.push_back(StoreSnapshot::Rule{str(st, 0), str(st, 1), ruleFrom(json::parse(str(st, 2)))});
        });
        !r)
        return r.error();
    if (auto r = query("SELECT entity_key, last FROM counters", [&](sqlite3_stmt *st) {
            s.sequenceCounters.emplace_back(str(st, 0), sqlite3_column_int64(st, 1));
        });
        !r)
        return r.error();
    if (auto r = query("SELECT entity_key, sub_queue, seq, copy, data FROM messages", [&](sqlite3_stmt *st) {
            auto m = decodeMessage(Impl::column(st, 4));
            if (!m)
                throw std::runtime_error(m.error().message);
            const int sq = sqlite3_column_int(st, 1);
            if (sq < 0 || sq > static_cast<int>(SubQueue::TransferDeadLetter))
                throw std::runtime_error("unknown sub-queue");
            s.messages.push_back(StoredMessageRecord{
                str(st, 0), static_cast<SubQueue>(sq),
                MessageKey{sqlite3_column_int64(st, 2), static_cast<std::uint32_t>(sqlite3_column_int64(st, 3))},
                std::move(*m)});
        });
        !r)
        return r.error();
    if (auto r = query("SELECT entity_key, session_id, state, updated FROM session_states", [&](sqlite3_stmt *st) {
            s.sessionStates.push_back(StoredSessionState{str(st, 0), str(st, 1), Impl::column(st, 2),
                                                         fromMillisSinceEpoch(sqlite3_column_int64(st, 3))});
        });
        !r)
        return r.error();
    if (auto r = query("SELECT entity_key, id_key, first_seen FROM duplicate_ids", [&](sqlite3_stmt *st) {
            s.duplicateIds.push_back(
                StoredDuplicateId{str(st, 0), Impl::column(st, 1), fromMillisSinceEpoch(sqlite3_column_int64(st, 2))});
        });
        !r)
        return r.error();
    return s;
}

void SqliteStore::beginBatch()
{
    d->batchError.reset();
    d->pendingMessages.clear();
    d->pendingCounters.clear();
    if (auto r = d->exec("BEGIN"); !r)
        d->note(r.error());
    d->inBatch = true;
}

Result<void> SqliteStore::commit()
{
    d->flushPending();
    d->inBatch = false;
    if (d->batchError) {
        (void)d->exec("ROLLBACK");
        Error e = *d->batchError;
        d->batchError.reset();
        return e;
    }
    if (auto r = d->exec("COMMIT"); !r) {
        (void)d->exec("ROLLBACK");
        return r.error();
    }
    return {};
}

void SqliteStore::putQueue(const QueueDescription &q) { d->putEntity(TableQueue, entityKey(q.name), queueJson(q).dump()); }
void SqliteStore::putTopic(const TopicDescription &t) { d->putEntity(TableTopic, entityKey(t.name), topicJson(t).dump()); }

void SqliteStore::putSubscription(const SubscriptionDescription &s)
{
    d->putEntity(TableSubscription, entityKey(s.topicName) + "/subscriptions/" + entityKey(s.name),
                 subscriptionJson(s).dump());
}

void SqliteStore::putRule(const std::string &topic, const std::string &subscription, const RuleDescription &rule)
{
    const std::string subKey = entityKey(topic) + "/subscriptions/" + entityKey(subscription);
    const std::string data = ruleJson(rule).dump();
    d->run("INSERT OR REPLACE INTO rules(sub_key, rule_key, topic, subscription, data) VALUES(?1, ?2, ?3, ?4, ?5)",
           [&](sqlite3_stmt *s) {
               Impl::text(s, 1, subKey);
               Impl::text(s, 2, entityKey(rule.name));
               Impl::text(s, 3, topic);
               Impl::text(s, 4, subscription);
               Impl::text(s, 5, data);
           });
}

void SqliteStore::removeQueue(const std::string &key)
{
    d->run("DELETE FROM entities WHERE kind = 0 AND key = ?1", [&](sqlite3_stmt *s) { Impl::text(s, 1, key); });
    d->removeByEntity("DELETE FROM messages WHERE entity_key = ?1", key);
    d->removeByEntity("DELETE FROM counters WHERE entity_key = ?1", key);
    d->removeByEntity("DELETE FROM session_states WHERE entity_key = ?1", key);
    d->removeByEntity("DELETE FROM duplicate_ids WHERE entity_key = ?1", key);
}

void SqliteStore::removeTopic(const std::string &key)
{
    const std::string prefix = key + "/subscriptions/";
    auto byPrefix = [&](const char *sql) {
        d->run(sql, [&](sqlite3_stmt *s) {
            Impl::text(s, 1, prefix);
            sqlite3_bind_int(s, 2, static_cast<int>(prefix.size()));
        });
    };
    d->flushPending();
    d->run("DELETE FROM entities WHERE kind = 1 AND key = ?1", [&](sqlite3_stmt *s) { Impl::text(s, 1, key); });
    byPrefix("DELETE FROM entities WHERE kind = 2 AND substr(key, 1, ?2) = ?1");
    byPrefix("DELETE FROM rules WHERE substr(sub_key, 1, ?2) = ?1");
    byPrefix("DELETE FROM messages WHERE substr(entity_key, 1, ?2) = ?1");
    byPrefix("DELETE FROM session_states WHERE substr(entity_key, 1, ?2) = ?1");
    d->removeByEntity("DELETE FROM messages WHERE entity_key = ?1", key);
    d->removeByEntity("DELETE FROM counters WHERE entity_key = ?1", key);
    d->removeByEntity("DELETE FROM duplicate_ids WHERE entity_key = ?1", key);
}

void SqliteStore::removeSubscription(const std::string &key)
{
    d->run("DELETE FROM entities WHERE kind = 2 AND key = ?1", [&](sqlite3_stmt *s) { Impl::text(s, 1, key); });
    d->removeByEntity("DELETE FROM rules WHERE sub_key = ?1", key);
    d->removeByEntity("DELETE FROM messages WHERE entity_key = ?1", key);
    d->removeByEntity("DELETE FROM session_states WHERE entity_key = ?1", key);
}

void SqliteStore::removeRule(const std::string &subscriptionKey, const std::string &ruleKey)
{
    d->run("DELETE FROM rules WHERE sub_key = ?1 AND rule_key = ?2", [&](sqlite3_stmt *s) {
        Impl::text(s, 1, subscriptionKey);
        Impl::text(s, 2, ruleKey);
    });
}

void SqliteStore::putSequenceCounter(const std::string &key, std::int64_t last)
{
    d->pendingCounters[key] = last;
}

void SqliteStore::putMessage(const std::string &key, SubQueue subQueue, MessageKey mk, const Message &message)
{
    d->pendingMessages[{key, static_cast<int>(subQueue), mk.sequenceNumber, mk.copy}] = encodeMessage(message);
}

void SqliteStore::removeMessage(const std::string &key, SubQueue subQueue, MessageKey mk)
{
    d->pendingMessages[{key, static_cast<int>(subQueue), mk.sequenceNumber, mk.copy}] = std::nullopt;
}

void SqliteStore::putSessionState(const std::string &key, const std::string &sessionId,
                                  const std::optional<std::string> &state, TimePoint updatedAt)
{
    if (!state) {
        d->run("DELETE FROM session_states WHERE entity_key = ?1 AND session_id = ?2", [&](sqlite3_stmt *s) {
            Impl::text(s, 1, key);
            Impl::text(s, 2, sessionId);
        });
        return;
    }
    d->run("INSERT OR REPLACE INTO session_states(entity_key, session_id, state, updated) VALUES(?1, ?2, ?3, ?4)",
           [&](sqlite3_stmt *s) {
               Impl::text(s, 1, key);
               Impl::text(s, 2, sessionId);
               Impl::blob(s, 3, *state);
               sqlite3_bind_int64(s, 4, toMillisSinceEpoch(updatedAt));
           });
}

void SqliteStore::putDuplicateId(const std::string &key, const std::string &idKey, TimePoint firstSeen)
{
    d->run("INSERT OR REPLACE INTO duplicate_ids(entity_key, id_key, first_seen) VALUES(?1, ?2, ?3)",
           [&](sqlite3_stmt *s) {
               Impl::text(s, 1, key);
               Impl::blob(s, 2, idKey);
               sqlite3_bind_int64(s, 3, toMillisSinceEpoch(firstSeen));
           });
}

void SqliteStore::pruneDuplicateIds(const std::string &key, TimePoint before)
{
    d->run("DELETE FROM duplicate_ids WHERE entity_key = ?1 AND first_seen < ?2", [&](sqlite3_stmt *s) {
        Impl::text(s, 1, key);
        sqlite3_bind_int64(s, 2, toMillisSinceEpoch(before));
    });
}

std::string SqliteStore::encodeMessage(const Message &m)
{
    Writer w;
    w.u8(kMessageFormat);
    w.value(m.messageId);
    w.value(m.correlationId);
    w.optString(m.sessionId);
    w.optString(m.replyToSessionId);
    w.optString(m.subject);
    w.optString(m.to);
    w.optString(m.replyTo);
    w.optString(m.contentType);
    w.optString(m.contentEncoding);
    w.optString(m.partitionKey);
    w.optString(m.viaPartitionKey);
    w.optString(m.deadLetterSource);
    w.u8(m.timeToLive ? 1 : 0);
    if (m.timeToLive)
        w.i64(m.timeToLive->count());
    w.u8(m.scheduledEnqueueTime ? 1 : 0);
    if (m.scheduledEnqueueTime)
        w.i64(toMillisSinceEpoch(*m.scheduledEnqueueTime));
    w.properties(m.applicationProperties);
    w.properties(m.annotations);
    w.u8(m.priority);
    w.u8(m.durable ? 1 : 0);
    w.u8(static_cast<std::uint8_t>(m.bodyType));
    w.bytes(m.body);
    w.i64(m.sequenceNumber);
    w.i64(m.enqueuedSequenceNumber);
    w.i64(toMillisSinceEpoch(m.enqueuedTime));
    w.i64(toMillisSinceEpoch(m.expiresAt));
    w.i64(m.deliveryCount);
    w.u8(static_cast<std::uint8_t>(m.state));
    return w.take();
}

Result<Message> SqliteStore::decodeMessage(std::string_view bytes)
{
    Reader r(bytes);
    if (r.u8() != kMessageFormat)
        return makeError(ErrorCode::StoreError, "unknown message record format");
    Message m;
    m.messageId = r.value();
    m.correlationId = r.value();
    m.sessionId = r.optString();
    m.replyToSessionId = r.optString();
    m.subject = r.optString();
    m.to = r.optString();
    m.replyTo = r.optString();
    m.contentType = r.optString();
    m.contentEncoding = r.optString();
    m.partitionKey = r.optString();
    m.viaPartitionKey = r.optString();
    m.deadLetterSource = r.optString();
    if (r.u8())
        m.timeToLive = Duration(r.i64());
    if (r.u8())
        m.scheduledEnqueueTime = fromMillisSinceEpoch(r.i64());
    m.applicationProperties = r.properties();
    m.annotations = r.properties();
    m.priority = r.u8();
    m.durable = r.u8() != 0;
    const std::uint8_t bodyType = r.u8();
    if (bodyType > static_cast<std::uint8_t>(BodyType::Sequence))
        return makeError(ErrorCode::StoreError, "damaged message record (body type)");
    m.bodyType = static_cast<BodyType>(bodyType);
    m.body = r.bytes();
    m.sequenceNumber = r.i64();
    m.enqueuedSequenceNumber = r.i64();
    m.enqueuedTime = fromMillisSinceEpoch(r.i64());
    m.expiresAt = fromMillisSinceEpoch(r.i64());
    m.deliveryCount = static_cast<std::uint32_t>(r.i64());
    const std::uint8_t state = r.u8();
    if (state > static_cast<std::uint8_t>(MessageState::Scheduled))
        return makeError(ErrorCode::StoreError, "damaged message record (state)");
    m.state = static_cast<MessageState>(state);
    if (!r.ok() || !r.atEnd())
        return makeError(ErrorCode::StoreError, "damaged message record");
    return m;
}

} // namespace busyard::core::broker
