// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#include <asyncio/server.hpp>

#include "test_util.hpp"

#include "debug_util.hpp"
#include "stream_util.hpp"
#include "sync_util.hpp"

#include <asyncio/error.hpp>
#include <asyncio/event.hpp>
#include <asyncio/streams.hpp>
#include <asyncio/task.hpp>
#include <asyncio/wait_for.hpp>

#include <boost/asio/ip/address_v4.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <exception>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace {

using namespace asyncio::test;
using tcp = boost::asio::ip::tcp;
using unix_endpoint = boost::asio::local::stream_protocol::endpoint;
using asyncio::stream_reader;
using asyncio::stream_writer;

// A boost::system::system_error that is neither a cancellation nor one of the library's
// own error classes (a failure of the operating system).
bool is_os_error(const std::exception_ptr& e) {
    return is_a<boost::system::system_error>(e) && !asyncio::is_cancellation(e) &&
           !is_a<asyncio::invalid_state_error>(e) && !is_a<asyncio::timeout_error>(e);
}

// Connects to 127.0.0.1:`port`, exchanges one line, then closes; yields whether the
// echo came back.
awaitable<bool> echo_once(std::uint16_t port, std::string text = "once") {
    auto [reader, writer] = co_await asyncio::open_connection("127.0.0.1", port);
    const int good = co_await ping_pong(reader, writer, text, 1);
    const bool clean = co_await finish_echo(reader, writer);
    co_return good == 1 && clean;
}

// The same over a Unix socket.
awaitable<bool> echo_once_unix(std::string path, std::string text = "once") {
    auto [reader, writer] = co_await asyncio::open_unix_connection(path);
    const int good = co_await ping_pong(reader, writer, text, 1);
    const bool clean = co_await finish_echo(reader, writer);
    co_return good == 1 && clean;
}

// The exception connecting to 127.0.0.1:`port` ends with.
awaitable<std::exception_ptr> connect_failure(std::uint16_t port) {
    auto connect = [port] { return asyncio::open_connection("127.0.0.1", port); };
    auto probe = failure_of(connect);
    co_return co_await std::move(probe);
}

// A port nobody listens on (one a server just gave back).
awaitable<std::uint16_t> unused_port() {
    auto srv = co_await asyncio::start_server(echo_lines, "127.0.0.1", 0);
    const std::uint16_t port = srv.port();
    srv.close();
    co_await srv.wait_closed();
    co_return port;
}

// Counts a server's handlers (the echo handler inside), for tests on one thread or
// several.
struct handler_counts {
    std::atomic<int> started{0};
    std::atomic<int> finished{0};
    std::atomic<int> live{0};
    std::atomic<int> peak{0};
};

auto counting_echo(handler_counts& counts) {
    return [&counts](stream_reader reader, stream_writer writer) -> awaitable<void> {
        ++counts.started;
        const int live = ++counts.live;
        int peak = counts.peak.load();
        while (live > peak && !counts.peak.compare_exchange_weak(peak, live)) {
        }
        auto echo = echo_lines(std::move(reader), std::move(writer));
        co_await std::move(echo);
        --counts.live;
        ++counts.finished;
    };
}

// A TCP socket connected to 127.0.0.1:`port` that resets the connection (SO_LINGER 0)
// when closed, wrapped in streams.
awaitable<asyncio::stream_pair> resetting_connection(std::uint16_t port) {
    auto ex = co_await boost::asio::this_coro::executor;
    tcp::socket raw(ex);
    co_await raw.async_connect(tcp::endpoint(boost::asio::ip::address_v4::loopback(), port),
                               boost::asio::use_awaitable);
    // SO_LINGER 0, set behind Asio's back: Asio turns a linger it set off again when
    // it destroys the socket.
    const ::linger reset{1, 0};
    ::setsockopt(raw.native_handle(), SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
    co_return asyncio::make_streams(std::move(raw));
}

bool is_reset_or_broken_pipe(const std::exception_ptr& e) {
    const auto code = code_of(e);
    return is_os_error(e) && (code == boost::asio::error::connection_reset ||
                              code == boost::asio::error::broken_pipe);
}

// Where the debug-mode tests collect their warnings (they must outlive the loop).
warnings throwing_handler_warnings;

} // namespace

BOOST_AUTO_TEST_SUITE(server)

// --- the normal path ---------------------------------------------------------------

ASYNCIO_TEST_CASE(echo_smoke) {
    auto srv = co_await asyncio::start_server(echo_lines, "127.0.0.1", 0);
    BOOST_TEST(srv.is_serving());
    auto [reader, writer] = co_await asyncio::open_connection("127.0.0.1", srv.port());
    writer.write("ping\n");
    BOOST_TEST(co_await reader.readline() == "ping\n");
    writer.close();
    co_await writer.wait_closed();
    srv.close();
    co_await srv.wait_closed();
    BOOST_TEST(!srv.is_serving());
}

ASYNCIO_TEST_CASE(tcp_port_endpoints_and_echo_round_trips) {
    std::uint16_t handler_local_port = 0;
    tcp::endpoint handler_peer;
    auto handler = [&](stream_reader reader, stream_writer writer) -> awaitable<void> {
        handler_local_port = writer.local_endpoint().port();
        handler_peer = writer.peer_endpoint();
        auto echo = echo_lines(std::move(reader), std::move(writer));
        co_await std::move(echo);
    };
    auto srv = co_await asyncio::start_server(handler, "127.0.0.1", 0);
    BOOST_TEST(srv.is_serving());
    const std::uint16_t port = srv.port();
    BOOST_TEST(port != 0);
    const auto endpoints = srv.endpoints();
    BOOST_TEST_REQUIRE(endpoints.size() == 1u);
    BOOST_TEST(endpoints[0].address().to_string() == "127.0.0.1");
    BOOST_TEST(endpoints[0].port() == port);

    auto [reader, writer] = co_await asyncio::open_connection("127.0.0.1", port);
    BOOST_TEST(writer.peer_endpoint().port() == port);
    BOOST_TEST(writer.peer_endpoint().address().to_string() == "127.0.0.1");
    const tcp::endpoint client_local = writer.local_endpoint();
    BOOST_TEST(client_local.port() != 0);
    BOOST_TEST(client_local.port() != port);
    BOOST_TEST(is_a<std::invalid_argument>(
        exception_from([&] { (void)writer.peer_endpoint<unix_endpoint>(); })));

    BOOST_TEST(co_await ping_pong(reader, writer, "tcp", 5) == 5);
    BOOST_TEST(handler_local_port == port);
    BOOST_TEST((handler_peer == client_local));

    // Several lines in one write come back as separate lines.
    writer.writelines({"a\n", "b\n", "c\n"});
    BOOST_TEST(co_await reader.readline() == "a\n");
    BOOST_TEST(co_await reader.readline() == "b\n");
    BOOST_TEST(co_await reader.readline() == "c\n");
    BOOST_TEST(co_await pipelined(reader, writer, "burst", 100) == 100);

    // The end of our stream ends the handler, which closes: we read the end.
    BOOST_TEST(co_await finish_echo(reader, writer));

    srv.close();
    co_await srv.wait_closed();
    BOOST_TEST(!srv.is_serving());
    BOOST_TEST(srv.endpoints().empty());
}

ASYNCIO_TEST_CASE(server_on_localhost_listens_on_each_address) {
    auto srv = co_await asyncio::start_server(echo_lines, "localhost", 0);
    const auto endpoints = srv.endpoints();
    BOOST_TEST_REQUIRE(!endpoints.empty());
    BOOST_TEST(srv.port() == endpoints.front().port());
    for (const auto& endpoint : endpoints) {
        BOOST_TEST(endpoint.address().is_loopback());
        BOOST_TEST(endpoint.port() != 0);
    }
    // open_connection resolves the name and tries its addresses in turn.
    auto [reader, writer] = co_await asyncio::open_connection("localhost", srv.port());
    BOOST_TEST(co_await ping_pong(reader, writer, "localhost", 3) == 3);
    BOOST_TEST(co_await finish_echo(reader, writer));
}

ASYNCIO_TEST_CASE(open_connection_under_wait_for_completes) {
    auto srv = co_await asyncio::start_server(echo_lines, "127.0.0.1", 0);
    auto connect = asyncio::open_connection("127.0.0.1", srv.port());
    auto [reader, writer] = co_await asyncio::wait_for(std::move(connect), 5s);
    BOOST_TEST(co_await ping_pong(reader, writer, "timed", 2) == 2);
    BOOST_TEST(co_await finish_echo(reader, writer));
}

ASYNCIO_TEST_CASE(unix_server_echoes_and_removes_its_socket_file) {
    temp_socket_path path("echo");
    auto srv = co_await asyncio::start_unix_server(echo_lines, path.str());
    BOOST_TEST(srv.is_serving());
    BOOST_TEST(is_socket_file(path.str()));
    BOOST_TEST(srv.endpoints().empty());
    BOOST_TEST(is_a<asyncio::invalid_state_error>(exception_from([&] { (void)srv.port(); })));

    auto [reader, writer] = co_await asyncio::open_unix_connection(path.str());
    BOOST_TEST(writer.peer_endpoint<unix_endpoint>().path() == path.str());
    BOOST_TEST(is_a<std::invalid_argument>(exception_from([&] { (void)writer.peer_endpoint(); })));
    BOOST_TEST(co_await ping_pong(reader, writer, "unix", 5) == 5);
    BOOST_TEST(co_await pipelined(reader, writer, "unix burst", 50) == 50);
    BOOST_TEST(is_socket_file(path.str())); // there while serving
    BOOST_TEST(co_await finish_echo(reader, writer));

    srv.close();
    BOOST_TEST(!file_exists(path.str()));
    BOOST_TEST(!srv.is_serving());
    co_await srv.wait_closed();
    auto reconnect = failure_of([&] { return asyncio::open_unix_connection(path.str()); });
    BOOST_TEST(is_os_error(co_await std::move(reconnect)));
}

ASYNCIO_TEST_CASE(unix_server_replaces_a_stale_socket_file) {
    temp_socket_path path("stale");
    make_stale_socket_file(path.str());
    BOOST_TEST_REQUIRE(is_socket_file(path.str()));
    // Stale indeed: nobody accepts there.
    auto stale = failure_of([&] { return asyncio::open_unix_connection(path.str()); });
    BOOST_TEST(code_of(co_await std::move(stale)) == boost::asio::error::connection_refused);

    auto srv = co_await asyncio::start_unix_server(echo_lines, path.str());
    BOOST_TEST(is_socket_file(path.str()));
    BOOST_TEST(co_await echo_once_unix(path.str()));
    srv.close();
    co_await srv.wait_closed();
    BOOST_TEST(!file_exists(path.str()));
}

ASYNCIO_TEST_CASE(unix_server_keeps_a_regular_file_in_its_way) {
    temp_socket_path path("regular");
    { std::ofstream(path.str()) << "not a socket"; }
    auto start = failure_of([&] { return asyncio::start_unix_server(echo_lines, path.str()); });
    BOOST_TEST(is_os_error(co_await std::move(start)));
    BOOST_TEST(file_exists(path.str()));
    BOOST_TEST(!is_socket_file(path.str()));
}

ASYNCIO_TEST_CASE(unix_server_on_an_abstract_address) {
    // Linux's abstract namespace: a name starting with a NUL byte, no file.
    const std::string name =
        std::string(1, '\0') + "asyncio-test-abstract-" + std::to_string(::getpid());
    auto srv = co_await asyncio::start_unix_server(echo_lines, name);
    BOOST_TEST(srv.is_serving());
    BOOST_TEST(co_await echo_once_unix(name));
    srv.close();
    co_await srv.wait_closed();
    auto reconnect = failure_of([&] { return asyncio::open_unix_connection(name); });
    BOOST_TEST(is_os_error(co_await std::move(reconnect)));
}

ASYNCIO_TEST_CASE(move_only_handler_is_accepted) {
    auto greeting = std::make_unique<std::string>("hello from a move-only handler\n");
    auto handler = [greeting = std::move(greeting)](stream_reader,
                                                    stream_writer writer) -> awaitable<void> {
        writer.write(*greeting);
        writer.close();
        co_await writer.wait_closed();
    };
    auto srv = co_await asyncio::start_server(std::move(handler), "127.0.0.1", 0);
    for (int i = 0; i < 2; ++i) {
        auto [reader, writer] = co_await asyncio::open_connection("127.0.0.1", srv.port());
        BOOST_TEST(co_await reader.read() == "hello from a move-only handler\n");
        BOOST_TEST(reader.at_eof());
    }
}

ASYNCIO_TEST_CASE(handler_returning_without_closing_ends_the_connection) {
    auto handler = [](stream_reader reader, stream_writer writer) -> awaitable<void> {
        const std::string line = co_await reader.readline();
        writer.write("bye " + line);
        co_return; // neither close() nor wait_closed(): dropping the handles ends it
    };
    auto srv = co_await asyncio::start_server(handler, "127.0.0.1", 0);
    auto [reader, writer] = co_await asyncio::open_connection("127.0.0.1", srv.port());
    writer.write("now\n");
    BOOST_TEST(co_await reader.read() == "bye now\n");
    BOOST_TEST(reader.at_eof());
    srv.close();
    co_await srv.wait_closed();
}

ASYNCIO_TEST_CASE(two_hundred_concurrent_connections) {
    constexpr int clients = 200;
    constexpr int lines = 5;
    handler_counts counts;
    // A backlog above the burst: with the default (100) the kernel drops the SYNs of
    // the connections beyond it, which then retry a second later.
    asyncio::stream_options options;
    options.backlog = 2 * clients;
    auto srv = co_await asyncio::start_server(counting_echo(counts), "127.0.0.1", 0, options);
    const std::uint16_t port = srv.port();
    int connected = 0;
    asyncio::event all_connected;
    auto client = [&](int id) -> awaitable<int> {
        auto [reader, writer] = co_await asyncio::open_connection("127.0.0.1", port);
        const std::string tag = "client " + std::to_string(id);
        int good = co_await ping_pong(reader, writer, tag + " first", 1);
        // Everyone holds its connection until all are connected.
        if (++connected == clients)
            all_connected.set();
        co_await all_connected.wait();
        good += co_await ping_pong(reader, writer, tag, lines - 1);
        const bool clean = co_await finish_echo(reader, writer);
        co_return clean ? good : -1;
    };
    std::vector<asyncio::task<int>> tasks;
    for (int i = 0; i < clients; ++i) {
        auto body = client(i);
        tasks.push_back(co_await asyncio::create_task(std::move(body)));
    }
    int good = 0;
    for (auto& t : tasks)
        good += co_await t.wait();
    BOOST_TEST(good == clients * lines);
    BOOST_TEST(counts.started.load() == clients);
    BOOST_TEST(counts.peak.load() == clients); // all connections were open at once
    srv.close();
    co_await srv.wait_closed();
    BOOST_TEST(counts.finished.load() == clients);
    BOOST_TEST(counts.live.load() == 0);
}

// --- a failing handler ---------------------------------------------------------------

ASYNCIO_TEST_CASE_OPTS(throwing_handler_is_reported_and_its_connection_closed, .threads = 1,
                       .debug = true, .debug_handler = throwing_handler_warnings.handler(),
                       .slow_callback_duration = 10s) {
    auto& warned = throwing_handler_warnings;
    int handlers = 0;
    auto handler = [&handlers](stream_reader reader, stream_writer writer) -> awaitable<void> {
        ++handlers;
        for (;;) {
            const std::string line = co_await reader.readline();
            if (line.empty())
                break;
            if (line == "boom\n")
                throw std::runtime_error("handler exploded on boom");
            writer.write(line);
            co_await writer.drain();
        }
        writer.close();
    };
    auto srv = co_await asyncio::start_server(handler, "127.0.0.1", 0);
    auto [reader, writer] = co_await asyncio::open_connection("127.0.0.1", srv.port());
    BOOST_TEST(co_await ping_pong(reader, writer, "before", 2) == 2);
    BOOST_TEST(warned.size() == 0u, warned.dump());
    writer.write("boom\n");
    // The server closes the connection of the failed handler: we read its end.
    BOOST_TEST(co_await reader.read() == "");
    BOOST_TEST(reader.at_eof());
    BOOST_TEST(warned.count("handler exploded on boom") == 1, warned.dump());

    // The server goes on.
    BOOST_TEST(srv.is_serving());
    BOOST_TEST(co_await echo_once(srv.port(), "after"));
    BOOST_TEST(handlers == 2);
    srv.close();
    co_await srv.wait_closed(); // the failed handler counts as finished
    BOOST_TEST(warned.count("handler exploded on boom") == 1, warned.dump());
}

ASYNCIO_TEST_CASE(throwing_handler_is_reported_on_stderr_without_debug) {
    auto handler = [](stream_reader reader, stream_writer) -> awaitable<void> {
        const std::string line = co_await reader.readline();
        throw std::logic_error("handler failed reading " + line.substr(0, line.size() - 1));
    };
    auto srv = co_await asyncio::start_server(handler, "127.0.0.1", 0);
    stderr_capture captured;
    auto [reader, writer] = co_await asyncio::open_connection("127.0.0.1", srv.port());
    writer.write("xyzzy\n");
    BOOST_TEST(co_await reader.read() == "");
    const std::string text = captured.text();
    BOOST_TEST(text.find("asyncio: ") != std::string::npos, text);
    BOOST_TEST(text.find("handler failed reading xyzzy") != std::string::npos, text);
    BOOST_TEST(srv.is_serving());
}

namespace {

awaitable<void> time_out_in_a_handler() {
    auto handler = [](stream_reader reader, stream_writer) -> awaitable<void> {
        auto op = reader.readline();
        auto timed = asyncio::wait_for(std::move(op), 10ms);
        co_await std::move(timed); // the timeout_error gets out
    };
    auto srv = co_await asyncio::start_server(handler, "127.0.0.1", 0);
    auto [reader, writer] = co_await asyncio::open_connection("127.0.0.1", srv.port());
    BOOST_TEST(co_await reader.read() == ""); // closed once the handler failed
    srv.close();
    co_await srv.wait_closed();
}

} // namespace

BOOST_AUTO_TEST_CASE(timeout_escaping_a_handler_is_reported) {
    // A timeout is not a cancellation of the handler: it is reported like any failure.
    warnings warned;
    asyncio::test::run(time_out_in_a_handler(), debug_to(warned, 1, 10s));
    BOOST_TEST(warned.size() == 1u, warned.dump());
}

namespace {

awaitable<void> leave_a_handler_waiting(asyncio::event& never, std::atomic<bool>& waiting,
                                        std::atomic<bool>& cancelled) {
    auto handler = [&](stream_reader, stream_writer writer) -> awaitable<void> {
        waiting = true;
        try {
            co_await never.wait();
        } catch (const boost::system::system_error&) {
            cancelled = asyncio::is_cancellation(std::current_exception());
            throw;
        }
        writer.close();
    };
    auto srv = co_await asyncio::start_server(handler, "127.0.0.1", 0);
    auto [reader, writer] = co_await asyncio::open_connection("127.0.0.1", srv.port());
    auto handler_waits = eventually([&] { return waiting.load(); });
    BOOST_TEST(co_await std::move(handler_waits));
    // Returning leaves the handler waiting: asyncio::run cancels it.
}

} // namespace

BOOST_AUTO_TEST_CASE(handler_cancelled_at_shutdown_is_not_reported) {
    warnings warned;
    asyncio::event never;
    std::atomic<bool> waiting{false};
    std::atomic<bool> cancelled{false};
    asyncio::test::run(leave_a_handler_waiting(never, waiting, cancelled),
                       debug_to(warned, 1, 10s));
    BOOST_TEST(waiting.load());
    BOOST_TEST(cancelled.load());
    BOOST_TEST(warned.size() == 0u, warned.dump());
}

// --- serve_forever, close, wait_closed, destruction ---------------------------------

ASYNCIO_TEST_CASE(serve_forever_returns_when_another_task_closes) {
    auto srv = co_await asyncio::start_server(echo_lines, "127.0.0.1", 0);
    auto forever = co_await asyncio::create_task(srv.serve_forever());
    co_await settle();
    BOOST_TEST(!forever.done());
    // Only one at a time.
    BOOST_TEST(is_a<asyncio::invalid_state_error>(co_await exception_of(srv.serve_forever())));
    BOOST_TEST(!forever.done());
    BOOST_TEST(co_await echo_once(srv.port()));

    auto closing = after_turns(2, [&srv] { srv.close(); });
    auto closer = co_await asyncio::create_task(std::move(closing));
    co_await forever.wait(); // returns, no exception
    BOOST_TEST(closer.done());
    BOOST_TEST(!srv.is_serving());
    // A closed server cannot serve again.
    BOOST_TEST(is_a<asyncio::invalid_state_error>(co_await exception_of(srv.serve_forever())));
    co_await srv.wait_closed();
}

ASYNCIO_TEST_CASE(serve_forever_on_a_closed_server_is_invalid) {
    auto srv = co_await asyncio::start_server(echo_lines, "127.0.0.1", 0);
    srv.close();
    BOOST_TEST(is_a<asyncio::invalid_state_error>(co_await exception_of(srv.serve_forever())));
    BOOST_TEST(!srv.is_serving());
}

ASYNCIO_TEST_CASE(refused_second_serve_forever_leaves_the_first_running) {
    // The refused second serve_forever leaves the first one running; cancelling the
    // first then closes the server.
    auto srv = co_await asyncio::start_server(echo_lines, "127.0.0.1", 0);
    auto forever = co_await asyncio::create_task(srv.serve_forever());
    co_await settle();
    BOOST_TEST(is_a<asyncio::invalid_state_error>(co_await exception_of(srv.serve_forever())));
    BOOST_TEST(srv.is_serving());
    BOOST_TEST(!forever.done());
    forever.cancel();
    BOOST_TEST(asyncio::is_cancellation(co_await exception_of(forever.wait())));
    BOOST_TEST(!srv.is_serving());
}

ASYNCIO_TEST_CASE(cancelling_serve_forever_closes_the_server) {
    auto srv = co_await asyncio::start_server(echo_lines, "127.0.0.1", 0);
    const std::uint16_t port = srv.port();
    auto forever = co_await asyncio::create_task(srv.serve_forever());
    co_await settle();
    BOOST_TEST(!forever.done());
    BOOST_TEST(forever.cancel());
    const auto e = co_await exception_of(forever.wait());
    BOOST_TEST(asyncio::is_cancellation(e));
    BOOST_TEST(forever.cancelled());
    BOOST_TEST(!srv.is_serving());
    BOOST_TEST(srv.endpoints().empty());
    BOOST_TEST(code_of(co_await connect_failure(port)) == boost::asio::error::connection_refused);
    co_await srv.wait_closed();
    BOOST_TEST(is_a<asyncio::invalid_state_error>(co_await exception_of(srv.serve_forever())));
}

ASYNCIO_TEST_CASE(serve_forever_cancelled_before_it_starts_closes_nothing) {
    // A task cancelled before it first runs never runs its body: the server goes on.
    auto srv = co_await asyncio::start_server(echo_lines, "127.0.0.1", 0);
    auto forever = co_await asyncio::create_task(srv.serve_forever());
    forever.cancel();
    BOOST_TEST(asyncio::is_cancellation(co_await exception_of(forever.wait())));
    BOOST_TEST(srv.is_serving());
    BOOST_TEST(co_await echo_once(srv.port()));
}

ASYNCIO_TEST_CASE(serve_forever_under_wait_for_times_out_and_closes) {
    temp_socket_path path("forever");
    auto srv = co_await asyncio::start_unix_server(echo_lines, path.str());
    auto serving = srv.serve_forever();
    const auto e = co_await exception_of(asyncio::wait_for(std::move(serving), 30ms));
    BOOST_TEST(is_timeout(e), what_of(e));
    BOOST_TEST(!srv.is_serving());
    BOOST_TEST(!file_exists(path.str()));
    co_await srv.wait_closed();
}

ASYNCIO_TEST_CASE(serve_forever_cancelled_as_the_server_closes) {
    // close() and cancel() in the same turn, both orders: serve_forever ends either way
    // (normally or cancelled), and the server is closed.
    for (int order = 0; order < 2; ++order) {
        auto srv = co_await asyncio::start_server(echo_lines, "127.0.0.1", 0);
        auto forever = co_await asyncio::create_task(srv.serve_forever());
        co_await settle();
        if (order == 0) {
            srv.close();
            forever.cancel();
        } else {
            forever.cancel();
            srv.close();
        }
        const auto e = co_await exception_of(forever.wait());
        BOOST_TEST((!e || asyncio::is_cancellation(e)), what_of(e));
        BOOST_TEST(!srv.is_serving());
        co_await srv.wait_closed();
    }
}

ASYNCIO_TEST_CASE(close_is_idempotent_and_wakes_wait_closed) {
    auto srv = co_await asyncio::start_server(echo_lines, "127.0.0.1", 0);
    auto waiting = co_await asyncio::create_task(srv.wait_closed());
    co_await settle();
    BOOST_TEST(!waiting.done()); // waits for the close, not only for idle handlers
    srv.close();
    srv.close();
    BOOST_TEST(!srv.is_serving());
    co_await waiting.wait();
    co_await srv.wait_closed(); // at once, as often as asked
    co_await srv.wait_closed();
    srv.close();
    BOOST_TEST(!srv.is_serving());
    BOOST_TEST(srv.endpoints().empty());
}

ASYNCIO_TEST_CASE(wait_closed_waits_for_the_handlers_of_live_connections) {
    std::vector<std::string> order;
    auto handler = [&order](stream_reader reader, stream_writer writer) -> awaitable<void> {
        auto echo = echo_lines(std::move(reader), std::move(writer));
        co_await std::move(echo);
        order.push_back("handler finished");
    };
    auto srv = co_await asyncio::start_server(handler, "127.0.0.1", 0);
    const std::uint16_t port = srv.port();
    auto [reader, writer] = co_await asyncio::open_connection("127.0.0.1", port);
    BOOST_TEST(co_await ping_pong(reader, writer, "before close", 1) == 1);

    srv.close();
    BOOST_TEST(!srv.is_serving());
    auto wait_closed = [&]() -> awaitable<void> {
        co_await srv.wait_closed();
        order.push_back("wait_closed returned");
    };
    auto body = wait_closed();
    auto waiting = co_await asyncio::create_task(std::move(body));
    co_await settle(5);
    BOOST_TEST(!waiting.done());
    // The live connection keeps working after close(); new ones are refused.
    BOOST_TEST(co_await ping_pong(reader, writer, "after close", 3) == 3);
    BOOST_TEST(code_of(co_await connect_failure(port)) == boost::asio::error::connection_refused);
    co_await settle(5);
    BOOST_TEST(!waiting.done());
    BOOST_TEST(order.empty());

    BOOST_TEST(co_await finish_echo(reader, writer)); // ends the handler
    co_await waiting.wait();
    BOOST_TEST_REQUIRE(order.size() == 2u);
    BOOST_TEST(order[0] == "handler finished");
    BOOST_TEST(order[1] == "wait_closed returned");
}

ASYNCIO_TEST_CASE(destroying_the_server_closes_it_and_live_connections_go_on) {
    handler_counts counts;
    std::uint16_t port = 0;
    stream_reader reader;
    stream_writer writer;
    {
        auto srv = co_await asyncio::start_server(counting_echo(counts), "127.0.0.1", 0);
        port = srv.port();
        auto connection = co_await asyncio::open_connection("127.0.0.1", port);
        reader = connection.first;
        writer = connection.second;
        BOOST_TEST(co_await ping_pong(reader, writer, "before", 1) == 1);
    }
    BOOST_TEST(code_of(co_await connect_failure(port)) == boost::asio::error::connection_refused);
    BOOST_TEST(co_await ping_pong(reader, writer, "after", 3) == 3);
    BOOST_TEST(co_await finish_echo(reader, writer));
    auto handler_finished = eventually([&] { return counts.finished == 1; });
    BOOST_TEST(co_await std::move(handler_finished));
    BOOST_TEST(counts.started.load() == 1);
}

// close() leaves the live connections alone, so wait_closed() waits for their clients;
// close_clients() ends them (their handlers read the end of the stream) and
// wait_closed() returns.
ASYNCIO_TEST_CASE(close_clients_ends_the_live_connections) {
    handler_counts counts;
    auto srv = co_await asyncio::start_server(counting_echo(counts), "127.0.0.1", 0);
    const std::uint16_t port = srv.port();
    std::vector<asyncio::stream_pair> clients;
    for (int i = 0; i < 3; ++i) {
        clients.push_back(co_await asyncio::open_connection("127.0.0.1", port));
        BOOST_TEST(co_await ping_pong(clients.back().first, clients.back().second, "c", 1) == 1);
    }
    srv.close();
    const auto still_open = co_await exception_of(asyncio::wait_for(srv.wait_closed(), 50ms));
    BOOST_TEST(is_a<asyncio::timeout_error>(still_open));
    srv.close_clients();
    co_await asyncio::wait_for(srv.wait_closed(), 5s);
    BOOST_TEST(counts.finished.load() == 3);
    for (auto& [reader, writer] : clients)
        BOOST_TEST(co_await reader.read() == "");
}

// close_clients() right after close(), on four threads, while the server is still
// setting up a burst of connections it accepted: each of them is closed too, so
// wait_closed() returns.
ASYNCIO_TEST_CASE_OPTS(close_clients_reaches_connections_being_set_up, .threads = 4) {
    auto idle_until_eof = [](stream_reader reader, stream_writer) -> awaitable<void> {
        while (!(co_await reader.readline()).empty()) {
        }
    };
    boost::asio::io_context clients_ctx;
    for (int round = 0; round < 10; ++round) {
        auto srv = co_await asyncio::start_server(idle_until_eof, "127.0.0.1", 0);
        std::vector<tcp::socket> clients;
        for (int i = 0; i < 50; ++i) {
            clients.emplace_back(clients_ctx);
            clients.back().connect({boost::asio::ip::make_address("127.0.0.1"), srv.port()});
        }
        co_await asyncio::sleep(std::chrono::microseconds(100 * round));
        srv.close();
        srv.close_clients();
        const auto e = co_await exception_of(asyncio::wait_for(srv.wait_closed(), 5s));
        ASYNCIO_CHECK(!e);
    }
}

// abort_clients() drops what the handlers queued: a handler blocked behind a client
// that reads nothing sees the end of its stream at once.
ASYNCIO_TEST_CASE(abort_clients_drops_the_queued_bytes) {
    constexpr std::size_t flood = 8 * 1024 * 1024;
    asyncio::event queued;
    auto handler = [&](stream_reader reader, stream_writer writer) -> awaitable<void> {
        writer.write(std::string(flood, 'x')); // far more than the socket buffers take
        queued.set();
        BOOST_TEST(co_await reader.readline() == "");
    };
    auto srv = co_await asyncio::start_server(handler, "127.0.0.1", 0);
    auto [reader, writer] = co_await asyncio::open_connection("127.0.0.1", srv.port());
    co_await asyncio::wait_for(queued.wait(), 5s);
    srv.close();
    srv.abort_clients();
    co_await asyncio::wait_for(srv.wait_closed(), 5s);
    // The client gets some of the flood, then the end of the stream (or a reset).
    std::size_t received = 0;
    std::exception_ptr failure;
    try {
        for (std::string chunk; !(chunk = co_await reader.read(1 << 16)).empty();)
            received += chunk.size();
    } catch (const boost::system::system_error&) {
        failure = std::current_exception();
    }
    BOOST_TEST(received < flood);
}

ASYNCIO_TEST_CASE(wait_closed_task_outliving_the_server_completes) {
    // Python's `create_task(server.wait_closed())`, then the server goes.
    asyncio::task<void> waiting;
    {
        auto srv = co_await asyncio::start_server(echo_lines, "127.0.0.1", 0);
        waiting = co_await asyncio::create_task(srv.wait_closed());
    } // destroyed (so closed) before the task first runs
    co_await asyncio::wait_for(waiting.wait(), 5s);
    BOOST_TEST(waiting.done());
}

ASYNCIO_TEST_CASE(move_assignment_closes_the_replaced_server) {
    auto first = co_await asyncio::start_server(echo_lines, "127.0.0.1", 0);
    auto second = co_await asyncio::start_server(echo_lines, "127.0.0.1", 0);
    const std::uint16_t first_port = first.port();
    const std::uint16_t second_port = second.port();
    first = std::move(second);
    BOOST_TEST(code_of(co_await connect_failure(first_port)) ==
               boost::asio::error::connection_refused);
    BOOST_TEST(first.port() == second_port);
    BOOST_TEST(first.is_serving());
    BOOST_TEST(co_await echo_once(second_port));
    // Moving into itself changes nothing.
    auto& self = first;
    first = std::move(self);
    BOOST_TEST(first.is_serving());
    BOOST_TEST(co_await echo_once(second_port));
}

ASYNCIO_TEST_CASE(moved_from_server_members_are_invalid) {
    auto srv = co_await asyncio::start_server(echo_lines, "127.0.0.1", 0);
    auto moved = std::move(srv);
    BOOST_TEST(moved.is_serving());
    BOOST_TEST(is_a<asyncio::invalid_state_error>(exception_from([&] { (void)srv.port(); })));
    BOOST_TEST(is_a<asyncio::invalid_state_error>(exception_from([&] { (void)srv.endpoints(); })));
    BOOST_TEST(is_a<asyncio::invalid_state_error>(exception_from([&] { srv.close(); })));
    BOOST_TEST(is_a<asyncio::invalid_state_error>(exception_from([&] { (void)srv.is_serving(); })));
    auto wait_closed = failure_of([&] { return srv.wait_closed(); });
    BOOST_TEST(is_a<asyncio::invalid_state_error>(co_await std::move(wait_closed)));
    auto serve_forever = failure_of([&] { return srv.serve_forever(); });
    BOOST_TEST(is_a<asyncio::invalid_state_error>(co_await std::move(serve_forever)));
    BOOST_TEST(moved.is_serving()); // none of it touched the server
    BOOST_TEST(co_await echo_once(moved.port()));
}

// --- bad input -------------------------------------------------------------------

ASYNCIO_TEST_CASE(ports_outside_the_range_are_invalid_arguments) {
    for (int port : {-1, -65535, 65536, 70000}) {
        auto start =
            failure_of([port] { return asyncio::start_server(echo_lines, "127.0.0.1", port); });
        BOOST_TEST(is_a<std::invalid_argument>(co_await std::move(start)), "port " << port);
        auto connect = failure_of([port] { return asyncio::open_connection("127.0.0.1", port); });
        BOOST_TEST(is_a<std::invalid_argument>(co_await std::move(connect)), "port " << port);
    }
    // 65535 is a port (nobody listens there, most likely; anything but invalid_argument).
    auto connect = failure_of([] { return asyncio::open_connection("127.0.0.1", 65535); });
    BOOST_TEST(!is_a<std::invalid_argument>(co_await std::move(connect)));
}

ASYNCIO_TEST_CASE(listening_on_a_port_in_use_is_a_system_error) {
    auto srv = co_await asyncio::start_server(echo_lines, "127.0.0.1", 0);
    const std::uint16_t port = srv.port();
    auto again =
        failure_of([port] { return asyncio::start_server(echo_lines, "127.0.0.1", port); });
    const auto e = co_await std::move(again);
    BOOST_TEST(is_os_error(e), what_of(e));
    BOOST_TEST(code_of(e) == boost::asio::error::address_in_use);
    // The first one is untouched.
    BOOST_TEST(srv.is_serving());
    BOOST_TEST(co_await echo_once(port));
}

ASYNCIO_TEST_CASE(connecting_to_a_closed_port_is_refused) {
    const std::uint16_t port = co_await unused_port();
    const auto e = co_await connect_failure(port);
    BOOST_TEST(is_os_error(e), what_of(e));
    BOOST_TEST(code_of(e) == boost::asio::error::connection_refused);
}

ASYNCIO_TEST_CASE(unresolvable_host_is_a_system_error) {
    auto connect = failure_of([] { return asyncio::open_connection("nonexistent.invalid", 80); });
    const auto e = co_await std::move(connect);
    BOOST_TEST(is_os_error(e), what_of(e));
    auto start =
        failure_of([] { return asyncio::start_server(echo_lines, "nonexistent.invalid", 0); });
    const auto e2 = co_await std::move(start);
    BOOST_TEST(is_os_error(e2), what_of(e2));
}

ASYNCIO_TEST_CASE(bad_stream_options_are_invalid_arguments) {
    const auto srv = co_await asyncio::start_server(echo_lines, "127.0.0.1", 0);
    const std::uint16_t port = srv.port();
    const temp_socket_path live("live");
    const auto unix_srv = co_await asyncio::start_unix_server(echo_lines, live.str());

    std::vector<asyncio::stream_options> bad(3);
    bad[0].limit = 0;
    bad[1].write_high_water = 100;
    bad[1].write_low_water = 101;
    bad[2].backlog = -1;
    for (const auto& options : bad) {
        temp_socket_path path("bad");
        auto start =
            failure_of([&] { return asyncio::start_server(echo_lines, "127.0.0.1", 0, options); });
        BOOST_TEST(is_a<std::invalid_argument>(co_await std::move(start)));
        auto start_unix =
            failure_of([&] { return asyncio::start_unix_server(echo_lines, path.str(), options); });
        BOOST_TEST(is_a<std::invalid_argument>(co_await std::move(start_unix)));
        BOOST_TEST(!file_exists(path.str()));
        if (options.backlog < 0)
            continue; // backlog only matters to servers
        auto connect =
            failure_of([&] { return asyncio::open_connection("127.0.0.1", port, options); });
        BOOST_TEST(is_a<std::invalid_argument>(co_await std::move(connect)));
        auto connect_unix =
            failure_of([&] { return asyncio::open_unix_connection(live.str(), options); });
        BOOST_TEST(is_a<std::invalid_argument>(co_await std::move(connect_unix)));
    }

    // The edges are fine: low == high water, a limit of 1, a backlog of 0.
    asyncio::stream_options edge;
    edge.limit = 1;
    edge.write_high_water = edge.write_low_water = 10;
    edge.backlog = 0;
    auto edge_srv = co_await asyncio::start_server(echo_lines, "127.0.0.1", 0, edge);
    auto [reader, writer] = co_await asyncio::open_connection("127.0.0.1", edge_srv.port(), edge);
    writer.write("\n");
    BOOST_TEST(co_await reader.readexactly(1) == "\n");
    writer.close();
    co_await writer.wait_closed();
}

ASYNCIO_TEST_CASE(bad_unix_paths_are_system_errors) {
    auto missing_dir = failure_of(
        [] { return asyncio::start_unix_server(echo_lines, "/nonexistent-dir/x.sock"); });
    BOOST_TEST(is_os_error(co_await std::move(missing_dir)));
    const std::string too_long = "/tmp/" + std::string(200, 'x');
    auto long_path = failure_of([&] { return asyncio::start_unix_server(echo_lines, too_long); });
    BOOST_TEST(is_os_error(co_await std::move(long_path)));
    temp_socket_path nobody("nobody");
    auto connect = failure_of([&] { return asyncio::open_unix_connection(nobody.str()); });
    BOOST_TEST(is_os_error(co_await std::move(connect)));
}

// --- cancellation, timeouts, lost connections ------------------------------------

ASYNCIO_TEST_CASE(cancelling_a_client_readline_keeps_the_connection_usable) {
    auto srv = co_await asyncio::start_server(echo_lines, "127.0.0.1", 0);
    auto [reader, writer] = co_await asyncio::open_connection("127.0.0.1", srv.port());

    // Nothing arrives: the read waits until cancelled.
    auto reading = co_await asyncio::create_task(reader.readline());
    co_await settle();
    BOOST_TEST(!reading.done());
    BOOST_TEST(reading.cancel());
    BOOST_TEST(asyncio::is_cancellation(co_await exception_of(reading.wait())));
    // The reader is free again and nothing was lost.
    BOOST_TEST(co_await ping_pong(reader, writer, "after cancel", 2) == 2);

    // A cancellation racing the arrival of the line: the line is read exactly once,
    // by the cancelled read or by the next one.
    int read_by_first = 0;
    int read_by_next = 0;
    for (int turns = 0; turns < 12; ++turns) {
        const std::string line = line_of("race", turns);
        writer.write(line);
        auto racing = co_await asyncio::create_task(reader.readline());
        co_await settle(turns);
        racing.cancel();
        const auto e = co_await exception_of(racing.wait());
        if (!e) {
            BOOST_TEST(racing.result() == line);
            ++read_by_first;
        } else {
            BOOST_TEST(asyncio::is_cancellation(e), what_of(e));
            BOOST_TEST(co_await reader.readline() == line);
            ++read_by_next;
        }
    }
    BOOST_TEST(read_by_first + read_by_next == 12);
    BOOST_TEST(read_by_next >= 1); // with no turn at all, the read never started
    BOOST_TEST_MESSAGE("read by the racing read " << read_by_first << ", by the next "
                                                  << read_by_next);
    BOOST_TEST(co_await finish_echo(reader, writer));
}

ASYNCIO_TEST_CASE(wait_for_around_a_client_readline_times_out) {
    auto srv = co_await asyncio::start_server(echo_lines, "127.0.0.1", 0);
    auto [reader, writer] = co_await asyncio::open_connection("127.0.0.1", srv.port());
    const auto e = co_await exception_of(asyncio::wait_for(reader.readline(), 20ms));
    BOOST_TEST(is_timeout(e), what_of(e));
    BOOST_TEST(co_await ping_pong(reader, writer, "after timeout", 2) == 2);
    BOOST_TEST(co_await finish_echo(reader, writer));
}

ASYNCIO_TEST_CASE(wait_for_around_a_server_side_read) {
    std::vector<std::exception_ptr> timeouts;
    auto handler = [&timeouts](stream_reader reader, stream_writer writer) -> awaitable<void> {
        std::exception_ptr e;
        try {
            auto op = reader.readline();
            auto timed = asyncio::wait_for(std::move(op), 30ms);
            co_await std::move(timed);
        } catch (...) {
            e = std::current_exception();
        }
        timeouts.push_back(e);
        writer.write(is_timeout(e) ? "timed out\n" : "no timeout\n");
        co_await writer.drain();
        // The reader still works after the timeout.
        const std::string line = co_await reader.readline();
        writer.write("got " + line);
        writer.close();
        co_await writer.wait_closed();
    };
    auto srv = co_await asyncio::start_server(handler, "127.0.0.1", 0);
    for (int i = 0; i < 2; ++i) {
        auto [reader, writer] = co_await asyncio::open_connection("127.0.0.1", srv.port());
        BOOST_TEST(co_await reader.readline() == "timed out\n");
        writer.write("late\n");
        BOOST_TEST(co_await reader.read() == "got late\n");
        BOOST_TEST(reader.at_eof());
    }
    srv.close();
    co_await srv.wait_closed();
    BOOST_TEST_REQUIRE(timeouts.size() == 2u);
    for (const auto& e : timeouts)
        BOOST_TEST(is_timeout(e), what_of(e));
}

ASYNCIO_TEST_CASE(peer_reset_fails_the_handlers_read_and_write) {
    std::exception_ptr read_failure;
    std::exception_ptr write_failure;
    asyncio::event handler_done;
    auto handler = [&](stream_reader reader, stream_writer writer) -> awaitable<void> {
        const std::string first = co_await reader.readline();
        writer.write(first);
        co_await writer.drain();
        read_failure = co_await failure_of([&] { return reader.readline(); });
        write_failure = co_await failure_of([&] {
            writer.write("after the reset\n");
            return writer.drain();
        });
        handler_done.set();
    };
    auto srv = co_await asyncio::start_server(handler, "127.0.0.1", 0);
    {
        auto [reader, writer] = co_await resetting_connection(srv.port());
        writer.write("hello\n");
        BOOST_TEST(co_await reader.readline() == "hello\n");
    } // the last handles go: the socket closes, with a reset
    auto done = handler_done.wait();
    co_await asyncio::wait_for(std::move(done), 5s);
    BOOST_TEST(is_os_error(read_failure), what_of(read_failure));
    BOOST_TEST(code_of(read_failure) == boost::asio::error::connection_reset);
    BOOST_TEST(is_os_error(write_failure), what_of(write_failure));
    // The server survives.
    BOOST_TEST(srv.is_serving());
    auto [reader, writer] = co_await asyncio::open_connection("127.0.0.1", srv.port());
    BOOST_TEST(co_await ping_pong(reader, writer, "fresh", 1) == 1);
    // Let the handler finish before the variables it uses go.
    writer.close();
    srv.close();
    co_await srv.wait_closed();
}

ASYNCIO_TEST_CASE(peer_reset_fails_a_writing_handler) {
    std::exception_ptr write_failure;
    asyncio::event handler_done;
    auto handler = [&](stream_reader, stream_writer writer) -> awaitable<void> {
        auto flood = [&]() -> awaitable<void> {
            const std::string chunk(64 * 1024, 'x');
            for (int i = 0; i < 100'000; ++i) {
                writer.write(chunk);
                co_await writer.drain();
            }
        };
        write_failure = co_await failure_of(flood);
        handler_done.set();
    };
    auto srv = co_await asyncio::start_server(handler, "127.0.0.1", 0);
    {
        auto [reader, writer] = co_await resetting_connection(srv.port());
        BOOST_TEST(co_await reader.readexactly(1000) == std::string(1000, 'x'));
    } // reset, with unread data
    auto done = handler_done.wait();
    co_await asyncio::wait_for(std::move(done), 5s);
    BOOST_TEST(is_reset_or_broken_pipe(write_failure), what_of(write_failure));
    BOOST_TEST(srv.is_serving());
    // Now an echo handler would do; this one writes forever, so check that it is served.
    auto [reader, writer] = co_await asyncio::open_connection("127.0.0.1", srv.port());
    BOOST_TEST(co_await reader.readexactly(10) == std::string(10, 'x'));
    // Let the handler finish before the variables it uses go.
    writer.close();
    srv.close();
    co_await srv.wait_closed();
}

ASYNCIO_TEST_CASE(peer_reset_of_an_echo_connection_leaves_the_server_serving) {
    // The handler lets the error out: it is reported, the server goes on.
    handler_counts counts;
    auto handler = counting_echo(counts);
    auto srv = co_await asyncio::start_server(handler, "127.0.0.1", 0);
    stderr_capture captured;
    {
        auto [reader, writer] = co_await resetting_connection(srv.port());
        BOOST_TEST(co_await ping_pong(reader, writer, "to be reset", 2) == 2);
    }
    BOOST_TEST(co_await echo_once(srv.port()));
    srv.close();
    co_await srv.wait_closed(); // both handlers have finished
    BOOST_TEST(counts.started.load() == 2);
    BOOST_TEST(counts.finished.load() == 1); // the reset ended the first by an exception
    const std::string text = captured.text();
    BOOST_TEST(text.find("asyncio: ") != std::string::npos, text);
}

// --- several threads ---------------------------------------------------------------

namespace {

// A client of the threaded tests, over a connection just opened: many lines, one at a
// time (even ids) or at once (odd).
awaitable<int> busy_client(asyncio::stream_pair connection, std::string tag, int id, int lines) {
    auto& [reader, writer] = connection;
    tag += " " + std::to_string(id);
    int good = 0;
    if (id % 2 == 0)
        good = co_await ping_pong(reader, writer, tag, lines);
    else
        good = co_await pipelined(reader, writer, tag, lines);
    if (!co_await finish_echo(reader, writer))
        good = -1;
    co_return good;
}

awaitable<int> busy_tcp_client(std::uint16_t port, int id, int lines) {
    auto connection = co_await asyncio::open_connection("127.0.0.1", port);
    co_return co_await busy_client(std::move(connection), "client", id, lines);
}

awaitable<int> busy_unix_client(std::string path, int id, int lines) {
    auto connection = co_await asyncio::open_unix_connection(path);
    co_return co_await busy_client(std::move(connection), "unix client", id, lines);
}

} // namespace

ASYNCIO_TEST_CASE_OPTS(hundred_clients_on_four_threads, .threads = 4) {
    constexpr int clients = 100;
    constexpr int lines = 30;
    handler_counts counts;
    auto srv = co_await asyncio::start_server(counting_echo(counts), "127.0.0.1", 0);
    std::vector<asyncio::task<int>> tasks;
    for (int i = 0; i < clients; ++i)
        tasks.push_back(co_await asyncio::create_task(busy_tcp_client(srv.port(), i, lines)));
    int good = 0;
    for (auto& t : tasks) {
        const int n = co_await t.wait();
        ASYNCIO_CHECK_EQUAL(n, lines);
        good += n;
    }
    ASYNCIO_CHECK_EQUAL(good, clients * lines);
    srv.close();
    co_await srv.wait_closed();
    ASYNCIO_CHECK_EQUAL(counts.started.load(), clients);
    ASYNCIO_CHECK_EQUAL(counts.finished.load(), clients);
    ASYNCIO_CHECK_EQUAL(counts.live.load(), 0);
}

ASYNCIO_TEST_CASE_OPTS(unix_clients_on_four_threads, .threads = 4) {
    constexpr int clients = 40;
    constexpr int lines = 30;
    handler_counts counts;
    temp_socket_path path("threads");
    auto srv = co_await asyncio::start_unix_server(counting_echo(counts), path.str());
    std::vector<asyncio::task<int>> tasks;
    for (int i = 0; i < clients; ++i)
        tasks.push_back(co_await asyncio::create_task(busy_unix_client(path.str(), i, lines)));
    int good = 0;
    for (auto& t : tasks)
        good += co_await t.wait();
    ASYNCIO_CHECK_EQUAL(good, clients * lines);
    srv.close();
    ASYNCIO_CHECK(!file_exists(path.str()));
    co_await srv.wait_closed();
    ASYNCIO_CHECK_EQUAL(counts.finished.load(), clients);
}

namespace {

// Connects and exchanges a few lines; yields whether it was served. A connection the
// closing server never accepted fails with a system error or reads the end.
awaitable<bool> client_of_a_closing_server(std::uint16_t port, int id, std::atomic<int>& odd) {
    std::exception_ptr failure;
    bool served = false;
    try {
        auto [reader, writer] = co_await asyncio::open_connection("127.0.0.1", port);
        const int good = co_await ping_pong(reader, writer, "closing " + std::to_string(id), 3);
        if (good == 3)
            served = co_await finish_echo(reader, writer);
    } catch (...) {
        failure = std::current_exception();
    }
    if (failure && !is_os_error(failure)) {
        ++odd;
        ASYNCIO_CHECK_EQUAL(what_of(failure), "a system error");
    }
    co_return served;
}

} // namespace

ASYNCIO_TEST_CASE_OPTS(close_while_clients_connect_on_four_threads, .threads = 4) {
    constexpr int clients = 60;
    handler_counts counts;
    auto srv = co_await asyncio::start_server(counting_echo(counts), "127.0.0.1", 0);
    const std::uint16_t port = srv.port();
    auto forever = co_await asyncio::create_task(srv.serve_forever());
    std::atomic<int> odd{0};
    std::vector<asyncio::task<bool>> tasks;
    for (int i = 0; i < clients; ++i)
        tasks.push_back(co_await asyncio::create_task(client_of_a_closing_server(port, i, odd)));
    auto closing = [&]() -> awaitable<void> {
        auto enough = eventually([&] { return counts.started >= 10; });
        co_await std::move(enough);
        srv.close();
    };
    auto closer_body = closing();
    auto closer = co_await asyncio::create_task(std::move(closer_body));
    co_await forever.wait(); // returns once closed
    co_await closer.wait();
    int served = 0;
    for (auto& t : tasks)
        if (co_await t.wait())
            ++served;
    co_await srv.wait_closed();
    ASYNCIO_CHECK(!srv.is_serving());
    ASYNCIO_CHECK_EQUAL(odd.load(), 0);
    ASYNCIO_CHECK(counts.started.load() >= 10);
    // Every connection the server accepted was served to the end.
    ASYNCIO_CHECK_EQUAL(served, counts.started.load());
    ASYNCIO_CHECK_EQUAL(counts.finished.load(), counts.started.load());
    BOOST_TEST_MESSAGE("served " << served << " of " << clients);
}

// --- handles outliving the server ----------------------------------------------------

// server::wait_closed() (and serve_forever()) own a reference to the server's state from
// the call on: a task made of it and started after the server object is gone, while
// another thread drops the state's other references (the aborted accept's handler),
// still waits on live state.
ASYNCIO_TEST_CASE_OPTS(wait_closed_task_outliving_the_server_on_four_threads, .threads = 4) {
    for (int i = 0; i < 200; ++i) {
        asyncio::task<void> waiting;
        {
            auto srv = co_await asyncio::start_server(echo_lines, "127.0.0.1", 0);
            waiting = co_await asyncio::create_task(srv.wait_closed());
        }
        auto done = asyncio::wait_for(waiting.wait(), 5s);
        const auto e = co_await exception_of(std::move(done));
        ASYNCIO_CHECK(!e);
    }
}

BOOST_AUTO_TEST_SUITE_END()
