#pragma once

#include "core/message.h"

#include <QWidget>

class QLabel;
class QTableWidget;
class QSplitter;
class QsciScintilla;
class QsciLexer;

namespace busyard::widgets {

/**
 * The detail of one message: the body in a read-only QScintilla view — JSON and XML pretty-printed
 * with their lexers, other UTF-8 text as is, anything else (non-UTF-8 data, AMQP value/sequence
 * bodies) as a hex dump — and a table of system and application properties with their AMQP types.
 */
class MessageDetail : public QWidget
{
    Q_OBJECT

public:
    enum class BodyFormat { Empty, Text, Json, Xml, Binary };

    explicit MessageDetail(QWidget *parent = nullptr);
    ~MessageDetail() override;

    void setMessage(const core::Message &message);
    /** Shows `text` (e.g. "Loading…", an error) instead of a message. */
    void showPlaceholder(const QString &text);

    BodyFormat bodyFormat() const { return m_format; }
    /** The text the body view shows. */
    QString bodyText() const;
    QTableWidget *propertiesTable() const { return m_properties; }
    QsciScintilla *bodyView() const { return m_body; }
    QSplitter *splitter() const { return m_splitter; }

    /** Indented JSON, or a null QString when `bytes` is not a JSON object/array. */
    static QString prettyJson(const QByteArray &bytes);
    /** Re-indented XML, or a null QString when `bytes` is not well-formed XML. */
    static QString prettyXml(const QByteArray &bytes);
    /** "00000000  7b 22 ... |{"..|" lines of 16 bytes, at most `maxBytes` (then a "… N more bytes" line). */
    static QString hexDump(const QByteArray &bytes, qsizetype maxBytes = 64 * 1024);
    /** Picks the format from the content type and the bytes; `text` receives what to show. */
    static BodyFormat formatBody(const core::Message &message, QString *text);

private:
    void setLexer(BodyFormat format);

    QSplitter *m_splitter = nullptr;
    QLabel *m_header = nullptr;
    QsciScintilla *m_body = nullptr;
    QTableWidget *m_properties = nullptr;
    QsciLexer *m_lexer = nullptr;
    BodyFormat m_format = BodyFormat::Empty;
};

} // namespace busyard::widgets
