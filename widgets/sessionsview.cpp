#include "sessionsview.h"

#include "emptystate.h"
#include "widgetaction.h"

#include "core/client/namespaceconnection.h"

#include <nlohmann/json.hpp>

#include <QAction>
#include <QButtonGroup>
#include <QDateTime>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QPlainTextEdit>
#include <QSpinBox>
#include <QSplitter>
#include <QStackedWidget>
#include <QStringDecoder>
#include <QTabWidget>
#include <QTableWidget>
#include <QToolBar>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>
#include <set>

namespace busyard::widgets {

using namespace std::chrono_literals;

namespace {

constexpr int kSessionPage = 100;
constexpr int kPeekPage = 250;
constexpr auto kReceiveWait = 2s;
constexpr int kPreviewChars = 48;

enum MessageColumn { SeqColumn, IdColumn, SubjectColumn, EnqueuedColumn, SizeColumn, StateOrDeliveriesColumn, MessageColumnCount };

QString errorText(const core::Error &e) { return QString::fromStdString(e.message); }

QString timeText(core::TimePoint t)
{
    if (t == core::TimePoint{})
        return {};
    return QDateTime::fromMSecsSinceEpoch(core::toMillisSinceEpoch(t)).toString(QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz"));
}

QString sizeText(qint64 bytes)
{
    return QLocale().formattedDataSize(bytes, 1, QLocale::DataSizeTraditionalFormat);
}

QString messageStateText(core::MessageState state)
{
    switch (state) {
    case core::MessageState::Active: return QObject::tr("Active");
    case core::MessageState::Deferred: return QObject::tr("Deferred");
    case core::MessageState::Scheduled: return QObject::tr("Scheduled");
    }
    return {};
}

/** UTF-8 text of `bytes`, nullopt when they are not valid UTF-8. */
std::optional<QString> utf8(const QByteArray &bytes)
{
    QStringDecoder decoder(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
    QString text = decoder.decode(bytes);
    if (decoder.hasError())
        return std::nullopt;
    return text;
}

QTableWidget *makeTable(const QStringList &headers, const char *name, QWidget *parent)
{
    auto *table = new QTableWidget(0, int(headers.size()), parent);
    table->setObjectName(QLatin1String(name));
    table->setHorizontalHeaderLabels(headers);
    table->setSelectionBehavior(QAbstractItemView::SelectRows);
    table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table->setAlternatingRowColors(true);
    table->setWordWrap(false);
    table->setShowGrid(false);
    table->verticalHeader()->hide();
    table->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    table->verticalHeader()->setDefaultSectionSize(table->fontMetrics().height() + 6);
    table->horizontalHeader()->setHighlightSections(false);
    table->horizontalHeader()->setStretchLastSection(true);
    table->horizontalHeader()->setDefaultAlignment(Qt::AlignLeft | Qt::AlignVCenter);
    return table;
}

QTableWidgetItem *item(const QString &text, Qt::Alignment align = Qt::AlignLeft | Qt::AlignVCenter)
{
    auto *it = new QTableWidgetItem(text);
    it->setTextAlignment(align);
    return it;
}

const Qt::Alignment kRight = Qt::AlignRight | Qt::AlignVCenter;

} // namespace

// ---- pure helpers ----------------------------------------------------------------------------------

QString SessionsView::toHex(const QByteArray &bytes)
{
    QString out;
    out.reserve(bytes.size() * 3);
    static const char digits[] = "0123456789abcdef";
    for (qsizetype i = 0; i < bytes.size(); ++i) {
        if (i > 0)
            out += i % 16 == 0 ? QLatin1Char('\n') : QLatin1Char(' ');
        const auto b = static_cast<unsigned char>(bytes.at(i));
        out += QLatin1Char(digits[b >> 4]);
        out += QLatin1Char(digits[b & 0xf]);
    }
    return out;
}

core::Result<QByteArray> SessionsView::fromHex(const QString &text)
{
    QByteArray out;
    int high = -1;
    qsizetype highAt = 0;
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar c = text.at(i);
        if (c.isSpace())
            continue;
        int v = -1;
        if (c >= QLatin1Char('0') && c <= QLatin1Char('9'))
            v = c.unicode() - '0';
        else if (c >= QLatin1Char('a') && c <= QLatin1Char('f'))
            v = c.unicode() - 'a' + 10;
        else if (c >= QLatin1Char('A') && c <= QLatin1Char('F'))
            v = c.unicode() - 'A' + 10;
        if (v < 0)
            return core::makeError(core::ErrorCode::InvalidArgument,
                                   tr("Invalid hex: '%1' at character %2 is not a hex digit.")
                                       .arg(c)
                                       .arg(i + 1)
                                       .toStdString());
        if (high < 0) {
            high = v;
            highAt = i;
        } else {
            out.append(char((high << 4) | v));
            high = -1;
        }
    }
    if (high >= 0)
        return core::makeError(core::ErrorCode::InvalidArgument,
                               tr("Invalid hex: the digit at character %1 has no pair (bytes are two hex digits).")
                                   .arg(highAt + 1)
                                   .toStdString());
    return out;
}

core::Result<QString> SessionsView::prettyJson(const QByteArray &bytes)
{
    try {
        const auto json = nlohmann::ordered_json::parse(bytes.constBegin(), bytes.constEnd());
        return QString::fromStdString(json.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
    } catch (const nlohmann::json::exception &e) {
        // "[json.exception.parse_error.101] parse error at line 1, column 5: …" -> "line 1, column 5: …"
        std::string what = e.what();
        if (const auto at = what.find(" at line "); at != std::string::npos)
            what = what.substr(at + 4);
        else if (const auto bracket = what.find("] "); bracket != std::string::npos)
            what = what.substr(bracket + 2);
        return core::makeError(core::ErrorCode::InvalidArgument,
                               tr("Invalid JSON: %1").arg(QString::fromStdString(what)).toStdString());
    }
}

QString SessionsView::statePreview(const std::optional<QByteArray> &state)
{
    if (!state)
        return QStringLiteral("—");
    const QString size = sizeText(state->size());
    if (state->isEmpty())
        return size;
    const auto text = utf8(*state);
    bool printable = text.has_value();
    if (printable)
        for (const QChar c : *text)
            if (!c.isPrint() && !c.isSpace()) {
                printable = false;
                break;
            }
    if (!printable)
        return tr("%1 · binary").arg(size);
    QString flat = text->simplified();
    if (flat.size() > kPreviewChars)
        flat = flat.left(kPreviewChars - 1) + QStringLiteral("…");
    return QStringLiteral("%1 · %2").arg(size, flat);
}

// ---- construction ----------------------------------------------------------------------------------

SessionsView::SessionsView(client::NamespaceConnection *connection, const QString &entityPath, bool readOnly,
                           QWidget *parent)
    : QWidget(parent)
    , m_connection(connection)
    , m_entityPath(entityPath)
    , m_entity(entityPath.toStdString())
    , m_readOnly(readOnly)
{
    Q_ASSERT(connection);
    setObjectName(QStringLiteral("sessionsView"));
    m_renewTimer.setSingleShot(true);
    connect(&m_renewTimer, &QTimer::timeout, this, &SessionsView::onRenew);
    buildActions();
    buildUi();
    updateActions();
    refresh();
}

SessionsView::~SessionsView()
{
    // Release locks without waiting: the connection (which outlives the view) takes the calls.
    std::set<QString> locked;
    if (!m_held.isEmpty())
        locked.insert(m_held);
    if (!m_writing.isEmpty())
        locked.insert(m_writing);
    for (const QString &id : locked)
        m_connection->closeSession(m_entity, id.toStdString(), m_connection, [](core::Result<void>) {});
}

void SessionsView::buildActions()
{
    const auto make = [this](const char *name, const QString &text, const QString &shortcut, const QString &tip) {
        return addWidgetAction(this, name, text, shortcut, tip);
    };
    m_refreshAction = make("refresh", tr("Refresh"), QStringLiteral("F5"), tr("List the sessions again and recount their messages"));
    m_saveAction = make("saveState", tr("Save"), QStringLiteral("Ctrl+S"),
                        tr("Set the edited bytes as the session state (takes the session lock for the call)"));
    m_clearAction = make("clearState", tr("Clear state"), QString(), tr("Remove the session state"));
    m_receiveAction = make("receive", tr("Receive"), QStringLiteral("Ctrl+R"),
                           tr("Lock the selected session and receive messages from it in peek-lock mode (count in the box)"));
    m_completeAction = make("complete", tr("Complete"), QStringLiteral("Ctrl+Shift+C"),
                            tr("Complete the selected received messages (all when none is selected)"));
    m_abandonAction = make("abandon", tr("Abandon"), QStringLiteral("Ctrl+Shift+A"),
                           tr("Abandon the selected received messages (all when none is selected)"));
    m_releaseAction = make("release", tr("Release session"), QString(),
                           tr("Release the session lock; unsettled messages return to the session"));

    connect(m_refreshAction, &QAction::triggered, this, &SessionsView::refresh);
    connect(m_saveAction, &QAction::triggered, this, &SessionsView::saveState);
    connect(m_clearAction, &QAction::triggered, this, &SessionsView::clearState);
    connect(m_receiveAction, &QAction::triggered, this, &SessionsView::receive);
    connect(m_completeAction, &QAction::triggered, this, &SessionsView::completeReceived);
    connect(m_abandonAction, &QAction::triggered, this, &SessionsView::abandonReceived);
    connect(m_releaseAction, &QAction::triggered, this, &SessionsView::releaseSession);
}

void SessionsView::buildUi()
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);

    m_toolBar = new QToolBar(this);
    m_toolBar->setToolButtonStyle(Qt::ToolButtonTextOnly);
    m_toolBar->addAction(m_refreshAction);
    m_toolBar->addSeparator();
    m_toolBar->addAction(m_receiveAction);
    m_count = new QSpinBox(m_toolBar);
    m_count->setObjectName(QStringLiteral("receiveCount"));
    m_count->setRange(1, 5000);
    m_count->setValue(10);
    m_count->setToolTip(tr("How many messages Receive takes from the selected session"));
    m_toolBar->addWidget(m_count);
    m_toolBar->addAction(m_completeAction);
    m_toolBar->addAction(m_abandonAction);
    m_toolBar->addAction(m_releaseAction);
    layout->addWidget(m_toolBar);

    auto *splitter = new QSplitter(Qt::Horizontal, this);
    splitter->setObjectName(QStringLiteral("sessionsSplitter"));
    splitter->setChildrenCollapsible(false);

    // Left: the sessions, or the empty state.
    m_listStack = new QStackedWidget(splitter);
    m_sessions = makeTable({tr("Session ID"), tr("Messages"), tr("State")}, "sessionTable", m_listStack);
    m_sessions->setSelectionMode(QAbstractItemView::SingleSelection);
    m_sessions->horizontalHeaderItem(MessagesColumn)->setTextAlignment(kRight);
    m_sessions->horizontalHeaderItem(MessagesColumn)
        ->setToolTip(tr("Messages of the session a peek returns (active, locked, deferred, scheduled), counted up to %1")
                         .arg(QLocale().toString(kCountCap)));
    m_sessions->setColumnWidth(SessionIdColumn, 170);
    m_sessions->setColumnWidth(MessagesColumn, 80);
    m_listStack->addWidget(m_sessions);
    m_empty = new EmptyState(QIcon(QStringLiteral(":/busyard/icons/queue.svg")), tr("No sessions with messages or state"),
                             tr("Sessions appear here once messages with a session id arrive or a receiver sets "
                                "session state. Press F5 to look again."),
                             m_listStack);
    m_empty->setObjectName(QStringLiteral("sessionsEmpty"));
    m_listStack->addWidget(m_empty);
    connect(m_sessions, &QTableWidget::itemSelectionChanged, this, &SessionsView::onCurrentSessionChanged);

    // Right: the selected session.
    m_detailStack = new QStackedWidget(splitter);
    auto *none = new QLabel(tr("Select a session to see its state and messages."), m_detailStack);
    none->setAlignment(Qt::AlignCenter);
    none->setForegroundRole(QPalette::PlaceholderText);
    m_detailStack->addWidget(none);

    auto *detail = new QWidget(m_detailStack);
    auto *detailLayout = new QVBoxLayout(detail);
    detailLayout->setContentsMargins(8, 6, 6, 0);
    detailLayout->setSpacing(4);
    auto *titleRow = new QHBoxLayout;
    m_sessionTitle = new QLabel(detail);
    m_sessionTitle->setObjectName(QStringLiteral("sessionTitle"));
    m_sessionTitle->setTextFormat(Qt::PlainText);
    QFont titleFont = m_sessionTitle->font();
    titleFont.setWeight(QFont::DemiBold);
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.1);
    m_sessionTitle->setFont(titleFont);
    m_lockLabel = new QLabel(detail);
    m_lockLabel->setObjectName(QStringLiteral("lockLabel"));
    m_lockLabel->setForegroundRole(QPalette::PlaceholderText);
    titleRow->addWidget(m_sessionTitle);
    titleRow->addStretch(1);
    titleRow->addWidget(m_lockLabel);
    detailLayout->addLayout(titleRow);

    auto *vsplit = new QSplitter(Qt::Vertical, detail);
    vsplit->setChildrenCollapsible(false);
    auto *stateBox = new QWidget(vsplit);
    auto *stateLayout = new QVBoxLayout(stateBox);
    stateLayout->setContentsMargins(0, 0, 0, 4);
    stateLayout->setSpacing(4);
    auto *stateRow = new QHBoxLayout;
    stateRow->setSpacing(0);
    auto *stateLabel = new QLabel(tr("Session state"), stateBox);
    stateRow->addWidget(stateLabel);
    stateRow->addSpacing(12);
    m_formatGroup = new QButtonGroup(this);
    m_formatGroup->setExclusive(true);
    const std::pair<StateFormat, QString> formats[] = {
        {StateFormat::Text, tr("Text")}, {StateFormat::Json, tr("JSON")}, {StateFormat::Hex, tr("Hex")}};
    for (const auto &[format, label] : formats) {
        auto *button = new QToolButton(stateBox);
        button->setText(label);
        button->setCheckable(true);
        button->setAutoRaise(false);
        button->setObjectName(QStringLiteral("format%1").arg(label));
        button->setToolTip(format == StateFormat::Json ? tr("Pretty-printed and validated JSON")
                           : format == StateFormat::Hex ? tr("The bytes as hex pairs (editable)")
                                                        : tr("The bytes as UTF-8 text"));
        m_formatGroup->addButton(button, int(format));
        stateRow->addWidget(button);
    }
    m_formatGroup->button(int(StateFormat::Text))->setChecked(true);
    connect(m_formatGroup, &QButtonGroup::idClicked, this, &SessionsView::onFormatClicked);
    stateRow->addSpacing(12);
    m_stateSize = new QLabel(stateBox);
    m_stateSize->setObjectName(QStringLiteral("stateSize"));
    m_stateSize->setForegroundRole(QPalette::PlaceholderText);
    stateRow->addWidget(m_stateSize);
    stateRow->addStretch(1);
    for (QAction *action : {m_saveAction, m_clearAction}) {
        auto *button = new QToolButton(stateBox);
        button->setDefaultAction(action);
        button->setToolButtonStyle(Qt::ToolButtonTextOnly);
        stateRow->addSpacing(4);
        stateRow->addWidget(button);
    }
    stateLayout->addLayout(stateRow);
    m_editor = new QPlainTextEdit(stateBox);
    m_editor->setObjectName(QStringLiteral("stateEditor"));
    m_editor->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_editor->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_editor->setTabChangesFocus(true);
    m_editor->setPlaceholderText(tr("No state. Type text, JSON or hex and press Save (Ctrl+S) to set it."));
    connect(m_editor, &QPlainTextEdit::textChanged, this, &SessionsView::onEditorChanged);
    stateLayout->addWidget(m_editor, 1);
    m_stateErrorLabel = new QLabel(stateBox);
    m_stateErrorLabel->setObjectName(QStringLiteral("stateError"));
    m_stateErrorLabel->setTextFormat(Qt::PlainText);
    m_stateErrorLabel->setWordWrap(true);
    m_stateErrorLabel->setStyleSheet(QStringLiteral("color: #c62828;"));
    m_stateErrorLabel->hide();
    stateLayout->addWidget(m_stateErrorLabel);

    m_tabs = new QTabWidget(vsplit);
    m_tabs->setObjectName(QStringLiteral("sessionTabs"));
    m_tabs->setDocumentMode(true);
    auto *messagesPage = new QWidget(m_tabs);
    auto *messagesLayout = new QVBoxLayout(messagesPage);
    messagesLayout->setContentsMargins(0, 0, 0, 0);
    messagesLayout->setSpacing(0);
    const QStringList messageHeaders{tr("Sequence #"), tr("Message ID"), tr("Subject"), tr("Enqueued"), tr("Size")};
    m_messages = makeTable(messageHeaders + QStringList{tr("State")}, "sessionMessages", messagesPage);
    m_received = makeTable(messageHeaders + QStringList{tr("Deliveries")}, "receivedMessages", m_tabs);
    for (QTableWidget *table : {m_messages, m_received}) {
        table->horizontalHeaderItem(SeqColumn)->setTextAlignment(kRight);
        table->horizontalHeaderItem(SizeColumn)->setTextAlignment(kRight);
        table->setColumnWidth(SeqColumn, 86);
        table->setColumnWidth(IdColumn, 150);
        table->setColumnWidth(SubjectColumn, 120);
        table->setColumnWidth(EnqueuedColumn, 180);
        table->setColumnWidth(SizeColumn, 70);
    }
    m_received->horizontalHeaderItem(StateOrDeliveriesColumn)->setTextAlignment(kRight);
    m_received->setSelectionMode(QAbstractItemView::ExtendedSelection);
    connect(m_received, &QTableWidget::itemSelectionChanged, this, &SessionsView::updateActions);
    messagesLayout->addWidget(m_messages);
    m_messagesNote = new QLabel(messagesPage);
    m_messagesNote->setObjectName(QStringLiteral("messagesNote"));
    m_messagesNote->setForegroundRole(QPalette::PlaceholderText);
    m_messagesNote->setContentsMargins(4, 2, 4, 2);
    m_messagesNote->hide();
    messagesLayout->addWidget(m_messagesNote);
    m_tabs->addTab(messagesPage, tr("Messages"));
    m_tabs->addTab(m_received, tr("Received"));
    vsplit->addWidget(stateBox);
    vsplit->addWidget(m_tabs);
    vsplit->setStretchFactor(0, 2);
    vsplit->setStretchFactor(1, 3);
    detailLayout->addWidget(vsplit, 1);
    m_detailStack->addWidget(detail);

    splitter->addWidget(m_listStack);
    splitter->addWidget(m_detailStack);
    splitter->setStretchFactor(0, 2);
    splitter->setStretchFactor(1, 3);
    splitter->setSizes({420, 700});
    layout->addWidget(splitter, 1);

    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("sessionsStatus"));
    m_status->setTextFormat(Qt::PlainText);
    m_status->setContentsMargins(6, 3, 6, 3);
    layout->addWidget(m_status);
}

void SessionsView::setReadOnly(bool readOnly)
{
    m_readOnly = readOnly;
    updateActions();
}

void SessionsView::updateActions()
{
    const bool selected = !m_current.isEmpty();
    const bool idle = m_busy == 0;
    m_saveAction->setEnabled(canSave());
    m_clearAction->setEnabled(!m_readOnly && selected && idle && m_stateLoaded && m_original.has_value());
    m_receiveAction->setEnabled(!m_readOnly && selected && idle);
    m_count->setEnabled(!m_readOnly);
    const bool settleable = !m_readOnly && idle && !m_held.isEmpty() && !m_receivedMessages.empty();
    m_completeAction->setEnabled(settleable);
    m_abandonAction->setEnabled(settleable);
    m_releaseAction->setEnabled(idle && !m_held.isEmpty());
    m_editor->setReadOnly(m_readOnly || !m_stateLoaded);
    if (m_held.isEmpty())
        m_lockLabel->clear();
    else if (m_held == m_current)
        m_lockLabel->setText(tr("Locked by this view for receiving"));
    else
        m_lockLabel->setText(tr("Holding the lock of session '%1'").arg(m_held));
    m_tabs->setTabText(1, m_receivedMessages.empty()
                              ? tr("Received")
                              : tr("Received (%1)").arg(QLocale().toString(qint64(m_receivedMessages.size()))));
}

void SessionsView::updateStatus()
{
    QStringList parts;
    if (m_listingSessions) {
        parts << tr("Listing sessions…");
    } else {
        const QString count = QLocale().toString(qint64(m_rows.size()));
        parts << (m_rows.size() == 1 ? tr("1 session") : tr("%1 sessions").arg(count));
        if (m_listTruncated)
            parts.last() = tr("first %1 sessions").arg(count);
        const auto pending = std::count_if(m_rows.begin(), m_rows.end(), [](const SessionRow &r) {
            return r.count < 0 && r.error.isEmpty();
        });
        if (pending > 0)
            parts << tr("counting messages (%1 to go)…").arg(pending);
    }
    if (!m_lastError.isEmpty())
        parts << m_lastError;
    else if (!m_lastSummary.isEmpty())
        parts << m_lastSummary;
    m_status->setText(parts.join(QStringLiteral(" · ")));
}

void SessionsView::showError(const QString &message)
{
    m_lastError = message;
    m_lastSummary.clear();
    updateStatus();
    Q_EMIT errorOccurred(message);
}

void SessionsView::finish(const QString &summary)
{
    m_lastSummary = summary;
    m_lastError.clear();
    updateStatus();
    Q_EMIT operationFinished(summary);
}

// ---- the session list ------------------------------------------------------------------------------

QStringList SessionsView::sessionIds() const
{
    QStringList ids;
    for (const SessionRow &r : m_rows)
        ids << r.id;
    return ids;
}

qint64 SessionsView::messageCount(const QString &sessionId) const
{
    for (const SessionRow &r : m_rows)
        if (r.id == sessionId)
            return r.count;
    return -2;
}

bool SessionsView::isIdle() const
{
    return !m_listingSessions && !m_detailRunning && m_detailQueue.empty();
}

QString SessionsView::currentSession() const
{
    return m_current;
}

bool SessionsView::selectSession(const QString &sessionId)
{
    const int i = rowIndex(sessionId);
    if (i < 0)
        return false;
    m_sessions->selectRow(i);
    m_sessions->setCurrentCell(i, SessionIdColumn);
    return true;
}

SessionsView::SessionRow *SessionsView::row(const QString &id)
{
    for (SessionRow &r : m_rows)
        if (r.id == id)
            return &r;
    return nullptr;
}

int SessionsView::rowIndex(const QString &id) const
{
    for (std::size_t i = 0; i < m_rows.size(); ++i)
        if (m_rows[i].id == id)
            return int(i);
    return -1;
}

void SessionsView::refresh()
{
    ++m_generation;
    m_listed.clear();
    m_detailQueue.clear();
    m_detailRunning = false;
    m_listingSessions = true;
    m_listTruncated = false;
    m_lastError.clear();
    updateStatus();
    listPage(0, m_generation);
}

void SessionsView::listPage(int skip, quint64 generation)
{
    m_connection->listSessions(m_entity, skip, kSessionPage, this, [this, skip, generation](core::Result<client::SessionPage> r) {
        if (generation != m_generation)
            return;
        if (!r) {
            showError(tr("Could not list the sessions: %1").arg(errorText(r.error())));
            finishListing(generation);
            return;
        }
        for (const std::string &id : r.value().sessionIds)
            m_listed << QString::fromStdString(id);
        const int got = int(r.value().sessionIds.size());
        if (got >= kSessionPage && m_listed.size() < kMaxSessions) {
            const int next = r.value().nextSkip > skip ? r.value().nextSkip : skip + got;
            listPage(next, generation);
            return;
        }
        m_listTruncated = got >= kSessionPage;
        finishListing(generation);
    });
}

void SessionsView::finishListing(quint64 generation)
{
    if (generation != m_generation)
        return;
    m_listingSessions = false;
    const QString keep = m_current;
    // What is known about a session survives a refresh until it is recounted.
    std::vector<SessionRow> rows;
    rows.reserve(std::size_t(m_listed.size()));
    for (const QString &id : std::as_const(m_listed)) {
        SessionRow next;
        next.id = id;
        if (const SessionRow *old = row(id)) {
            next.stateKnown = old->stateKnown;
            next.state = old->state;
        }
        rows.push_back(std::move(next));
    }
    m_rows = std::move(rows);
    m_listed.clear();

    {
        const QSignalBlocker block(m_sessions);
        m_sessions->clearSelection();
        m_sessions->setRowCount(int(m_rows.size()));
        for (std::size_t i = 0; i < m_rows.size(); ++i) {
            m_sessions->setItem(int(i), SessionIdColumn, item(m_rows[i].id));
            m_sessions->setItem(int(i), MessagesColumn, item(QStringLiteral("…"), kRight));
            m_sessions->setItem(int(i), StateColumn, item(QString()));
            updateRow(m_rows[i].id);
        }
    }
    m_listStack->setCurrentWidget(m_rows.empty() ? static_cast<QWidget *>(m_empty) : m_sessions);

    // Reselect (and reload) the session that was selected.
    m_current.clear();
    if (keep.isEmpty() || !selectSession(keep))  // selecting triggers onCurrentSessionChanged()
        onCurrentSessionChanged();

    if (!m_current.isEmpty())
        m_detailQueue.push_back(m_current);
    for (const SessionRow &r : m_rows)
        if (r.id != m_current)
            m_detailQueue.push_back(r.id);
    updateStatus();
    Q_EMIT sessionsListed(int(m_rows.size()));
    processNextDetail();
}

void SessionsView::enqueueDetail(const QString &id, bool urgent)
{
    if (SessionRow *r = row(id)) {
        r->count = -1;
        r->capped = false;
        r->error.clear();
        updateRow(id);
    }
    m_detailQueue.erase(std::remove(m_detailQueue.begin(), m_detailQueue.end(), id), m_detailQueue.end());
    if (urgent)
        m_detailQueue.push_front(id);
    else
        m_detailQueue.push_back(id);
    updateStatus();
    if (!m_detailRunning)
        processNextDetail();
}

void SessionsView::processNextDetail()
{
    QString id;
    while (!m_detailQueue.empty() && id.isEmpty()) {
        if (row(m_detailQueue.front()))
            id = m_detailQueue.front();
        m_detailQueue.pop_front();
    }
    if (id.isEmpty()) {
        m_detailRunning = false;
        updateStatus();
        return;
    }
    // One session at a time: its state, then its messages page by page.
    m_detailRunning = true;
    const quint64 generation = m_generation;
    m_connection->getSessionState(m_entity, id.toStdString(), this,
                                  [this, id, generation](core::Result<std::optional<std::string>> r) {
                                      if (generation != m_generation)
                                          return;
                                      if (SessionRow *s = row(id)) {
                                          if (r) {
                                              s->stateKnown = true;
                                              s->state = r.value() ? std::optional<QByteArray>(QByteArray::fromStdString(*r.value()))
                                                                   : std::nullopt;
                                          } else {
                                              s->error = errorText(r.error());
                                          }
                                          updateRow(id);
                                      }
                                      countPage(id, 0, 0, generation);
                                  });
}

void SessionsView::countPage(const QString &id, std::int64_t from, qint64 counted, quint64 generation)
{
    const int page = int(std::min<qint64>(kPeekPage, kCountCap - counted));
    m_connection->peek(
        m_entity, from, page, this,
        [this, id, counted, generation](core::Result<std::vector<core::Message>> r) {
            if (generation != m_generation)
                return;
            SessionRow *s = row(id);
            if (!s) {
                finishDetail(id, generation);
                return;
            }
            if (!r) {
                s->count = -1;
                s->error = errorText(r.error());
                finishDetail(id, generation);
                return;
            }
            const qint64 total = counted + qint64(r.value().size());
            // Only an empty page ends the session: a broker may return fewer than asked mid-way.
            if (r.value().empty() || total >= kCountCap) {
                s->count = std::min<qint64>(total, kCountCap);
                s->capped = total >= kCountCap;
                finishDetail(id, generation);
                return;
            }
            countPage(id, r.value().back().sequenceNumber + 1, total, generation);
        },
        id.toStdString());
}

void SessionsView::finishDetail(const QString &id, quint64 generation)
{
    if (generation != m_generation)
        return;
    updateRow(id);
    updateStatus();
    processNextDetail();
}

void SessionsView::updateRow(const QString &id)
{
    const int i = rowIndex(id);
    if (i < 0 || i >= m_sessions->rowCount())
        return;
    const SessionRow &r = m_rows[std::size_t(i)];
    if (auto *count = m_sessions->item(i, MessagesColumn)) {
        QString text = QStringLiteral("…");
        QString tip;
        if (r.count >= 0)
            text = (r.capped ? QStringLiteral("≥") : QString()) + QLocale().toString(r.count);
        else if (!r.error.isEmpty()) {
            text = QStringLiteral("?");
            tip = r.error;
        }
        count->setText(text);
        count->setToolTip(tip);
    }
    if (auto *state = m_sessions->item(i, StateColumn)) {
        state->setText(r.stateKnown ? statePreview(r.state) : QString());
        state->setToolTip(r.stateKnown && r.state ? statePreview(r.state) : QString());
    }
}

// ---- the selected session ----------------------------------------------------------------------------

void SessionsView::onCurrentSessionChanged()
{
    QString id;
    const auto rows = m_sessions->selectionModel() ? m_sessions->selectionModel()->selectedRows() : QModelIndexList{};
    if (!rows.isEmpty() && rows.first().row() < int(m_rows.size()))
        id = m_rows[std::size_t(rows.first().row())].id;
    if (id == m_current && !id.isEmpty())
        return;
    m_current = id;
    ++m_selection;
    m_original.reset();
    m_stateLoaded = false;
    m_edited.clear();
    m_editValid = true;
    m_textEdited = false;
    setStateError({});
    m_messages->setRowCount(0);
    m_messagesNote->hide();
    m_tabs->setTabText(0, tr("Messages"));
    if (id.isEmpty()) {
        m_listing = false;
        m_detailStack->setCurrentIndex(0);
        updateActions();
        return;
    }
    m_detailStack->setCurrentIndex(1);
    m_sessionTitle->setText(tr("Session %1").arg(id));
    m_stateSize->clear();
    setEditorText(QString());
    m_editor->setPlaceholderText(tr("Loading the session state…"));
    loadState(id);
    m_listing = true;
    listMessages(id, 0, m_selection);
    updateActions();
}

void SessionsView::loadState(const QString &id)
{
    const quint64 selection = m_selection;
    m_connection->getSessionState(m_entity, id.toStdString(), this,
                                  [this, id, selection](core::Result<std::optional<std::string>> r) {
                                      if (selection != m_selection)
                                          return;
                                      if (!r) {
                                          m_editor->setPlaceholderText(QString());
                                          setStateError(tr("Could not read the session state: %1").arg(errorText(r.error())));
                                          updateActions();
                                          return;
                                      }
                                      std::optional<QByteArray> state;
                                      if (r.value())
                                          state = QByteArray::fromStdString(*r.value());
                                      if (SessionRow *s = row(id)) {
                                          s->stateKnown = true;
                                          s->state = state;
                                          updateRow(id);
                                      }
                                      showState(state);
                                  });
}

void SessionsView::showState(const std::optional<QByteArray> &state)
{
    m_original = state;
    m_edited = state.value_or(QByteArray());
    m_stateLoaded = true;
    m_editValid = true;
    m_editor->setPlaceholderText(tr("No state. Type text, JSON or hex and press Save (Ctrl+S) to set it."));
    m_stateSize->setText(state ? tr("%1 bytes").arg(QLocale().toString(qint64(state->size()))) : tr("not set"));

    // Open each session in the view that shows its bytes best: JSON objects/arrays pretty-printed,
    // other UTF-8 as text, anything else as hex.
    const auto text = utf8(m_edited);
    const QByteArray trimmed = m_edited.trimmed();
    StateFormat format = StateFormat::Text;
    if (!text)
        format = StateFormat::Hex;
    else if ((trimmed.startsWith('{') || trimmed.startsWith('[')) && prettyJson(m_edited))
        format = StateFormat::Json;
    m_format = format;
    m_formatGroup->button(int(format))->setChecked(true);

    QString shown;
    switch (format) {
    case StateFormat::Text: shown = *text; break;
    case StateFormat::Json: shown = prettyJson(m_edited).value(); break;
    case StateFormat::Hex: shown = toHex(m_edited); break;
    }
    setEditorText(shown);
    setStateError({});
    updateActions();
}

void SessionsView::setEditorText(const QString &text)
{
    m_settingText = true;
    m_editor->setPlainText(text);
    m_settingText = false;
    m_textEdited = false;
}

core::Result<QByteArray> SessionsView::parseEditor(bool validateJson) const
{
    const QString text = m_editor->toPlainText();
    switch (m_format) {
    case StateFormat::Text: return text.toUtf8();
    case StateFormat::Json: {
        const QByteArray bytes = text.toUtf8();
        if (validateJson) {
            auto pretty = prettyJson(bytes);
            if (!pretty)
                return pretty.error();
        }
        return bytes;
    }
    case StateFormat::Hex: return fromHex(text);
    }
    return QByteArray();
}

void SessionsView::onEditorChanged()
{
    if (m_settingText || !m_stateLoaded)
        return;
    m_textEdited = true;
    auto bytes = parseEditor(true);
    if (bytes) {
        m_edited = bytes.value();
        m_editValid = true;
        setStateError({});
        m_stateSize->setText(tr("%1 bytes").arg(QLocale().toString(qint64(m_edited.size()))));
    } else {
        m_editValid = false;
        setStateError(QString::fromStdString(bytes.error().message));
    }
    updateActions();
}

void SessionsView::onFormatClicked(int id)
{
    if (!setStateFormat(StateFormat(id)))
        m_formatGroup->button(int(m_format))->setChecked(true);
}

bool SessionsView::setStateFormat(StateFormat format)
{
    if (format == m_format) {
        m_formatGroup->button(int(format))->setChecked(true);
        return true;
    }
    // The bytes behind the current view: unedited text stands for m_edited as loaded (re-parsing a
    // pretty-printed JSON view would change them); edited text converts leniently (invalid JSON may
    // still move to Text or Hex to be fixed there).
    QByteArray bytes = m_edited;
    if (m_textEdited) {
        auto parsed = parseEditor(false);
        if (!parsed) {
            setStateError(tr("Fix the hex before switching views. %1").arg(QString::fromStdString(parsed.error().message)));
            m_formatGroup->button(int(m_format))->setChecked(true);
            return false;
        }
        bytes = parsed.value();
    }
    QString shown;
    QString error;
    if (format == StateFormat::Hex) {
        shown = toHex(bytes);
    } else {
        const auto text = utf8(bytes);
        if (!text) {
            setStateError(tr("The state is not UTF-8 text; edit it in the Hex view."));
            m_formatGroup->button(int(m_format))->setChecked(true);
            return false;
        }
        shown = *text;
        if (format == StateFormat::Json) {
            // Invalid JSON is shown as it is, with the error, and cannot be saved from this view.
            auto pretty = prettyJson(bytes);
            if (pretty)
                shown = pretty.value();
            else
                error = QString::fromStdString(pretty.error().message);
        }
    }
    m_format = format;
    m_formatGroup->button(int(format))->setChecked(true);
    // A pending edit stays pending in the new view: dirtiness is m_edited against m_original.
    m_edited = bytes;
    setEditorText(shown);
    m_editValid = error.isEmpty();
    setStateError(error);
    updateActions();
    return true;
}

void SessionsView::setStateError(const QString &message)
{
    m_stateErrorText = message;
    m_stateErrorLabel->setText(message);
    m_stateErrorLabel->setVisible(!message.isEmpty());
}

QString SessionsView::stateError() const
{
    return m_stateErrorText;
}

bool SessionsView::canSave() const
{
    return !m_readOnly && !m_current.isEmpty() && m_stateLoaded && m_editValid && m_busy == 0
           && m_edited != m_original.value_or(QByteArray());
}

void SessionsView::listMessages(const QString &id, std::int64_t from, quint64 selection)
{
    const int page = std::min(kPeekPage, kMaxListed - m_messages->rowCount());
    m_connection->peek(
        m_entity, from, page, this,
        [this, id, selection](core::Result<std::vector<core::Message>> r) {
            if (selection != m_selection)
                return;
            if (!r) {
                m_listing = false;
                m_messagesNote->setText(tr("Could not peek the session's messages: %1").arg(errorText(r.error())));
                m_messagesNote->show();
                return;
            }
            const auto &messages = r.value();
            m_messages->setUpdatesEnabled(false);
            int at = m_messages->rowCount();
            m_messages->setRowCount(at + int(messages.size()));
            for (const core::Message &m : messages) {
                m_messages->setItem(at, SeqColumn, item(QString::number(m.sequenceNumber), kRight));
                m_messages->setItem(at, IdColumn, item(QString::fromStdString(m.messageIdString())));
                m_messages->setItem(at, SubjectColumn, item(QString::fromStdString(m.subject.value_or(std::string()))));
                m_messages->setItem(at, EnqueuedColumn, item(timeText(m.enqueuedTime)));
                m_messages->setItem(at, SizeColumn, item(QLocale().toString(qint64(m.size())), kRight));
                m_messages->setItem(at, StateOrDeliveriesColumn, item(messageStateText(m.state)));
                ++at;
            }
            m_messages->setUpdatesEnabled(true);
            const int rows = m_messages->rowCount();
            if (!messages.empty() && rows < kMaxListed) {
                listMessages(id, messages.back().sequenceNumber + 1, selection);
                return;
            }
            m_listing = false;
            const bool capped = rows >= kMaxListed;
            m_tabs->setTabText(0, capped ? tr("Messages (first %1)").arg(QLocale().toString(rows))
                                         : tr("Messages (%1)").arg(QLocale().toString(rows)));
            m_messagesNote->setText(capped ? tr("Showing the first %1 messages of the session.").arg(QLocale().toString(rows))
                                           : QString());
            m_messagesNote->setVisible(capped);
        },
        id.toStdString());
}

// ---- writing the state -----------------------------------------------------------------------------

void SessionsView::saveState()
{
    if (!canSave())
        return;
    writeState(m_current, m_edited);
}

void SessionsView::clearState()
{
    if (m_readOnly || m_current.isEmpty() || m_busy > 0 || !m_stateLoaded)
        return;
    writeState(m_current, std::nullopt);
}

void SessionsView::writeState(const QString &id, std::optional<QByteArray> state)
{
    ++m_busy;
    updateActions();
    const std::string sid = id.toStdString();
    const bool held = m_held == id;
    const quint64 selection = m_selection;
    auto done = [this, id, state, selection](const QString &error) {
        --m_busy;
        if (m_writing == id)
            m_writing.clear();
        if (!error.isEmpty()) {
            if (selection == m_selection)
                setStateError(error);
            showError(error);
            updateActions();
            return;
        }
        if (SessionRow *s = row(id)) {
            s->stateKnown = true;
            s->state = state;
            updateRow(id);
        }
        if (selection == m_selection) {
            // The saved bytes are now the original; the editor keeps what the user sees.
            m_original = state;
            m_edited = state.value_or(QByteArray());
            m_textEdited = false;
            m_stateSize->setText(state ? tr("%1 bytes").arg(QLocale().toString(qint64(state->size()))) : tr("not set"));
            if (!state)
                setEditorText(QString());
        }
        finish(state ? tr("State of session '%1' saved (%2 bytes)").arg(id, QLocale().toString(qint64(state->size())))
                     : tr("State of session '%1' cleared").arg(id));
        updateActions();
    };
    auto set = [this, sid, state, held, done] {
        std::optional<std::string> bytes;
        if (state)
            bytes = state->toStdString();
        m_connection->setSessionState(m_entity, sid, std::move(bytes), this, [this, sid, held, done](core::Result<void> r) {
            const QString error = r ? QString() : tr("Could not set the session state: %1").arg(errorText(r.error()));
            if (held) {
                done(error);
                return;
            }
            // Release the lock taken for this call whatever the outcome.
            m_connection->closeSession(m_entity, sid, this, [done, error](core::Result<void>) { done(error); });
        });
    };
    if (held) {
        set();
        return;
    }
    // Azure only takes session state from the session's lock holder.
    m_writing = id;
    m_connection->acceptSession(m_entity, sid, client::ReceiveMode::PeekLock, this,
                                [this, id, set, done](core::Result<client::SessionInfo> r) {
                                    if (!r) {
                                        done(tr("Could not lock session '%1' to change its state: %2")
                                                 .arg(id, errorText(r.error())));
                                        return;
                                    }
                                    set();
                                });
}

// ---- receiving ---------------------------------------------------------------------------------------

void SessionsView::receive()
{
    if (m_readOnly || m_current.isEmpty() || m_busy > 0)
        return;
    const QString id = m_current;
    const int count = m_count->value();
    if (m_held == id) {
        receiveFromHeld(count);
        return;
    }
    if (!m_held.isEmpty()) {
        release([this, id, count] { lockAndReceive(id, count); });
        return;
    }
    lockAndReceive(id, count);
}

void SessionsView::lockAndReceive(const QString &id, int count)
{
    ++m_busy;
    updateActions();
    m_connection->acceptSession(m_entity, id.toStdString(), client::ReceiveMode::PeekLock, this,
                                [this, id, count](core::Result<client::SessionInfo> r) {
                                    --m_busy;
                                    if (!r) {
                                        showError(tr("Could not lock session '%1': %2").arg(id, errorText(r.error())));
                                        updateActions();
                                        return;
                                    }
                                    m_held = id;
                                    startRenewal(r.value().lockedUntil);
                                    receiveFromHeld(count);
                                });
}

void SessionsView::receiveFromHeld(int count)
{
    ++m_busy;
    updateActions();
    const QString id = m_held;
    m_connection->receiveFromSession(
        m_entity, id.toStdString(), count, kReceiveWait, this, [this, id](core::Result<std::vector<core::Message>> r) {
            --m_busy;
            if (!r) {
                if (r.error().code == core::ErrorCode::SessionLockLost) {
                    m_held.clear();
                    m_receivedMessages.clear();
                    m_received->setRowCount(0);
                    m_renewTimer.stop();
                }
                showError(tr("Could not receive from session '%1': %2").arg(id, errorText(r.error())));
                updateActions();
                return;
            }
            const auto &messages = r.value();
            int at = m_received->rowCount();
            m_received->setRowCount(at + int(messages.size()));
            for (const core::Message &m : messages) {
                m_received->setItem(at, SeqColumn, item(QString::number(m.sequenceNumber), kRight));
                m_received->setItem(at, IdColumn, item(QString::fromStdString(m.messageIdString())));
                m_received->setItem(at, SubjectColumn, item(QString::fromStdString(m.subject.value_or(std::string()))));
                m_received->setItem(at, EnqueuedColumn, item(timeText(m.enqueuedTime)));
                m_received->setItem(at, SizeColumn, item(QLocale().toString(qint64(m.size())), kRight));
                m_received->setItem(at, StateOrDeliveriesColumn, item(QString::number(m.deliveryCount), kRight));
                m_receivedMessages.push_back(m);
                ++at;
            }
            m_tabs->setCurrentIndex(1);
            finish(messages.empty() ? tr("No message to receive in session '%1'").arg(id)
                   : messages.size() == 1
                       ? tr("1 message received from session '%1' (locked until settled or released)").arg(id)
                       : tr("%1 messages received from session '%2' (locked until settled or released)")
                             .arg(QLocale().toString(qint64(messages.size())), id));
            updateActions();
        });
}

void SessionsView::completeReceived()
{
    settleReceived(true);
}

void SessionsView::abandonReceived()
{
    settleReceived(false);
}

void SessionsView::settleReceived(bool complete)
{
    if (m_readOnly || m_held.isEmpty() || m_receivedMessages.empty() || m_busy > 0)
        return;
    std::vector<int> rows;
    for (const QModelIndex &index : m_received->selectionModel()->selectedRows())
        rows.push_back(index.row());
    if (rows.empty())
        for (int i = 0; i < int(m_receivedMessages.size()); ++i)
            rows.push_back(i);
    std::sort(rows.begin(), rows.end());

    struct Progress
    {
        int pending = 0;
        std::set<std::int64_t> settled;
        QString firstError;
    };
    auto progress = std::make_shared<Progress>();
    progress->pending = int(rows.size());
    ++m_busy;
    updateActions();
    const QString id = m_held;
    for (int i : rows) {
        const core::Message &m = m_receivedMessages[std::size_t(i)];
        const std::int64_t seq = m.sequenceNumber;
        auto settled = [this, progress, seq, id, complete](core::Result<void> r) {
            if (r)
                progress->settled.insert(seq);
            else if (progress->firstError.isEmpty())
                progress->firstError = errorText(r.error());
            if (--progress->pending > 0)
                return;
            --m_busy;
            // Drop the settled rows (back to front keeps the indices valid).
            for (int row = int(m_receivedMessages.size()) - 1; row >= 0; --row)
                if (progress->settled.count(m_receivedMessages[std::size_t(row)].sequenceNumber)) {
                    m_receivedMessages.erase(m_receivedMessages.begin() + row);
                    m_received->removeRow(row);
                }
            const QString n = QLocale().toString(qint64(progress->settled.size()));
            const QString summary = complete ? tr("%1 message(s) completed").arg(n) : tr("%1 message(s) abandoned").arg(n);
            if (!progress->firstError.isEmpty())
                showError(tr("%1; some failed: %2").arg(summary, progress->firstError));
            else
                finish(summary);
            enqueueDetail(id, true);
            if (m_current == id) {
                ++m_selection;
                const quint64 selection = m_selection;
                m_messages->setRowCount(0);
                m_listing = true;
                loadState(id);
                listMessages(id, 0, selection);
            }
            updateActions();
        };
        if (complete)
            m_connection->complete(m_entity, m.lockToken, this, settled);
        else
            m_connection->abandon(m_entity, m.lockToken, {}, this, settled);
    }
}

void SessionsView::startRenewal(core::TimePoint lockedUntil)
{
    // Renew at half the remaining lock time (Azure's default lock is 60 s).
    const qint64 left = lockedUntil == core::TimePoint{}
                            ? 30000
                            : core::toMillisSinceEpoch(lockedUntil) - QDateTime::currentMSecsSinceEpoch();
    m_renewTimer.start(int(std::clamp<qint64>(left / 2, 1000, 120000)));
}

void SessionsView::onRenew()
{
    if (m_held.isEmpty())
        return;
    const QString id = m_held;
    m_connection->renewSessionLock(m_entity, id.toStdString(), this, [this, id](core::Result<core::TimePoint> r) {
        if (m_held != id)
            return;
        if (r) {
            startRenewal(r.value());
            return;
        }
        m_held.clear();
        m_receivedMessages.clear();
        m_received->setRowCount(0);
        showError(tr("The lock of session '%1' was lost: %2").arg(id, errorText(r.error())));
        updateActions();
    });
}

void SessionsView::releaseSession()
{
    if (m_held.isEmpty() || m_busy > 0)
        return;
    const QString id = m_held;
    release([this, id] {
        finish(tr("Session '%1' released").arg(id));
        if (m_current == id) {
            ++m_selection;
            m_messages->setRowCount(0);
            m_listing = true;
            listMessages(id, 0, m_selection);
        }
    });
}

void SessionsView::release(std::function<void()> then)
{
    if (m_held.isEmpty()) {
        then();
        return;
    }
    const QString id = m_held;
    ++m_busy;
    m_renewTimer.stop();
    updateActions();
    m_connection->closeSession(m_entity, id.toStdString(), this, [this, id, then = std::move(then)](core::Result<void>) {
        --m_busy;
        if (m_held == id) {
            m_held.clear();
            m_receivedMessages.clear();
            m_received->setRowCount(0);
        }
        enqueueDetail(id, true);
        updateActions();
        then();
    });
}

} // namespace busyard::widgets
