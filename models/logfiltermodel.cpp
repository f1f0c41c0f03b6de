#include "logfiltermodel.h"

#include "logmodel.h"

namespace busyard::models {

LogFilterModel::LogFilterModel(QObject *parent)
    : QSortFilterProxyModel(parent)
{
}

void LogFilterModel::setMinimumLevel(int level)
{
    if (level == m_minimumLevel)
        return;
    m_minimumLevel = level;
    invalidateRowsFilter();
    emit minimumLevelChanged(level);
}

bool LogFilterModel::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    if (m_minimumLevel <= 0)
        return true;
    const QModelIndex index = sourceModel()->index(sourceRow, LogModel::LevelColumn, sourceParent);
    return index.data(LogModel::LevelRole).toInt() >= m_minimumLevel;
}

} // namespace busyard::models
