#include "durationedit.h"

#include <QtCore/QRegularExpression>

namespace busyard::widgets {

using namespace std::chrono;

DurationEdit::DurationEdit(QWidget *parent)
    : QLineEdit(parent)
{
    setPlaceholderText(tr("e.g. 30s, 5m, 1h, 14d, PT1M"));
    connect(this, &QLineEdit::textChanged, this, &DurationEdit::onTextChanged);
    onTextChanged();
}

void DurationEdit::setAllowNever(bool allow)
{
    m_allowNever = allow;
    setPlaceholderText(allow ? tr("never, or e.g. 30s, 5m, 1h, 14d") : tr("e.g. 30s, 5m, 1h, 14d, PT1M"));
    onTextChanged();
}

std::optional<core::Duration> DurationEdit::value() const
{
    return parse(text(), m_allowNever);
}

void DurationEdit::setValue(core::Duration value)
{
    setText(format(value));
}

std::optional<core::Duration> DurationEdit::parse(const QString &input, bool allowNever)
{
    const QString text = input.trimmed().toLower();
    if (text.isEmpty() || text == QLatin1String("never") || text == QLatin1String("max")
        || text == QLatin1String("infinite")) {
        return allowNever ? std::optional(core::kMaxDuration) : std::nullopt;
    }
    const auto clampAdd = [](double total) -> std::optional<core::Duration> {
        if (total < 0 || total > double(core::kMaxDuration.count()))
            return std::nullopt;
        return core::Duration(static_cast<long long>(total + 0.5));
    };

    // "1h30m", "250ms", "14d", "1.5h"
    static const QRegularExpression friendly(QStringLiteral("^(?:\\s*(\\d+(?:\\.\\d+)?)\\s*(ms|s|sec|m|min|h|d|w)\\s*)+$"));
    if (friendly.match(text).hasMatch()) {
        static const QRegularExpression part(QStringLiteral("(\\d+(?:\\.\\d+)?)\\s*(ms|s|sec|m|min|h|d|w)"));
        double total = 0;
        for (auto it = part.globalMatch(text); it.hasNext();) {
            const auto m = it.next();
            const double n = m.captured(1).toDouble();
            const QString unit = m.captured(2);
            double ms = 1;
            if (unit == QLatin1String("s") || unit == QLatin1String("sec"))
                ms = 1000;
            else if (unit == QLatin1String("m") || unit == QLatin1String("min"))
                ms = 60e3;
            else if (unit == QLatin1String("h"))
                ms = 3600e3;
            else if (unit == QLatin1String("d"))
                ms = 86400e3;
            else if (unit == QLatin1String("w"))
                ms = 7 * 86400e3;
            total += n * ms;
        }
        return clampAdd(total);
    }

    // ISO 8601: P[nW][nD][T[nH][nM][n.nS]]
    static const QRegularExpression iso(QStringLiteral(
        "^p(?:(\\d+)w)?(?:(\\d+)d)?(?:t(?:(\\d+)h)?(?:(\\d+)m)?(?:(\\d+(?:\\.\\d+)?)s)?)?$"));
    if (const auto m = iso.match(text); m.hasMatch() && text != QLatin1String("p") && !text.endsWith(QLatin1Char('t'))) {
        const double total = m.captured(1).toDouble() * 7 * 86400e3 + m.captured(2).toDouble() * 86400e3
                             + m.captured(3).toDouble() * 3600e3 + m.captured(4).toDouble() * 60e3
                             + m.captured(5).toDouble() * 1000;
        return clampAdd(total);
    }

    // .NET TimeSpan: [d.]hh:mm:ss[.fff]
    static const QRegularExpression span(QStringLiteral("^(?:(\\d+)\\.)?(\\d{1,2}):(\\d{2}):(\\d{2})(?:\\.(\\d{1,7}))?$"));
    if (const auto m = span.match(text); m.hasMatch()) {
        if (m.captured(3).toInt() > 59 || m.captured(4).toInt() > 59 || m.captured(2).toInt() > 23)
            return std::nullopt;
        const double fraction = m.captured(5).isEmpty() ? 0 : QString(QStringLiteral("0.") + m.captured(5)).toDouble();
        const double total = m.captured(1).toDouble() * 86400e3 + m.captured(2).toDouble() * 3600e3
                             + m.captured(3).toDouble() * 60e3 + (m.captured(4).toDouble() + fraction) * 1000;
        return clampAdd(total);
    }
    return std::nullopt;
}

QString DurationEdit::format(core::Duration value)
{
    if (value >= core::kMaxDuration)
        return QStringLiteral("never");
    long long ms = value.count();
    if (ms == 0)
        return QStringLiteral("0s");
    QString out;
    const struct { long long size; const char *unit; } units[] = {
        {86400000LL, "d"}, {3600000LL, "h"}, {60000LL, "m"}, {1000LL, "s"}, {1LL, "ms"}};
    for (const auto &u : units) {
        if (ms >= u.size) {
            out += QString::number(ms / u.size) + QLatin1String(u.unit);
            ms %= u.size;
        }
    }
    return out;
}

void DurationEdit::onTextChanged()
{
    const bool valid = value().has_value();
    setStyleSheet(valid ? QString() : QStringLiteral("QLineEdit { border: 1px solid #C62828; border-radius: 3px; padding: 2px; }"));
    setToolTip(valid ? QString()
                     : tr("Not a duration. Examples: 30s, 5m, 1h30m, 14d, PT1M, 00:01:00%1")
                           .arg(m_allowNever ? tr(", or never") : QString()));
    Q_EMIT valueChanged();
}

} // namespace busyard::widgets
