#pragma once

#include "core/clock.h"

#include <QtWidgets/QLineEdit>

#include <optional>

namespace busyard::widgets {

/**
 * A line edit for a Service Bus duration in a friendly form, validated as the user types:
 * "30s", "5m", "1h30m", "14d", "250ms", ISO 8601 ("PT1M", "P14D", "P1DT2H"), .NET TimeSpan
 * ("00:01:00", "1.00:00:00") and, when allowNever(), "never" (empty text too) for the maximum.
 * Invalid text turns the frame red and the tooltip says what is accepted.
 */
class DurationEdit : public QLineEdit
{
    Q_OBJECT

public:
    explicit DurationEdit(QWidget *parent = nullptr);

    /** Accept "never"/empty as core::kMaxDuration (TTL, auto-delete on idle). */
    void setAllowNever(bool allow);
    bool allowNever() const { return m_allowNever; }

    /** The parsed value; nullopt while the text is not a duration. */
    std::optional<core::Duration> value() const;
    void setValue(core::Duration value);
    bool isValid() const { return value().has_value(); }

    /** Parses any of the accepted forms; nullopt if `text` is none of them. */
    static std::optional<core::Duration> parse(const QString &text, bool allowNever);
    /** The shortest friendly form: "30s", "5m", "1h30m", "14d", "never" for kMaxDuration. */
    static QString format(core::Duration value);

Q_SIGNALS:
    void valueChanged();

private:
    void onTextChanged();

    bool m_allowNever = false;
};

} // namespace busyard::widgets
