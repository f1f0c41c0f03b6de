#pragma once

#include "core/result.h"
#include "core/value.h"

#include <QTableWidget>

namespace busyard::widgets {

/**
 * An editable table of typed application properties (Name | Type | Value), shared by the send dialog
 * and the routing preview's composer. Types are those of editableValueTypes() (messageexport.h); values
 * that do not parse as their type are marked in place (background and tooltip).
 *
 * propertiesChanged() follows every edit (text or type). GUI thread.
 */
class PropertyTable : public QTableWidget
{
    Q_OBJECT

public:
    explicit PropertyTable(QWidget *parent = nullptr);

    /** Appends a row; `type` as editableValueTypes() names it. */
    void addProperty(const QString &name, const QString &type, const QString &value);
    /** Appends "propertyN" of type string and starts editing column `editColumn`. */
    void addNewProperty(int editColumn = 0);
    void removeCurrentProperty();
    /** Rows from a property map; values of types the table cannot edit show as strings (see properties()). */
    void setProperties(const core::PropertyMap &properties);

    /**
     * The rows as a property map, in row order. InvalidArgument naming the row or property when a name
     * is empty or repeated or a value does not fit its type. A property of `originals` whose type the
     * table cannot edit is kept as it was when its text is unchanged.
     */
    core::Result<core::PropertyMap> properties(const core::PropertyMap &originals = {}) const;

    /** Marks values that do not parse as their type (background and tooltip). */
    void markInvalidValues();

Q_SIGNALS:
    void propertiesChanged();
};

} // namespace busyard::widgets
