// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#ifndef ASYNCIO_SERVER_HPP
#define ASYNCIO_SERVER_HPP

#include <asyncio/config.hpp>
#include <asyncio/streams.hpp>

#include <boost/asio/ip/tcp.hpp>

#include <concepts>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace asyncio {

namespace detail {
class server_state;
struct server_access;
} // namespace detail

/// What `start_server` calls for each connection: `awaitable<void>(stream_reader,
/// stream_writer)`.
template <class F>
concept connection_handler = std::invocable<F&, stream_reader, stream_writer> &&
    std::same_as<std::invoke_result_t<F&, stream_reader, stream_writer>, awaitable<void>>;

/// A listening server (Python's `asyncio.Server`), made by `start_server` or
/// `start_unix_server`, serving from the moment it is made.
///
/// Each connection's handler runs as its own task, on its own strand when the loop
/// runs on several threads. A handler that throws (anything but a cancellation) is
/// reported (the debug handler in debug mode, else stderr) and its connection closed;
/// the server goes on. Move-only; destroying the server closes it (the connections
/// being handled go on). Like any Asio I/O object, a server must not outlive its loop's
/// `io_context`.
class server {
  public:
    server(server&&) noexcept;
    server& operator=(server&&) noexcept;
    ~server();

    /// The port the server listens on (the first listening socket's, when the host
    /// resolved to several addresses). Throws `invalid_state_error` for a Unix server
    /// and once the server is closed.
    std::uint16_t port() const;

    /// The addresses listened on (empty for a Unix server or once closed).
    std::vector<boost::asio::ip::tcp::endpoint> endpoints() const;

    /// Stops listening: no new connection is accepted. The connections being handled go
    /// on. A Unix server removes its socket file. Idempotent.
    void close();

    /// Closes every connection the server accepted (their queued bytes are sent
    /// first): their handlers' reads see the end of the stream (Python 3.13's
    /// `Server.close_clients()`). With close(), what makes wait_closed() finish soon.
    void close_clients();

    /// The same, at once: the queued bytes are dropped (Python 3.13's `abort_clients()`).
    void abort_clients();

    /// Whether the server accepts connections.
    bool is_serving() const;

    /// Waits until the server is closed and every connection's handler has finished.
    [[nodiscard]] awaitable<void> wait_closed();

    /// Serves until the server is closed (then returns) or the waiting coroutine is
    /// cancelled (then the server is closed and the cancellation propagates). Throws
    /// `invalid_state_error` when the server is closed already or another
    /// `serve_forever()` is running.
    [[nodiscard]] awaitable<void> serve_forever();

  private:
    friend struct detail::server_access;
    explicit server(std::shared_ptr<detail::server_state> state) noexcept;

    detail::server_state& state() const;

    std::shared_ptr<detail::server_state> state_;
};

/// The type-erased handler a server keeps.
using connection_handler_function = std::function<awaitable<void>(stream_reader, stream_writer)>;

namespace detail {
// Also for a move-only handler.
template <class Handler>
connection_handler_function erase_handler(Handler handler) {
    if constexpr (std::is_copy_constructible_v<Handler>)
        return connection_handler_function(std::move(handler));
    else
        return [shared = std::make_shared<Handler>(std::move(handler))](stream_reader reader,
                                                                        stream_writer writer) {
            return (*shared)(std::move(reader), std::move(writer));
        };
}

awaitable<server> start_tcp_server(connection_handler_function handler, std::string host, int port,
                                   stream_options options);
awaitable<server> start_local_server(connection_handler_function handler, std::string path,
                                     stream_options options);
} // namespace detail

/// Listens on `host`:`port` (Python's `asyncio.start_server`); port 0 picks a free port
/// (see `server::port()`). The host is resolved and every address it resolves to is
/// listened on; "" listens on every interface. The server runs on the caller's loop,
/// with SO_REUSEADDR set and TCP_NODELAY on each connection, like Python's. Throws
/// `boost::system::system_error` when an address cannot be listened on (e.g. in use)
/// and `std::invalid_argument` for a port outside 0..65535 or bad options.
template <connection_handler Handler>
[[nodiscard]] awaitable<server> start_server(Handler handler, std::string host, int port,
                                             stream_options options = {}) {
    return detail::start_tcp_server(detail::erase_handler(std::move(handler)), std::move(host),
                                    port, options);
}

/// Listens on the Unix socket `path` (Python's `asyncio.start_unix_server`). A stale
/// socket file at `path` is replaced; the file is removed when the server is closed.
template <connection_handler Handler>
[[nodiscard]] awaitable<server> start_unix_server(Handler handler, std::string path,
                                                  stream_options options = {}) {
    return detail::start_local_server(detail::erase_handler(std::move(handler)), std::move(path),
                                      options);
}

} // namespace asyncio

#endif // ASYNCIO_SERVER_HPP
