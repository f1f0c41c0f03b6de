#pragma once

#include "core/sql/filter.h"

#include <QtWidgets/QWidget>

#include <optional>

class QLabel;
class QTimer;
class QsciScintilla;

namespace busyard::widgets {

class SqlLexer;

/**
 * A compact, monospace editor for one Service Bus SQL filter or rule action (QScintilla with
 * SqlLexer) that checks the text as it is typed: ~150 ms after the last edit it compiles it with
 * core::sql (parameters not required), draws a squiggle under the token in error and shows below
 * what the parser expected ("Line 1, column 5: unexpected 'AND' after '='; expected a name, a
 * literal, a parameter, or '('"). Empty text is neither valid nor an error: a hint shows instead.
 *
 * Reused by the rule dialog and other SQL boxes (e.g. a replay transform). Thread: GUI.
 */
class SqlEditor : public QWidget
{
    Q_OBJECT

public:
    enum class Mode { Filter, Action };

    /** The QScintilla indicator number of the error squiggle. */
    static constexpr int ErrorIndicator = 8;
    /** Delay between the last edit and the check. */
    static constexpr int ValidationDelayMs = 150;

    explicit SqlEditor(Mode mode = Mode::Filter, QWidget *parent = nullptr);
    ~SqlEditor() override;

    Mode mode() const { return m_mode; }
    /** Switches language (filter expression or SET/REMOVE statements) and re-checks. */
    void setMode(Mode mode);

    QString text() const;
    /** Replaces the text and checks it at once (no debounce). */
    void setText(const QString &text);

    /**
     * Whether the text compiles in the current mode. A check still pending from the last edit runs
     * first, so the answer always matches the text. False for empty text.
     */
    bool isValid() const;
    /** "Line L, column C: ..." of the current error; empty when valid or empty. */
    QString errorText() const;
    /** The parser's diagnostic (byte offset and length in the UTF-8 text); nullopt when none. */
    std::optional<core::sql::Diagnostic> diagnostic() const;

    /** Shown under the editor while it is empty (the editor has no placeholder of its own). */
    void setPlaceholderText(const QString &text);
    void setReadOnly(bool readOnly);
    /** Height of the editing area in text lines (default 3 for filters, 3 for actions). */
    void setVisibleLines(int lines);

    QsciScintilla *editor() const { return m_edit; }
    SqlLexer *lexer() const { return m_lexer; }
    /** The line under the editor: hint, "valid" or the error. */
    QLabel *messageLabel() const { return m_message; }

    /** Runs the pending check now (tests, and callers that need the answer before the timer). */
    void validateNow();

Q_SIGNALS:
    void textChanged();
    /** After a check whose validity differs from the previous one's. */
    void validityChanged(bool valid);
    /** After every check (the error text or range may have changed without the validity changing). */
    void validated();

protected:
    void changeEvent(QEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;

private:
    void onTextChanged();
    void validate();
    void showState();
    void updateHeight();
    void updateMessageHeight();

    Mode m_mode;
    QsciScintilla *m_edit = nullptr;
    SqlLexer *m_lexer = nullptr;
    QLabel *m_message = nullptr;
    QTimer *m_timer = nullptr;
    QString m_placeholder;
    int m_lines = 3;
    bool m_valid = false;
    bool m_empty = true;
    std::optional<core::sql::Diagnostic> m_diagnostic;
    QString m_errorText;
};

/** "Line L, column C: <what the parser says, reworded for people>" for `diagnostic` of `utf8Text`. */
QString describeSqlDiagnostic(const core::sql::Diagnostic &diagnostic, std::string_view utf8Text);

} // namespace busyard::widgets
