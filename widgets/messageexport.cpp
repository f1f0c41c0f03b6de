#include "messageexport.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QStringConverter>
#include <QStringList>

namespace busyard::widgets {

namespace {

using core::Value;
using T = core::Value::Type;

QString isoTime(core::TimePoint t)
{
    return QDateTime::fromMSecsSinceEpoch(core::toMillisSinceEpoch(t), Qt::UTC).toString(Qt::ISODateWithMs);
}

std::optional<core::TimePoint> parseIsoTime(const QString &text)
{
    QDateTime dt = QDateTime::fromString(text.trimmed(), Qt::ISODateWithMs);
    if (!dt.isValid())
        dt = QDateTime::fromString(text.trimmed(), Qt::ISODate);
    if (!dt.isValid())
        return std::nullopt;
    if (dt.timeSpec() == Qt::LocalTime)
        dt.setTimeSpec(Qt::UTC); // no offset given: UTC, as documented
    return core::fromMillisSinceEpoch(dt.toMSecsSinceEpoch());
}

QString qs(const std::string &s) { return QString::fromStdString(s); }
QString base64(const std::string &bytes)
{
    return QString::fromLatin1(QByteArray(bytes.data(), qsizetype(bytes.size())).toBase64());
}
std::string unbase64(const QJsonValue &v)
{
    const QByteArray b = QByteArray::fromBase64(v.toString().toLatin1());
    return std::string(b.constData(), std::size_t(b.size()));
}

const T kAllTypes[] = {T::Null,    T::Bool,   T::UByte,     T::UShort, T::UInt,   T::ULong,   T::Byte,
                       T::Short,   T::Int,    T::Long,      T::Float,  T::Double, T::Decimal, T::Char,
                       T::String,  T::Symbol, T::Timestamp, T::Uuid,   T::Binary, T::TimeSpan, T::Uri,
                       T::DateTimeOffset, T::Opaque};

QJsonObject typedToJson(const Value &v)
{
    QJsonObject o;
    o.insert(QStringLiteral("type"), QString::fromLatin1(core::valueTypeName(v.type())));
    QJsonValue value;
    switch (v.type()) {
    case T::Null: value = QJsonValue::Null; break;
    case T::Bool: value = v.toBool(); break;
    case T::UByte: case T::UShort: case T::UInt: value = double(v.toUInt64()); break;
    case T::Byte: case T::Short: case T::Int: value = double(v.toInt64()); break;
    case T::Float: case T::Double: value = v.toDouble(); break;
    case T::Long: case T::TimeSpan: value = QString::number(v.toInt64()); break;
    case T::ULong: value = QString::number(v.toUInt64()); break;
    case T::String: case T::Symbol: case T::Uri: value = qs(v.bytes()); break;
    case T::Char: {
        const char32_t c = char32_t(v.toUInt64());
        value = QString::fromUcs4(&c, 1);
    } break;
    case T::Timestamp: value = isoTime(v.toTimestamp()); break;
    case T::Uuid: value = qs(v.toUuid().toString()); break;
    case T::Binary: case T::Decimal: case T::Opaque: value = base64(v.bytes()); break;
    case T::DateTimeOffset: {
        QJsonObject d;
        d.insert(QStringLiteral("ticks"), QString::number(v.toInt64()));
        d.insert(QStringLiteral("offsetMinutes"), int(v.offsetMinutes()));
        value = d;
    } break;
    }
    o.insert(QStringLiteral("value"), value);
    return o;
}

core::Result<Value> typedFromJson(const QJsonObject &o)
{
    const QString type = o.value(QStringLiteral("type")).toString();
    const QJsonValue v = o.value(QStringLiteral("value"));
    std::optional<T> t;
    for (const T candidate : kAllTypes)
        if (type == QLatin1String(core::valueTypeName(candidate)))
            t = candidate;
    if (!t)
        return core::Error{core::ErrorCode::InvalidArgument, "unknown value type '" + type.toStdString() + "'"};
    bool ok = true;
    switch (*t) {
    case T::Null: return Value::null();
    case T::Bool: return Value::boolean(v.toBool());
    case T::UByte: return Value::ubyte(std::uint8_t(v.toInt()));
    case T::UShort: return Value::ushort(std::uint16_t(v.toInt()));
    case T::UInt: return Value::uint(std::uint32_t(v.toDouble()));
    case T::Byte: return Value::byte(std::int8_t(v.toInt()));
    case T::Short: return Value::shortInt(std::int16_t(v.toInt()));
    case T::Int: return Value::int32(v.toInt());
    case T::Float: return Value::float32(float(v.toDouble()));
    case T::Double: return Value::float64(v.toDouble());
    case T::Long: {
        const qint64 n = v.isString() ? v.toString().toLongLong(&ok) : qint64(v.toDouble());
        if (ok) return Value::int64(n);
        break;
    }
    case T::TimeSpan: {
        const qint64 n = v.isString() ? v.toString().toLongLong(&ok) : qint64(v.toDouble());
        if (ok) return Value::timeSpanTicks(n);
        break;
    }
    case T::ULong: {
        const quint64 n = v.isString() ? v.toString().toULongLong(&ok) : quint64(v.toDouble());
        if (ok) return Value::ulong(n);
        break;
    }
    case T::String: return Value::string(v.toString().toStdString());
    case T::Symbol: return Value::symbol(v.toString().toStdString());
    case T::Uri: return Value::uri(v.toString().toStdString());
    case T::Char: {
        const auto ucs4 = v.toString().toUcs4();
        if (ucs4.size() == 1) return Value::character(ucs4.front());
        break;
    }
    case T::Timestamp:
        if (const auto tp = parseIsoTime(v.toString())) return Value::timestamp(*tp);
        break;
    case T::Uuid:
        if (const auto u = core::Uuid::fromString(v.toString().toStdString())) return Value::uuid(*u);
        break;
    case T::Binary: return Value::binary(unbase64(v));
    case T::Decimal: return Value::decimal(unbase64(v));
    case T::Opaque: return Value::opaque(unbase64(v));
    case T::DateTimeOffset: {
        const QJsonObject d = v.toObject();
        const qint64 ticks = d.value(QStringLiteral("ticks")).toString().toLongLong(&ok);
        if (ok) return Value::dateTimeOffset(ticks, std::int16_t(d.value(QStringLiteral("offsetMinutes")).toInt()));
        break;
    }
    }
    return core::Error{core::ErrorCode::InvalidArgument, "bad " + type.toStdString() + " value"};
}

QJsonArray mapToJson(const core::PropertyMap &map)
{
    QJsonArray out;
    for (const auto &[name, value] : map.entries()) {
        QJsonObject o = typedToJson(value);
        o.insert(QStringLiteral("name"), qs(name));
        out.append(o);
    }
    return out;
}

bool isUtf8(const std::string &bytes)
{
    QStringDecoder decoder(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
    [[maybe_unused]] const QString text = decoder.decode(QByteArrayView(bytes.data(), qsizetype(bytes.size())));
    return !decoder.hasError();
}

const char *bodyTypeName(core::BodyType t)
{
    switch (t) {
    case core::BodyType::Data: return "data";
    case core::BodyType::Value: return "value";
    case core::BodyType::Sequence: return "sequence";
    }
    return "data";
}

} // namespace

QByteArray messagesToJson(const std::vector<core::Message> &messages)
{
    QJsonArray list;
    for (const auto &m : messages) {
        QJsonObject o;
        const bool text = m.bodyType == core::BodyType::Data && isUtf8(m.body);
        o.insert(QStringLiteral("body"), text ? qs(m.body) : base64(m.body));
        o.insert(QStringLiteral("bodyEncoding"), text ? QStringLiteral("text") : QStringLiteral("base64"));
        o.insert(QStringLiteral("bodyType"), QString::fromLatin1(bodyTypeName(m.bodyType)));
        const auto optional = [&](const char *key, const std::optional<std::string> &value) {
            if (value)
                o.insert(QLatin1String(key), qs(*value));
        };
        optional("contentType", m.contentType);
        optional("contentEncoding", m.contentEncoding);
        optional("sessionId", m.sessionId);
        optional("replyToSessionId", m.replyToSessionId);
        optional("subject", m.subject);
        optional("to", m.to);
        optional("replyTo", m.replyTo);
        optional("partitionKey", m.partitionKey);
        optional("viaPartitionKey", m.viaPartitionKey);
        optional("deadLetterSource", m.deadLetterSource);
        if (!m.messageId.isNull())
            o.insert(QStringLiteral("messageId"), typedToJson(m.messageId));
        if (!m.correlationId.isNull())
            o.insert(QStringLiteral("correlationId"), typedToJson(m.correlationId));
        if (m.timeToLive)
            o.insert(QStringLiteral("timeToLiveMs"), double(m.timeToLive->count()));
        if (m.scheduledEnqueueTime)
            o.insert(QStringLiteral("scheduledEnqueueTime"), isoTime(*m.scheduledEnqueueTime));
        o.insert(QStringLiteral("priority"), int(m.priority));
        o.insert(QStringLiteral("durable"), m.durable);
        o.insert(QStringLiteral("applicationProperties"), mapToJson(m.applicationProperties));
        if (!m.annotations.empty())
            o.insert(QStringLiteral("annotations"), mapToJson(m.annotations));
        if (m.sequenceNumber != 0) {
            o.insert(QStringLiteral("sequenceNumber"), QString::number(m.sequenceNumber));
            o.insert(QStringLiteral("enqueuedTime"), isoTime(m.enqueuedTime));
            o.insert(QStringLiteral("deliveryCount"), double(m.deliveryCount));
            o.insert(QStringLiteral("state"), QString::fromLatin1(core::messageStateName(m.state)));
        }
        list.append(o);
    }
    QJsonObject root;
    root.insert(QStringLiteral("format"), QStringLiteral("busyard.messages"));
    root.insert(QStringLiteral("version"), 1);
    root.insert(QStringLiteral("messages"), list);
    return QJsonDocument(root).toJson(QJsonDocument::Indented);
}

core::Result<std::vector<core::Message>> messagesFromJson(const QByteArray &json)
{
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &parseError);
    if (doc.isNull())
        return core::Error{core::ErrorCode::InvalidArgument,
                           "not JSON: " + parseError.errorString().toStdString() + " at offset "
                               + std::to_string(parseError.offset)};
    const QJsonObject root = doc.object();
    if (root.value(QStringLiteral("format")).toString() != QLatin1String("busyard.messages")
        || root.value(QStringLiteral("version")).toInt() != 1)
        return core::Error{core::ErrorCode::InvalidArgument, "not a busyard.messages version 1 file"};
    std::vector<core::Message> out;
    const QJsonArray list = root.value(QStringLiteral("messages")).toArray();
    for (qsizetype i = 0; i < list.size(); ++i) {
        const QJsonObject o = list.at(i).toObject();
        const auto fail = [i](const std::string &what) {
            return core::Error{core::ErrorCode::InvalidArgument, "message " + std::to_string(i) + ": " + what};
        };
        if (!o.contains(QStringLiteral("body")))
            return fail("no \"body\"");
        core::Message m;
        const QString encoding = o.value(QStringLiteral("bodyEncoding")).toString(QStringLiteral("text"));
        if (encoding == QLatin1String("base64"))
            m.body = unbase64(o.value(QStringLiteral("body")));
        else if (encoding == QLatin1String("text"))
            m.body = o.value(QStringLiteral("body")).toString().toStdString();
        else
            return fail("bodyEncoding must be text or base64");
        const QString bodyType = o.value(QStringLiteral("bodyType")).toString(QStringLiteral("data"));
        m.bodyType = bodyType == QLatin1String("value")      ? core::BodyType::Value
                     : bodyType == QLatin1String("sequence") ? core::BodyType::Sequence
                                                              : core::BodyType::Data;
        const auto optional = [&](const char *key, std::optional<std::string> &target) {
            if (o.contains(QLatin1String(key)))
                target = o.value(QLatin1String(key)).toString().toStdString();
        };
        optional("contentType", m.contentType);
        optional("contentEncoding", m.contentEncoding);
        optional("sessionId", m.sessionId);
        optional("replyToSessionId", m.replyToSessionId);
        optional("subject", m.subject);
        optional("to", m.to);
        optional("replyTo", m.replyTo);
        optional("partitionKey", m.partitionKey);
        optional("viaPartitionKey", m.viaPartitionKey);
        for (const auto &[key, target] : {std::pair{"messageId", &m.messageId}, std::pair{"correlationId", &m.correlationId}}) {
            if (!o.contains(QLatin1String(key)))
                continue;
            auto v = typedFromJson(o.value(QLatin1String(key)).toObject());
            if (!v)
                return fail(std::string(key) + ": " + v.error().message);
            *target = std::move(v.value());
        }
        if (o.contains(QStringLiteral("timeToLiveMs")))
            m.timeToLive = core::Duration(qint64(o.value(QStringLiteral("timeToLiveMs")).toDouble()));
        if (o.contains(QStringLiteral("scheduledEnqueueTime"))) {
            const auto t = parseIsoTime(o.value(QStringLiteral("scheduledEnqueueTime")).toString());
            if (!t)
                return fail("scheduledEnqueueTime is not an ISO-8601 time");
            m.scheduledEnqueueTime = *t;
        }
        m.priority = std::uint8_t(o.value(QStringLiteral("priority")).toInt(4));
        m.durable = o.value(QStringLiteral("durable")).toBool(true);
        for (const auto &[key, target] :
             {std::pair{"applicationProperties", &m.applicationProperties}, std::pair{"annotations", &m.annotations}}) {
            const QJsonArray props = o.value(QLatin1String(key)).toArray();
            for (const auto &p : props) {
                const QJsonObject po = p.toObject();
                const QString name = po.value(QStringLiteral("name")).toString();
                if (name.isEmpty())
                    return fail(std::string(key) + ": a property without \"name\"");
                auto v = typedFromJson(po);
                if (!v)
                    return fail(std::string(key) + "." + name.toStdString() + ": " + v.error().message);
                target->entries().emplace_back(name.toStdString(), std::move(v.value()));
            }
        }
        out.push_back(std::move(m));
    }
    return out;
}

QStringList editableValueTypes()
{
    return {QStringLiteral("string"), QStringLiteral("int"),       QStringLiteral("long"), QStringLiteral("double"),
            QStringLiteral("boolean"), QStringLiteral("timestamp"), QStringLiteral("uuid")};
}

core::Result<core::Value> parseTypedValue(const QString &typeName, const QString &text)
{
    const auto bad = [&](const char *what) {
        return core::Error{core::ErrorCode::InvalidArgument, what};
    };
    bool ok = false;
    const QString t = text.trimmed();
    if (typeName == QLatin1String("string"))
        return Value::string(text.toStdString());
    if (typeName == QLatin1String("int")) {
        const int v = t.toInt(&ok);
        return ok ? core::Result<Value>(Value::int32(v)) : core::Result<Value>(bad("not a 32-bit integer"));
    }
    if (typeName == QLatin1String("long")) {
        const qint64 v = t.toLongLong(&ok);
        return ok ? core::Result<Value>(Value::int64(v)) : core::Result<Value>(bad("not a 64-bit integer"));
    }
    if (typeName == QLatin1String("double")) {
        const double v = t.toDouble(&ok);
        return ok ? core::Result<Value>(Value::float64(v)) : core::Result<Value>(bad("not a number"));
    }
    if (typeName == QLatin1String("boolean") || typeName == QLatin1String("bool")) {
        if (t.compare(QLatin1String("true"), Qt::CaseInsensitive) == 0)
            return Value::boolean(true);
        if (t.compare(QLatin1String("false"), Qt::CaseInsensitive) == 0)
            return Value::boolean(false);
        return bad("not true or false");
    }
    if (typeName == QLatin1String("timestamp")) {
        if (const auto tp = parseIsoTime(t))
            return Value::timestamp(*tp);
        return bad("not an ISO-8601 time (2024-05-01T12:00:00Z)");
    }
    if (typeName == QLatin1String("uuid")) {
        if (const auto u = core::Uuid::fromString(t.toStdString()))
            return Value::uuid(*u);
        return bad("not a UUID");
    }
    return bad("unknown type");
}

QString valueEditText(const core::Value &value)
{
    switch (value.type()) {
    case T::Timestamp: return isoTime(value.toTimestamp());
    case T::Uuid: return qs(value.toUuid().toString());
    case T::Bool: return value.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    case T::Double: case T::Float: return QString::number(value.toDouble(), 'g', 17);
    default: return qs(value.toDisplayString());
    }
}

} // namespace busyard::widgets
