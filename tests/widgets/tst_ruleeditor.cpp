// SqlLexer, SqlEditor, RuleDialog (SQL editors + dry run) and RuleListView. The lexer and editor tests
// need no broker; the dialog and list tests run against one real busyard-emulator started for this test
// (sample topic 'events' with subscriptions 'all' and 'high-priority'). Offscreen, QTRY_* only.
// With BUSYARD_SCREENSHOT_DIR set, also saves rule-editor.png and rule-list.png there.
#include "widgets/emptystate.h"
#include "widgets/entitydialogs.h"
#include "widgets/rulelistview.h"
#include "widgets/sqleditor.h"
#include "widgets/sqllexer.h"

#include "core/client/namespaceconnection.h"
#include "resources/resources.h"

#include "../common/clienttest.h"

#include <Qsci/qsciscintilla.h>

#include <QtCore/QPointer>
#include <QtCore/QStandardPaths>
#include <QtGui/QAction>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>
#include <QtWidgets/QApplication>
#include <QtWidgets/QCheckBox>
#include <QtWidgets/QComboBox>
#include <QtWidgets/QDialogButtonBox>
#include <QtWidgets/QHeaderView>
#include <QtWidgets/QLabel>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QMessageBox>
#include <QtWidgets/QPlainTextEdit>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QTableWidget>

#include <functional>
#include <optional>

using namespace busyard;
using namespace std::chrono_literals;
using widgets::RuleDialog;
using widgets::RuleListView;
using widgets::SqlEditor;
using widgets::SqlLexer;
using Outcome = widgets::RuleDialog::DryRunOutcome;

namespace {

int styleAt(const SqlEditor &editor, int position)
{
    return int(editor.editor()->SendScintilla(QsciScintillaBase::SCI_GETSTYLEAT, static_cast<unsigned long>(position)));
}

bool errorIndicatorAt(const SqlEditor &editor, int position)
{
    return editor.editor()->SendScintilla(QsciScintillaBase::SCI_INDICATORVALUEAT,
                                          static_cast<unsigned long>(SqlEditor::ErrorIndicator), long(position))
        != 0;
}

/** Replaces the editor's text by typing, as a user would (so the debounced check runs). */
void retype(SqlEditor *editor, const QString &text)
{
    editor->editor()->selectAll();
    editor->editor()->removeSelectedText();
    QTest::keyClicks(editor->editor(), text);
}

QPushButton *okButton(QDialog *dialog)
{
    return dialog->findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok);
}

/** The After cell of the dry-run row named `property`; null QString when there is no such row. */
QString dryRunCell(RuleDialog &dialog, const QString &property, int column)
{
    QTableWidget *table = dialog.dryRunTable();
    for (int row = 0; row < table->rowCount(); ++row) {
        if (table->item(row, 0)->text() == property)
            return table->item(row, column)->text();
    }
    return QString();
}

} // namespace

class TestRuleEditor : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<testing::EmulatorProcess> m_emulator;
    std::unique_ptr<client::NamespaceConnection> m_connection;

    template<typename T>
    core::Result<T> await(const std::function<void(client::Callback<T>)> &call)
    {
        std::optional<core::Result<T>> out;
        call([&](core::Result<T> r) { out = std::move(r); });
        if (!QTest::qWaitFor([&] { return out.has_value(); }, 20000))
            return core::Error{core::ErrorCode::Timeout, "no answer"};
        return std::move(*out);
    }

    std::vector<core::broker::RuleDescription> rulesOf(const char *subscription)
    {
        auto r = await<std::vector<core::broker::RuleDescription>>(
            [&](auto cb) { m_connection->listRules("events", subscription, this, std::move(cb)); });
        return r ? r.value() : std::vector<core::broker::RuleDescription>{};
    }

    template<typename T>
    static T *waitForVisibleChild(QWidget &parent, const std::function<bool(T *)> &accept = {})
    {
        T *found = nullptr;
        [[maybe_unused]] const bool ok = QTest::qWaitFor(
            [&] {
                for (T *child : parent.findChildren<T *>()) {
                    if (child->isVisible() && (!accept || accept(child))) {
                        found = child;
                        return true;
                    }
                }
                return false;
            },
            5000);
        return found;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        resources::initialize();
        m_emulator = std::make_unique<testing::EmulatorProcess>();
        QVERIFY2(m_emulator->start(), "busyard-emulator did not start");
        m_connection = testing::connectTo(*m_emulator);
        QVERIFY(m_connection);
    }

    void cleanupTestCase()
    {
        m_connection.reset();
        m_emulator.reset(); // kills the process whatever happened
    }

    // ---- lexer -----------------------------------------------------------------------------------

    void lexerStylesTokens()
    {
        SqlEditor editor(SqlEditor::Mode::Filter);
        const QString text = QStringLiteral(
            "sys.Label = 'x' AND user.n > @p OR newid() IS NULL AND 2.5 <> [odd name] AND BETWEEN 'open");
        editor.setText(text);
        editor.lexer()->styleText(0, editor.editor()->length());
        const auto at = [&](const char *token, int nth = 0) {
            int from = 0;
            int i = -1;
            for (int n = 0; n <= nth; ++n) {
                i = text.indexOf(QLatin1String(token), from);
                from = i + 1;
            }
            return i; // ASCII text: character index == byte offset
        };
        QCOMPARE(styleAt(editor, at("sys")), int(SqlLexer::Scope));
        QCOMPARE(styleAt(editor, at(".")), int(SqlLexer::Scope));
        QCOMPARE(styleAt(editor, at("Label")), int(SqlLexer::Identifier));
        QCOMPARE(styleAt(editor, at(" = ")), int(SqlLexer::Default));
        QCOMPARE(styleAt(editor, at("=")), int(SqlLexer::Operator));
        QCOMPARE(styleAt(editor, at("'x'")), int(SqlLexer::String));
        QCOMPARE(styleAt(editor, at("'x'") + 2), int(SqlLexer::String));
        QCOMPARE(styleAt(editor, at("AND")), int(SqlLexer::Keyword));
        QCOMPARE(styleAt(editor, at("user")), int(SqlLexer::Scope));
        QCOMPARE(styleAt(editor, at("n >")), int(SqlLexer::Identifier));
        QCOMPARE(styleAt(editor, at(">")), int(SqlLexer::Operator));
        QCOMPARE(styleAt(editor, at("@p")), int(SqlLexer::Parameter));
        QCOMPARE(styleAt(editor, at("@p") + 1), int(SqlLexer::Parameter));
        QCOMPARE(styleAt(editor, at("OR")), int(SqlLexer::Keyword));
        QCOMPARE(styleAt(editor, at("newid")), int(SqlLexer::Function));
        QCOMPARE(styleAt(editor, at("()")), int(SqlLexer::Operator));
        QCOMPARE(styleAt(editor, at("IS")), int(SqlLexer::Keyword));
        QCOMPARE(styleAt(editor, at("NULL")), int(SqlLexer::Keyword));
        QCOMPARE(styleAt(editor, at("2.5")), int(SqlLexer::Number));
        QCOMPARE(styleAt(editor, at("<>")), int(SqlLexer::Operator));
        QCOMPARE(styleAt(editor, at("[odd name]") + 5), int(SqlLexer::Identifier));
        QCOMPARE(styleAt(editor, at("BETWEEN")), int(SqlLexer::ReservedWord));
        QCOMPARE(styleAt(editor, at("'open") + 3), int(SqlLexer::Error));

        // Two colour sets: the keyword colour follows the palette's lightness.
        SqlLexer lexer;
        QPalette light;
        light.setColor(QPalette::Base, Qt::white);
        light.setColor(QPalette::Text, Qt::black);
        lexer.applyPalette(light);
        QVERIFY(!lexer.isDark());
        const QColor lightKeyword = lexer.color(SqlLexer::Keyword);
        QCOMPARE(lexer.paper(SqlLexer::Default), QColor(Qt::white));
        QPalette dark;
        dark.setColor(QPalette::Base, QColor(0x1E, 0x1E, 0x1E));
        dark.setColor(QPalette::Text, QColor(0xE0, 0xE0, 0xE0));
        lexer.applyPalette(dark);
        QVERIFY(lexer.isDark());
        QVERIFY(lexer.color(SqlLexer::Keyword) != lightKeyword);
        QCOMPARE(lexer.color(SqlLexer::Default), QColor(0xE0, 0xE0, 0xE0));
        QVERIFY(lexer.color(SqlLexer::Keyword).lightness() > 128); // readable on the dark base
        QVERIFY(lightKeyword.lightness() < 128);
    }

    // ---- editor ----------------------------------------------------------------------------------

    void editorShowsErrorPositionAndClears()
    {
        SqlEditor editor(SqlEditor::Mode::Filter);
        editor.resize(500, 120);
        editor.show();
        QSignalSpy validated(&editor, &SqlEditor::validated);
        QSignalSpy validity(&editor, &SqlEditor::validityChanged);
        QTest::keyClicks(editor.editor(), QStringLiteral("a = AND 1"));
        // Debounced: one check after the typing stopped, not one per key.
        QCOMPARE(validated.count(), 0);
        QTRY_COMPARE(validated.count(), 1);
        QVERIFY(!editor.isValid());
        QVERIFY2(editor.errorText().startsWith(QStringLiteral("Line 1, column 5: unexpected 'AND' after '='; expected ")),
                 qPrintable(editor.errorText()));
        QVERIFY2(editor.errorText().contains(QStringLiteral("a literal, a parameter")), qPrintable(editor.errorText()));
        QCOMPARE(editor.messageLabel()->text(), editor.errorText());
        QVERIFY(editor.messageLabel()->isVisible());
        QCOMPARE(editor.diagnostic()->offset, 4);
        // The squiggle covers exactly "AND" (bytes 4..6).
        QVERIFY(!errorIndicatorAt(editor, 3));
        QVERIFY(errorIndicatorAt(editor, 4));
        QVERIFY(errorIndicatorAt(editor, 6));
        QVERIFY(!errorIndicatorAt(editor, 7));
        QCOMPARE(validity.count(), 0); // it was not valid before either

        retype(&editor, QStringLiteral("a = 1 AND"));
        QTRY_VERIFY(editor.errorText().startsWith(QStringLiteral("Line 1, column 10: unexpected end of text after 'AND'")));
        QVERIFY(errorIndicatorAt(editor, 6)); // at the end: the token the error follows
        QVERIFY(!errorIndicatorAt(editor, 4));

        retype(&editor, QStringLiteral("a = 1 AND b = 2"));
        QTRY_COMPARE(validity.count(), 1);
        QCOMPARE(validity.last().at(0).toBool(), true);
        QVERIFY(editor.isValid());
        QVERIFY(editor.errorText().isEmpty());
        QVERIFY(!editor.diagnostic());
        for (int i = 0; i < 15; ++i)
            QVERIFY(!errorIndicatorAt(editor, i));
        QVERIFY(editor.messageLabel()->text().contains(QStringLiteral("Valid filter")));

        // Empty text: not valid, but no error either (a hint instead).
        editor.setText(QString());
        QVERIFY(!editor.isValid());
        QVERIFY(editor.errorText().isEmpty());
        QCOMPARE(validity.count(), 2);
    }

    void editorChecksActionsInActionMode()
    {
        SqlEditor editor(SqlEditor::Mode::Action);
        editor.setText(QStringLiteral("SET sys.Label ="));
        QVERIFY(!editor.isValid());
        QVERIFY2(editor.errorText().contains(QStringLiteral("end of text after '='")), qPrintable(editor.errorText()));
        editor.setText(QStringLiteral("SET sys.Label = 'x'; REMOVE temp"));
        QVERIFY2(editor.isValid(), qPrintable(editor.errorText()));
        editor.setText(QStringLiteral("SET sys.SequenceNumber = 1"));
        QVERIFY(!editor.isValid()); // read-only system property (a compile error, not a syntax error)
        QVERIFY(editor.errorText().startsWith(QStringLiteral("Line 1, column 5:")));
        editor.setText(QStringLiteral("SET a = @missing"));
        QVERIFY(editor.isValid()); // parameters need no values while editing
        editor.setMode(SqlEditor::Mode::Filter);
        QVERIFY(!editor.isValid());
    }

    void composedMessagesHaveSqlTypes()
    {
        auto m = RuleDialog::composeMessage(
            QStringLiteral("sys.Label = 'order, paid', user.n = 7; tier = 'gold'\nsys.CorrelationId = 'c-1', ok = TRUE"));
        QVERIFY2(m, m ? "" : m.error().message.c_str());
        QCOMPARE(m->subject.value_or(""), std::string("order, paid"));
        QCOMPARE(m->correlationId, core::Value::string("c-1"));
        QCOMPARE(*m->applicationProperties.find("n"), core::Value::int64(7));
        QCOMPARE(*m->applicationProperties.find("tier"), core::Value::string("gold"));
        QCOMPARE(*m->applicationProperties.find("ok"), core::Value::boolean(true));
        QVERIFY(RuleDialog::composeMessage(QString())->applicationProperties.empty());
        const auto bad = RuleDialog::composeMessage(QStringLiteral("n 7"));
        QVERIFY(!bad);
        QVERIFY(QString::fromStdString(bad.error().message).contains(QStringLiteral("n 7")));
    }

    // ---- rule list + dialog against the emulator ---------------------------------------------------

    void ruleEditWithASyntaxErrorIsShown()
    {
        RuleListView view(m_connection.get(), QStringLiteral("events"), QStringLiteral("all"), false);
        view.resize(900, 360);
        view.show();
        QTRY_VERIFY_WITH_TIMEOUT(!view.isLoading(), 20000);
        QCOMPARE(view.table()->rowCount(), 1); // $Default
        QCOMPARE(view.table()->item(0, RuleListView::KindColumn)->text(), QStringLiteral("True"));
        QVERIFY(!view.editRuleAction()->isEnabled()); // nothing selected

        // Add: create an SQL rule with an action through the dialog.
        view.addRuleAction()->trigger();
        QPointer<RuleDialog> dialog = waitForVisibleChild<RuleDialog>(view);
        QVERIFY(dialog);
        QVERIFY(!dialog->isEditing());
        QTest::keyClicks(dialog->nameEdit(), QStringLiteral("routed"));
        QTest::keyClicks(dialog->sqlFilterEdit()->editor(), QStringLiteral("priority = 'high'"));
        QTest::mouseClick(dialog->actionCheck(), Qt::LeftButton);
        QVERIFY(dialog->actionEdit()->isEnabled());
        QTest::keyClicks(dialog->actionEdit()->editor(), QStringLiteral("SET sys.Label = 'routed'"));
        QTRY_VERIFY(dialog->actionEdit()->messageLabel()->text().contains(QStringLiteral("Valid action")));
        QVERIFY(okButton(dialog)->isEnabled());
        QTest::mouseClick(okButton(dialog), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(!dialog, 20000); // accepted and deleted on close
        QTRY_COMPARE_WITH_TIMEOUT(view.table()->rowCount(), 2, 20000);
        QVERIFY(view.selectRule(QStringLiteral("routed")));
        const int row = view.table()->currentRow();
        QCOMPARE(view.table()->item(row, RuleListView::KindColumn)->text(), QStringLiteral("SQL"));
        QCOMPARE(view.table()->item(row, RuleListView::FilterColumn)->text(), QStringLiteral("priority = 'high'"));
        QCOMPARE(view.table()->item(row, RuleListView::ActionColumn)->text(), QStringLiteral("SET sys.Label = 'routed'"));
        QCOMPARE(rulesOf("all").size(), std::size_t(2));

        // Edit (double-click) with a syntax error: the error is shown, OK is disabled, nothing is sent.
        QSignalSpy changed(&view, &RuleListView::rulesChanged);
        // The offscreen platform does not hand activation back when the dialog closes.
        view.activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(&view));
        QSignalSpy doubleClicked(view.table(), &QTableWidget::cellDoubleClicked);
        const QRect cell = view.table()->visualRect(view.table()->model()->index(row, RuleListView::FilterColumn));
        QTest::mouseClick(view.table()->viewport(), Qt::LeftButton, {}, cell.center());
        QTest::mouseDClick(view.table()->viewport(), Qt::LeftButton, {}, cell.center());
        QCOMPARE(doubleClicked.count(), 1);
        dialog = waitForVisibleChild<RuleDialog>(view);
        QVERIFY(dialog);
        QVERIFY(dialog->isEditing());
        QCOMPARE(dialog->sqlFilterEdit()->text(), QStringLiteral("priority = 'high'"));
        QCOMPARE(dialog->actionEdit()->text(), QStringLiteral("SET sys.Label = 'routed'"));
        QVERIFY(okButton(dialog)->isEnabled());
        retype(dialog->sqlFilterEdit(), QStringLiteral("priority = = 'x'"));
        QTRY_VERIFY(!okButton(dialog)->isEnabled());
        QLabel *message = dialog->sqlFilterEdit()->messageLabel();
        QVERIFY(message->isVisible());
        QVERIFY2(message->text().startsWith(QStringLiteral("Line 1, column 12: unexpected '=' after '='")),
                 qPrintable(message->text()));
        QVERIFY(errorIndicatorAt(*dialog->sqlFilterEdit(), 11));
        QVERIFY(!errorIndicatorAt(*dialog->sqlFilterEdit(), 10));
        QTRY_COMPARE(dialog->dryRunOutcome(), Outcome::None);
        QTest::mouseClick(okButton(dialog), Qt::LeftButton);
        QVERIFY(dialog->isVisible());
        QCOMPARE(std::get<core::broker::SqlFilter>(rulesOf("all").at(1).filter).expression, std::string("priority = 'high'"));

        // Fixed: OK again, saved.
        retype(dialog->sqlFilterEdit(), QStringLiteral("priority = 'low'"));
        QTRY_VERIFY(okButton(dialog)->isEnabled());
        QVERIFY(dialog->sqlFilterEdit()->errorText().isEmpty());
        QTest::mouseClick(okButton(dialog), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(!dialog, 20000);
        QTRY_COMPARE_WITH_TIMEOUT(view.table()->item(row, RuleListView::FilterColumn)->text(),
                                  QStringLiteral("priority = 'low'"), 20000);
        QCOMPARE(changed.count(), 1);
        auto saved = await<core::broker::RuleDescription>(
            [&](auto cb) { m_connection->getRule("events", "all", "routed", this, std::move(cb)); });
        QVERIFY(saved);
        QCOMPARE(std::get<core::broker::SqlFilter>(saved->filter).expression, std::string("priority = 'low'"));
        QCOMPARE(saved->action->expression, std::string("SET sys.Label = 'routed'"));

        // Delete, after a confirmation.
        QVERIFY(view.selectRule(QStringLiteral("routed")));
        QVERIFY(view.deleteRuleAction()->isEnabled());
        view.deleteRuleAction()->trigger();
        QPointer<QMessageBox> box = view.findChild<QMessageBox *>(QStringLiteral("deleteRuleConfirmation"));
        QVERIFY(box);
        QTRY_VERIFY(box->isVisible());
        QVERIFY(box->text().contains(QStringLiteral("routed")));
        QTest::mouseClick(box->button(QMessageBox::Yes), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(view.table()->rowCount(), 1, 20000);
        QCOMPARE(changed.count(), 2);
        QCOMPARE(rulesOf("all").size(), std::size_t(1));
        QCOMPARE(rulesOf("all").front().name, std::string("$Default"));
    }

    void ruleListShowsEmptyStateAndReadOnly()
    {
        QVERIFY(await<client::SubscriptionInfo>([&](auto cb) {
                    core::broker::SubscriptionDescription sub;
                    sub.topicName = "events";
                    sub.name = "ruleless";
                    m_connection->createSubscription(sub, this, std::move(cb));
                }).ok());
        QVERIFY(await<void>([&](auto cb) {
                    m_connection->deleteRule("events", "ruleless", "$Default", this, std::move(cb));
                }).ok());
        RuleListView view(m_connection.get(), QStringLiteral("events"), QStringLiteral("ruleless"), true);
        view.show();
        QTRY_VERIFY_WITH_TIMEOUT(!view.isLoading(), 20000);
        QVERIFY(view.emptyState()->isVisible());
        QVERIFY(!view.table()->isVisible());
        QVERIFY(!view.addRuleAction()->isVisible());
        QVERIFY(!view.deleteRuleAction()->isEnabled());

        RuleListView missing(m_connection.get(), QStringLiteral("events"), QStringLiteral("nope"), false);
        missing.show();
        QTRY_VERIFY_WITH_TIMEOUT(!missing.isLoading(), 20000);
        QVERIFY(missing.statusLabel()->isVisible());
        QVERIFY2(missing.statusLabel()->text().startsWith(QStringLiteral("Could not load the rules")),
                 qPrintable(missing.statusLabel()->text()));
    }

    // ---- dry run -----------------------------------------------------------------------------------

    void dryRunSqlRuleOnComposedMessages()
    {
        RuleDialog dialog(m_connection.get(), QStringLiteral("events"), QStringLiteral("all"), std::nullopt);
        dialog.show();
        QTest::keyClicks(dialog.nameEdit(), QStringLiteral("big"));
        dialog.sqlFilterEdit()->setText(QStringLiteral("priority = 'high' AND n > 5"));
        QTest::mouseClick(dialog.actionCheck(), Qt::LeftButton);
        dialog.actionEdit()->setText(QStringLiteral("SET sys.Label = 'big'; SET n = n * 2; REMOVE temp"));

        dialog.dryRunComposeEdit()->setText(QStringLiteral("user.priority = 'high', user.n = 7, temp = 1"));
        QTest::mouseClick(dialog.evaluateButton(), Qt::LeftButton);
        QCOMPARE(dialog.dryRunOutcome(), Outcome::Match);
        QVERIFY(dialog.actionCheck()->isChecked());
        QVERIFY2(dialog.dryRunResultLabel()->text().contains(QStringLiteral("Matches (filter is TRUE)")),
                 qPrintable(dialog.dryRunResultLabel()->text()));
        QCOMPARE(dryRunCell(dialog, QStringLiteral("user.n"), 1), QStringLiteral("7"));
        QCOMPARE(dryRunCell(dialog, QStringLiteral("user.n"), 2), QStringLiteral("14"));
        QCOMPARE(dryRunCell(dialog, QStringLiteral("sys.Label"), 1), QString());
        QCOMPARE(dryRunCell(dialog, QStringLiteral("sys.Label"), 2), QStringLiteral("'big'"));
        QCOMPARE(dryRunCell(dialog, QStringLiteral("user.temp"), 2), QStringLiteral("(removed)"));
        QCOMPARE(dryRunCell(dialog, QStringLiteral("user.RuleName"), 2), QStringLiteral("'big'"));
        QCOMPARE(dialog.dryRunTable()->horizontalHeaderItem(2)->text(), QStringLiteral("After"));

        // Live: editing the message re-evaluates without pressing Evaluate.
        dialog.dryRunComposeEdit()->clear();
        QTest::keyClicks(dialog.dryRunComposeEdit(), QStringLiteral("priority = 'low', n = 7"));
        QTRY_COMPARE(dialog.dryRunOutcome(), Outcome::NoMatch);
        QVERIFY(dialog.dryRunResultLabel()->text().contains(QStringLiteral("Does not match (FALSE)")));
        QCOMPARE(dialog.dryRunTable()->horizontalHeaderItem(2)->text(), QStringLiteral("After (not delivered)"));
        QCOMPARE(dryRunCell(dialog, QStringLiteral("user.n"), 2), QString());

        dialog.dryRunComposeEdit()->setText(QStringLiteral("n = 7"));
        dialog.evaluateDryRun();
        QCOMPARE(dialog.dryRunOutcome(), Outcome::Unknown);
        QVERIFY(dialog.dryRunResultLabel()->text().contains(QStringLiteral("Unknown (NULL) — no match")));

        dialog.dryRunComposeEdit()->setText(QStringLiteral("n 7"));
        dialog.evaluateDryRun();
        QCOMPARE(dialog.dryRunOutcome(), Outcome::None);
        QVERIFY(dialog.dryRunResultLabel()->text().startsWith(QStringLiteral("Message: ")));

        // Evaluation errors: in the filter, and in the action of a matching rule.
        dialog.dryRunComposeEdit()->setText(QStringLiteral("priority = 'high', n = 7"));
        retype(dialog.sqlFilterEdit(), QStringLiteral("n = 'seven'"));
        QTRY_COMPARE(dialog.dryRunOutcome(), Outcome::FilterError);
        QVERIFY2(dialog.dryRunResultLabel()->text().contains(QStringLiteral("cannot be applied")),
                 qPrintable(dialog.dryRunResultLabel()->text()));
        dialog.sqlFilterEdit()->setText(QStringLiteral("n = 7"));
        dialog.actionEdit()->setText(QStringLiteral("SET n = n / 0"));
        dialog.evaluateDryRun();
        QCOMPARE(dialog.dryRunOutcome(), Outcome::ActionError);
        QVERIFY(dialog.dryRunResultLabel()->text().contains(QStringLiteral("divide by zero")));

        // A filter with a syntax error is not evaluated.
        dialog.sqlFilterEdit()->setText(QStringLiteral("n = AND"));
        dialog.evaluateDryRun();
        QCOMPARE(dialog.dryRunOutcome(), Outcome::None);
        QVERIFY(!okButton(&dialog)->isEnabled());
    }

    void dryRunCorrelationRule()
    {
        RuleDialog dialog(m_connection.get(), QStringLiteral("events"), QStringLiteral("all"), std::nullopt);
        dialog.show();
        dialog.filterTypeCombo()->setCurrentIndex(RuleDialog::CorrelationFilterType);
        dialog.correlationEdit(QStringLiteral("Subject"))->setText(QStringLiteral("order"));
        dialog.correlationPropertiesEdit()->setPlainText(QStringLiteral("tier=gold"));

        dialog.dryRunComposeEdit()->setText(QStringLiteral("sys.Label = 'order', tier = 'gold'"));
        dialog.evaluateDryRun();
        QCOMPARE(dialog.dryRunOutcome(), Outcome::Match);
        QVERIFY(dialog.dryRunResultLabel()->text().contains(QStringLiteral("every correlation condition holds")));

        dialog.dryRunComposeEdit()->setText(QStringLiteral("sys.Label = 'order', tier = 'silver'"));
        dialog.evaluateDryRun();
        QCOMPARE(dialog.dryRunOutcome(), Outcome::NoMatch);
        QVERIFY2(dialog.dryRunResultLabel()->text().contains(QStringLiteral("user.tier is 'silver', not 'gold'")),
                 qPrintable(dialog.dryRunResultLabel()->text()));
        QVERIFY(!dialog.dryRunResultLabel()->text().contains(QStringLiteral("Subject")));

        // Correlation properties compare typed: a number is not the string '1'.
        dialog.correlationPropertiesEdit()->setPlainText(QStringLiteral("n=1"));
        dialog.dryRunComposeEdit()->setText(QStringLiteral("sys.Label = 'invoice', n = 1"));
        dialog.evaluateDryRun();
        QCOMPARE(dialog.dryRunOutcome(), Outcome::NoMatch);
        const QString text = dialog.dryRunResultLabel()->text();
        QVERIFY2(text.contains(QStringLiteral("Subject is 'invoice', not 'order'")), qPrintable(text));
        QVERIFY2(text.contains(QStringLiteral("user.n is 1 (long), not '1'")), qPrintable(text));

        dialog.filterTypeCombo()->setCurrentIndex(RuleDialog::FalseFilterType);
        dialog.evaluateDryRun();
        QCOMPARE(dialog.dryRunOutcome(), Outcome::NoMatch);
        dialog.filterTypeCombo()->setCurrentIndex(RuleDialog::TrueFilterType);
        dialog.evaluateDryRun();
        QCOMPARE(dialog.dryRunOutcome(), Outcome::Match);
    }

    void dryRunOnPeekedMessages()
    {
        core::Message high;
        high.messageId = core::Value::string("m-high");
        high.subject = "order.created";
        high.applicationProperties.set("priority", core::Value::string("high"));
        core::Message low = high;
        low.messageId = core::Value::string("m-low");
        low.applicationProperties.set("priority", core::Value::string("low"));
        QVERIFY(await<void>([&](auto cb) { m_connection->sendBatch("events", {high, low}, this, std::move(cb)); }).ok());

        // On 'high-priority' (which holds only m-high) the combo also offers the topic's other traffic,
        // each topic message once although 'all' and 'high-priority' both hold a copy of m-high.
        RuleDialog dialog(m_connection.get(), QStringLiteral("events"), QStringLiteral("high-priority"), std::nullopt);
        dialog.show();
        QTRY_COMPARE_WITH_TIMEOUT(dialog.peekedMessageCount(), 2, 20000);
        QComboBox *combo = dialog.dryRunMessageCombo();
        int highIndex = -1;
        int lowIndex = -1;
        for (int i = 1; i < combo->count(); ++i) {
            if (combo->itemText(i).contains(QStringLiteral("m-high")))
                highIndex = i;
            if (combo->itemText(i).contains(QStringLiteral("m-low")))
                lowIndex = i;
        }
        QVERIFY(highIndex > 0 && lowIndex > 0);
        QVERIFY2(combo->itemText(highIndex).startsWith(QStringLiteral("#")), qPrintable(combo->itemText(highIndex)));
        QVERIFY(combo->itemText(highIndex).endsWith(QStringLiteral("— m-high — order.created")));

        dialog.sqlFilterEdit()->setText(QStringLiteral("priority = 'high' AND sys.Label LIKE 'order%'"));
        combo->setCurrentIndex(highIndex);
        QVERIFY(!dialog.dryRunComposeEdit()->isEnabled());
        QCOMPARE(dialog.dryRunOutcome(), Outcome::Match);
        QCOMPARE(dryRunCell(dialog, QStringLiteral("sys.MessageId"), 1), QStringLiteral("'m-high'"));
        combo->setCurrentIndex(lowIndex);
        QCOMPARE(dialog.dryRunOutcome(), Outcome::NoMatch);
        combo->setCurrentIndex(0);
        QVERIFY(dialog.dryRunComposeEdit()->isEnabled());
    }

    void screenshots()
    {
        const QString dir = qEnvironmentVariable("BUSYARD_SCREENSHOT_DIR");
        if (dir.isEmpty())
            QSKIP("set BUSYARD_SCREENSHOT_DIR to write docs/screenshots");
        {
            std::vector<core::Message> traffic(3);
            for (std::size_t i = 0; i < traffic.size(); ++i) {
                traffic[i].messageId = core::Value::string("order-" + std::to_string(1041 + i));
                traffic[i].subject = i == 1 ? "order.paid" : "order.created";
                traffic[i].applicationProperties.set("priority", core::Value::string(i == 2 ? "low" : "high"));
                traffic[i].applicationProperties.set("amount", core::Value::int64(120 + 65 * std::int64_t(i)));
            }
            QVERIFY(await<void>([&](auto cb) { m_connection->sendBatch("events", traffic, this, std::move(cb)); }).ok());
            RuleDialog dialog(m_connection.get(), QStringLiteral("events"), QStringLiteral("all"), std::nullopt);
            dialog.show();
            QTest::keyClicks(dialog.nameEdit(), QStringLiteral("big-orders"));
            dialog.sqlFilterEdit()->setText(
                QStringLiteral("priority = 'high' AND sys.Label LIKE 'order%'\nAND amount > @minimum"));
            QTest::mouseClick(dialog.actionCheck(), Qt::LeftButton);
            dialog.actionEdit()->setText(QStringLiteral("SET sys.Label = 'order.big'; SET tier = 'gold';\nREMOVE draft"));
            QTRY_VERIFY_WITH_TIMEOUT(dialog.peekedMessageCount() > 0, 20000);
            dialog.dryRunMessageCombo()->setCurrentIndex(0);
            dialog.dryRunComposeEdit()->setText(
                QStringLiteral("sys.Label = 'order.created', priority = 'high', amount = 250, draft = TRUE"));
            dialog.sqlFilterEdit()->setText(QStringLiteral("priority = 'high' AND sys.Label LIKE 'order%'\nAND amount > 100"));
            dialog.evaluateDryRun();
            QCOMPARE(dialog.dryRunOutcome(), Outcome::Match);
            dialog.resize(680, dialog.minimumSizeHint().height());
            QTest::qWait(200); // layout settles before the grab (screenshot only)
            QVERIFY(dialog.grab().save(dir + QStringLiteral("/rule-editor.png")));

            retype(dialog.sqlFilterEdit(), QStringLiteral("priority = 'high' AND (amount > OR sys.Label = 'x')"));
            QTRY_VERIFY(!okButton(&dialog)->isEnabled());
            dialog.evaluateDryRun();
            QTest::qWait(200);
            QVERIFY(dialog.grab().save(dir + QStringLiteral("/rule-editor-error.png")));
        }
        {
            for (const auto &[name, filter, action] :
                 {std::tuple{"high", std::string("priority = 'high'"), std::string()},
                  std::tuple{"eu-orders", std::string("region IN ('eu-west', 'eu-north') AND sys.Label LIKE 'order%'"),
                             std::string("SET zone = 'eu'")}}) {
                core::broker::RuleDescription rule;
                rule.name = name;
                rule.filter = core::broker::SqlFilter{filter, {}};
                if (!action.empty())
                    rule.action = core::broker::SqlRuleAction{action, {}};
                auto created = await<core::broker::RuleDescription>(
                    [&](auto cb) { m_connection->createRule("events", "high-priority", rule, this, std::move(cb)); });
                QVERIFY(created || created.error().code == core::ErrorCode::EntityAlreadyExists);
            }
            core::broker::RuleDescription correlation;
            correlation.name = "vip-replies";
            core::broker::CorrelationFilter cf;
            cf.subject = "reply";
            cf.properties.set("tier", core::Value::string("vip"));
            correlation.filter = cf;
            (void)await<core::broker::RuleDescription>(
                [&](auto cb) { m_connection->createRule("events", "high-priority", correlation, this, std::move(cb)); });
            RuleListView view(m_connection.get(), QStringLiteral("events"), QStringLiteral("high-priority"), false);
            view.resize(960, 260);
            view.show();
            QTRY_VERIFY_WITH_TIMEOUT(!view.isLoading() && view.table()->rowCount() >= 3, 20000);
            view.selectRule(QStringLiteral("eu-orders"));
            QTest::qWait(200);
            QVERIFY(view.grab().save(dir + QStringLiteral("/rule-list.png")));
        }
    }
};

QTEST_MAIN(TestRuleEditor)
#include "tst_ruleeditor.moc"
