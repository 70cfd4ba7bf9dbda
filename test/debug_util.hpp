// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

// Helpers shared by the tests of debug mode (debug, callbacks): capturing what the
// library writes to stderr, and collecting the warnings of a loop.

#ifndef ASYNCIO_TEST_DEBUG_UTIL_HPP
#define ASYNCIO_TEST_DEBUG_UTIL_HPP

#include "test_util.hpp"

#include <asyncio/run.hpp>

#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <cstdio>
#include <functional>
#include <initializer_list>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace asyncio::test {

// Redirects stderr (the file descriptor, which the library writes to) to a temporary
// file until text() or destruction.
class stderr_capture {
  public:
    stderr_capture() : file_(std::tmpfile()) {
        std::fflush(stderr);
        saved_ = ::dup(2);
        if (file_ && saved_ >= 0)
            ::dup2(::fileno(file_), 2);
    }
    stderr_capture(const stderr_capture&) = delete;
    stderr_capture& operator=(const stderr_capture&) = delete;

    ~stderr_capture() {
        restore();
        if (file_)
            std::fclose(file_);
    }

    // Restores stderr and yields what was written meanwhile.
    std::string text() {
        restore();
        std::string s;
        if (!file_)
            return s;
        std::rewind(file_);
        char buf[512];
        std::size_t n;
        while ((n = std::fread(buf, 1, sizeof buf, file_)) > 0)
            s.append(buf, n);
        return s;
    }

  private:
    void restore() {
        if (saved_ < 0)
            return;
        std::fflush(stderr);
        ::dup2(saved_, 2);
        ::close(saved_);
        saved_ = -1;
    }

    std::FILE* file_;
    int saved_ = -1;
};

// Collects the warnings of a loop in debug mode (the handler may be called on any
// thread). Must outlive the loop.
class warnings {
  public:
    std::function<void(std::string_view)> handler() {
        return [this](std::string_view line) {
            std::lock_guard lock(mutex_);
            lines_.emplace_back(line);
        };
    }

    std::vector<std::string> lines() const {
        std::lock_guard lock(mutex_);
        return lines_;
    }

    // How many warnings contain every one of `parts`.
    int count(std::initializer_list<std::string_view> parts) const {
        std::lock_guard lock(mutex_);
        int n = 0;
        for (const auto& line : lines_) {
            bool all = true;
            for (auto p : parts)
                all = all && line.find(p) != std::string::npos;
            n += all;
        }
        return n;
    }

    // How many warnings contain `part`.
    int count(std::string_view part) const {
        return count(std::initializer_list<std::string_view>{part});
    }

    std::size_t size() const {
        std::lock_guard lock(mutex_);
        return lines_.size();
    }

    // Every warning, for failure messages.
    std::string dump() const {
        std::string s;
        for (const auto& line : lines())
            s += "\n  " + line;
        return s;
    }

  private:
    mutable std::mutex mutex_;
    std::vector<std::string> lines_;
};

// Options of a run in debug mode reporting to `w`.
inline asyncio::run_options debug_to(warnings& w, std::size_t threads = 1,
                                     std::chrono::milliseconds slow = 100ms) {
    asyncio::run_options opts;
    opts.threads = threads;
    opts.debug = true;
    opts.debug_handler = w.handler();
    opts.slow_callback_duration = slow;
    return opts;
}

} // namespace asyncio::test

#endif // ASYNCIO_TEST_DEBUG_UTIL_HPP
