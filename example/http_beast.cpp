// An HTTP/1.1 server and a client written with Boost.Beast, driven by this library:
// our own program, the C++ form of the classic Python "fetch many URLs at once, at most
// N at a time" script (aiohttp playing the part Beast plays here).
//
// The point: the library drops into existing Boost networking code. Beast's operations
// take `boost::asio::use_awaitable`, and an `asyncio::awaitable<T>` *is* a
// `boost::asio::awaitable<T>`, so the Beast code below is plain Beast code; it runs as
// asyncio tasks on the loop of asyncio::run, next to asyncio::sleep, semaphore,
// wait_for, gather and task_group, with no adapter in between. (asyncio::start_server
// hands out streams, not sockets; Beast wants the socket, so the server has its own
// acceptor, with the accept loop as an asyncio task.)
//
// The same program in Python:
//
//     async def item(request):
//         await asyncio.sleep(0.005)  # some work
//         return web.Response(text=f"item {request.match_info['n']}\n")
//
//     async def fetch(session, limit, in_flight, n):
//         async with limit:
//             in_flight.enter()
//             try:
//                 async with session.get(f"{base}/item/{n}", timeout=2) as response:
//                     return response.status, await response.text()
//             finally:
//                 in_flight.leave()
//
//     async def main():
//         app = web.Application()
//         app.router.add_get("/item/{n}", item)
//         ...  # serve app on 127.0.0.1, port 0
//         limit, in_flight = asyncio.Semaphore(10), InFlight()
//         async with aiohttp.ClientSession() as session:
//             replies = await asyncio.gather(*(fetch(session, limit, in_flight, n)
//                                              for n in range(100)))
//         ok = sum(status == 200 for status, _ in replies)
//         size = sum(len(body) for _, body in replies)
//         print(f"fetched {len(replies)} URLs, {ok} OK, "
//               f"max concurrent {in_flight.most}, total bytes {size}")
//         for n in (0, 42, 99):
//             print(f"GET /item/{n} -> {replies[n][0]} {replies[n][1]!r}")
//
//     asyncio.run(main())
//
// Expected output (~0.1 s):
//     fetched 100 URLs, 100 OK, max concurrent 10, total bytes 790
//     GET /item/0 -> 200 'item 0\n'
//     GET /item/42 -> 200 'item 42\n'
//     GET /item/99 -> 200 'item 99\n'
//     GET /nothing/here -> 404 'not found\n'
//     server: 101 requests, 101 connections

#include "python_print.hpp"

#include <asyncio.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

// --- The server: a Beast accept loop and sessions, as asyncio tasks -----------------

struct server_stats {
    int requests = 0;
    int connections = 0;
};

// GET /item/<n> answers "item <n>\n"; anything else is not found.
http::response<http::string_body> answer(const http::request<http::string_body>& request) {
    http::response<http::string_body> response(http::status::ok, request.version());
    response.set(http::field::content_type, "text/plain");
    response.keep_alive(request.keep_alive());

    const std::string_view target = request.target();
    const std::string_view prefix = "/item/";
    int n = -1;
    const bool is_item = request.method() == http::verb::get && target.starts_with(prefix);
    if (is_item) {
        const std::string_view digits = target.substr(prefix.size());
        const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
        if (ec != std::errc() || end != digits.data() + digits.size() || digits.empty())
            n = -1;
    }
    if (n >= 0) {
        response.body() = "item " + std::to_string(n) + "\n";
    } else {
        response.result(http::status::not_found);
        response.body() = "not found\n";
    }
    response.prepare_payload();
    return response;
}

asyncio::awaitable<void> serve_connection(tcp::socket socket, server_stats& stats) {
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    for (;;) {
        http::request<http::string_body> request;
        auto [ec, bytes] =
            co_await http::async_read(stream, buffer, request, asio::as_tuple(asio::use_awaitable));
        if (ec == http::error::end_of_stream)
            break; // the client is done with this connection
        if (ec)
            throw boost::system::system_error(ec);
        ++stats.requests;

        co_await asyncio::sleep(5ms); // the work of making the answer

        http::response<http::string_body> response = answer(request);
        co_await http::async_write(stream, response, asio::use_awaitable);
        if (!response.keep_alive())
            break;
    }
    boost::system::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

// Accepts until the acceptor is closed, each connection a task of the group; then waits
// for the connections being served (leaving `async with TaskGroup()`).
asyncio::awaitable<void> http_server(tcp::acceptor& acceptor, server_stats& stats) {
    auto accept_loop = [&acceptor, &stats](asyncio::task_group& tg) -> asyncio::awaitable<void> {
        for (;;) {
            auto [ec, socket] = co_await acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
            if (ec == asio::error::operation_aborted)
                break; // closed
            if (ec)
                throw boost::system::system_error(ec);
            ++stats.connections;
            (void)tg.create_task(serve_connection(std::move(socket), stats));
        }
    };
    co_await asyncio::with_task_group(accept_loop);
}

// --- The client: Beast requests, bounded by a semaphore, each under wait_for ---------

struct reply {
    int status = 0;
    std::string body;
};

// One GET on a connection of its own (Connection: close).
asyncio::awaitable<reply> http_get(tcp::endpoint server, std::string target) {
    beast::tcp_stream stream(co_await asio::this_coro::executor);
    co_await stream.async_connect(server, asio::use_awaitable);

    http::request<http::empty_body> request(http::verb::get, target, 11);
    request.set(http::field::host, server.address().to_string());
    request.set(http::field::user_agent, "asyncio-for-asio http_beast example");
    request.keep_alive(false);
    co_await http::async_write(stream, request, asio::use_awaitable);

    beast::flat_buffer buffer;
    http::response<http::string_body> response;
    co_await http::async_read(stream, buffer, response, asio::use_awaitable);

    boost::system::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    co_return reply{static_cast<int>(response.result_int()), std::move(response.body())};
}

// How many fetches are running, and the most that ever ran at once.
class in_flight_counter {
  public:
    // Counts one fetch for as long as it lives.
    class scope {
      public:
        explicit scope(in_flight_counter& counter) : counter_(counter) {
            counter_.most_ = std::max(counter_.most_, ++counter_.now_);
        }
        scope(const scope&) = delete;
        scope& operator=(const scope&) = delete;
        ~scope() { --counter_.now_; }

      private:
        in_flight_counter& counter_;
    };

    int most() const { return most_; }

  private:
    int now_ = 0;
    int most_ = 0;
};

asyncio::awaitable<reply> fetch(asyncio::semaphore& limit, in_flight_counter& in_flight,
                                tcp::endpoint server, int n) {
    auto permit = co_await limit.scoped_acquire(); // async with limit:
    in_flight_counter::scope counted(in_flight);
    co_return co_await asyncio::wait_for(http_get(server, "/item/" + std::to_string(n)), 2s);
}

asyncio::awaitable<void> co_main() {
    // The server: a Beast accept loop on a free port of 127.0.0.1, as a task.
    tcp::acceptor acceptor(co_await asio::this_coro::executor,
                           tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    const tcp::endpoint server = acceptor.local_endpoint();
    server_stats stats;
    auto serving = co_await asyncio::create_task(http_server(acceptor, stats));

    // The client: 100 fetches at once, at most 10 of them in flight.
    asyncio::semaphore limit(10);
    in_flight_counter in_flight;
    std::vector<asyncio::awaitable<reply>> fetches;
    for (int n = 0; n < 100; ++n)
        fetches.push_back(fetch(limit, in_flight, server, n));
    const std::vector<reply> replies = co_await asyncio::gather(std::move(fetches));

    const auto ok = std::ranges::count_if(replies, [](const reply& r) { return r.status == 200; });
    std::size_t size = 0;
    for (const reply& r : replies)
        size += r.body.size();
    py::print("fetched " + std::to_string(replies.size()) + " URLs, " + std::to_string(ok) +
              " OK, max concurrent " + std::to_string(in_flight.most()) + ", total bytes " +
              std::to_string(size));
    for (const int n : {0, 42, 99})
        py::print("GET /item/" + std::to_string(n), "->", replies[n].status,
                  py::repr(replies[n].body));

    const reply missing = co_await asyncio::wait_for(http_get(server, "/nothing/here"), 2s);
    py::print("GET /nothing/here ->", missing.status, py::repr(missing.body));

    // Stop accepting; the server task ends once its connections are served.
    acceptor.close();
    co_await serving.wait();
    py::print("server:", stats.requests, "requests,", stats.connections, "connections");
}

int main() {
    asyncio::run(co_main());
}
