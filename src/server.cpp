// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#include <asyncio/detail/debug.hpp>
#include <asyncio/detail/executor.hpp>
#include <asyncio/detail/wait_op.hpp>
#include <asyncio/error.hpp>
#include <asyncio/server.hpp>
#include <asyncio/task.hpp>

#include <boost/asio/error.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <list>
#include <mutex>
#include <optional>
#include <sstream>
#include <stdexcept>

namespace asyncio {
namespace detail {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using local_protocol = asio::local::stream_protocol;

class server_state : public std::enable_shared_from_this<server_state> {
  public:
    server_state(executor_type ex, connection_handler_function handler, stream_options options)
        : ex_(std::move(ex)), handler_(std::move(handler)), options_(options) {}

    server_state(const server_state&) = delete;
    server_state& operator=(const server_state&) = delete;
    ~server_state();

    // Listening, before the server is shared.
    // Whether it listens: false when the address is not available on this machine.
    bool listen(const tcp::endpoint& endpoint);
    void listen(const std::string& path);
    void start();

    std::uint16_t port() const;
    std::vector<tcp::endpoint> endpoints() const;
    void close() noexcept;
    void close_clients(bool abort) noexcept;
    bool is_serving() const noexcept;
    // Own a reference to the state from the call on.
    static awaitable<void> wait_closed(std::shared_ptr<server_state> self);
    static awaitable<void> serve_forever(std::shared_ptr<server_state> self);

  private:
    // Keeps a connection counted while its handler's coroutine exists (so also for a
    // handler cancelled before it ran).
    class connection_guard {
      public:
        explicit connection_guard(std::shared_ptr<server_state> server) noexcept
            : server_(std::move(server)) {}
        connection_guard(connection_guard&& other) noexcept = default;
        connection_guard& operator=(connection_guard&&) = delete;
        ~connection_guard() {
            if (server_)
                server_->connection_done();
        }
        server_state& server() const noexcept { return *server_; }

      private:
        std::shared_ptr<server_state> server_;
    };

    template <class Acceptor>
    void accept_next_locked(Acceptor& acceptor);
    template <class Acceptor, class Socket>
    void accepted(Acceptor& acceptor, const boost::system::error_code& ec, Socket socket);
    template <class Acceptor>
    void rearm(Acceptor& acceptor) noexcept;
    template <class Acceptor>
    void retry_later(Acceptor& acceptor) noexcept;
    template <class Socket>
    void serve(Socket socket, std::uint64_t epoch);
    static awaitable<void> handle(connection_guard guard, stream_reader reader,
                                  stream_writer writer);
    void connection_done() noexcept;
    // Records a connection for close_clients(), unless a close_clients() since its
    // accept (which counted `epoch`) missed it: then it closes it.
    void track(const std::shared_ptr<stream_core>& client, std::uint64_t epoch);

    const executor_type ex_;
    const connection_handler_function handler_;
    const stream_options options_;

    mutable spinlock mutex_;
    std::list<tcp::acceptor> tcp_;
    std::optional<local_protocol::acceptor> local_;
    std::string path_;
    std::optional<std::pair<dev_t, ino_t>> socket_file_; // what listen() created at path_
    bool serving_ = false;
    bool closed_ = false;
    bool serving_forever_ = false;
    std::size_t connections_ = 0;
    std::vector<std::weak_ptr<stream_core>> clients_; // for close_clients()
    std::uint64_t clients_epoch_ = 0;                 // close_clients() calls
    bool abort_clients_ = false;                      // what the last one did
    intrusive_list<wait_op<>> close_waiters_;         // serve_forever: until closed
    intrusive_list<wait_op<>> closed_waiters_;        // wait_closed: until closed and idle
};

bool server_state::listen(const tcp::endpoint& endpoint) {
    tcp::acceptor& acceptor = tcp_.emplace_back(ex_);
    boost::system::error_code ec;
    acceptor.open(endpoint.protocol(), ec);
    if (!ec)
        acceptor.non_blocking(true, ec); // for the burst accepts
    if (!ec)
        acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec && endpoint.address().is_v6())
        acceptor.set_option(asio::ip::v6_only(true), ec);
    if (!ec)
        acceptor.bind(endpoint, ec);
    if (!ec)
        acceptor.listen(options_.backlog, ec);
    if (ec) {
        tcp_.pop_back();
        if (ec == boost::system::errc::address_not_available)
            return false; // that address family is not enabled: skip it, as Python does
        std::ostringstream where;
        where << "asyncio::start_server: cannot listen on " << endpoint;
        throw boost::system::system_error(ec, where.str());
    }
    return true;
}

void server_state::listen(const std::string& path) {
    // Replace a stale socket file, as Python does; anything else at `path` stays and
    // makes bind fail.
    struct stat st;
    if (::stat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode))
        ::unlink(path.c_str());
    local_.emplace(ex_);
    boost::system::error_code ec;
    const local_protocol::endpoint endpoint(path);
    local_->open(endpoint.protocol(), ec);
    if (!ec)
        local_->non_blocking(true, ec); // for the burst accepts
    if (!ec)
        local_->bind(endpoint, ec);
    if (!ec)
        local_->listen(options_.backlog, ec);
    if (ec) {
        local_.reset();
        throw boost::system::system_error(ec,
                                          "asyncio::start_unix_server: cannot listen on " + path);
    }
    path_ = path;
    if (::stat(path.c_str(), &st) == 0)
        socket_file_ = {st.st_dev, st.st_ino};
}

void server_state::start() {
    std::lock_guard<spinlock> guard(mutex_);
    serving_ = true;
    for (tcp::acceptor& acceptor : tcp_)
        accept_next_locked(acceptor);
    if (local_)
        accept_next_locked(*local_);
}

template <class Acceptor>
void server_state::accept_next_locked(Acceptor& acceptor) {
    // Each connection gets the executor its handler's task will run on.
    acceptor.async_accept(place_task(ex_).executor,
                          [self = shared_from_this(),
                           &acceptor](const boost::system::error_code& ec, auto socket) mutable {
                              self->accepted(acceptor, ec, std::move(socket));
                          });
}

// Whether an accept failed for want of descriptors or memory.
static bool out_of_resources(const boost::system::error_code& ec) {
    return ec == asio::error::no_descriptors || ec == asio::error::no_buffer_space ||
           ec == asio::error::no_memory || ec == boost::system::errc::too_many_files_open_in_system;
}

template <class Acceptor, class Socket>
void server_state::accepted(Acceptor& acceptor, const boost::system::error_code& ec,
                            Socket socket) {
    std::vector<Socket> sockets;
    std::uint64_t epoch;
    {
        std::lock_guard<spinlock> guard(mutex_);
        if (!serving_)
            return; // closed: the socket, if any, is closed with it
        epoch = clients_epoch_;
        if (!ec) {
            try {
                sockets.push_back(std::move(socket));
                // Like Python, take the rest of the burst now, up to a backlog's worth:
                // one completion per connection would let a burst overflow the queue.
                for (int i = 0; i < options_.backlog; ++i) {
                    boost::system::error_code e;
                    Socket next = acceptor.accept(place_task(ex_).executor, e);
                    if (e)
                        break;
                    sockets.push_back(std::move(next));
                }
            } catch (...) {
                // Out of memory: serve what was accepted; the rest waits in the backlog.
            }
            connections_ += sockets.size();
        }
    }
    if (out_of_resources(ec))
        retry_later(acceptor);
    else
        rearm(acceptor);
    for (Socket& accepted_socket : sockets)
        serve(std::move(accepted_socket), epoch);
}

template <class Acceptor>
void server_state::rearm(Acceptor& acceptor) noexcept {
    {
        std::lock_guard<spinlock> guard(mutex_);
        if (!serving_)
            return;
        try {
            accept_next_locked(acceptor);
            return;
        } catch (...) {
            // Out of memory: try again later.
        }
    }
    retry_later(acceptor);
}

template <class Acceptor>
void server_state::retry_later(Acceptor& acceptor) noexcept {
    // Out of descriptors or memory: Python's server pauses accepting for a second; the
    // pending connections wait in the backlog. (Reported outside the lock: the report
    // may run the user's debug handler.)
    report_error(ex_, "server: accept() failed (out of resources); retrying in 1 second");
    try {
        auto timer = std::make_shared<asio::steady_timer>(ex_, std::chrono::seconds(1));
        timer->async_wait([self = shared_from_this(), timer, &acceptor](boost::system::error_code) {
            self->rearm(acceptor);
        });
    } catch (...) {
        report_error(ex_, "server: out of memory; the server stopped accepting connections");
    }
}

template <class Socket>
void server_state::serve(Socket socket, std::uint64_t epoch) {
    connection_guard guard(shared_from_this());
    try {
        if constexpr (std::is_same_v<typename Socket::protocol_type, tcp>)
            socket.set_option(tcp::no_delay(true));
        const executor_type ex = socket.get_executor();
        auto [reader, writer] = make_streams(std::move(socket), options_);
        track(stream_access::core_of(writer), epoch);
        auto connection = handle(std::move(guard), std::move(reader), std::move(writer));
        (void)create_task(ex, std::move(connection));
    } catch (...) {
        report_error(ex_, "server: cannot serve a connection: " +
                              describe_exception(std::current_exception()));
    }
}

awaitable<void> server_state::handle(connection_guard guard, stream_reader reader,
                                     stream_writer writer) {
    std::exception_ptr failure;
    try {
        auto handling = guard.server().handler_(std::move(reader), writer);
        co_await std::move(handling);
    } catch (...) {
        failure = std::current_exception();
    }
    if (failure && !is_cancellation(failure)) {
        // Python's "Unhandled exception in client_connected_cb": report, close, go on.
        report_error(guard.server().ex_, "server: unhandled exception in a connection handler: " +
                                             describe_exception(failure));
        writer.close();
    }
}

void server_state::track(const std::shared_ptr<stream_core>& client, std::uint64_t epoch) {
    bool abort = false;
    {
        std::lock_guard<spinlock> guard(mutex_);
        if (epoch == clients_epoch_) {
            // Forget the connections that are gone whenever the list doubles.
            if (clients_.size() == clients_.capacity())
                std::erase_if(clients_, [](const auto& c) { return c.expired(); });
            clients_.push_back(client);
            return;
        }
        abort = abort_clients_;
    }
    // Accepted before a close_clients() that could not see it yet.
    abort ? client->abort() : client->close();
}

void server_state::close_clients(bool abort) noexcept {
    std::vector<std::weak_ptr<stream_core>> clients;
    {
        std::lock_guard<spinlock> guard(mutex_);
        ++clients_epoch_;
        abort_clients_ = abort;
        clients.swap(clients_);
    }
    for (const auto& weak : clients) {
        if (auto client = weak.lock())
            abort ? client->abort() : client->close();
    }
}

void server_state::connection_done() noexcept {
    wait_op<>* woken = nullptr;
    {
        std::lock_guard<spinlock> guard(mutex_);
        if (--connections_ == 0 && closed_)
            woken = succeed_all(closed_waiters_);
    }
    complete_chain(woken);
}

std::uint16_t server_state::port() const {
    std::lock_guard<spinlock> guard(mutex_);
    if (!path_.empty())
        throw invalid_state_error("asyncio::server::port: a Unix server has no port");
    if (tcp_.empty())
        throw invalid_state_error("asyncio::server::port: the server is closed");
    return tcp_.front().local_endpoint().port();
}

std::vector<tcp::endpoint> server_state::endpoints() const {
    std::lock_guard<spinlock> guard(mutex_);
    std::vector<tcp::endpoint> endpoints;
    for (const tcp::acceptor& acceptor : tcp_)
        endpoints.push_back(acceptor.local_endpoint());
    return endpoints;
}

void server_state::close() noexcept {
    wait_op<>* stop_serving;
    wait_op<>* idle = nullptr;
    {
        std::lock_guard<spinlock> guard(mutex_);
        if (closed_)
            return;
        closed_ = true;
        serving_ = false;
        boost::system::error_code ignored;
        for (tcp::acceptor& acceptor : tcp_)
            acceptor.close(ignored);
        tcp_.clear();
        if (local_) {
            local_->close(ignored);
            local_.reset();
            // Only our own socket file: another server may have replaced it since.
            struct stat st;
            if (socket_file_ && ::stat(path_.c_str(), &st) == 0 &&
                std::pair(st.st_dev, st.st_ino) == *socket_file_)
                ::unlink(path_.c_str());
        }
        stop_serving = succeed_all(close_waiters_);
        if (connections_ == 0)
            idle = succeed_all(closed_waiters_);
    }
    complete_chain(stop_serving);
    complete_chain(idle);
}

bool server_state::is_serving() const noexcept {
    std::lock_guard<spinlock> guard(mutex_);
    return serving_;
}

awaitable<void> server_state::wait_closed(std::shared_ptr<server_state> self) {
    auto idle = [](server_state& state) -> std::optional<boost::system::error_code> {
        if (!state.closed_ || state.connections_ != 0)
            return std::nullopt;
        return boost::system::error_code();
    };
    auto wait = awaitable_shared_list_wait(self, &server_state::mutex_,
                                           &server_state::closed_waiters_, idle);
    self.reset(); // parked, the wait holds the state weakly
    co_await std::move(wait);
}

awaitable<void> server_state::serve_forever(std::shared_ptr<server_state> self) {
    {
        std::lock_guard<spinlock> guard(self->mutex_);
        if (self->closed_)
            throw invalid_state_error("asyncio::server::serve_forever: the server is closed");
        if (self->serving_forever_)
            throw invalid_state_error("asyncio::server::serve_forever: already serving forever");
        self->serving_forever_ = true;
    }
    auto closed = [](server_state& state) -> std::optional<boost::system::error_code> {
        if (!state.closed_)
            return std::nullopt;
        return boost::system::error_code();
    };
    auto wait = awaitable_shared_list_wait(self, &server_state::mutex_,
                                           &server_state::close_waiters_, closed);
    const std::weak_ptr<server_state> weak = self;
    self.reset(); // parked, the wait holds the state weakly
    std::exception_ptr failure;
    try {
        co_await std::move(wait);
    } catch (...) {
        failure = std::current_exception();
    }
    if (const auto state = weak.lock()) {
        {
            std::lock_guard<spinlock> guard(state->mutex_);
            state->serving_forever_ = false;
        }
        if (failure)
            state->close(); // cancelled: Python closes the server
    }
    if (failure)
        std::rethrow_exception(failure);
}

server_state::~server_state() {
    // Closed (its last handle closed it) and idle (handlers hold the state): release
    // the coroutines parked in serve_forever() or wait_closed(), which do not hold it.
    wait_op<>* stopped;
    wait_op<>* idle;
    {
        std::lock_guard<spinlock> guard(mutex_);
        stopped = succeed_all(close_waiters_);
        idle = succeed_all(closed_waiters_);
    }
    complete_chain(stopped);
    complete_chain(idle);
}

struct server_access {
    static server make(std::shared_ptr<server_state> state) noexcept {
        return server(std::move(state));
    }
};

namespace {

awaitable<executor_type> loop_executor() {
    co_return strip_strand(without_debug_wrapper(co_await asio::this_coro::executor));
}

} // namespace

awaitable<server> start_tcp_server(connection_handler_function handler, std::string host, int port,
                                   stream_options options) {
    if (port < 0 || port > 65535)
        throw std::invalid_argument("asyncio::start_server: port must be in 0..65535");
    check_stream_options(options);
    const executor_type ex = co_await loop_executor();
    tcp::resolver resolver(ex);
    auto results = co_await resolver.async_resolve(
        host, std::to_string(port), tcp::resolver::passive | tcp::resolver::address_configured,
        asio::use_awaitable);
    auto state = std::make_shared<server_state>(ex, std::move(handler), options);
    std::vector<tcp::endpoint> seen;
    bool listening = false;
    for (const auto& entry : results) {
        const tcp::endpoint endpoint = entry.endpoint();
        if (std::find(seen.begin(), seen.end(), endpoint) != seen.end())
            continue;
        seen.push_back(endpoint);
        listening = state->listen(endpoint) || listening;
    }
    if (!listening)
        throw boost::system::system_error(
            make_error_code(boost::system::errc::address_not_available),
            "asyncio::start_server: cannot listen on " + host);
    state->start();
    co_return server_access::make(std::move(state));
}

awaitable<server> start_local_server(connection_handler_function handler, std::string path,
                                     stream_options options) {
    check_stream_options(options);
    const executor_type ex = co_await loop_executor();
    auto state = std::make_shared<server_state>(ex, std::move(handler), options);
    state->listen(path);
    state->start();
    co_return server_access::make(std::move(state));
}

} // namespace detail

// --- server ---

server::server(std::shared_ptr<detail::server_state> state) noexcept : state_(std::move(state)) {}

server::server(server&&) noexcept = default;

server& server::operator=(server&& other) noexcept {
    if (this != &other) {
        if (state_)
            state_->close();
        state_ = std::move(other.state_);
    }
    return *this;
}

server::~server() {
    if (state_)
        state_->close();
}

detail::server_state& server::state() const {
    if (!state_)
        throw invalid_state_error("asyncio::server: moved-from server");
    return *state_;
}

std::uint16_t server::port() const {
    return state().port();
}

std::vector<boost::asio::ip::tcp::endpoint> server::endpoints() const {
    return state().endpoints();
}

void server::close() {
    state().close();
}

void server::close_clients() {
    state().close_clients(false);
}

void server::abort_clients() {
    state().close_clients(true);
}

bool server::is_serving() const {
    return state().is_serving();
}

awaitable<void> server::wait_closed() {
    state();
    return detail::server_state::wait_closed(state_);
}

awaitable<void> server::serve_forever() {
    state();
    return detail::server_state::serve_forever(state_);
}

} // namespace asyncio
