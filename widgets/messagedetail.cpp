#include "messagedetail.h"

#include <Qsci/qscilexerjson.h>
#include <Qsci/qscilexerxml.h>
#include <Qsci/qsciscintilla.h>

#include <QDateTime>
#include <QFontDatabase>
#include <QHeaderView>
#include <QJsonDocument>
#include <QLabel>
#include <QSplitter>
#include <QStringDecoder>
#include <QTableWidget>
#include <QVBoxLayout>
#include <QXmlStreamReader>
#include <QXmlStreamWriter>

namespace busyard::widgets {

namespace {

QString qs(const std::string &s) { return QString::fromStdString(s); }

QString timeText(core::TimePoint t)
{
    return QDateTime::fromMSecsSinceEpoch(core::toMillisSinceEpoch(t), Qt::UTC).toString(Qt::ISODateWithMs);
}

} // namespace

MessageDetail::MessageDetail(QWidget *parent)
    : QWidget(parent)
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    m_header = new QLabel(this);
    m_header->setObjectName(QStringLiteral("detailHeader"));
    m_header->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_header->setContentsMargins(4, 2, 4, 2);
    layout->addWidget(m_header);

    m_splitter = new QSplitter(Qt::Horizontal, this);
    m_splitter->setObjectName(QStringLiteral("detailSplitter"));
    m_body = new QsciScintilla(m_splitter);
    m_body->setObjectName(QStringLiteral("bodyView"));
    m_body->setReadOnly(true);
    m_body->setUtf8(true);
    m_body->setWrapMode(QsciScintilla::WrapNone);
    m_body->setMarginLineNumbers(0, true);
    m_body->setMarginWidth(0, QStringLiteral("00000"));
    m_body->setFolding(QsciScintilla::BoxedTreeFoldStyle);
    m_body->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));

    m_properties = new QTableWidget(0, 4, m_splitter);
    m_properties->setObjectName(QStringLiteral("propertiesTable"));
    m_properties->setHorizontalHeaderLabels({tr("Scope"), tr("Name"), tr("Type"), tr("Value")});
    m_properties->verticalHeader()->hide();
    m_properties->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_properties->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 6);
    m_properties->horizontalHeader()->setStretchLastSection(true);
    m_properties->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_properties->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_properties->setAlternatingRowColors(true);
    m_properties->setShowGrid(false);
    m_properties->setWordWrap(false);
    m_properties->setColumnWidth(0, 80);
    m_properties->setColumnWidth(1, 150);
    m_properties->setColumnWidth(2, 80);
    m_splitter->setStretchFactor(0, 3);
    m_splitter->setStretchFactor(1, 2);
    layout->addWidget(m_splitter, 1);
    showPlaceholder(tr("Select a message to see its body and properties."));
}

MessageDetail::~MessageDetail() = default;

QString MessageDetail::bodyText() const
{
    return m_body->text();
}

void MessageDetail::showPlaceholder(const QString &text)
{
    m_format = BodyFormat::Empty;
    setLexer(BodyFormat::Empty);
    m_header->setText(text);
    m_body->setText(QString());
    m_properties->setRowCount(0);
}

QString MessageDetail::prettyJson(const QByteArray &bytes)
{
    // QJsonDocument validates, but its objects sort their keys: re-indent the original text instead so
    // the body reads in the order it was sent.
    QJsonParseError error;
    if (QJsonDocument::fromJson(bytes, &error).isNull())
        return {};
    QByteArray out;
    out.reserve(bytes.size() * 2);
    int depth = 0;
    bool inString = false;
    const auto newline = [&](int level) {
        out += '\n';
        out += QByteArray(qsizetype(level) * 4, ' ');
    };
    for (qsizetype i = 0; i < bytes.size(); ++i) {
        const char c = bytes[i];
        if (inString) {
            out += c;
            if (c == '\\' && i + 1 < bytes.size())
                out += bytes[++i];
            else if (c == '"')
                inString = false;
            continue;
        }
        switch (c) {
        case '"': inString = true; out += c; break;
        case '{':
        case '[': {
            // Keep empty containers on one line.
            qsizetype j = i + 1;
            while (j < bytes.size() && QChar::isSpace(uchar(bytes[j])))
                ++j;
            if (j < bytes.size() && (bytes[j] == '}' || bytes[j] == ']')) {
                out += c;
                out += bytes[j];
                i = j;
                break;
            }
            out += c;
            newline(++depth);
            break;
        }
        case '}':
        case ']': newline(--depth); out += c; break;
        case ',': out += c; newline(depth); break;
        case ':': out += ": "; break;
        case ' ': case '\t': case '\n': case '\r': break;
        default: out += c;
        }
    }
    out += '\n';
    return QString::fromUtf8(out);
}

QString MessageDetail::prettyXml(const QByteArray &bytes)
{
    QXmlStreamReader reader(bytes);
    QString out;
    QXmlStreamWriter writer(&out);
    writer.setAutoFormatting(true);
    writer.setAutoFormattingIndent(2);
    bool sawElement = false;
    while (!reader.atEnd()) {
        reader.readNext();
        if (reader.hasError())
            return {};
        // Whitespace between elements is layout, which auto-formatting redoes.
        if (reader.isCharacters() && reader.isWhitespace())
            continue;
        if (reader.isStartElement())
            sawElement = true;
        writer.writeCurrentToken(reader);
    }
    if (!sawElement)
        return {};
    return out.trimmed() + QLatin1Char('\n');
}

QString MessageDetail::hexDump(const QByteArray &bytes, qsizetype maxBytes)
{
    QString out;
    const qsizetype n = std::min(bytes.size(), maxBytes);
    out.reserve(n / 16 * 80 + 80);
    static const char digits[] = "0123456789abcdef";
    for (qsizetype line = 0; line < n; line += 16) {
        out += QStringLiteral("%1  ").arg(line, 8, 16, QLatin1Char('0'));
        QString ascii;
        for (qsizetype i = line; i < line + 16; ++i) {
            if (i < n) {
                const auto b = std::uint8_t(bytes[i]);
                out += QLatin1Char(digits[b >> 4]);
                out += QLatin1Char(digits[b & 15]);
                out += QLatin1Char(' ');
                ascii += (b >= 0x20 && b < 0x7f) ? QLatin1Char(char(b)) : QLatin1Char('.');
            } else {
                out += QStringLiteral("   ");
            }
            if (i == line + 7)
                out += QLatin1Char(' ');
        }
        out += QStringLiteral(" |") + ascii + QStringLiteral("|\n");
    }
    if (bytes.size() > n)
        out += tr("… %1 more bytes\n").arg(bytes.size() - n);
    return out;
}

MessageDetail::BodyFormat MessageDetail::formatBody(const core::Message &message, QString *text)
{
    const QByteArray bytes(message.body.data(), qsizetype(message.body.size()));
    if (bytes.isEmpty()) {
        *text = QString();
        return BodyFormat::Empty;
    }
    if (message.bodyType != core::BodyType::Data) {
        *text = tr("AMQP %1 body (encoded):\n")
                    .arg(message.bodyType == core::BodyType::Value ? QStringLiteral("value") : QStringLiteral("sequence"))
                + hexDump(bytes);
        return BodyFormat::Binary;
    }
    const QString contentType = qs(message.contentType.value_or(std::string())).toLower();
    const QByteArray trimmed = bytes.trimmed();
    const bool looksJson = contentType.contains(QLatin1String("json")) || trimmed.startsWith('{') || trimmed.startsWith('[');
    const bool looksXml = contentType.contains(QLatin1String("xml")) || trimmed.startsWith('<');
    if (looksJson) {
        if (const QString pretty = prettyJson(bytes); !pretty.isNull()) {
            *text = pretty;
            return BodyFormat::Json;
        }
    }
    if (looksXml) {
        if (const QString pretty = prettyXml(bytes); !pretty.isNull()) {
            *text = pretty;
            return BodyFormat::Xml;
        }
    }
    QStringDecoder decoder(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
    QString decoded = decoder.decode(bytes);
    // NUL and most control bytes are valid UTF-8 but mean binary data.
    const bool controls = std::any_of(bytes.begin(), bytes.end(), [](char c) {
        const auto b = std::uint8_t(c);
        return b < 0x20 && b != '\n' && b != '\r' && b != '\t';
    });
    if (!decoder.hasError() && !controls) {
        *text = decoded;
        return BodyFormat::Text;
    }
    *text = hexDump(bytes);
    return BodyFormat::Binary;
}

void MessageDetail::setLexer(BodyFormat format)
{
    QsciLexer *lexer = nullptr;
    if (format == BodyFormat::Json)
        lexer = new QsciLexerJSON(m_body);
    else if (format == BodyFormat::Xml)
        lexer = new QsciLexerXML(m_body);
    if (lexer)
        lexer->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_body->setLexer(lexer);
    if (!lexer)
        m_body->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    delete m_lexer;
    m_lexer = lexer;
}

void MessageDetail::setMessage(const core::Message &m)
{
    QString text;
    m_format = formatBody(m, &text);
    setLexer(m_format);
    m_body->setText(text);

    static const char *formatNames[] = {"empty", "text", "JSON", "XML", "binary"};
    m_header->setText(tr("#%1 · %2 · %3 bytes · %4 body")
                          .arg(m.sequenceNumber)
                          .arg(qs(m.messageIdString()))
                          .arg(m.body.size())
                          .arg(QLatin1String(formatNames[int(m_format)])));

    struct Row { QString scope, name, type, value; };
    std::vector<Row> rows;
    const QString sys = tr("System");
    const auto add = [&](const char *name, const QString &type, const QString &value) {
        rows.push_back({sys, QLatin1String(name), type, value});
    };
    const auto addValue = [&](const char *name, const core::Value &v) {
        if (!v.isNull())
            add(name, QLatin1String(core::valueTypeName(v.type())), qs(v.toDisplayString()));
    };
    const auto addString = [&](const char *name, const std::optional<std::string> &v, const char *type = "string") {
        if (v)
            add(name, QLatin1String(type), qs(*v));
    };
    add("SequenceNumber", QStringLiteral("long"), QString::number(m.sequenceNumber));
    addValue("MessageId", m.messageId);
    addValue("CorrelationId", m.correlationId);
    addString("SessionId", m.sessionId);
    addString("ReplyToSessionId", m.replyToSessionId);
    addString("Subject", m.subject);
    addString("To", m.to);
    addString("ReplyTo", m.replyTo);
    addString("ContentType", m.contentType, "symbol");
    addString("ContentEncoding", m.contentEncoding, "symbol");
    addString("PartitionKey", m.partitionKey);
    addString("ViaPartitionKey", m.viaPartitionKey);
    add("EnqueuedTime", QStringLiteral("timestamp"), timeText(m.enqueuedTime));
    if (m.expiresAt != core::kMaxTime)
        add("ExpiresAt", QStringLiteral("timestamp"), timeText(m.expiresAt));
    if (m.timeToLive)
        add("TimeToLive", QStringLiteral("timespan"), QStringLiteral("%1 ms").arg(m.timeToLive->count()));
    if (m.scheduledEnqueueTime)
        add("ScheduledEnqueueTime", QStringLiteral("timestamp"), timeText(*m.scheduledEnqueueTime));
    if (m.lockedUntil != core::TimePoint{})
        add("LockedUntil", QStringLiteral("timestamp"), timeText(m.lockedUntil));
    if (!m.lockToken.isNull())
        add("LockToken", QStringLiteral("uuid"), qs(m.lockToken.toString()));
    add("DeliveryCount", QStringLiteral("uint"), QString::number(m.deliveryCount));
    add("State", QStringLiteral("int"), QLatin1String(core::messageStateName(m.state)));
    addString("DeadLetterSource", m.deadLetterSource);
    add("EnqueuedSequenceNumber", QStringLiteral("long"), QString::number(m.enqueuedSequenceNumber));
    add("Size", QStringLiteral("long"), QString::number(m.size()));
    add("Priority", QStringLiteral("ubyte"), QString::number(m.priority));
    add("Durable", QStringLiteral("boolean"), m.durable ? QStringLiteral("true") : QStringLiteral("false"));
    for (const auto &[name, v] : m.applicationProperties.entries())
        rows.push_back({tr("Application"), qs(name), QLatin1String(core::valueTypeName(v.type())), qs(v.toDisplayString())});
    for (const auto &[name, v] : m.annotations.entries())
        rows.push_back({tr("Annotation"), qs(name), QLatin1String(core::valueTypeName(v.type())), qs(v.toDisplayString())});

    m_properties->setRowCount(int(rows.size()));
    for (int r = 0; r < int(rows.size()); ++r) {
        const Row &row = rows[std::size_t(r)];
        int c = 0;
        for (const QString &cell : {row.scope, row.name, row.type, row.value}) {
            auto *item = new QTableWidgetItem(cell);
            item->setToolTip(cell);
            m_properties->setItem(r, c++, item);
        }
    }
}

} // namespace busyard::widgets
