// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

// Helpers shared by the tests of the streams and the servers (server, streams): Unix
// socket paths, socket files, and echo handlers and clients.

#ifndef ASYNCIO_TEST_STREAM_UTIL_HPP
#define ASYNCIO_TEST_STREAM_UTIL_HPP

#include "test_util.hpp"

#include <asyncio/streams.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <exception>
#include <string>
#include <string_view>
#include <utility>

namespace asyncio::test {

// A path for a Unix socket under /tmp, unique to this process and object; whatever is
// left at the path is removed on construction and destruction.
class temp_socket_path {
  public:
    explicit temp_socket_path(std::string_view tag = "sock") {
        static std::atomic<int> counter{0};
        path_ = "/tmp/asyncio-test-" + std::to_string(::getpid()) + "-" +
                std::to_string(counter.fetch_add(1)) + "-" + std::string(tag) + ".sock";
        ::unlink(path_.c_str());
    }
    temp_socket_path(const temp_socket_path&) = delete;
    temp_socket_path& operator=(const temp_socket_path&) = delete;
    ~temp_socket_path() { ::unlink(path_.c_str()); }

    const std::string& str() const noexcept { return path_; }

  private:
    std::string path_;
};

// Whether something (anything) is at `path`.
inline bool file_exists(const std::string& path) {
    struct stat st;
    return ::lstat(path.c_str(), &st) == 0;
}

// Whether a socket file is at `path`.
inline bool is_socket_file(const std::string& path) {
    struct stat st;
    return ::lstat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode);
}

// Leaves a socket file nobody listens on at `path`, like a server that died without
// cleaning up.
inline void make_stale_socket_file(const std::string& path) {
    boost::asio::io_context ctx;
    boost::asio::local::stream_protocol::acceptor acceptor(
        ctx, boost::asio::local::stream_protocol::endpoint(path));
    // Closing the acceptor leaves the file.
}

// A connection handler that echoes each line until the end of the stream, then closes.
inline awaitable<void> echo_lines(stream_reader reader, stream_writer writer) {
    for (;;) {
        std::string line = co_await reader.readline();
        if (line.empty())
            break;
        writer.write(line);
        co_await writer.drain();
    }
    writer.close();
    co_await writer.wait_closed();
}

// The i-th line a client named `tag` sends.
inline std::string line_of(const std::string& tag, int i) {
    return tag + " line " + std::to_string(i) + "\n";
}

// Sends `count` lines one at a time, reading each echo before the next; yields how many
// came back as sent.
inline awaitable<int> ping_pong(stream_reader& reader, stream_writer& writer, std::string tag,
                                int count) {
    int good = 0;
    for (int i = 0; i < count; ++i) {
        const std::string line = line_of(tag, i);
        writer.write(line);
        co_await writer.drain();
        const std::string echoed = co_await reader.readline();
        if (echoed == line)
            ++good;
    }
    co_return good;
}

// Sends `count` lines at once, then reads the echoes; yields how many came back as sent,
// in order.
inline awaitable<int> pipelined(stream_reader& reader, stream_writer& writer, std::string tag,
                                int count) {
    std::string all;
    for (int i = 0; i < count; ++i)
        all += line_of(tag, i);
    writer.write(all);
    co_await writer.drain();
    int good = 0;
    for (int i = 0; i < count; ++i) {
        const std::string echoed = co_await reader.readline();
        if (echoed == line_of(tag, i))
            ++good;
    }
    co_return good;
}

// Ends the sending direction and reads until the end of the stream (the echo server
// then closes); yields whether nothing more came, then closes the connection.
inline awaitable<bool> finish_echo(stream_reader& reader, stream_writer& writer) {
    writer.write_eof();
    const std::string rest = co_await reader.read();
    const bool clean = rest.empty() && reader.at_eof();
    writer.close();
    co_await writer.wait_closed();
    co_return clean;
}

// The exception `f()` ends with, whether the call throws or the awaitable it returns
// does (null if neither).
template <class F>
awaitable<std::exception_ptr> failure_of(F f) {
    std::exception_ptr e;
    try {
        auto op = f();
        co_await std::move(op);
    } catch (...) {
        e = std::current_exception();
    }
    co_return e;
}

} // namespace asyncio::test

#endif // ASYNCIO_TEST_STREAM_UTIL_HPP
