#include "sqleditor.h"

#include "sqllexer.h"

#include "core/sql/tokenizer.h"

#include <Qsci/qsciscintilla.h>

#include <QtCore/QEvent>
#include <QtCore/QTimer>
#include <QtGui/QFontDatabase>
#include <QtGui/QKeyEvent>
#include <QtGui/QResizeEvent>
#include <QtWidgets/QLabel>
#include <QtWidgets/QVBoxLayout>

#include <string>

namespace busyard::widgets {

namespace sql = core::sql;

namespace {

QString quoteToken(std::string_view text)
{
    QString s = QString::fromUtf8(text.data(), qsizetype(text.size()));
    if (s.size() > 24)
        s = s.left(23) + QChar(0x2026);
    return QLatin1Char('\'') + s + QLatin1Char('\'');
}

/** Keeps Tab/Backtab for moving between fields, as line edits do in a form. */
class TabFocusFilter : public QObject
{
public:
    using QObject::QObject;

protected:
    bool eventFilter(QObject *watched, QEvent *event) override
    {
        if (event->type() == QEvent::KeyPress) {
            const auto *key = static_cast<QKeyEvent *>(event);
            if ((key->key() == Qt::Key_Tab || key->key() == Qt::Key_Backtab)
                && !(key->modifiers() & (Qt::ControlModifier | Qt::AltModifier))) {
                auto *w = static_cast<QWidget *>(watched);
                QWidget *target = key->key() == Qt::Key_Tab ? w->nextInFocusChain() : w->previousInFocusChain();
                // Skip the editor's own scroll bars and viewport.
                while (target && target != w && (w->isAncestorOf(target) || !(target->focusPolicy() & Qt::TabFocus)
                                                 || !target->isVisibleTo(w->window()) || !target->isEnabled()))
                    target = key->key() == Qt::Key_Tab ? target->nextInFocusChain() : target->previousInFocusChain();
                if (target && target != w)
                    target->setFocus(key->key() == Qt::Key_Tab ? Qt::TabFocusReason : Qt::BacktabFocusReason);
                return true;
            }
        }
        return QObject::eventFilter(watched, event);
    }
};

} // namespace

QString describeSqlDiagnostic(const sql::Diagnostic &diagnostic, std::string_view utf8Text)
{
    QString detail = QString::fromStdString(diagnostic.message);
    static const QString syntaxPrefix = QStringLiteral("syntax error, ");
    static const QString unexpectedPrefix = QStringLiteral("syntax error, unexpected ");
    if (detail.startsWith(unexpectedPrefix)) {
        // Bison's "syntax error, unexpected AND, expecting IDENTIFIER, ..." said with the offending
        // text and what came before it: "unexpected 'AND' after '='; expected a name, ...".
        QString expected;
        if (const int at = detail.indexOf(QStringLiteral(", expecting ")); at >= 0)
            expected = detail.mid(at + 12).replace(QStringLiteral("IDENTIFIER"), QObject::tr("a name"));
        const std::vector<sql::Token> tokens = sql::tokenize(utf8Text);
        const sql::Token *current = nullptr;
        const sql::Token *previous = nullptr;
        for (const sql::Token &t : tokens) {
            if (t.offset >= diagnostic.offset || t.kind == sql::TokenKind::End) {
                current = &t;
                break;
            }
            previous = &t;
        }
        const QString what = (!current || current->kind == sql::TokenKind::End)
            ? QObject::tr("end of text")
            : quoteToken(current->text(utf8Text));
        detail = QObject::tr("unexpected %1").arg(what);
        if (previous)
            detail += QObject::tr(" after %1").arg(quoteToken(previous->text(utf8Text)));
        if (!expected.isEmpty())
            detail += QObject::tr("; expected %1").arg(expected);
    } else if (detail.startsWith(syntaxPrefix)) {
        detail = detail.mid(syntaxPrefix.size());
    }
    return QObject::tr("Line %1, column %2: %3").arg(diagnostic.line).arg(diagnostic.column).arg(detail);
}

SqlEditor::SqlEditor(Mode mode, QWidget *parent)
    : QWidget(parent)
    , m_mode(mode)
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);

    m_edit = new QsciScintilla(this);
    m_edit->setObjectName(QStringLiteral("sqlText"));
    m_edit->setUtf8(true);
    m_lexer = new SqlLexer(m_edit);
    m_lexer->setBaseFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_lexer->applyPalette(palette(), isEnabled());
    m_edit->setLexer(m_lexer);
    m_edit->setWrapMode(QsciScintilla::WrapWord);
    for (int margin = 0; margin < 5; ++margin)
        m_edit->setMarginWidth(margin, 0);
    m_edit->SendScintilla(QsciScintillaBase::SCI_SETMARGINLEFT, 0, 4L);
    m_edit->SendScintilla(QsciScintillaBase::SCI_SETHSCROLLBAR, 0L);
    m_edit->setCaretForegroundColor(palette().color(QPalette::Text));
    m_edit->setSelectionBackgroundColor(palette().color(QPalette::Highlight));
    m_edit->setSelectionForegroundColor(palette().color(QPalette::HighlightedText));
    m_edit->indicatorDefine(QsciScintilla::SquiggleLowIndicator, ErrorIndicator);
    m_edit->setIndicatorForegroundColor(m_lexer->isDark() ? QColor(0xFF, 0x6B, 0x6B) : QColor(0xC6, 0x28, 0x28),
                                        ErrorIndicator);
    m_edit->installEventFilter(new TabFocusFilter(this));
    layout->addWidget(m_edit);
    setFocusProxy(m_edit);

    m_message = new QLabel(this);
    m_message->setObjectName(QStringLiteral("sqlMessage"));
    m_message->setWordWrap(true);
    m_message->setTextFormat(Qt::PlainText);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_message);

    m_timer = new QTimer(this);
    m_timer->setSingleShot(true);
    m_timer->setInterval(ValidationDelayMs);
    connect(m_timer, &QTimer::timeout, this, &SqlEditor::validate);
    connect(m_edit, &QsciScintilla::textChanged, this, &SqlEditor::onTextChanged);

    m_placeholder = mode == Mode::Filter ? tr("A filter, e.g. priority = 'high' AND sys.Label LIKE 'order%'")
                                         : tr("Statements, e.g. SET sys.Label = 'routed'; REMOVE temp");
    updateHeight();
    validate();
}

SqlEditor::~SqlEditor() = default;

void SqlEditor::setMode(Mode mode)
{
    if (mode == m_mode)
        return;
    m_mode = mode;
    validateNow();
}

QString SqlEditor::text() const
{
    return m_edit->text();
}

void SqlEditor::setText(const QString &text)
{
    m_edit->setText(text);
    validateNow();
}

bool SqlEditor::isValid() const
{
    if (m_timer->isActive())
        const_cast<SqlEditor *>(this)->validateNow();
    return m_valid;
}

QString SqlEditor::errorText() const
{
    if (m_timer->isActive())
        const_cast<SqlEditor *>(this)->validateNow();
    return m_errorText;
}

std::optional<sql::Diagnostic> SqlEditor::diagnostic() const
{
    if (m_timer->isActive())
        const_cast<SqlEditor *>(this)->validateNow();
    return m_diagnostic;
}

void SqlEditor::setPlaceholderText(const QString &text)
{
    m_placeholder = text;
    showState();
}

void SqlEditor::setReadOnly(bool readOnly)
{
    m_edit->setReadOnly(readOnly);
}

void SqlEditor::setVisibleLines(int lines)
{
    m_lines = std::max(1, lines);
    updateHeight();
}

void SqlEditor::validateNow()
{
    m_timer->stop();
    validate();
}

void SqlEditor::onTextChanged()
{
    m_timer->start();
    Q_EMIT textChanged();
}

void SqlEditor::validate()
{
    const bool wasValid = m_valid;
    const std::string text = m_edit->text().toStdString();
    m_empty = m_edit->text().trimmed().isEmpty();
    m_diagnostic.reset();
    m_errorText.clear();
    if (!m_empty) {
        // While editing, referenced @parameters need no values yet.
        sql::CompileOptions options;
        options.checkParameters = false;
        m_diagnostic = m_mode == Mode::Filter ? sql::checkFilter(text, {}, options) : sql::checkAction(text, {}, options);
        if (m_diagnostic)
            m_errorText = describeSqlDiagnostic(*m_diagnostic, text);
    }
    m_valid = !m_empty && !m_diagnostic;

    const long length = long(text.size());
    m_edit->SendScintilla(QsciScintillaBase::SCI_SETINDICATORCURRENT, ErrorIndicator);
    m_edit->SendScintilla(QsciScintillaBase::SCI_INDICATORCLEARRANGE, 0UL, length);
    if (m_diagnostic && length > 0) {
        long start = std::clamp<long>(m_diagnostic->offset, 0, length);
        long count = m_diagnostic->length;
        if (start >= length) {
            // At the end of the text ("a = 1 AND"): underline the last token, what the error follows.
            const std::vector<sql::Token> tokens = sql::tokenize(text);
            start = length - 1;
            count = 1;
            if (tokens.size() >= 2) {
                const sql::Token &last = tokens[tokens.size() - 2];
                start = last.offset;
                count = last.length;
            }
        }
        count = std::clamp<long>(count, 1, length - start);
        m_edit->SendScintilla(QsciScintillaBase::SCI_INDICATORFILLRANGE, static_cast<unsigned long>(start), count);
    }
    showState();
    Q_EMIT validated();
    if (wasValid != m_valid)
        Q_EMIT validityChanged(m_valid);
}

void SqlEditor::showState()
{
    QPalette p = m_message->palette();
    if (m_diagnostic) {
        m_message->setText(m_errorText);
        p.setColor(QPalette::WindowText, m_lexer->isDark() ? QColor(0xFF, 0x6B, 0x6B) : QColor(0xC6, 0x28, 0x28));
    } else if (m_empty) {
        m_message->setText(m_placeholder);
        p.setColor(QPalette::WindowText, palette().color(QPalette::PlaceholderText));
    } else {
        m_message->setText(m_mode == Mode::Filter ? tr("\u2713 Valid filter") : tr("\u2713 Valid action"));
        p.setColor(QPalette::WindowText, palette().color(QPalette::PlaceholderText));
    }
    m_message->setPalette(p);
    updateMessageHeight();
}

void SqlEditor::updateMessageHeight()
{
    // A fixed height for the width we really have: layouts (form rows, stacked pages) otherwise guess
    // a wrapped label's height for some other width and leave gaps or squeeze their neighbours.
    const QMargins margins = m_message->contentsMargins();
    const int w = std::max(50, width() - margins.left() - margins.right());
    const QRect text = m_message->fontMetrics().boundingRect(QRect(0, 0, w, 10000), Qt::TextWordWrap, m_message->text());
    m_message->setFixedHeight(std::max(text.height(), m_message->fontMetrics().height()) + margins.top()
                              + margins.bottom());
}

void SqlEditor::resizeEvent(QResizeEvent *event)
{
    QWidget::resizeEvent(event);
    updateMessageHeight();
}

void SqlEditor::updateHeight()
{
    const int lineHeight = int(m_edit->SendScintilla(QsciScintillaBase::SCI_TEXTHEIGHT, 0UL));
    const int frame = 2 * m_edit->frameWidth();
    m_edit->setFixedHeight(m_lines * std::max(lineHeight, fontMetrics().height()) + frame + 4);
}

void SqlEditor::changeEvent(QEvent *event)
{
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::EnabledChange) {
        m_lexer->applyPalette(palette(), isEnabled());
        m_edit->setCaretForegroundColor(palette().color(QPalette::Text));
        m_edit->setIndicatorForegroundColor(m_lexer->isDark() ? QColor(0xFF, 0x6B, 0x6B) : QColor(0xC6, 0x28, 0x28),
                                            ErrorIndicator);
        showState();
    } else if (event->type() == QEvent::FontChange) {
        updateHeight();
    }
    QWidget::changeEvent(event);
}

} // namespace busyard::widgets
