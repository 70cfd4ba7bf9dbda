// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#ifndef ASYNCIO_EXAMPLE_PYTHON_PRINT_HPP
#define ASYNCIO_EXAMPLE_PYTHON_PRINT_HPP

// Python's print(), str(), repr() and time.strftime(), just enough of them for the
// example programs to print exactly what their Python originals print. This is a
// helper of the examples, not part of the library.

#include <concepts>
#include <ctime>
#include <initializer_list>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

namespace py {

/// Python's repr() of a str: single quotes unless the text holds a single quote and no
/// double quote; backslashes, the chosen quote and control characters are escaped.
inline std::string repr(std::string_view s) {
    const char quote =
        s.find('\'') != std::string_view::npos && s.find('"') == std::string_view::npos ? '"'
                                                                                        : '\'';
    std::string out(1, quote);
    for (const char c : s) {
        switch (c) {
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        default:
            if (c == quote) {
                out += '\\';
                out += c;
            } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
                constexpr char hex[] = "0123456789abcdef";
                out += "\\x";
                out += hex[static_cast<unsigned char>(c) >> 4];
                out += hex[static_cast<unsigned char>(c) & 0xf];
            } else {
                out += c; // printable ASCII, or part of a UTF-8 sequence
            }
        }
    }
    out += quote;
    return out;
}

/// Python's repr() of an int (and of a bool: True / False).
template <std::integral I>
std::string repr(I i) {
    if constexpr (std::same_as<I, bool>)
        return i ? "True" : "False";
    else
        return std::to_string(i);
}

/// Python's repr() of a list: `['Data 1', 'Data 2']`.
template <class T>
std::string repr(const std::vector<T>& items) {
    std::string out = "[";
    for (const auto& item : items) {
        if (out.size() > 1)
            out += ", ";
        out += repr(item);
    }
    return out + "]";
}

/// Python's str(): text as it is, anything else as repr() (which is what str() of an
/// int, a list or a dict gives). The example's own types provide a repr() found by ADL.
template <class T>
std::string str(const T& x) {
    if constexpr (std::convertible_to<const T&, std::string_view>)
        return std::string(std::string_view(x));
    else
        return repr(x);
}

/// One `key: value` entry of a dict display (see dict()).
class dict_item {
  public:
    template <class V>
    dict_item(std::string_view key, const V& value) : text_(repr(key) + ": " + repr(value)) {}

    const std::string& text() const noexcept { return text_; }

  private:
    std::string text_;
};

/// Python's repr() of a dict with string keys, in insertion order:
/// `py::dict({{"id", 1}, {"data", "x"}})` gives `{'id': 1, 'data': 'x'}`.
inline std::string dict(std::initializer_list<dict_item> items) {
    std::string out = "{";
    for (const auto& item : items) {
        if (out.size() > 1)
            out += ", ";
        out += item.text();
    }
    return out + "}";
}

/// Python's print(*args): str() of each argument, separated by spaces, then a
/// newline. Flushed at once, so that a pipe shows each line when it happens.
template <class... Args>
void print(const Args&... args) {
    std::string line;
    bool first = true;
    ((line += first ? "" : " ", line += str(args), first = false), ...);
    std::cout << line << std::endl;
}

/// Python's time.strftime(format): the local wall time, e.g. `strftime("%X")` is
/// HH:MM:SS in the C locale (Python leaves LC_TIME as "C" too).
inline std::string strftime(const char* format) {
    const std::time_t now = std::time(nullptr);
    std::tm local{};
    localtime_r(&now, &local);
    char buffer[128];
    const std::size_t n = std::strftime(buffer, sizeof buffer, format, &local);
    return std::string(buffer, n);
}

} // namespace py

#endif // ASYNCIO_EXAMPLE_PYTHON_PRINT_HPP
