#include "replaydialog.h"

#include "purgeflow.h"
#include "sqleditor.h"
#include "sqllexer.h"

#include "core/client/namespaceconnection.h"
#include "core/sql/filter.h"

#include <Qsci/qsciscintilla.h>

#include <QButtonGroup>
#include <QCheckBox>
#include <QComboBox>
#include <QFile>
#include <QFileInfo>
#include <QFrame>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QIcon>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QRadioButton>
#include <QSettings>
#include <QStackedWidget>
#include <QTabWidget>
#include <QTableWidget>
#include <QTimer>
#include <QVBoxLayout>

#include <algorithm>
#include <climits>

namespace busyard::widgets {

namespace {

const QString kSettingsGroup = QStringLiteral("replayDialog");
constexpr int kPreviewCount = 5;
/** Seeds the preview's renewed ids; the job uses its own journal id, so the preview only says "new id". */
const std::string kPreviewJournalId = "preview";

enum PreviewColumn { ColSequence, ColMessageId, ColField, ColBefore, ColAfter, ColTarget, ColCount };
enum FailureColumn { FailSequence, FailMessageId, FailReason, FailCount };

QString qs(const std::string &s) { return QString::fromStdString(s); }

QIcon icon(const char *name) { return QIcon(QStringLiteral(":/busyard/icons/%1.svg").arg(QLatin1String(name))); }

QString displayValue(const core::Value &v)
{
    if (v.isNull())
        return QStringLiteral("null");
    if (v.isText())
        return QLatin1Char('\'') + qs(v.bytes()) + QLatin1Char('\'');
    return qs(v.toDisplayString());
}

QString displayOptional(const std::optional<std::string> &s)
{
    return s ? QLatin1Char('\'') + qs(*s) + QLatin1Char('\'') : QStringLiteral("—");
}

QString number(std::int64_t n) { return QLocale().toString(qlonglong(n)); }

QString messagesText(std::int64_t n)
{
    return n == 1 ? QObject::tr("1 message") : QObject::tr("%1 messages").arg(number(n));
}

/** One field a copy changes: name ("sys.Label", an application property), before and after ("—" = absent). */
struct FieldChange
{
    QString field;
    QString before;
    QString after;
};

/** What the copy changes: the system properties a rule action or the options can set, then the
    application properties (changed or added in the copy's order, then the removed ones). */
std::vector<FieldChange> fieldChanges(const core::Message &before, const core::Message &after)
{
    std::vector<FieldChange> out;
    const QString none = QStringLiteral("—");
    const auto value = [&](const core::Value &v) { return v.isNull() ? none : displayValue(v); };
    const auto sys = [&](const char *name, const QString &a, const QString &b) {
        if (a != b)
            out.push_back({QStringLiteral("sys.%1").arg(QLatin1String(name)), a, b});
    };
    sys("MessageId", value(before.messageId), value(after.messageId));
    sys("Label", displayOptional(before.subject), displayOptional(after.subject));
    sys("CorrelationId", value(before.correlationId), value(after.correlationId));
    sys("To", displayOptional(before.to), displayOptional(after.to));
    sys("ReplyTo", displayOptional(before.replyTo), displayOptional(after.replyTo));
    sys("ContentType", displayOptional(before.contentType), displayOptional(after.contentType));
    sys("SessionId", displayOptional(before.sessionId), displayOptional(after.sessionId));
    sys("ReplyToSessionId", displayOptional(before.replyToSessionId), displayOptional(after.replyToSessionId));
    sys("PartitionKey", displayOptional(before.partitionKey), displayOptional(after.partitionKey));
    for (const auto &[name, v] : after.applicationProperties.entries()) {
        const core::Value *old = before.applicationProperties.find(name);
        if (!old || !(*old == v))
            out.push_back({qs(name), old ? displayValue(*old) : none, displayValue(v)});
    }
    for (const auto &[name, v] : before.applicationProperties.entries())
        if (!after.applicationProperties.contains(name))
            out.push_back({qs(name), displayValue(v), QObject::tr("(removed)")});
    return out;
}

QString propertiesText(const core::PropertyMap &map)
{
    if (map.empty())
        return QObject::tr("(none)");
    QStringList lines;
    for (const auto &[name, value] : map.entries())
        lines << QStringLiteral("  %1 = %2").arg(qs(name), displayValue(value));
    return lines.join(QLatin1Char('\n'));
}

QTableWidgetItem *item(const QString &text, const QString &toolTip = {})
{
    auto *it = new QTableWidgetItem(text);
    it->setToolTip(toolTip.isEmpty() ? text : toolTip);
    return it;
}

void setupTable(QTableWidget *table, const QStringList &headers)
{
    table->setHorizontalHeaderLabels(headers);
    table->verticalHeader()->hide();
    table->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    table->verticalHeader()->setDefaultSectionSize(table->fontMetrics().height() + 8);
    table->horizontalHeader()->setStretchLastSection(true);
    table->horizontalHeader()->setDefaultAlignment(Qt::AlignLeft | Qt::AlignVCenter);
    table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table->setSelectionBehavior(QAbstractItemView::SelectRows);
    table->setAlternatingRowColors(true);
    table->setShowGrid(false);
    table->setWordWrap(false);
}

int clampToInt(std::int64_t n) { return int(std::clamp<std::int64_t>(n, 0, INT_MAX)); }

bool isDeadLetterPath(const QString &path)
{
    return path.endsWith(QLatin1String("/$DeadLetterQueue"), Qt::CaseInsensitive);
}

} // namespace

ReplayDialog::ReplayDialog(client::NamespaceConnection *connection, QString sourceEntity, Mode mode,
                           std::vector<core::Message> selection, std::int64_t sourceCount, QWidget *parent)
    : QDialog(parent)
    , m_connection(connection)
    , m_source(std::move(sourceEntity))
    , m_mode(mode)
    , m_selection(std::move(selection))
    , m_sourceCount(sourceCount)
{
    Q_ASSERT(connection);
    setObjectName(QStringLiteral("replayDialog"));
    setWindowTitle(mode == Mode::Move ? tr("Move messages") : tr("Replay messages"));
    setSizeGripEnabled(true);
    m_parentEntity = qs(models::originalTarget(core::Message{}, m_source.toStdString()));

    const auto &cs = connection->connectionString();
    QString host = qs(cs.host);
    if (cs.port) // two emulators on one host are two namespaces
        host += QLatin1Char(':') + QString::number(*cs.port);
    m_journalPath = models::ReplayJob::defaultJournalPath(host, m_source);

    m_updateTimer = new QTimer(this);
    m_updateTimer->setSingleShot(true);
    m_updateTimer->setInterval(120);
    connect(m_updateTimer, &QTimer::timeout, this, &ReplayDialog::updateAll);

    auto *layout = new QVBoxLayout(this);
    m_pages = new QStackedWidget(this);
    layout->addWidget(m_pages);
    buildOptionsPage();
    buildRunningPage();

    // QsciScintilla takes Esc for itself (ShortcutOverride + SCI_CANCEL); the dialog wants it.
    m_transform->editor()->installEventFilter(this);
    m_transform->editor()->viewport()->installEventFilter(this);

    restoreSettings();
    updateResumeBanner();
    loadEntities();
    loadPreviewMessages();
    updateAll();
}

ReplayDialog::~ReplayDialog() = default;

// ---- construction -----------------------------------------------------------------------------------

void ReplayDialog::buildOptionsPage()
{
    auto *page = new QWidget(m_pages);
    page->setObjectName(QStringLiteral("optionsPage"));
    auto *layout = new QVBoxLayout(page);
    layout->setContentsMargins(0, 0, 0, 0);

    // Resume banner
    m_resumeBanner = new QFrame(page);
    m_resumeBanner->setObjectName(QStringLiteral("resumeBanner"));
    m_resumeBanner->setFrameShape(QFrame::StyledPanel);
    m_resumeBanner->setStyleSheet(QStringLiteral(
        "#resumeBanner { background: #fff4ce; border: 1px solid #e0c060; border-radius: 3px; }"
        "#resumeBanner QLabel { color: #4a3b00; }"));
    auto *bannerLayout = new QHBoxLayout(m_resumeBanner);
    bannerLayout->setContentsMargins(8, 4, 8, 4);
    auto *bannerText = new QLabel(tr("An interrupted replay of this entity can be resumed"), m_resumeBanner);
    bannerText->setObjectName(QStringLiteral("resumeText"));
    bannerText->setToolTip(tr("Resuming completes what the earlier run already sent without sending it again"));
    bannerLayout->addWidget(bannerText, 1);
    m_resumeButton = new QPushButton(tr("&Resume"), m_resumeBanner);
    m_resumeButton->setObjectName(QStringLiteral("resumeButton"));
    m_discardButton = new QPushButton(tr("&Discard"), m_resumeBanner);
    m_discardButton->setObjectName(QStringLiteral("discardButton"));
    m_discardButton->setToolTip(tr("Forget the interrupted run: messages it sent but did not complete may be "
                                   "sent again"));
    bannerLayout->addWidget(m_resumeButton);
    bannerLayout->addWidget(m_discardButton);
    layout->addWidget(m_resumeBanner);
    connect(m_resumeButton, &QPushButton::clicked, this, &ReplayDialog::start);
    connect(m_discardButton, &QPushButton::clicked, this, &ReplayDialog::onDiscardJournal);

    // Source
    m_sourceLabel = new QLabel(page);
    m_sourceLabel->setObjectName(QStringLiteral("sourceLabel"));
    m_sourceLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    const QString sourceText = m_selection.empty()
        ? (m_sourceCount >= 0 ? tr("%1 — %2").arg(m_source, messagesText(m_sourceCount))
                              : tr("%1 — all messages").arg(m_source))
        : (m_selection.size() == 1 ? tr("1 selected message of %1").arg(m_source)
                                   : tr("%1 selected messages of %2").arg(number(std::int64_t(m_selection.size())), m_source));
    m_sourceLabel->setText(tr("<b>Source:</b> %1").arg(sourceText.toHtmlEscaped()));
    layout->addWidget(m_sourceLabel);
    if (m_selection.empty() && m_sourceCount < 0)
        fetchSourceCount();

    // Target and options side by side
    auto *top = new QHBoxLayout;
    auto *targetBox = new QGroupBox(tr("Target"), page);
    auto *targetLayout = new QVBoxLayout(targetBox);
    m_originalRadio = new QRadioButton(
        tr("&Original entity (dead-letter source or parent: %1)").arg(m_parentEntity), targetBox);
    m_originalRadio->setObjectName(QStringLiteral("originalTarget"));
    m_originalRadio->setToolTip(tr("Each message goes back to the entity it was dead-lettered from "
                                   "(x-opt-deadletter-source), else to %1").arg(m_parentEntity));
    m_entityRadio = new QRadioButton(m_mode == Mode::Move ? tr("&Queue or topic:") : tr("&Another queue or topic:"),
                                     targetBox);
    m_entityRadio->setObjectName(QStringLiteral("entityTarget"));
    auto *group = new QButtonGroup(targetBox);
    group->addButton(m_originalRadio);
    group->addButton(m_entityRadio);
    m_targetCombo = new QComboBox(targetBox);
    m_targetCombo->setObjectName(QStringLiteral("targetCombo"));
    m_targetCombo->setEditable(true);
    m_targetCombo->setInsertPolicy(QComboBox::NoInsert);
    m_targetCombo->lineEdit()->setPlaceholderText(tr("Loading queues and topics…"));
    m_targetCombo->setMinimumWidth(220);
    auto *entityRow = new QHBoxLayout;
    entityRow->addWidget(m_entityRadio);
    entityRow->addWidget(m_targetCombo, 1);
    targetLayout->addWidget(m_originalRadio);
    targetLayout->addLayout(entityRow);
    targetLayout->addStretch(1);
    m_targetHint = new QLabel(targetBox);
    m_targetHint->setObjectName(QStringLiteral("targetHint"));
    m_targetHint->setWordWrap(true);
    targetLayout->addWidget(m_targetHint);
    if (m_mode == Mode::Move) {
        m_originalRadio->hide();
        m_entityRadio->setChecked(true);
    } else {
        m_originalRadio->setChecked(true);
    }
    top->addWidget(targetBox, 3);

    auto *optionsBox = new QGroupBox(tr("Options"), page);
    auto *optionsLayout = new QVBoxLayout(optionsBox);
    m_renewCheck = new QCheckBox(tr("Re&new message id"), optionsBox);
    m_renewCheck->setObjectName(QStringLiteral("renewMessageId"));
    m_renewCheck->setToolTip(tr("Give each copy a new message id (stable if the run is resumed); "
                                "keep it off to let duplicate detection recognise replays"));
    m_stripCheck = new QCheckBox(tr("&Strip dead-letter properties"), optionsBox);
    m_stripCheck->setObjectName(QStringLiteral("stripDeadLetter"));
    m_stripCheck->setToolTip(tr("Remove DeadLetterReason and DeadLetterErrorDescription from the copies"));
    auto *countRow = new QHBoxLayout;
    m_replayCountCheck = new QCheckBox(tr("Replay &count property:"), optionsBox);
    m_replayCountCheck->setObjectName(QStringLiteral("replayCount"));
    m_replayCountCheck->setToolTip(tr("Increment this application property on each copy (the first replay sets 1)"));
    m_replayCountEdit = new QLineEdit(QStringLiteral("BusyardReplayCount"), optionsBox);
    m_replayCountEdit->setObjectName(QStringLiteral("replayCountName"));
    countRow->addWidget(m_replayCountCheck);
    countRow->addWidget(m_replayCountEdit, 1);
    m_copyOnlyCheck = new QCheckBox(tr("Copy &only (leave the originals in the source)"), optionsBox);
    m_copyOnlyCheck->setObjectName(QStringLiteral("copyOnly"));
    optionsLayout->addWidget(m_renewCheck);
    optionsLayout->addWidget(m_stripCheck);
    optionsLayout->addLayout(countRow);
    optionsLayout->addWidget(m_copyOnlyCheck);
    optionsLayout->addStretch(1);
    const bool replay = m_mode == Mode::Replay;
    m_stripCheck->setChecked(replay);
    m_replayCountCheck->setChecked(replay);
    m_replayCountEdit->setEnabled(replay);
    connect(m_replayCountCheck, &QCheckBox::toggled, m_replayCountEdit, &QWidget::setEnabled);
    top->addWidget(optionsBox, 2);
    layout->addLayout(top);

    // Transform
    auto *transformBox = new QGroupBox(tr("Transform (SQL rule action: SET / REMOVE, run on each copy)"), page);
    auto *transformLayout = new QVBoxLayout(transformBox);
    m_transform = new SqlEditor(SqlEditor::Mode::Action, transformBox);
    m_transform->setObjectName(QStringLiteral("transformEditor"));
    m_transform->setPlaceholderText(
        tr("Empty: no transform (the copies keep their properties apart from the options above). "
           "E.g. SET user.replayed = 'yes'; REMOVE user.retryHint"));
    m_transform->setToolTip(tr("For example: SET user.replayed = 'yes'; REMOVE user.retryHint\n"
                               "Statements run in order on each copy; empty = no transform"));
    transformLayout->addWidget(m_transform);
    layout->addWidget(transformBox);

    // Preview and routing
    m_previewTabs = new QTabWidget(page);
    m_previewTabs->setObjectName(QStringLiteral("previewTabs"));
    auto *previewPage = new QWidget(m_previewTabs);
    auto *previewLayout = new QVBoxLayout(previewPage);
    previewLayout->setContentsMargins(6, 6, 6, 6);
    m_previewNote = new QLabel(previewPage);
    m_previewNote->setObjectName(QStringLiteral("previewNote"));
    m_previewNote->setWordWrap(true);
    previewLayout->addWidget(m_previewNote);
    m_preview = new QTableWidget(0, ColCount, previewPage);
    m_preview->setObjectName(QStringLiteral("previewTable"));
    setupTable(m_preview, {tr("Seq."), tr("Message ID"), tr("Field"), tr("Before"), tr("After"), tr("Target")});
    // One row per changed field; the message's columns span its rows.
    m_preview->setAlternatingRowColors(false);
    m_preview->setShowGrid(false);
    m_preview->setSelectionMode(QAbstractItemView::NoSelection);
    m_preview->horizontalHeader()->setStretchLastSection(false);
    m_preview->horizontalHeader()->setSectionResizeMode(ColBefore, QHeaderView::Stretch);
    m_preview->horizontalHeader()->setSectionResizeMode(ColAfter, QHeaderView::Stretch);
    m_preview->setColumnWidth(ColSequence, 50);
    m_preview->setColumnWidth(ColMessageId, 150);
    m_preview->setColumnWidth(ColField, 220);
    m_preview->setColumnWidth(ColTarget, 150);
    previewLayout->addWidget(m_preview, 1);
    m_previewTabs->addTab(previewPage, tr("&Preview"));
    m_routingPage = new QWidget(m_previewTabs);
    m_routingPage->setObjectName(QStringLiteral("routingPage"));
    auto *routingLayout = new QVBoxLayout(m_routingPage);
    routingLayout->setContentsMargins(6, 6, 6, 6);
    m_previewTabs->addTab(m_routingPage, tr("Routing"));
    m_previewTabs->setTabVisible(1, false);
    layout->addWidget(m_previewTabs, 1);

    // Buttons
    auto *bottom = new QHBoxLayout;
    m_blockedLabel = new QLabel(page);
    m_blockedLabel->setObjectName(QStringLiteral("blockedReason"));
    m_blockedLabel->setStyleSheet(QStringLiteral("color: #c62828;"));
    m_blockedLabel->setWordWrap(true); // a transform error can be long
    bottom->addWidget(m_blockedLabel, 1);
    m_startButton = new QPushButton(m_mode == Mode::Move ? tr("&Move") : tr("&Replay"), page);
    m_startButton->setObjectName(QStringLiteral("startButton"));
    m_startButton->setDefault(true);
    m_startButton->setIcon(icon(m_mode == Mode::Move ? "transfer-deadletter" : "refresh"));
    m_closeOptionsButton = new QPushButton(tr("Cancel"), page);
    m_closeOptionsButton->setObjectName(QStringLiteral("cancelButton"));
    bottom->addWidget(m_startButton);
    bottom->addWidget(m_closeOptionsButton);
    layout->addLayout(bottom);
    connect(m_startButton, &QPushButton::clicked, this, &ReplayDialog::start);
    connect(m_closeOptionsButton, &QPushButton::clicked, this, &ReplayDialog::reject);

    // Every option change recomputes the preview (debounced: the transform is typed).
    for (auto *check : {m_renewCheck, m_stripCheck, m_replayCountCheck, m_copyOnlyCheck})
        connect(check, &QCheckBox::toggled, this, &ReplayDialog::scheduleUpdate);
    connect(m_originalRadio, &QRadioButton::toggled, this, &ReplayDialog::scheduleUpdate);
    connect(m_replayCountEdit, &QLineEdit::textChanged, this, &ReplayDialog::scheduleUpdate);
    connect(m_transform, &SqlEditor::textChanged, this, &ReplayDialog::scheduleUpdate);
    connect(m_transform, &SqlEditor::validated, this, &ReplayDialog::onTransformValidated);
    connect(m_targetCombo, &QComboBox::editTextChanged, this, [this](const QString &text) {
        if (!text.isEmpty())
            m_entityRadio->setChecked(true);
        scheduleUpdate();
    });

    m_pages->addWidget(page);
}

void ReplayDialog::buildRunningPage()
{
    auto *page = new QWidget(m_pages);
    page->setObjectName(QStringLiteral("runningPage"));
    auto *layout = new QVBoxLayout(page);
    layout->setContentsMargins(0, 0, 0, 0);
    m_runTitle = new QLabel(page);
    m_runTitle->setObjectName(QStringLiteral("runTitle"));
    m_runTitle->setWordWrap(true);
    layout->addWidget(m_runTitle);
    m_progress = new QProgressBar(page);
    m_progress->setObjectName(QStringLiteral("progressBar"));
    layout->addWidget(m_progress);
    m_countsLabel = new QLabel(page);
    m_countsLabel->setObjectName(QStringLiteral("countsLabel"));
    layout->addWidget(m_countsLabel);
    m_summaryLabel = new QLabel(page);
    m_summaryLabel->setObjectName(QStringLiteral("summaryLabel"));
    m_summaryLabel->setWordWrap(true);
    m_summaryLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_summaryLabel->hide();
    layout->addWidget(m_summaryLabel);
    layout->addSpacing(6);
    m_failuresTitle = new QLabel(page);
    m_failuresTitle->setObjectName(QStringLiteral("failuresTitle"));
    layout->addWidget(m_failuresTitle);
    m_failures = new QTableWidget(0, FailCount, page);
    m_failures->setObjectName(QStringLiteral("failuresTable"));
    setupTable(m_failures, {tr("Sequence number"), tr("Message ID"), tr("Reason")});
    m_failures->setColumnWidth(FailSequence, 125);
    m_failures->setColumnWidth(FailMessageId, 170);
    layout->addWidget(m_failures, 1);
    layout->addStretch(0);

    auto *bottom = new QHBoxLayout;
    bottom->addStretch(1);
    m_cancelJobButton = new QPushButton(tr("Cancel"), page);
    m_cancelJobButton->setObjectName(QStringLiteral("cancelJobButton"));
    m_cancelJobButton->setToolTip(tr("Stop after the batch in flight; the rest stays in the source"));
    m_closeButton = new QPushButton(tr("Close"), page);
    m_closeButton->setObjectName(QStringLiteral("closeButton"));
    m_closeButton->hide();
    bottom->addWidget(m_cancelJobButton);
    bottom->addWidget(m_closeButton);
    layout->addLayout(bottom);
    connect(m_cancelJobButton, &QPushButton::clicked, this, &ReplayDialog::onCancelJob);
    connect(m_closeButton, &QPushButton::clicked, this, &QDialog::accept);

    m_pages->addWidget(page);
}

// ---- loading -----------------------------------------------------------------------------------------

void ReplayDialog::loadEntities()
{
    auto pending = std::make_shared<int>(2);
    const auto fill = [this, pending] {
        if (--*pending > 0)
            return;
        m_entitiesLoaded = true;
        const QSignalBlocker blocker(m_targetCombo);
        const QString text = m_targetCombo->currentText();
        m_targetCombo->clear();
        for (const QString &q : std::as_const(m_queues))
            m_targetCombo->addItem(icon("queue"), q, QStringLiteral("queue"));
        for (const QString &t : std::as_const(m_topics))
            m_targetCombo->addItem(icon("topic"), t, QStringLiteral("topic"));
        m_targetCombo->setCurrentIndex(-1);
        m_targetCombo->setEditText(text);
        m_targetCombo->lineEdit()->setPlaceholderText(tr("queue or topic name"));
        scheduleUpdate();
    };
    m_connection->listQueues(this, [this, fill](core::Result<std::vector<client::QueueInfo>> r) {
        if (r)
            for (const auto &q : r.value())
                m_queues << qs(q.description.name);
        fill();
    });
    m_connection->listTopics(this, [this, fill](core::Result<std::vector<client::TopicInfo>> r) {
        if (r)
            for (const auto &t : r.value())
                m_topics << qs(t.description.name);
        fill();
    });
}

void ReplayDialog::loadPreviewMessages()
{
    if (!m_selection.empty()) {
        m_previewMessages.assign(m_selection.begin(),
                                 m_selection.begin() + std::min<std::ptrdiff_t>(kPreviewCount, std::ptrdiff_t(m_selection.size())));
        m_previewLoaded = true;
        return;
    }
    m_connection->peek(m_source.toStdString(), 0, kPreviewCount, this,
                       [this](core::Result<std::vector<core::Message>> r) {
                           if (r)
                               m_previewMessages = std::move(r.value());
                           else
                               m_previewError = tr("Could not peek the source: %1").arg(qs(r.error().message));
                           m_previewLoaded = true;
                           scheduleUpdate();
                       });
}

// ---- options and preview -------------------------------------------------------------------------------

models::ReplayOptions ReplayDialog::options() const
{
    models::ReplayOptions o;
    o.target = m_entityRadio->isChecked() ? models::ReplayOptions::Target::Entity : models::ReplayOptions::Target::Original;
    o.targetEntity = m_targetCombo->currentText().trimmed();
    o.renewMessageId = m_renewCheck->isChecked();
    o.stripDeadLetterProperties = m_stripCheck->isChecked();
    o.replayCountProperty = m_replayCountCheck->isChecked() ? m_replayCountEdit->text().trimmed() : QString();
    o.transform = m_transform->text().trimmed();
    for (const auto &m : m_selection)
        o.sequenceNumbers.insert(m.sequenceNumber);
    o.completeOriginal = !m_copyOnlyCheck->isChecked();
    return o;
}

void ReplayDialog::scheduleUpdate()
{
    m_updateTimer->start();
}

void ReplayDialog::updateAll()
{
    if (m_pages->currentIndex() != 0)
        return;
    updateTransformDiagnostic();
    updatePreview();
    updateStartButton();
}

void ReplayDialog::updateTransformDiagnostic()
{
    // Empty is fine (no transform). Otherwise the editor's check (the same parser; it runs a check
    // still pending from the last keystroke first), then the job's own compile, which also needs
    // every @parameter to have a value: a replay has none to give.
    m_transformValid = true;
    m_transformError.clear();
    const QString text = m_transform->text();
    if (text.trimmed().isEmpty())
        return;
    if (!m_transform->isValid()) {
        m_transformValid = false;
        m_transformError = m_transform->errorText();
        return;
    }
    if (auto compiled = core::sql::Action::compile(text.toStdString()); !compiled) {
        m_transformValid = false;
        m_transformError = qs(compiled.error().message);
    }
}

void ReplayDialog::onTransformValidated()
{
    updateTransformDiagnostic();
    if (!m_transformValid && m_transform->isValid()) {
        // The editor says "valid" (it checks without parameter values); say why the job would refuse it.
        QLabel *label = m_transform->messageLabel();
        label->setText(m_transformError);
        QPalette p = label->palette();
        p.setColor(QPalette::WindowText, m_transform->lexer()->isDark() ? QColor(0xFF, 0x6B, 0x6B) : QColor(0xC6, 0x28, 0x28));
        label->setPalette(p);
    }
}

QString ReplayDialog::targetOf(const core::Message &message, const models::ReplayOptions &options) const
{
    if (options.target == models::ReplayOptions::Target::Entity)
        return options.targetEntity;
    return qs(models::originalTarget(message, m_source.toStdString()));
}

bool ReplayDialog::isTopic(const QString &entity) const
{
    return m_topics.contains(entity, Qt::CaseInsensitive);
}

void ReplayDialog::updatePreview()
{
    m_preview->setRowCount(0);
    if (!m_previewLoaded) {
        m_previewNote->setText(tr("Loading the first messages of %1…").arg(m_source));
        updateRouting({});
        return;
    }
    if (!m_previewError.isEmpty()) {
        m_previewNote->setText(m_previewError);
        updateRouting({});
        return;
    }
    if (m_previewMessages.empty()) {
        m_previewNote->setText(tr("%1 has no messages to preview.").arg(m_source));
        updateRouting({});
        return;
    }
    models::ReplayOptions opts = options();
    QString note = m_selection.empty()
        ? tr("The first %1 messages of the source as they will be sent:").arg(m_previewMessages.size())
        : tr("The first %1 selected messages as they will be sent:").arg(m_previewMessages.size());
    if (!m_transformValid) {
        opts.transform.clear();
        note = tr("Preview without the transform (it does not compile):");
    }
    m_previewNote->setText(note);
    models::ReplayOptions noTransform = opts;
    noTransform.transform.clear();

    std::vector<std::pair<QString, core::Message>> copies;
    m_preview->clearSpans();
    const QColor errorColor(0xc6, 0x28, 0x28);
    const QColor dim = palette().color(QPalette::Disabled, QPalette::Text);
    const QColor band = palette().color(QPalette::AlternateBase);
    for (std::size_t i = 0; i < m_previewMessages.size(); ++i) {
        const core::Message &original = m_previewMessages[i];
        const int first = m_preview->rowCount();
        const QString oldId = qs(original.messageIdString());
        auto copy = models::makeReplayCopy(original, opts, kPreviewJournalId);
        QString targetText = tr("— not sent");
        QString target;
        if (!copy) {
            m_preview->insertRow(first);
            auto *error = item(qs(copy.error().message));
            error->setForeground(errorColor);
            m_preview->setItem(first, ColField, error);
            m_preview->setSpan(first, ColField, 1, 3);
        } else {
            const core::Message &after = copy.value();
            std::vector<FieldChange> changes = fieldChanges(original, after);
            if (opts.renewMessageId && !changes.empty() && changes.front().field == QLatin1String("sys.MessageId")) {
                // The job derives new ids from its own journal id: say that it is new, not the preview's value.
                auto plain = models::makeReplayCopy(original, noTransform, kPreviewJournalId);
                if (plain && plain->messageIdString() == after.messageIdString())
                    changes.front().after = tr("(new id)");
            }
            if (changes.empty())
                changes.push_back({tr("no changes"), QString(), QString()});
            for (std::size_t c = 0; c < changes.size(); ++c) {
                const int row = first + int(c);
                m_preview->insertRow(row);
                auto *field = item(changes[c].field);
                auto *before = item(changes[c].before);
                auto *afterItem = item(changes[c].after);
                if (changes[c].after == tr("(removed)") || changes[c].before.isEmpty()) {
                    afterItem->setForeground(dim);
                    field->setForeground(changes[c].before.isEmpty() ? dim : field->foreground());
                }
                m_preview->setItem(row, ColField, field);
                m_preview->setItem(row, ColBefore, before);
                m_preview->setItem(row, ColAfter, afterItem);
            }
            target = targetOf(original, opts);
            targetText = isTopic(target) ? tr("%1 (topic)").arg(target) : target;
            if (target.compare(m_source, Qt::CaseInsensitive) == 0)
                targetText = tr("%1 (the source!)").arg(target);
            copies.emplace_back(target, after);
        }
        const int rows = m_preview->rowCount() - first;
        m_preview->setItem(first, ColSequence, item(number(original.sequenceNumber)));
        m_preview->setItem(first, ColMessageId, item(oldId));
        m_preview->setItem(first, ColTarget, item(targetText));
        for (int col : {int(ColSequence), int(ColMessageId), int(ColTarget)}) {
            m_preview->item(first, col)->setTextAlignment(Qt::AlignLeft | Qt::AlignTop);
            if (rows > 1)
                m_preview->setSpan(first, col, rows, 1);
        }
        // Band every other message so its rows read as one block.
        if (i % 2 == 1) {
            for (int r = first; r < first + rows; ++r) {
                for (int col = 0; col < ColCount; ++col) {
                    if (!m_preview->item(r, col))
                        m_preview->setItem(r, col, item(QString()));
                    m_preview->item(r, col)->setBackground(band);
                }
            }
        }
    }
    updateRouting(copies);
}

void ReplayDialog::updateRouting(const std::vector<std::pair<QString, core::Message>> &copies)
{
    const models::ReplayOptions opts = options();
    QString topic;
    if (opts.target == models::ReplayOptions::Target::Entity && isTopic(opts.targetEntity))
        topic = opts.targetEntity;
    for (const auto &[target, copy] : copies)
        if (topic.isEmpty() && isTopic(target))
            topic = target;
    m_previewTabs->setTabVisible(1, !topic.isEmpty());
    std::vector<core::Message> topicCopies;
    QString key = topic;
    for (const auto &[target, copy] : copies) {
        if (target.compare(topic, Qt::CaseInsensitive) != 0)
            continue;
        topicCopies.push_back(copy);
        key += QLatin1Char('|') + QString::number(copy.sequenceNumber) + QLatin1Char(':') + qs(copy.messageIdString())
               + QLatin1Char(':') + (copy.subject ? qs(*copy.subject) : QString()) + QLatin1Char(':')
               + propertiesText(copy.applicationProperties);
    }
    if (topic.isEmpty()) {
        delete m_routingWidget;
        m_routingPage->setProperty("routingKey", QString());
        return;
    }
    m_previewTabs->setTabText(1, tr("&Routing: %1").arg(topic));
    // Rebuild only when what the routing depends on changed: the factory's widget may query the
    // namespace (subscriptions and rules) when it is created.
    if (m_routingWidget && m_routingPage->property("routingKey").toString() == key)
        return;
    delete m_routingWidget;
    m_routingPage->setProperty("routingKey", key);
    QWidget *widget = m_routingFactory ? m_routingFactory(m_routingPage, topic, topicCopies) : nullptr;
    if (!widget) {
        auto *label = new QLabel(tr("Target is a topic: every matching subscription gets a copy"), m_routingPage);
        label->setObjectName(QStringLiteral("routingNote"));
        label->setAlignment(Qt::AlignLeft | Qt::AlignTop);
        label->setWordWrap(true);
        widget = label;
    }
    m_routingWidget = widget;
    m_routingPage->layout()->addWidget(widget);
}

void ReplayDialog::updateStartButton()
{
    const models::ReplayOptions o = options();
    QString reason;
    if (m_readOnly)
        reason = tr("The connection is read-only");
    else if (o.target == models::ReplayOptions::Target::Entity && o.targetEntity.isEmpty())
        reason = tr("Choose a target queue or topic");
    else if (o.target == models::ReplayOptions::Target::Entity && o.targetEntity.compare(m_source, Qt::CaseInsensitive) == 0)
        reason = tr("The target is the source");
    else if (o.target == models::ReplayOptions::Target::Original && !isDeadLetterPath(m_source)
             && m_parentEntity.compare(m_source, Qt::CaseInsensitive) == 0 && m_mode == Mode::Replay
             && std::none_of(m_previewMessages.begin(), m_previewMessages.end(),
                             [](const core::Message &m) { return m.deadLetterSource.has_value(); }))
        reason = tr("%1 is not a dead-letter queue: choose a target").arg(m_source);
    else if (m_replayCountCheck->isChecked() && o.replayCountProperty.isEmpty())
        reason = tr("Enter the replay count property name");
    else if (!m_transformValid)
        reason = tr("The transform does not compile: %1").arg(m_transformError);
    m_blockedReason = reason;
    QString hint;
    if (o.target == models::ReplayOptions::Target::Original)
        hint = tr("Each copy goes back to the entity its message was dead-lettered from, else to %1.").arg(m_parentEntity);
    else if (o.targetEntity.isEmpty())
        hint = tr("Pick a queue or topic of this namespace, or type its name.");
    else
        hint = tr("Every copy goes to %1%2.").arg(o.targetEntity, isTopic(o.targetEntity) ? tr(" (a topic)") : QString());
    hint += QLatin1Char(' ')
        + (o.completeOriginal ? tr("Each original is completed once the target has accepted its copy.")
                              : tr("The originals stay in the source."));
    m_targetHint->setText(hint);
    m_blockedLabel->setText(reason);
    m_blockedLabel->setToolTip(reason);
    m_startButton->setEnabled(reason.isEmpty() && !m_job);
    m_startButton->setToolTip(reason.isEmpty() ? QString() : reason);
    m_resumeButton->setEnabled(reason.isEmpty() && !m_job);
    m_resumeButton->setToolTip(reason);
}

void ReplayDialog::setReadOnly(bool readOnly)
{
    if (m_readOnly == readOnly)
        return;
    m_readOnly = readOnly;
    updateStartButton();
}

void ReplayDialog::updateResumeBanner()
{
    m_resumeBanner->setVisible(!m_job && models::ReplayJob::hasUnfinishedJournal(m_journalPath, m_source));
}

void ReplayDialog::setRoutingPreviewFactory(RoutingPreviewFactory factory)
{
    m_routingFactory = std::move(factory);
    delete m_routingWidget;
    m_routingPage->setProperty("routingKey", QString());
    scheduleUpdate();
}

void ReplayDialog::setJournalPath(const QString &path)
{
    if (m_job)
        return;
    m_journalPath = path;
    updateResumeBanner();
}

void ReplayDialog::onDiscardJournal()
{
    if (m_job)
        return;
    if (QFile::exists(m_journalPath) && !QFile::remove(m_journalPath)) {
        QMessageBox::warning(this, windowTitle(), tr("Could not remove the journal %1").arg(m_journalPath));
        return;
    }
    updateResumeBanner();
}

void ReplayDialog::fetchSourceCount()
{
    // The caller did not know the count (e.g. the Explorer tree): ask the management plane, for the header
    // and the progress bar. Never blocks; a failure leaves "all messages".
    fetchSubQueueCount(m_connection, this, m_source, [this](std::int64_t count, const QString &) {
        if (m_job || count < 0)
            return;
        m_sourceCount = count;
        m_sourceLabel->setText(tr("<b>Source:</b> %1").arg(tr("%1 — %2").arg(m_source, messagesText(count)).toHtmlEscaped()));
    });
}

// ---- running -------------------------------------------------------------------------------------------

std::int64_t ReplayDialog::expectedCount() const
{
    return m_selection.empty() ? m_sourceCount : std::int64_t(m_selection.size());
}

QString ReplayDialog::verbPast() const
{
    if (m_copyOnlyCheck->isChecked())
        return tr("copied");
    return m_mode == Mode::Move ? tr("moved") : tr("replayed");
}

bool ReplayDialog::isRunning() const
{
    return m_job && !m_summary;
}

QPushButton *ReplayDialog::cancelButton() const
{
    return m_pages->currentIndex() == 0 ? m_closeOptionsButton : m_cancelJobButton;
}

void ReplayDialog::start()
{
    m_updateTimer->stop();
    updateAll(); // the debounced state may be stale
    if (m_job || !m_blockedReason.isEmpty())
        return;
    const models::ReplayOptions opts = options();
    saveOptions();
    m_job = std::make_unique<models::ReplayJob>(m_connection, m_source, opts, m_journalPath);
    m_job->setExpected(expectedCount());
    if (m_batchSize > 0)
        m_job->setBatchSize(m_batchSize);
    connect(m_job.get(), &models::ReplayJob::progress, this, &ReplayDialog::onProgress);
    connect(m_job.get(), &models::ReplayJob::messageFailed, this, &ReplayDialog::onMessageFailed);
    connect(m_job.get(), &models::ReplayJob::finished, this, &ReplayDialog::onFinished);

    QString target = opts.target == models::ReplayOptions::Target::Entity
        ? opts.targetEntity
        : tr("the original entities (%1)").arg(m_parentEntity);
    const std::int64_t expected = expectedCount();
    const QString what = expected >= 0 ? messagesText(expected) : tr("the messages");
    m_runDescription = tr("%1 from %2 to %3").arg(what, m_source, target).toHtmlEscaped();
    const QString verb = m_copyOnlyCheck->isChecked() ? tr("Copying") : m_mode == Mode::Move ? tr("Moving") : tr("Replaying");
    m_runTitle->setText(tr("<b>%1</b> %2").arg(verb, m_runDescription));
    if (expected > 0)
        m_progress->setRange(0, clampToInt(expected));
    else
        m_progress->setRange(0, 0); // busy indicator
    m_progress->setValue(0);
    m_countsLabel->setText(tr("Starting…"));
    m_failuresTitle->setText(tr("No failures so far."));
    m_failures->hide();
    m_pages->setCurrentIndex(1);
    m_cancelJobButton->setFocus();
    m_job->start();
}

void ReplayDialog::onProgress(qint64 replayed, qint64 failed, qint64 expected, double rate)
{
    if (expected > 0) {
        m_progress->setRange(0, clampToInt(expected));
        m_progress->setValue(clampToInt(std::min<qint64>(replayed + failed, expected)));
    }
    const QString done = expected > 0 ? tr("%1 of %2 %3").arg(number(replayed), number(expected), verbPast())
                                      : tr("%1 %2").arg(number(replayed), verbPast());
    m_countsLabel->setText(tr("%1 · %2 failed · %3 msgs/s")
                               .arg(done, number(failed), QLocale().toString(rate, 'f', rate < 10 ? 1 : 0)));
}

void ReplayDialog::onMessageFailed(const models::ReplayFailure &failure)
{
    const int row = m_failures->rowCount();
    m_failures->insertRow(row);
    m_failures->setItem(row, FailSequence, item(number(failure.sequenceNumber)));
    m_failures->setItem(row, FailMessageId, item(failure.messageId));
    m_failures->setItem(row, FailReason, item(failure.reason));
    m_failuresTitle->setText(tr("Failed messages (%1): they stay in %2").arg(number(row + 1), m_source));
    m_failures->show();
}

void ReplayDialog::onCancelJob()
{
    if (!isRunning())
        return;
    m_cancelJobButton->setEnabled(false);
    m_cancelJobButton->setText(tr("Cancelling…"));
    m_countsLabel->setText(m_countsLabel->text() + tr(" · cancelling after the batch in flight"));
    m_job->cancel();
}

void ReplayDialog::onFinished(const models::ReplaySummary &summary)
{
    m_summary = summary;
    if (m_confirmCancel)
        m_confirmCancel->deleteLater();
    if (m_progress->maximum() == 0)
        m_progress->setRange(0, 1);
    if (summary.error.isEmpty() && !summary.cancelled)
        m_progress->setValue(m_progress->maximum());
    onProgress(summary.replayed, summary.failed, expectedCount(), summary.seconds > 0 ? double(summary.replayed) / summary.seconds : 0);
    // Failures may have been reported only in the summary.
    if (m_failures->rowCount() < int(summary.failures.size()))
        for (std::size_t i = std::size_t(m_failures->rowCount()); i < summary.failures.size(); ++i)
            onMessageFailed(summary.failures[i]);

    const QString verb = m_copyOnlyCheck->isChecked() ? tr("Copied") : m_mode == Mode::Move ? tr("Moved") : tr("Replayed");
    QStringList parts;
    parts << tr("%1 %2 in %3 s").arg(verb, messagesText(summary.replayed), QLocale().toString(summary.seconds, 'f', 1));
    if (summary.resumed > 0)
        parts.last() += tr(" (%1 finished from the interrupted run)").arg(number(summary.resumed));
    if (summary.failed > 0)
        parts << tr("%1 failed and stay in %2").arg(number(summary.failed), m_source);
    if (summary.cancelled)
        parts << tr("cancelled: the rest stay in %1").arg(m_source);
    if (!summary.error.isEmpty())
        parts << tr("stopped: %1").arg(summary.error);
    parts << (QFileInfo::exists(m_journalPath) ? tr("journal kept for resuming") : tr("journal removed"));
    m_summaryLabel->setText(parts.join(QStringLiteral("; ")));
    m_summaryLabel->setStyleSheet(summary.error.isEmpty() ? QString() : QStringLiteral("color: #c62828;"));
    m_summaryLabel->show();
    const QString job = m_copyOnlyCheck->isChecked() ? tr("Copy") : m_mode == Mode::Move ? tr("Move") : tr("Replay");
    const QString state = summary.cancelled ? tr("%1 cancelled").arg(job)
        : !summary.error.isEmpty()          ? tr("%1 stopped").arg(job)
                                            : tr("%1 finished").arg(job);
    m_runTitle->setText(tr("<b>%1</b> — %2").arg(state, m_runDescription));
    if (m_failures->rowCount() == 0)
        m_failuresTitle->setText(tr("No failures."));
    m_cancelJobButton->hide();
    m_closeButton->show();
    m_closeButton->setDefault(true);
    m_closeButton->setFocus();
    Q_EMIT replayFinished(summary);
}

void ReplayDialog::reject()
{
    if (!isRunning()) {
        QDialog::reject();
        return;
    }
    if (m_confirmCancel || !m_cancelJobButton->isEnabled())
        return; // already asking, or already cancelling
    auto *box = new QMessageBox(QMessageBox::Question, tr("Cancel the replay?"),
                                tr("The job is still running. Stop it after the batch in flight?"), QMessageBox::NoButton, this);
    box->setObjectName(QStringLiteral("confirmCancelReplay"));
    box->setInformativeText(tr("Messages not yet %1 stay in %2; the journal is kept so the run can be resumed.")
                                .arg(verbPast(), m_source));
    auto *stop = box->addButton(tr("Stop"), QMessageBox::YesRole);
    stop->setObjectName(QStringLiteral("stopButton"));
    box->addButton(tr("Keep running"), QMessageBox::NoRole)->setObjectName(QStringLiteral("keepRunningButton"));
    box->setDefaultButton(stop);
    box->setAttribute(Qt::WA_DeleteOnClose);
    connect(stop, &QPushButton::clicked, this, &ReplayDialog::onCancelJob);
    m_confirmCancel = box;
    box->open();
}

bool ReplayDialog::eventFilter(QObject *watched, QEvent *event)
{
    QsciScintilla *edit = m_transform->editor();
    if ((watched == edit || watched == edit->viewport()) && event->type() == QEvent::KeyPress) {
        const auto *key = static_cast<QKeyEvent *>(event);
        if (key->key() == Qt::Key_Escape && key->modifiers() == Qt::NoModifier && !edit->isListActive()) {
            reject();
            return true;
        }
    }
    return QDialog::eventFilter(watched, event);
}

void ReplayDialog::done(int result)
{
    QSettings settings;
    settings.beginGroup(kSettingsGroup);
    settings.setValue(QStringLiteral("size"), size());
    QDialog::done(result);
}

// ---- settings -------------------------------------------------------------------------------------------

void ReplayDialog::restoreSettings()
{
    QSettings settings;
    settings.beginGroup(kSettingsGroup);
    const QSize size = settings.value(QStringLiteral("size")).toSize();
    resize(size.isValid() ? size : QSize(980, 720));
    settings.beginGroup(m_mode == Mode::Move ? QStringLiteral("move") : QStringLiteral("replay"));
    if (!settings.contains(QStringLiteral("renewMessageId")))
        return; // first use: the mode's defaults
    m_renewCheck->setChecked(settings.value(QStringLiteral("renewMessageId")).toBool());
    m_stripCheck->setChecked(settings.value(QStringLiteral("stripDeadLetterProperties")).toBool());
    m_replayCountCheck->setChecked(settings.value(QStringLiteral("replayCount")).toBool());
    const QString name = settings.value(QStringLiteral("replayCountProperty")).toString();
    if (!name.isEmpty())
        m_replayCountEdit->setText(name);
    m_copyOnlyCheck->setChecked(settings.value(QStringLiteral("copyOnly")).toBool());
    m_transform->setText(settings.value(QStringLiteral("transform")).toString());
}

void ReplayDialog::saveOptions() const
{
    // The target is not remembered: it belongs to one namespace and a wrong one is costly.
    QSettings settings;
    settings.beginGroup(kSettingsGroup);
    settings.beginGroup(m_mode == Mode::Move ? QStringLiteral("move") : QStringLiteral("replay"));
    settings.setValue(QStringLiteral("renewMessageId"), m_renewCheck->isChecked());
    settings.setValue(QStringLiteral("stripDeadLetterProperties"), m_stripCheck->isChecked());
    settings.setValue(QStringLiteral("replayCount"), m_replayCountCheck->isChecked());
    settings.setValue(QStringLiteral("replayCountProperty"), m_replayCountEdit->text().trimmed());
    settings.setValue(QStringLiteral("copyOnly"), m_copyOnlyCheck->isChecked());
    settings.setValue(QStringLiteral("transform"), m_transform->text());
}

} // namespace busyard::widgets
