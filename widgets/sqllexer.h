#pragma once

#include <Qsci/qscilexercustom.h>

#include <QtGui/QColor>
#include <QtGui/QFont>

class QPalette;

namespace busyard::widgets {

/**
 * QScintilla lexer for the Service Bus SQL filter and action language. Tokens come from
 * core::sql::tokenize, the same scanner the parser uses, so highlighting and compilation never
 * disagree about where a string ends or what is a keyword.
 *
 * The language is tiny (a filter is at most 1024 characters), so every styling request restyles the
 * whole document from the start: no per-line state, always correct across multi-line strings.
 *
 * Colours: two sets, one for light and one for dark palettes, chosen by applyPalette() from the
 * lightness of the palette's Base colour; default text and paper come from the palette itself.
 * Thread: GUI. Owned by its QsciScintilla (pass the editor as parent).
 */
class SqlLexer : public QsciLexerCustom
{
    Q_OBJECT

public:
    enum Style {
        Default = 0,  ///< whitespace and plain text
        Keyword,      ///< AND OR NOT IS NULL LIKE ESCAPE IN EXISTS SET REMOVE TRUE FALSE
        Function,     ///< newid(), property(...), p(...): a name followed by '('
        Scope,        ///< the "sys." / "user." prefix of a scoped name (scope and dot)
        Identifier,   ///< property names: regular, [delimited] or "quoted"
        Parameter,    ///< @name
        String,       ///< 'text'
        Number,       ///< 12, 1.5, 2e10
        Operator,     ///< = <> < <= > >= + - * / % ( ) , ; .
        ReservedWord, ///< BETWEEN, IF, ...: refused by the parser
        Error,        ///< unterminated literal, unrecognized character
        StyleCount
    };

    explicit SqlLexer(QObject *parent = nullptr);

    const char *language() const override;
    QString description(int style) const override;
    void styleText(int start, int end) override;

    QColor defaultColor(int style) const override;
    QColor defaultPaper(int style) const override;
    QFont defaultFont(int style) const override;

    /** Re-colours every style for `palette` (light or dark set); `enabled` false greys the text. */
    void applyPalette(const QPalette &palette, bool enabled = true);
    /** The monospace font all styles use (keywords in bold). */
    void setBaseFont(const QFont &font);

    bool isDark() const { return m_dark; }

private:
    QColor colorFor(int style) const;

    bool m_dark = false;
    bool m_enabled = true;
    QColor m_text;
    QColor m_paper;
    QColor m_disabledText;
    QFont m_font;
};

} // namespace busyard::widgets
