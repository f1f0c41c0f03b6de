#include "sqllexer.h"

#include "core/sql/tokenizer.h"
#include "core/value.h"

#include <Qsci/qsciscintilla.h>

#include <QtGui/QFontDatabase>
#include <QtGui/QGuiApplication>
#include <QtGui/QPalette>

#include <string_view>

namespace busyard::widgets {

namespace sql = core::sql;

namespace {

bool isScopeName(std::string_view text)
{
    return core::equalsIgnoreCase(text, "sys") || core::equalsIgnoreCase(text, "user");
}

} // namespace

SqlLexer::SqlLexer(QObject *parent)
    : QsciLexerCustom(parent)
    , m_font(QFontDatabase::systemFont(QFontDatabase::FixedFont))
{
    applyPalette(QGuiApplication::palette());
}

const char *SqlLexer::language() const
{
    return "Service Bus SQL";
}

QString SqlLexer::description(int style) const
{
    switch (style) {
    case Default: return tr("Default");
    case Keyword: return tr("Keyword");
    case Function: return tr("Function");
    case Scope: return tr("Scope");
    case Identifier: return tr("Property name");
    case Parameter: return tr("Parameter");
    case String: return tr("String");
    case Number: return tr("Number");
    case Operator: return tr("Operator");
    case ReservedWord: return tr("Reserved word");
    case Error: return tr("Error");
    default: return QString(); // QScintilla asks until it gets an empty description
    }
}

void SqlLexer::styleText(int start, int end)
{
    Q_UNUSED(start);
    Q_UNUSED(end);
    QsciScintilla *ed = editor();
    if (!ed)
        return;
    const int length = ed->length();
    // The document's own buffer (UTF-8, as the tokenizer's byte offsets expect); no copy.
    const auto *chars = reinterpret_cast<const char *>(ed->SendScintilla(QsciScintillaBase::SCI_GETCHARACTERPOINTER));
    if (!chars && length > 0)
        return;
    const std::string_view text(chars ? chars : "", static_cast<std::size_t>(length));
    const std::vector<sql::Token> tokens = sql::tokenize(text);

    startStyling(0);
    int pos = 0;
    for (std::size_t i = 0; i < tokens.size(); ++i) {
        const sql::Token &t = tokens[i];
        if (t.kind == sql::TokenKind::End)
            break;
        if (t.offset > pos)
            setStyling(t.offset - pos, Default);
        const sql::Token &next = i + 1 < tokens.size() ? tokens[i + 1] : t;
        int style = Default;
        switch (sql::tokenCategory(t.kind)) {
        case sql::TokenCategory::Keyword: style = Keyword; break;
        case sql::TokenCategory::ReservedWord: style = ReservedWord; break;
        case sql::TokenCategory::String: style = String; break;
        case sql::TokenCategory::Number: style = Number; break;
        case sql::TokenCategory::Parameter: style = Parameter; break;
        case sql::TokenCategory::Operator: style = Operator; break;
        case sql::TokenCategory::Error: style = Error; break;
        case sql::TokenCategory::Identifier:
            style = Identifier;
            if (t.kind == sql::TokenKind::Identifier && next.kind == sql::TokenKind::LParen)
                style = Function;
            else if (t.kind == sql::TokenKind::Identifier && next.kind == sql::TokenKind::Dot
                     && isScopeName(t.text(text)))
                style = Scope;
            break;
        case sql::TokenCategory::Default: break;
        }
        // The dot of "sys." belongs to the scope.
        if (t.kind == sql::TokenKind::Dot && i > 0 && tokens[i - 1].kind == sql::TokenKind::Identifier
            && tokens[i - 1].offset + tokens[i - 1].length == t.offset && isScopeName(tokens[i - 1].text(text)))
            style = Scope;
        setStyling(t.length, style);
        pos = t.offset + t.length;
    }
    if (pos < length)
        setStyling(length - pos, Default);
}

QColor SqlLexer::colorFor(int style) const
{
    if (!m_enabled)
        return m_disabledText;
    // Two hand-picked sets; each keeps at least ~4.5:1 contrast on its background.
    switch (style) {
    case Keyword: return m_dark ? QColor(0x6C, 0xA6, 0xFF) : QColor(0x1F, 0x4F, 0xBF);
    case Function: return m_dark ? QColor(0xD1, 0x9A, 0xEF) : QColor(0x7A, 0x3E, 0x9D);
    case Scope: return m_dark ? QColor(0x9A, 0xA3, 0xAF) : QColor(0x6B, 0x72, 0x80);
    case Parameter: return m_dark ? QColor(0xF0, 0xA2, 0x4F) : QColor(0xA8, 0x4B, 0x00);
    case String: return m_dark ? QColor(0x7B, 0xD8, 0x8F) : QColor(0x0A, 0x7A, 0x3E);
    case Number: return m_dark ? QColor(0x5C, 0xCF, 0xE6) : QColor(0x0E, 0x74, 0x90);
    case Operator: return m_dark ? QColor(0xC8, 0xC8, 0xC8) : QColor(0x4B, 0x55, 0x63);
    case ReservedWord:
    case Error: return m_dark ? QColor(0xFF, 0x6B, 0x6B) : QColor(0xC6, 0x28, 0x28);
    default: return m_text;
    }
}

QColor SqlLexer::defaultColor(int style) const
{
    return colorFor(style);
}

QColor SqlLexer::defaultPaper(int style) const
{
    if (style == Error && m_enabled)
        return m_dark ? QColor(0x5A, 0x1E, 0x1E) : QColor(0xFD, 0xEC, 0xEC);
    return m_paper;
}

QFont SqlLexer::defaultFont(int style) const
{
    QFont f = m_font;
    if (style == Keyword)
        f.setBold(true);
    if (style == ReservedWord)
        f.setItalic(true);
    return f;
}

void SqlLexer::applyPalette(const QPalette &palette, bool enabled)
{
    m_paper = palette.color(enabled ? QPalette::Active : QPalette::Disabled, QPalette::Base);
    m_text = palette.color(QPalette::Active, QPalette::Text);
    m_disabledText = palette.color(QPalette::Disabled, QPalette::Text);
    m_dark = m_paper.lightness() < 128;
    m_enabled = enabled;
    setDefaultColor(m_text);
    setDefaultPaper(m_paper);
    setDefaultFont(m_font);
    for (int style = 0; style < StyleCount; ++style) {
        setColor(defaultColor(style), style);
        setPaper(defaultPaper(style), style);
        setFont(defaultFont(style), style);
    }
}

void SqlLexer::setBaseFont(const QFont &font)
{
    m_font = font;
    setDefaultFont(m_font);
    for (int style = 0; style < StyleCount; ++style)
        setFont(defaultFont(style), style);
}

} // namespace busyard::widgets
