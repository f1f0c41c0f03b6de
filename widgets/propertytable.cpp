#include "propertytable.h"

#include "messageexport.h"

#include <QComboBox>
#include <QHeaderView>

namespace busyard::widgets {

PropertyTable::PropertyTable(QWidget *parent)
    : QTableWidget(0, 3, parent)
{
    setObjectName(QStringLiteral("applicationProperties"));
    setHorizontalHeaderLabels({tr("Name"), tr("Type"), tr("Value")});
    verticalHeader()->hide();
    verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    horizontalHeader()->setStretchLastSection(true);
    setColumnWidth(0, 120);
    setColumnWidth(1, 100);
    connect(this, &QTableWidget::itemChanged, this, &PropertyTable::propertiesChanged);
}

void PropertyTable::addProperty(const QString &name, const QString &type, const QString &value)
{
    const int row = rowCount();
    blockSignals(true);
    insertRow(row);
    setItem(row, 0, new QTableWidgetItem(name));
    auto *combo = new QComboBox(this);
    combo->addItems(editableValueTypes());
    combo->setCurrentText(type);
    connect(combo, &QComboBox::currentIndexChanged, this, &PropertyTable::propertiesChanged);
    setCellWidget(row, 1, combo);
    setItem(row, 2, new QTableWidgetItem(value));
    blockSignals(false);
    Q_EMIT propertiesChanged();
}

void PropertyTable::addNewProperty(int editColumn)
{
    addProperty(QStringLiteral("property%1").arg(rowCount() + 1), QStringLiteral("string"), QString());
    if (QTableWidgetItem *cell = item(rowCount() - 1, editColumn == 2 ? 2 : 0)) {
        setCurrentItem(cell);
        editItem(cell);
    }
}

void PropertyTable::removeCurrentProperty()
{
    const int row = currentRow();
    if (row < 0)
        return;
    removeRow(row);
    Q_EMIT propertiesChanged();
}

void PropertyTable::setProperties(const core::PropertyMap &properties)
{
    blockSignals(true);
    setRowCount(0);
    blockSignals(false);
    for (const auto &[name, value] : properties.entries()) {
        QString type = QLatin1String(core::valueTypeName(value.type()));
        if (!editableValueTypes().contains(type))
            type = QStringLiteral("string"); // shown as text; kept as is unless edited (see properties())
        addProperty(QString::fromStdString(name), type, valueEditText(value));
    }
    Q_EMIT propertiesChanged();
}

core::Result<core::PropertyMap> PropertyTable::properties(const core::PropertyMap &originals) const
{
    core::PropertyMap props;
    for (int r = 0; r < rowCount(); ++r) {
        const QString name = item(r, 0) ? item(r, 0)->text().trimmed() : QString();
        const auto *combo = qobject_cast<QComboBox *>(cellWidget(r, 1));
        const QString type = combo ? combo->currentText() : QStringLiteral("string");
        const QString value = item(r, 2) ? item(r, 2)->text() : QString();
        if (name.isEmpty())
            return core::Error{core::ErrorCode::InvalidArgument, "property " + std::to_string(r + 1) + " has no name"};
        if (props.contains(name.toStdString()))
            return core::Error{core::ErrorCode::InvalidArgument, "duplicate property '" + name.toStdString() + "'"};
        // An original property of a type the table cannot edit stays as it was if its text is unchanged.
        if (const core::Value *original = originals.find(name.toStdString());
            original && valueEditText(*original) == value
            && !editableValueTypes().contains(QLatin1String(core::valueTypeName(original->type())))) {
            props.set(name.toStdString(), *original);
            continue;
        }
        auto parsed = parseTypedValue(type, value);
        if (!parsed)
            return core::Error{core::ErrorCode::InvalidArgument, "'" + name.toStdString() + "': " + parsed.error().message};
        props.entries().emplace_back(name.toStdString(), std::move(parsed.value()));
    }
    return props;
}

void PropertyTable::markInvalidValues()
{
    blockSignals(true);
    for (int r = 0; r < rowCount(); ++r) {
        const auto *combo = qobject_cast<QComboBox *>(cellWidget(r, 1));
        QTableWidgetItem *cell = item(r, 2);
        if (!combo || !cell)
            continue;
        const auto parsed = parseTypedValue(combo->currentText(), cell->text());
        cell->setBackground(parsed ? QBrush() : QBrush(QColor(255, 205, 210)));
        cell->setToolTip(parsed ? QString() : QString::fromStdString(parsed.error().message));
    }
    blockSignals(false);
}

} // namespace busyard::widgets
