#pragma once

#include <QTableView>

#include <cstdint>
#include <vector>

namespace busyard::widgets {

/**
 * The message list view: fixed, uniform row heights (QHeaderView::Fixed; no ResizeToContents, which
 * would measure a million rows), whole-row extended selection, no sorting (sequence order), and
 * interactive column widths saved/restored with saveColumns()/restoreColumns().
 */
class MessageTable : public QTableView
{
    Q_OBJECT

public:
    explicit MessageTable(QWidget *parent = nullptr);

    /** Selected rows, ascending. */
    std::vector<int> selectedRowNumbers() const;
    /** Sequence numbers of the selected rows (model role SequenceNumberRole), ascending. */
    std::vector<std::int64_t> selectedSequenceNumbers() const;

    QByteArray saveColumns() const;
    void restoreColumns(const QByteArray &state);
};

} // namespace busyard::widgets
