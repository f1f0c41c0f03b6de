#include "messagetable.h"

#include "models/messagelistmodel.h"

#include <QHeaderView>

#include <algorithm>

namespace busyard::widgets {

MessageTable::MessageTable(QWidget *parent)
    : QTableView(parent)
{
    setSelectionBehavior(QAbstractItemView::SelectRows);
    setSelectionMode(QAbstractItemView::ExtendedSelection);
    setSortingEnabled(false);
    setWordWrap(false);
    setAlternatingRowColors(true);
    setShowGrid(false);
    setTextElideMode(Qt::ElideRight);
    setHorizontalScrollMode(QAbstractItemView::ScrollPerPixel);
    setEditTriggers(QAbstractItemView::NoEditTriggers);

    // Uniform rows: the view computes positions arithmetically instead of asking for size hints.
    QHeaderView *rows = verticalHeader();
    rows->setSectionResizeMode(QHeaderView::Fixed);
    rows->setDefaultSectionSize(fontMetrics().height() + 6);
    rows->setMinimumSectionSize(fontMetrics().height() + 6);
    rows->hide();

    QHeaderView *columns = horizontalHeader();
    columns->setSectionResizeMode(QHeaderView::Interactive);
    columns->setStretchLastSection(true);
    columns->setHighlightSections(false);
    columns->setDefaultSectionSize(110);
}

std::vector<int> MessageTable::selectedRowNumbers() const
{
    std::vector<int> rows;
    if (!selectionModel())
        return rows;
    // Walk the selection ranges rather than selectedRows(): a select-all over many rows is one range.
    for (const QItemSelectionRange &range : selectionModel()->selection())
        for (int r = range.top(); r <= range.bottom(); ++r)
            rows.push_back(r);
    std::sort(rows.begin(), rows.end());
    rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
    return rows;
}

std::vector<std::int64_t> MessageTable::selectedSequenceNumbers() const
{
    std::vector<std::int64_t> out;
    if (!model())
        return out;
    for (const int r : selectedRowNumbers())
        out.push_back(model()->index(r, 0).data(models::MessageListModel::SequenceNumberRole).toLongLong());
    return out;
}

QByteArray MessageTable::saveColumns() const
{
    return horizontalHeader()->saveState();
}

void MessageTable::restoreColumns(const QByteArray &state)
{
    if (!state.isEmpty())
        horizontalHeader()->restoreState(state);
}

} // namespace busyard::widgets
