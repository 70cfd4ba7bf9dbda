// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#include <asyncio/detail/pipe_stream.hpp>
#include <asyncio/detail/spinlock.hpp>
#include <asyncio/error.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include <cerrno>
#include <csignal>
#include <ctime>
#include <mutex>
#include <optional>
#include <utility>

#include <pthread.h>
#include <unistd.h>

namespace asyncio::detail {

std::size_t write_to_pipe(int fd, const void* data, std::size_t size,
                          boost::system::error_code& ec) noexcept {
    sigset_t sigpipe;
    sigemptyset(&sigpipe);
    sigaddset(&sigpipe, SIGPIPE);
    sigset_t old_mask;
    pthread_sigmask(SIG_BLOCK, &sigpipe, &old_mask);
    // A SIGPIPE already pending (raised by someone else) is not ours to consume.
    sigset_t pending;
    sigpending(&pending);
    const bool was_pending = sigismember(&pending, SIGPIPE) == 1;

    ssize_t n;
    do
        n = ::write(fd, data, size);
    while (n < 0 && errno == EINTR);
    const int error = n < 0 ? errno : 0;

    if (error == EPIPE && !was_pending) {
        const timespec no_wait{};
        while (sigtimedwait(&sigpipe, nullptr, &no_wait) < 0 && errno == EINTR) {
        }
    }
    pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);

    if (n >= 0) {
        ec.clear();
        return static_cast<std::size_t>(n);
    }
    if (error == EAGAIN || error == EWOULDBLOCK)
        ec = boost::asio::error::would_block;
    else
        ec.assign(error, boost::system::system_category());
    return 0;
}

namespace {

using boost::asio::posix::stream_descriptor;

[[noreturn]] void throw_no_endpoint() {
    throw invalid_state_error("asyncio: a pipe has no endpoints");
}

// Takes ownership of `fd` (closing it if that fails), non-blocking from now on.
stream_descriptor adopt(const executor_type& ex, int fd) {
    std::optional<stream_descriptor> pipe;
    try {
        pipe.emplace(ex);
        pipe->assign(fd);
    } catch (...) {
        ::close(fd);
        throw;
    }
    pipe->non_blocking(true); // owned from here: a failure closes it with `pipe`
    return std::move(*pipe);
}

// The read end: only a stream_reader ever reads it; there is nothing to write or shut
// down (the descriptor is closed with the core).
class pipe_reader final : public stream_core {
  public:
    pipe_reader(stream_descriptor pipe, const stream_options& options)
        : stream_core(options), pipe_(std::move(pipe)) {
        can_write_eof_ = false;
    }

    std::any endpoint(bool) const override { throw_no_endpoint(); }

    awaitable<void> fill() override {
        auto [ec, n] = co_await pipe_.async_read_some(prepare_fill(),
                                                      boost::asio::as_tuple(boost::asio::deferred));
        finish_fill(ec, n);
    }

  private:
    // No stream_writer is ever made for a read end.
    std::size_t try_write(boost::asio::const_buffer,
                          boost::system::error_code& ec) noexcept override {
        ec = boost::asio::error::operation_not_supported;
        return 0;
    }
    void start_write(boost::asio::const_buffer) override {
        throw invalid_state_error("asyncio: writing to the read end of a pipe");
    }
    void shutdown_write(boost::system::error_code& ec) noexcept override {
        ec = boost::asio::error::operation_not_supported;
    }
    void shutdown_both() noexcept override {}

    stream_descriptor pipe_;
};

// The write end. write_eof() is close(), which closes the pipe (a pipe has no half-close):
// the descriptor is closed under `pipe_mutex_`, which every use of it holds, so a
// background write on another thread never writes to a descriptor number reused
// after the close.
class pipe_writer final : public stream_core {
  public:
    pipe_writer(stream_descriptor pipe, const stream_options& options)
        : stream_core(options), pipe_(std::move(pipe)) {
        eof_closes_ = true;
    }

    std::any endpoint(bool) const override { throw_no_endpoint(); }

    // No stream_reader is ever made for a write end.
    awaitable<void> fill() override {
        throw invalid_state_error("asyncio: reading from the write end of a pipe");
        co_return;
    }

  private:
    std::size_t try_write(boost::asio::const_buffer buffer,
                          boost::system::error_code& ec) noexcept override {
        std::lock_guard<spinlock> guard(pipe_mutex_);
        return write_locked(buffer, ec);
    }

    std::size_t write_locked(boost::asio::const_buffer buffer,
                             boost::system::error_code& ec) noexcept {
        if (!pipe_.is_open()) {
            ec = boost::asio::error::bad_descriptor;
            return 0;
        }
        return write_to_pipe(pipe_.native_handle(), buffer.data(), buffer.size(), ec);
    }

    // Called under the core's lock, with nothing in flight.
    void start_write(boost::asio::const_buffer buffer) override {
        std::lock_guard<spinlock> guard(pipe_mutex_);
        pending_ = buffer;
        wait_writable_locked();
    }

    void wait_writable_locked() {
        pipe_.async_wait(stream_descriptor::wait_write,
                         [self = shared_from_this()](const boost::system::error_code& ec) {
                             static_cast<pipe_writer&>(*self).on_writable(ec);
                         });
    }

    void on_writable(boost::system::error_code ec) noexcept {
        if (!ec) {
            std::lock_guard<spinlock> guard(pipe_mutex_);
            while (pending_.size() != 0) {
                const std::size_t n = write_locked(pending_, ec);
                if (ec)
                    break;
                pending_ += n;
            }
            if (ec == boost::asio::error::would_block) {
                try {
                    wait_writable_locked();
                    return;
                } catch (const std::bad_alloc&) {
                    ec = boost::asio::error::no_memory;
                }
            }
        }
        written(ec);
    }

    void shutdown_write(boost::system::error_code& ec) noexcept override {
        std::lock_guard<spinlock> guard(pipe_mutex_);
        pipe_.close(ec);
    }

    void shutdown_both() noexcept override {
        boost::system::error_code ignored;
        shutdown_write(ignored);
    }

    spinlock pipe_mutex_;
    stream_descriptor pipe_;
    boost::asio::const_buffer pending_; // what start_write has left to send
};

} // namespace

std::shared_ptr<stream_core> make_pipe_reader(const executor_type& ex, int fd,
                                              const stream_options& options) {
    return std::make_shared<pipe_reader>(adopt(ex, fd), options);
}

std::shared_ptr<stream_core> make_pipe_writer(const executor_type& ex, int fd,
                                              const stream_options& options) {
    return std::make_shared<pipe_writer>(adopt(ex, fd), options);
}

} // namespace asyncio::detail
