#pragma once

#include <QtCore/QByteArray>
#include <QtCore/QString>
#include <QtCore/QStringView>

#include <fmt/format.h>

#include <string_view>

/**
 * fmt/spdlog formatting of Qt strings (as UTF-8), so Qt code can write
 * `log->info("opened {}", path)`. The single definition for the whole project: include this header,
 * never define another formatter<QString>. core/ is Qt-free and logs std::string.
 */
template <>
struct fmt::formatter<QStringView> : fmt::formatter<std::string_view>
{
    template <typename FormatContext>
    auto format(QStringView text, FormatContext &ctx) const -> decltype(ctx.out())
    {
        const QByteArray utf8 = text.toUtf8();
        return fmt::formatter<std::string_view>::format(
            std::string_view(utf8.constData(), static_cast<std::size_t>(utf8.size())), ctx);
    }
};

template <>
struct fmt::formatter<QString> : fmt::formatter<QStringView>
{
    template <typename FormatContext>
    auto format(const QString &text, FormatContext &ctx) const -> decltype(ctx.out())
    {
        return fmt::formatter<QStringView>::format(QStringView(text), ctx);
    }
};
