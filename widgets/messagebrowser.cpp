#include "messagebrowser.h"

#include "countchart.h"
#include "deadletterdialog.h"
#include "messagedetail.h"
#include "messageexport.h"
#include "messagetable.h"
#include "purgeflow.h"
#include "replaydialog.h"
#include "routingpreview.h"
#include "senddialog.h"
#include "widgetaction.h"

#include "core/broker/address.h"
#include "core/client/namespaceconnection.h"
#include "core/sql/filter.h"
#include "models/countsampler.h"
#include "models/messagefilter.h"
#include "models/messagelistmodel.h"

#include <QAction>
#include <QFile>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QSaveFile>
#include <QSettings>
#include <QSpinBox>
#include <QSplitter>
#include <QToolBar>
#include <QVBoxLayout>

#include <algorithm>
#include <climits>
#include <set>

namespace busyard::widgets {

using namespace std::chrono_literals;

namespace {

const QString kSettingsGroup = QStringLiteral("messageBrowser");
constexpr int kScanBatch = 100;
constexpr int kMaxScanRounds = 100; ///< a peek-lock scan looks at most 10,000 messages deep

QString errorText(const core::Error &e) { return QString::fromStdString(e.message); }

/** Replaces "{count}" with "1 message" / "N messages". */
QString withCount(QString text, int n)
{
    return text.replace(QStringLiteral("{count}"), n == 1 ? QObject::tr("1 message") : QObject::tr("%1 messages").arg(n));
}

} // namespace

MessageBrowser::MessageBrowser(client::NamespaceConnection *connection, const QString &entityPath, bool readOnly,
                               QWidget *parent)
    : QWidget(parent)
    , m_connection(connection)
    , m_entityPath(entityPath)
    , m_readOnly(readOnly)
{
    Q_ASSERT(connection);
    setObjectName(QStringLiteral("messageBrowser"));
    m_model = new models::MessageListModel(connection, entityPath.toStdString(), this);
    buildActions();
    buildUi();
    connect(m_model, &models::MessageListModel::loadingChanged, this, &MessageBrowser::updateStatus);
    connect(m_model, &models::MessageListModel::errorOccurred, this, &MessageBrowser::showError);
    connect(m_model, &QAbstractItemModel::modelReset, this, &MessageBrowser::onCurrentRowChanged);
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &MessageBrowser::onCurrentRowChanged);
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this, &MessageBrowser::updateActions);
    restoreState();
    m_model->fetchMore();
    updateActions();
    updateStatus();
}

MessageBrowser::~MessageBrowser()
{
    saveState();
    if (m_filterJob)
        static_cast<models::MessageFilterJob *>(m_filterJob.data())->cancel();
}

void MessageBrowser::buildActions()
{
    const auto make = [this](const char *name, const QString &text, const QString &shortcut, const QString &tip) {
        return addWidgetAction(this, name, text, shortcut, tip);
    };
    m_refreshAction = make("refresh", tr("Refresh"), QStringLiteral("F5"), tr("Peek again from the first message"));
    m_sendAction = make("send", tr("Send…"), QStringLiteral("Ctrl+N"), tr("Compose and send a message"));
    m_resendAction = make("resend", tr("Resend…"), QStringLiteral("Ctrl+Shift+N"),
                          tr("Send a copy of the current message, with edits"));
    m_receiveLockAction = make("receiveLock", tr("Receive"), QStringLiteral("Ctrl+R"),
                               tr("Receive messages in peek-lock mode (count in the box); settle them afterwards"));
    m_completeAction = make("complete", tr("Complete"), QStringLiteral("Ctrl+Shift+C"),
                            tr("Complete the selected messages (removes them)"));
    m_abandonAction = make("abandon", tr("Abandon"), QStringLiteral("Ctrl+Shift+A"),
                           tr("Abandon the selected messages (delivery count + 1)"));
    m_deadLetterAction = make("deadLetter", tr("Dead-letter…"), QStringLiteral("Ctrl+Shift+D"),
                              tr("Move the selected messages to the dead-letter queue with a reason"));
    m_deferAction = make("defer", tr("Defer"), QStringLiteral("Ctrl+Shift+F"), tr("Defer the selected messages"));
    m_receiveDeleteAction = make("receiveDelete", tr("Delete…"), QStringLiteral("Shift+Del"),
                                 tr("Receive and delete the selected messages, or the next N when none is selected"));
    m_exportAction = make("export", tr("Export…"), QStringLiteral("Ctrl+E"), tr("Export the selected messages to JSON"));
    m_importAction = make("import", tr("Send from file…"), QStringLiteral("Ctrl+O"),
                          tr("Send the messages of an exported JSON file"));
    m_purgeAction = make("purge", tr("Purge…"), QString(),
                         tr("Receive and delete every message of this entity (in batches, cancellable)"));
    m_replayAction = make("replay", tr("Replay…"), QStringLiteral("Ctrl+Shift+R"),
                          tr("Send the selected (or all) dead letters back to their entity or another one, without loss"));
    m_moveAction = make("move", tr("Move…"), QStringLiteral("Ctrl+Shift+M"),
                        tr("Move the selected (or all) messages to another queue or topic, without loss"));
    m_routingAction = make("routingPreview", tr("Routing…"), QString(),
                           tr("Which subscriptions of the topic the selected messages reach, and why"));
    m_chartAction = make("countChart", tr("Chart"), QString(), tr("Show the entity's counts over time"));
    m_chartAction->setCheckable(true);
    m_applyFilterAction = make("applyFilter", tr("Filter"), QString(), tr("Filter the loaded messages (Return)"));
    m_clearFilterAction = make("clearFilter", tr("Clear"), QStringLiteral("Ctrl+Shift+L"), tr("Show all loaded messages"));

    connect(m_refreshAction, &QAction::triggered, this, &MessageBrowser::refresh);
    connect(m_sendAction, &QAction::triggered, this, &MessageBrowser::openSendDialog);
    connect(m_resendAction, &QAction::triggered, this, &MessageBrowser::onResend);
    connect(m_receiveLockAction, &QAction::triggered, this, &MessageBrowser::onReceiveLocked);
    connect(m_completeAction, &QAction::triggered, this, [this] { settleSelection(SettleKind::Complete); });
    connect(m_abandonAction, &QAction::triggered, this, [this] { settleSelection(SettleKind::Abandon); });
    connect(m_deferAction, &QAction::triggered, this, [this] { settleSelection(SettleKind::Defer); });
    connect(m_deadLetterAction, &QAction::triggered, this, &MessageBrowser::onDeadLetter);
    connect(m_receiveDeleteAction, &QAction::triggered, this, &MessageBrowser::onReceiveAndDelete);
    connect(m_exportAction, &QAction::triggered, this, &MessageBrowser::onExport);
    connect(m_importAction, &QAction::triggered, this, &MessageBrowser::onImport);
    connect(m_purgeAction, &QAction::triggered, this, &MessageBrowser::onPurge);
    connect(m_replayAction, &QAction::triggered, this, [this] { onReplay(false); });
    connect(m_moveAction, &QAction::triggered, this, [this] { onReplay(true); });
    connect(m_routingAction, &QAction::triggered, this, &MessageBrowser::onRoutingPreview);
    connect(m_chartAction, &QAction::toggled, this, &MessageBrowser::onChartToggled);
    connect(m_applyFilterAction, &QAction::triggered, this, &MessageBrowser::onApplyFilter);
    connect(m_clearFilterAction, &QAction::triggered, this, &MessageBrowser::onClearFilter);
}

void MessageBrowser::buildUi()
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);

    m_toolBar = new QToolBar(this);
    m_toolBar->setIconSize(QSize(16, 16));
    m_toolBar->setToolButtonStyle(Qt::ToolButtonTextOnly);
    m_toolBar->addAction(m_refreshAction);
    m_toolBar->addSeparator();
    m_toolBar->addAction(m_sendAction);
    m_toolBar->addAction(m_resendAction);
    m_toolBar->addSeparator();
    m_toolBar->addAction(m_receiveLockAction);
    m_count = new QSpinBox(m_toolBar);
    m_count->setObjectName(QStringLiteral("receiveCount"));
    m_count->setRange(1, 5000);
    m_count->setValue(10);
    m_count->setToolTip(tr("How many messages Receive (and Delete without a selection) take"));
    m_toolBar->addWidget(m_count);
    m_toolBar->addAction(m_completeAction);
    m_toolBar->addAction(m_abandonAction);
    m_toolBar->addAction(m_deadLetterAction);
    m_toolBar->addAction(m_deferAction);
    m_toolBar->addAction(m_receiveDeleteAction);
    m_toolBar->addAction(m_purgeAction);
    m_toolBar->addSeparator();
    m_toolBar->addAction(m_replayAction);
    m_toolBar->addAction(m_moveAction);
    m_toolBar->addAction(m_routingAction);
    m_toolBar->addSeparator();
    m_toolBar->addAction(m_exportAction);
    m_toolBar->addAction(m_importAction);
    m_toolBar->addSeparator();
    m_toolBar->addAction(m_chartAction);
    layout->addWidget(m_toolBar);

    auto *filterRow = new QHBoxLayout;
    filterRow->setContentsMargins(6, 2, 6, 2);
    m_sqlEdit = new QLineEdit(this);
    m_sqlEdit->setObjectName(QStringLiteral("sqlFilter"));
    m_sqlEdit->setPlaceholderText(tr("SQL filter, e.g.  sys.Label = 'order' AND amount > 100"));
    m_sqlEdit->setToolTip(tr("Service Bus SQL filter over the loaded messages (Return applies, Ctrl+Shift+L clears)"));
    m_sqlEdit->setClearButtonEnabled(true);
    m_textEdit = new QLineEdit(this);
    m_textEdit->setObjectName(QStringLiteral("bodyFilter"));
    m_textEdit->setPlaceholderText(tr("Body contains…"));
    m_textEdit->setToolTip(tr("Case-insensitive text in the body (Return applies)"));
    m_textEdit->setClearButtonEnabled(true);
    filterRow->addWidget(m_sqlEdit, 3);
    filterRow->addWidget(m_textEdit, 1);
    connect(m_sqlEdit, &QLineEdit::returnPressed, this, &MessageBrowser::onApplyFilter);
    connect(m_textEdit, &QLineEdit::returnPressed, this, &MessageBrowser::onApplyFilter);
    layout->addLayout(filterRow);
    m_filterError = new QLabel(this);
    m_filterError->setObjectName(QStringLiteral("filterError"));
    m_filterError->setStyleSheet(QStringLiteral("color: #c62828; padding: 0 6px;"));
    m_filterError->setTextFormat(Qt::PlainText);
    m_filterError->hide();
    layout->addWidget(m_filterError);

    m_splitter = new QSplitter(Qt::Vertical, this);
    m_splitter->setObjectName(QStringLiteral("browserSplitter"));
    m_table = new MessageTable(m_splitter);
    m_table->setObjectName(QStringLiteral("messageTable"));
    m_table->setModel(m_model);
    m_table->setColumnWidth(models::MessageListModel::SequenceNumberColumn, 80);
    m_table->setColumnWidth(models::MessageListModel::MessageIdColumn, 220);
    m_table->setColumnWidth(models::MessageListModel::EnqueuedTimeColumn, 170);
    m_table->setColumnWidth(models::MessageListModel::SizeColumn, 60);
    m_table->setColumnWidth(models::MessageListModel::DeliveryCountColumn, 70);
    m_detail = new MessageDetail(m_splitter);
    m_chart = new CountChart(m_splitter);
    m_chart->setObjectName(QStringLiteral("countChart"));
    m_chart->setMinimumHeight(140);
    m_chart->hide();
    m_splitter->setStretchFactor(0, 3);
    m_splitter->setStretchFactor(1, 2);
    m_splitter->setStretchFactor(2, 1);
    layout->addWidget(m_splitter, 1);

    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("status"));
    m_status->setContentsMargins(6, 2, 6, 2);
    layout->addWidget(m_status);
}

void MessageBrowser::setReadOnly(bool readOnly)
{
    if (m_readOnly == readOnly)
        return;
    m_readOnly = readOnly;
    updateActions();
    Q_EMIT readOnlyChanged(readOnly);
}

void MessageBrowser::updateActions()
{
    const bool selection = m_table && m_table->selectionModel() && m_table->selectionModel()->hasSelection();
    const bool write = !m_readOnly;
    m_sendAction->setEnabled(write);
    m_resendAction->setEnabled(write && selection);
    m_receiveLockAction->setEnabled(write);
    m_completeAction->setEnabled(write && selection);
    m_abandonAction->setEnabled(write && selection);
    m_deadLetterAction->setEnabled(write && selection);
    m_deferAction->setEnabled(write && selection);
    m_receiveDeleteAction->setEnabled(write);
    m_purgeAction->setEnabled(write && m_browsable);
    const bool deadLetters = m_entityPath.endsWith(QLatin1String("/$DeadLetterQueue"), Qt::CaseInsensitive);
    m_replayAction->setVisible(deadLetters);
    m_replayAction->setEnabled(write && deadLetters);
    m_moveAction->setEnabled(write && m_browsable);
    const bool inTopic = m_entityPath.contains(QLatin1String("/Subscriptions/"), Qt::CaseInsensitive);
    m_routingAction->setVisible(inTopic);
    m_routingAction->setEnabled(inTopic && selection);
    m_importAction->setEnabled(write);
    m_exportAction->setEnabled(selection);
    if (m_count)
        m_count->setEnabled(write);
}

void MessageBrowser::updateStatus()
{
    QString text;
    const int loaded = m_model->loadedCount();
    if (m_model->hasRowFilter())
        text = tr("%1 of %2 loaded shown (filtered)").arg(m_model->rowCount()).arg(loaded);
    else
        text = tr("%1 loaded · %2").arg(loaded).arg(m_model->hasMore() ? tr("more available") : tr("all loaded"));
    if (m_model->isFetching() || m_busy > 0 || m_filterJob)
        text += tr(" · working…");
    if (!m_lastSummary.isEmpty())
        text += QStringLiteral(" · ") + m_lastSummary;
    if (!m_lastError.isEmpty())
        text += QStringLiteral(" · ") + tr("error: %1").arg(m_lastError);
    if (m_readOnly)
        text += tr(" · read-only");
    m_status->setText(text);
    Q_EMIT statusChanged(text);
}

void MessageBrowser::showError(const QString &message)
{
    m_lastError = message;
    updateStatus();
    Q_EMIT errorOccurred(message);
}

void MessageBrowser::finishOperation(const QString &summary)
{
    m_lastSummary = summary;
    updateStatus();
    Q_EMIT operationFinished(summary);
}

void MessageBrowser::refresh()
{
    m_lastError.clear();
    m_lastSummary.clear();
    m_model->reload();
    m_model->fetchMore();
}

void MessageBrowser::onCurrentRowChanged()
{
    const QModelIndex current = m_table->selectionModel()->currentIndex();
    if (!current.isValid()) {
        m_detailSequence = -1;
        m_detail->showPlaceholder(tr("Select a message to see its body and properties."));
        return;
    }
    const std::int64_t seq = m_model->sequenceNumber(current.row());
    if (seq == m_detailSequence)
        return;
    m_detailSequence = seq;
    m_detail->showPlaceholder(tr("Loading message %1…").arg(seq));
    m_model->loadFullMessage(seq, this, [this, seq](std::optional<core::Message> message, QString error) {
        if (seq != m_detailSequence)
            return; // the selection moved on
        if (message)
            m_detail->setMessage(*message);
        else
            m_detail->showPlaceholder(error);
    });
}

// ---- filter ---------------------------------------------------------------------------------------

void MessageBrowser::onApplyFilter()
{
    applyFilter(m_sqlEdit->text(), m_textEdit->text());
}

void MessageBrowser::onClearFilter()
{
    m_sqlEdit->clear();
    m_textEdit->clear();
    applyFilter({}, {});
}

void MessageBrowser::applyFilter(const QString &sql, const QString &bodyText)
{
    if (m_sqlEdit->text() != sql)
        m_sqlEdit->setText(sql);
    if (m_textEdit->text() != bodyText)
        m_textEdit->setText(bodyText);
    if (m_filterJob)
        static_cast<models::MessageFilterJob *>(m_filterJob.data())->cancel();
    m_filterError->hide();
    m_sqlEdit->setStyleSheet(QString());
    models::MessageFilterCriteria criteria;
    criteria.bodyText = bodyText;
    if (!sql.trimmed().isEmpty()) {
        const std::string text = sql.toStdString();
        if (const auto diagnostic = core::sql::checkFilter(text)) {
            // Show where: the message with line/column, and select the offending token in the edit.
            m_filterError->setText(tr("Line %1, column %2: %3")
                                       .arg(diagnostic->line)
                                       .arg(diagnostic->column)
                                       .arg(QString::fromStdString(diagnostic->message)));
            m_filterError->show();
            m_sqlEdit->setStyleSheet(QStringLiteral("QLineEdit { border: 1px solid #c62828; }"));
            const int start = int(QString::fromUtf8(text.data(), diagnostic->offset).size());
            const int length = std::max(1, int(QString::fromUtf8(text.data() + diagnostic->offset,
                                                                 std::min<int>(diagnostic->length, int(text.size()) - diagnostic->offset))
                                                   .size()));
            m_sqlEdit->setSelection(start, length);
            return;
        }
        auto compiled = core::sql::Filter::compile(text);
        if (!compiled) {
            m_filterError->setText(errorText(compiled.error()));
            m_filterError->show();
            return;
        }
        criteria.sql = std::move(compiled.value());
    }
    if (criteria.isEmpty()) {
        m_model->clearRowFilter();
        finishOperation(tr("Filter cleared"));
        return;
    }
    auto *job = new models::MessageFilterJob(m_connection, m_model, std::move(criteria), this);
    m_filterJob = job;
    connect(job, &models::MessageFilterJob::finished, this,
            [this](int matched) { finishOperation(withCount(tr("{count} matched"), matched)); });
    connect(job, &models::MessageFilterJob::failed, this, &MessageBrowser::showError);
    job->start();
    updateStatus();
}

// ---- receive and settle ------------------------------------------------------------------------------

void MessageBrowser::confirm(const QString &text, std::function<void()> onYes)
{
    auto *box = new QMessageBox(QMessageBox::Warning, tr("Delete messages"), text, QMessageBox::Yes | QMessageBox::Cancel,
                                this);
    box->setObjectName(QStringLiteral("confirmDelete"));
    box->setDefaultButton(QMessageBox::Cancel);
    box->setAttribute(Qt::WA_DeleteOnClose);
    connect(box, &QMessageBox::finished, this, [onYes = std::move(onYes)](int result) {
        if (result == QMessageBox::Yes)
            onYes();
    });
    box->open();
}

void MessageBrowser::onReceiveLocked()
{
    if (m_readOnly)
        return;
    ++m_busy;
    updateStatus();
    m_connection->receive(m_entityPath.toStdString(), client::ReceiveMode::PeekLock, m_count->value(), 2s, this,
                          [this](core::Result<std::vector<core::Message>> result) {
                              --m_busy;
                              if (!result) {
                                  showError(errorText(result.error()));
                                  return;
                              }
                              m_model->setLocked(result.value());
                              finishOperation(withCount(tr("{count} locked"), int(result.value().size())));
                          });
}

void MessageBrowser::onDeadLetter()
{
    const auto count = int(m_table->selectedRowNumbers().size());
    if (m_readOnly || count == 0)
        return;
    auto *dialog = new DeadLetterDialog(count, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this,
            [this, dialog] { settleSelection(SettleKind::DeadLetter, dialog->reason(), dialog->description()); });
    dialog->open();
}

void MessageBrowser::onReceiveAndDelete()
{
    if (m_readOnly)
        return;
    const auto selected = m_table->selectedSequenceNumbers();
    const QString entity = m_entityPath;
    if (!selected.empty()) {
        confirm(withCount(tr("Receive and delete the selected {count} from '%1'? This cannot be undone."),
                            int(selected.size()))
                    .arg(entity),
                [this] { settleSelection(SettleKind::Complete); });
        return;
    }
    const int count = m_count->value();
    confirm(withCount(tr("Receive and delete the next {count} from '%1'? This cannot be undone."), count).arg(entity),
            [this, count] {
                ++m_busy;
                updateStatus();
                m_connection->receive(m_entityPath.toStdString(), client::ReceiveMode::ReceiveAndDelete, count, 2s, this,
                                      [this](core::Result<std::vector<core::Message>> result) {
                                          --m_busy;
                                          if (!result) {
                                              showError(errorText(result.error()));
                                              return;
                                          }
                                          std::vector<std::int64_t> seqs;
                                          for (const auto &m : result.value())
                                              seqs.push_back(m.sequenceNumber);
                                          m_model->removeSequenceNumbers(seqs);
                                          finishOperation(withCount(tr("{count} deleted"), int(seqs.size())));
                                      });
            });
}

// ---- purge -------------------------------------------------------------------------------------------

void MessageBrowser::onPurge()
{
    if (m_readOnly || !m_browsable)
        return;
    ++m_busy;
    updateStatus();
    confirmAndPurge(this, m_connection, m_entityPath, [this](const PurgeOutcome &outcome) {
        --m_busy;
        updateStatus();
        if (!outcome.started)
            return;
        refresh();
        const QString summary = withCount(outcome.cancelled ? tr("purge cancelled: {count} deleted") : tr("{count} purged"),
                                          int(std::min<std::int64_t>(outcome.removed, INT_MAX)));
        if (!outcome.error.isEmpty())
            showError(outcome.error);
        finishOperation(summary);
    });
}

void MessageBrowser::lockMessages(std::vector<std::int64_t> sequenceNumbers,
                                  std::function<void(std::vector<core::Message>, QString)> done)
{
    struct State
    {
        std::vector<core::Message> locked;
        std::set<std::int64_t> pending;   ///< active messages still to find
        std::vector<core::Message> others; ///< locked by the scan, not wanted: abandoned at the end
        int outstanding = 0;
        int rounds = 0;
        QString error;
        std::function<void(std::vector<core::Message>, QString)> done;
    };
    auto state = std::make_shared<State>();
    state->done = std::move(done);
    const std::string entity = m_entityPath.toStdString();
    std::vector<std::int64_t> deferred;
    for (const auto seq : sequenceNumbers) {
        if (const auto token = m_model->lockToken(seq)) {
            core::Message m;
            m.sequenceNumber = seq;
            m.lockToken = *token;
            state->locked.push_back(std::move(m));
            continue;
        }
        const int row = m_model->rowOfSequenceNumber(seq);
        if (row >= 0 && m_model->rowAt(row).state == core::MessageState::Deferred)
            deferred.push_back(seq);
        else
            state->pending.insert(seq);
    }

    auto finish = [this, state, entity] {
        if (--state->outstanding > 0)
            return;
        // Release what the scan took but was not asked for (abandon: delivery count + 1, as in every
        // tool that settles a message in the middle of a queue), then refresh their rows.
        std::vector<std::int64_t> released;
        for (const auto &m : state->others) {
            m_connection->abandon(entity, m.lockToken, {}, this, [](core::Result<void>) {});
            released.push_back(m.sequenceNumber);
        }
        if (!released.empty())
            m_model->refreshRows(released);
        if (!state->pending.empty() && state->error.isEmpty())
            state->error = withCount(tr("{count} of the selection could not be locked (already locked or gone)."), int(state->pending.size()));
        state->done(std::move(state->locked), state->error);
    };

    ++state->outstanding; // held until the scan below has started everything
    if (!deferred.empty()) {
        ++state->outstanding;
        m_connection->receiveDeferred(entity, deferred, client::ReceiveMode::PeekLock, this,
                                      [state, finish](core::Result<std::vector<core::Message>> result) {
                                          if (result)
                                              state->locked.insert(state->locked.end(), result.value().begin(),
                                                                   result.value().end());
                                          else
                                              state->error = errorText(result.error());
                                          finish();
                                      });
    }
    if (state->pending.empty()) {
        finish();
        return;
    }
    // Scan: peek-lock receive in batches, keeping every lock until the targets are found (abandoning
    // early would hand the same messages back at once).
    auto scan = std::make_shared<std::function<void()>>();
    *scan = [this, state, finish, entity, scan] {
        m_connection->receive(entity, client::ReceiveMode::PeekLock, kScanBatch, 1s, this,
                              [state, finish, scan](core::Result<std::vector<core::Message>> result) {
                                  if (!result) {
                                      state->error = errorText(result.error());
                                      *scan = nullptr;
                                      finish();
                                      return;
                                  }
                                  for (auto &m : result.value()) {
                                      if (state->pending.erase(m.sequenceNumber))
                                          state->locked.push_back(std::move(m));
                                      else
                                          state->others.push_back(std::move(m));
                                  }
                                  if (state->pending.empty() || result.value().empty()
                                      || ++state->rounds >= kMaxScanRounds) {
                                      *scan = nullptr; // break the self-reference
                                      finish();
                                      return;
                                  }
                                  (*scan)();
                              });
    };
    (*scan)();
}

void MessageBrowser::settleSelection(SettleKind kind, QString reason, QString description)
{
    if (m_readOnly)
        return;
    auto seqs = m_table->selectedSequenceNumbers();
    if (seqs.empty())
        return;
    ++m_busy;
    updateStatus();
    lockMessages(std::move(seqs), [this, kind, reason, description](std::vector<core::Message> locked, QString lockError) {
        const std::string entity = m_entityPath.toStdString();
        struct Tally
        {
            int outstanding = 0;
            std::vector<std::int64_t> settled;
            QString error;
        };
        auto tally = std::make_shared<Tally>();
        tally->error = lockError;
        tally->outstanding = int(locked.size());
        auto done = [this, kind, tally] {
            --m_busy;
            if (kind == SettleKind::Complete || kind == SettleKind::DeadLetter) {
                m_model->removeSequenceNumbers(tally->settled);
            } else {
                for (const auto seq : tally->settled)
                    m_model->clearLock(seq);
                m_model->refreshRows(tally->settled);
            }
            static const char *verbs[] = {"completed", "abandoned", "dead-lettered", "deferred"};
            const QString summary = withCount(tr("{count} %1"), int(tally->settled.size()))
                                        .arg(QLatin1String(verbs[int(kind)]));
            if (!tally->error.isEmpty())
                showError(tally->error);
            finishOperation(summary);
        };
        if (locked.empty()) {
            done();
            return;
        }
        for (const auto &m : locked) {
            const auto seq = m.sequenceNumber;
            auto callback = [tally, seq, done](core::Result<void> result) {
                if (result)
                    tally->settled.push_back(seq);
                else
                    tally->error = errorText(result.error());
                if (--tally->outstanding == 0)
                    done();
            };
            switch (kind) {
            case SettleKind::Complete: m_connection->complete(entity, m.lockToken, this, callback); break;
            case SettleKind::Abandon: m_connection->abandon(entity, m.lockToken, {}, this, callback); break;
            case SettleKind::Defer: m_connection->defer(entity, m.lockToken, this, callback); break;
            case SettleKind::DeadLetter:
                m_connection->deadLetter(entity, m.lockToken,
                                         reason.isEmpty() ? std::nullopt : std::optional<std::string>(reason.toStdString()),
                                         description.isEmpty() ? std::nullopt
                                                               : std::optional<std::string>(description.toStdString()),
                                         this, callback);
                break;
            }
        }
    });
}

// ---- send, resend, export, import ----------------------------------------------------------------------

std::string MessageBrowser::sendEntity() const
{
    const std::string path = m_entityPath.toStdString();
    const auto address = core::broker::EntityAddress::parse(path);
    return address ? address->owningEntityPath() : path;
}

void MessageBrowser::openSendDialog()
{
    if (m_readOnly)
        return;
    auto *dialog = new SendDialog(QString::fromStdString(sendEntity()), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, dialog] {
        auto message = dialog->message();
        if (!message) {
            showError(errorText(message.error()));
            return;
        }
        sendMessages(std::vector<core::Message>(std::size_t(dialog->copies()), message.value()));
    });
    dialog->open();
}

void MessageBrowser::onResend()
{
    const QModelIndex current = m_table->currentIndex();
    if (m_readOnly || !current.isValid())
        return;
    const auto seq = m_model->sequenceNumber(current.row());
    m_model->loadFullMessage(seq, this, [this](std::optional<core::Message> message, QString error) {
        if (!message) {
            showError(error);
            return;
        }
        openSendDialog();
        if (auto *dialog = findChild<SendDialog *>())
            dialog->setMessage(*message);
    });
}

void MessageBrowser::sendMessages(std::vector<core::Message> messages)
{
    if (messages.empty())
        return;
    const int count = int(messages.size());
    ++m_busy;
    updateStatus();
    // Scheduled messages (all share the dialog's time; from a file each may have its own).
    std::vector<core::Message> now;
    std::vector<core::Message> scheduled;
    for (auto &m : messages)
        (m.scheduledEnqueueTime ? scheduled : now).push_back(std::move(m));
    auto outstanding = std::make_shared<int>(int(!now.empty()) + int(scheduled.size()));
    auto error = std::make_shared<QString>();
    auto done = [this, outstanding, error, count] {
        if (--*outstanding > 0)
            return;
        --m_busy;
        if (!error->isEmpty()) {
            showError(*error);
            return;
        }
        finishOperation(withCount(tr("{count} sent"), count));
        m_model->fetchNewer();
    };
    const std::string entity = sendEntity();
    if (!now.empty())
        m_connection->sendBatch(entity, std::move(now), this, [error, done](core::Result<void> r) {
            if (!r)
                *error = errorText(r.error());
            done();
        });
    for (auto &m : scheduled) {
        const auto when = *m.scheduledEnqueueTime;
        m_connection->schedule(entity, {std::move(m)}, when, this,
                               [error, done](core::Result<std::vector<std::int64_t>> r) {
                                   if (!r)
                                       *error = errorText(r.error());
                                   done();
                               });
    }
}

void MessageBrowser::onExport()
{
    const QString path = QFileDialog::getSaveFileName(this, tr("Export messages"), QString(),
                                                      tr("Messages (*.json)"));
    if (!path.isEmpty())
        exportSelection(path);
}

void MessageBrowser::loadSelection(std::function<void(std::vector<core::Message>, QString)> done)
{
    const auto seqs = m_table->selectedSequenceNumbers();
    if (seqs.empty()) {
        done({}, {});
        return;
    }
    struct Load
    {
        std::vector<std::optional<core::Message>> messages;
        int outstanding = 0;
        QString error;
        std::function<void(std::vector<core::Message>, QString)> done;
    };
    auto job = std::make_shared<Load>();
    job->messages.resize(seqs.size());
    job->outstanding = int(seqs.size());
    job->done = std::move(done);
    ++m_busy;
    updateStatus();
    for (std::size_t i = 0; i < seqs.size(); ++i) {
        m_model->loadFullMessage(seqs[i], this, [this, job, i](std::optional<core::Message> m, QString error) {
            if (m)
                job->messages[i] = std::move(m);
            else
                job->error = error;
            if (--job->outstanding > 0)
                return;
            --m_busy;
            updateStatus();
            std::vector<core::Message> out;
            for (auto &message : job->messages)
                if (message)
                    out.push_back(std::move(*message));
            job->done(std::move(out), job->error);
        });
    }
}

void MessageBrowser::exportSelection(const QString &path)
{
    if (m_table->selectedSequenceNumbers().empty())
        return;
    loadSelection([this, path](std::vector<core::Message> out, QString error) {
        QSaveFile file(path);
        if (!file.open(QIODevice::WriteOnly) || file.write(messagesToJson(out)) < 0 || !file.commit()) {
            showError(tr("Cannot write %1: %2").arg(path, file.errorString()));
            return;
        }
        if (!error.isEmpty())
            showError(error);
        finishOperation(withCount(tr("{count} exported"), int(out.size())));
    });
}

void MessageBrowser::onReplay(bool move)
{
    if (m_readOnly || (move ? !m_moveAction->isEnabled() : !m_replayAction->isEnabled()))
        return;
    loadSelection([this, move](std::vector<core::Message> selection, QString error) {
        if (!error.isEmpty() && selection.empty()) {
            showError(error);
            return;
        }
        auto *dialog = new ReplayDialog(m_connection, m_entityPath, move ? ReplayDialog::Mode::Move : ReplayDialog::Mode::Replay,
                                        std::move(selection), -1, this);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        dialog->setRoutingPreviewFactory(RoutingPreviewWidget::factory(m_connection));
        connect(this, &MessageBrowser::readOnlyChanged, dialog, &ReplayDialog::setReadOnly);
        connect(dialog, &ReplayDialog::replayFinished, this, [this, move](const models::ReplaySummary &summary) {
            refresh();
            const int done = int(std::min<std::int64_t>(summary.replayed, INT_MAX));
            finishOperation(withCount(move ? tr("{count} moved") : tr("{count} replayed"), done)
                            + (summary.failed > 0 ? tr(", %1 failed").arg(summary.failed) : QString()));
        });
        dialog->open();
    });
}

void MessageBrowser::onRoutingPreview()
{
    const QString topic = m_entityPath.section(QLatin1Char('/'), 0, 0);
    loadSelection([this, topic](std::vector<core::Message> selection, QString error) {
        if (!error.isEmpty())
            showError(error);
        auto *dialog = new RoutingPreviewDialog(m_connection, topic, std::move(selection), this);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        dialog->show();
    });
}

void MessageBrowser::onChartToggled(bool on)
{
    if (on && !m_sampler) {
        m_sampler = new models::CountSampler(m_connection, m_entityPath, this);
        m_chart->setSampler(m_sampler);
    }
    m_chart->setVisible(on);
    updateSampling();
    QSettings settings;
    settings.setValue(kSettingsGroup + QStringLiteral("/chart"), on);
}

void MessageBrowser::updateSampling()
{
    // Counts are polled only while someone can see them: chart on and this tab shown.
    if (!m_sampler)
        return;
    const bool wanted = m_chartAction->isChecked() && isVisible();
    if (wanted && !m_sampler->isRunning())
        m_sampler->start();
    else if (!wanted && m_sampler->isRunning())
        m_sampler->stop();
}

void MessageBrowser::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    updateSampling();
}

void MessageBrowser::hideEvent(QHideEvent *event)
{
    QWidget::hideEvent(event);
    updateSampling();
}

void MessageBrowser::onImport()
{
    const QString path = QFileDialog::getOpenFileName(this, tr("Send messages from file"), QString(),
                                                      tr("Messages (*.json)"));
    if (!path.isEmpty())
        sendFromFile(path);
}

void MessageBrowser::sendFromFile(const QString &path)
{
    if (m_readOnly)
        return;
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        showError(tr("Cannot read %1: %2").arg(path, file.errorString()));
        return;
    }
    auto messages = messagesFromJson(file.readAll());
    if (!messages) {
        showError(tr("%1: %2").arg(path, errorText(messages.error())));
        return;
    }
    sendMessages(std::move(messages.value()));
}

// ---- settings ----------------------------------------------------------------------------------------

void MessageBrowser::saveState() const
{
    QSettings settings;
    settings.beginGroup(kSettingsGroup);
    settings.setValue(QStringLiteral("splitter"), m_splitter->saveState());
    settings.setValue(QStringLiteral("detailSplitter"), m_detail->splitter()->saveState());
    settings.setValue(columnsKey(), m_table->saveColumns());
}

QString MessageBrowser::columnsKey() const
{
    // Dead-letter queues keep their own column layout: there the reason comes first.
    return m_entityPath.endsWith(QLatin1String("$DeadLetterQueue"), Qt::CaseInsensitive) ? QStringLiteral("columnsDeadLetter")
                                                                                         : QStringLiteral("columns");
}

void MessageBrowser::restoreState()
{
    QSettings settings;
    settings.beginGroup(kSettingsGroup);
    m_splitter->restoreState(settings.value(QStringLiteral("splitter")).toByteArray());
    m_detail->splitter()->restoreState(settings.value(QStringLiteral("detailSplitter")).toByteArray());
    const QByteArray columns = settings.value(columnsKey()).toByteArray();
    if (columns.isEmpty() && columnsKey() != QLatin1String("columns")) {
        // First dead-letter browser: the reason right after the message id, the session column last.
        QHeaderView *header = m_table->horizontalHeader();
        header->moveSection(header->visualIndex(models::MessageListModel::DeadLetterReasonColumn),
                            header->visualIndex(models::MessageListModel::MessageIdColumn) + 1);
        header->moveSection(header->visualIndex(models::MessageListModel::SessionIdColumn), header->count() - 1);
        m_table->setColumnWidth(models::MessageListModel::DeadLetterReasonColumn, 160);
    } else {
        m_table->restoreColumns(columns);
    }
    m_chartAction->setChecked(settings.value(QStringLiteral("chart"), false).toBool());
}

} // namespace busyard::widgets
