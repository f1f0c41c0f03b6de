#include "logview.h"

#include "models/logfiltermodel.h"
#include "models/logmodel.h"

#include <QtGui/QAction>
#include <QtGui/QClipboard>
#include <QtGui/QGuiApplication>
#include <QtGui/QIcon>
#include <QtWidgets/QComboBox>
#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QHeaderView>
#include <QtWidgets/QLabel>
#include <QtWidgets/QTableView>
#include <QtWidgets/QToolButton>
#include <QtWidgets/QVBoxLayout>

#include <algorithm>

namespace busyard::widgets {

namespace {

QToolButton *toolButtonFor(QAction *action, QWidget *parent)
{
    auto *button = new QToolButton(parent);
    button->setDefaultAction(action);
    button->setAutoRaise(true);
    button->setToolButtonStyle(Qt::ToolButtonIconOnly);
    return button;
}

} // namespace

LogView::LogView(models::LogModel *model, QWidget *parent)
    : QWidget(parent)
    , m_model(model)
    , m_filter(new models::LogFilterModel(this))
    , m_levelCombo(new QComboBox(this))
    , m_table(new QTableView(this))
    , m_copyAction(new QAction(QIcon(QStringLiteral(":/busyard/icons/copy.svg")), tr("&Copy"), this))
    , m_clearAction(new QAction(QIcon(QStringLiteral(":/busyard/icons/clear.svg")), tr("C&lear Log"), this))
    , m_autoscrollAction(
          new QAction(QIcon(QStringLiteral(":/busyard/icons/autoscroll.svg")), tr("&Follow New Records"), this))
{
    Q_ASSERT(model);
    m_filter->setSourceModel(model);

    static constexpr struct { int level; const char *text; } levels[] = {
        {0, QT_TR_NOOP("Trace")}, {1, QT_TR_NOOP("Debug")},  {2, QT_TR_NOOP("Info")},
        {3, QT_TR_NOOP("Warning")}, {4, QT_TR_NOOP("Error")}, {5, QT_TR_NOOP("Critical")},
    };
    for (const auto &entry : levels)
        m_levelCombo->addItem(tr(entry.text), entry.level);
    m_levelCombo->setToolTip(tr("Show records at this level and above"));
    m_levelCombo->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    connect(m_levelCombo, &QComboBox::currentIndexChanged, this,
            [this](int index) { m_filter->setMinimumLevel(m_levelCombo->itemData(index).toInt()); });

    m_copyAction->setShortcut(QKeySequence::Copy);
    m_copyAction->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    m_copyAction->setToolTip(tr("Copy the selected records (%1)").arg(QKeySequence(QKeySequence::Copy).toString(QKeySequence::NativeText)));
    m_copyAction->setEnabled(false);
    connect(m_copyAction, &QAction::triggered, this, &LogView::onCopy);
    addAction(m_copyAction);

    m_clearAction->setToolTip(tr("Remove all records from the log pane (the log file is kept)"));
    connect(m_clearAction, &QAction::triggered, m_model, &models::LogModel::clear);

    m_autoscrollAction->setCheckable(true);
    m_autoscrollAction->setChecked(true);
    m_autoscrollAction->setToolTip(tr("Scroll to new records as they arrive"));

    auto *levelLabel = new QLabel(tr("&Level:"), this);
    levelLabel->setBuddy(m_levelCombo);

    auto *bar = new QHBoxLayout;
    bar->setContentsMargins(6, 4, 6, 4);
    bar->setSpacing(4);
    bar->addWidget(levelLabel);
    bar->addWidget(m_levelCombo);
    bar->addStretch(1);
    bar->addWidget(toolButtonFor(m_autoscrollAction, this));
    bar->addWidget(toolButtonFor(m_copyAction, this));
    bar->addWidget(toolButtonFor(m_clearAction, this));

    m_table->setModel(m_filter);
    m_table->setObjectName(QStringLiteral("logTable"));
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setShowGrid(false);
    m_table->setWordWrap(false);
    m_table->setAlternatingRowColors(true);
    m_table->setHorizontalScrollMode(QAbstractItemView::ScrollPerPixel);
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_table->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 6);
    QHeaderView *header = m_table->horizontalHeader();
    header->setHighlightSections(false);
    header->setDefaultAlignment(Qt::AlignLeft | Qt::AlignVCenter);
    header->setStretchLastSection(true);
    const int charWidth = fontMetrics().horizontalAdvance(QLatin1Char('0'));
    header->resizeSection(models::LogModel::TimeColumn, charWidth * 15);
    header->resizeSection(models::LogModel::LevelColumn, charWidth * 10);
    header->resizeSection(models::LogModel::LoggerColumn, charWidth * 11);
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this, &LogView::onSelectionChanged);
    connect(m_filter, &QAbstractItemModel::rowsInserted, this, &LogView::onRowsInserted);
    connect(m_filter, &QAbstractItemModel::modelReset, this, &LogView::onSelectionChanged);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addLayout(bar);
    layout->addWidget(m_table, 1);
}

int LogView::minimumLevel() const
{
    return m_filter->minimumLevel();
}

void LogView::setMinimumLevel(int level)
{
    const int index = m_levelCombo->findData(level);
    Q_ASSERT(index >= 0);
    if (index >= 0)
        m_levelCombo->setCurrentIndex(index);
}

bool LogView::autoscroll() const
{
    return m_autoscrollAction->isChecked();
}

void LogView::setAutoscroll(bool on)
{
    m_autoscrollAction->setChecked(on);
}

QString LogView::selectedText() const
{
    QModelIndexList rows = m_table->selectionModel()->selectedRows();
    std::sort(rows.begin(), rows.end(), [](const QModelIndex &a, const QModelIndex &b) { return a.row() < b.row(); });
    QString text;
    for (const QModelIndex &row : rows) {
        for (int column = 0; column < models::LogModel::ColumnCount; ++column) {
            if (column > 0)
                text += QLatin1Char('\t');
            text += m_filter->index(row.row(), column).data().toString();
        }
        text += QLatin1Char('\n');
    }
    return text;
}

void LogView::onRowsInserted()
{
    if (m_autoscrollAction->isChecked())
        m_table->scrollToBottom();
}

void LogView::onCopy()
{
    const QString text = selectedText();
    if (!text.isEmpty())
        QGuiApplication::clipboard()->setText(text);
}

void LogView::onSelectionChanged()
{
    m_copyAction->setEnabled(m_table->selectionModel()->hasSelection());
}

} // namespace busyard::widgets
