// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#ifndef ASYNCIO_DETAIL_STREAM_CORE_HPP
#define ASYNCIO_DETAIL_STREAM_CORE_HPP

#include <asyncio/config.hpp>
#include <asyncio/detail/intrusive_list.hpp>
#include <asyncio/detail/spinlock.hpp>
#include <asyncio/detail/wait_op.hpp>

#include <boost/asio/buffer.hpp>
#include <boost/system/error_code.hpp>

#include <any>
#include <atomic>
#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>

// The state one connection's stream_reader and stream_writer share (Python's transport
// and protocol in one object), over a transport the derived class provides.
//
// Reading is pull-driven: a read asks the transport for more bytes only when the
// buffered ones cannot answer it, so the buffer stays within the limit plus one read's
// worth. Only one read runs at a time, and only it touches the read buffer.
//
// Writing is push-driven: write() sends at once when nothing is queued (the common
// case costs one non-blocking send and no handler), else queues the bytes behind the
// write in flight. Writers share `mutex_` with the completion of that write.

namespace asyncio {
struct stream_options;
} // namespace asyncio

namespace asyncio::detail {

// Throws std::invalid_argument for options no stream can have.
void check_stream_options(const stream_options& options);

// The bytes received and not yet read: a contiguous window of one heap block, which
// grows only when a read needs more room than compaction gives.
class read_buffer {
  public:
    std::string_view data() const noexcept { return {block_.get() + begin_, end_ - begin_}; }
    std::size_t size() const noexcept { return end_ - begin_; }
    bool empty() const noexcept { return begin_ == end_; }

    // Removes the first `n` bytes and returns them.
    std::string take(std::size_t n);
    void consume(std::size_t n) noexcept;

    // Free space for the next read from the transport, then how much it filled.
    boost::asio::mutable_buffer prepare();
    void commit(std::size_t n) noexcept;

  private:
    std::unique_ptr<char[]> block_;
    std::size_t capacity_ = 0;
    std::size_t begin_ = 0;
    std::size_t end_ = 0;
    std::size_t chunk_ = 4096; // grows while reads fill the space they get
};

class stream_core : public std::enable_shared_from_this<stream_core> {
  public:
    explicit stream_core(const stream_options& options);
    stream_core(const stream_core&) = delete;
    stream_core& operator=(const stream_core&) = delete;
    virtual ~stream_core();

    // --- reading (stream_reader) ---

    // Marks the one read in progress; throws invalid_state_error for a second one.
    class read_scope {
      public:
        explicit read_scope(stream_core& core);
        read_scope(const read_scope&) = delete;
        read_scope& operator=(const read_scope&) = delete;
        ~read_scope() { core_.reading_.store(false, std::memory_order_release); }

      private:
        stream_core& core_;
    };

    // Reads once from the transport into the buffer: sets eof() at the end of the
    // stream, throws the transport's error (a cancellation leaves everything as it
    // was; another error is sticky and ends the connection). The transport's own
    // coroutine, so a read nests no deeper than the frames Asio recycles per thread.
    virtual awaitable<void> fill() = 0;

    read_buffer& buffer() noexcept { return buffer_; }
    bool eof() const noexcept { return eof_; }
    std::size_t limit() const noexcept { return limit_; }

    // Searches the buffer from `offset` for the separator whose match ends first.
    // Returns the end of that match, or 0 and advances `offset` past what cannot be
    // the start of a match. Throws limit_overrun_error per Python's readuntil.
    std::size_t find_separator(std::span<const std::string> separators, std::size_t& offset) const;

    // --- writing (stream_writer) ---

    // Sends or queues `pieces`, in order, as one write.
    void write(std::span<const std::string_view> pieces);
    // Own a reference to the core from the call on.
    static awaitable<void> drain(std::shared_ptr<stream_core> self);
    void write_eof();
    bool can_write_eof() const noexcept { return can_write_eof_; }
    void close() noexcept;
    // Closes at once, dropping what is queued (Python's transport.abort()).
    void abort() noexcept;
    bool is_closing() const noexcept;
    static awaitable<void> wait_closed(std::shared_ptr<stream_core> self);
    std::size_t write_buffer_size() const noexcept;

    virtual std::any endpoint(bool peer) const = 0;

    // `*core`, or invalid_state_error naming the empty `handle`.
    static stream_core& checked(const std::shared_ptr<stream_core>& core, const char* handle);

  protected:
    // --- the transport ---

    // The two halves of fill() around the transport's read: where to read to (or the
    // sticky error), and what the read brought.
    boost::asio::mutable_buffer prepare_fill();
    void finish_fill(const boost::system::error_code& ec, std::size_t n);
    // A non-blocking send of what can be sent now.
    virtual std::size_t try_write(boost::asio::const_buffer buffer,
                                  boost::system::error_code& ec) noexcept = 0;
    // Sends all of `buffer` in the background, then calls written(ec).
    virtual void start_write(boost::asio::const_buffer buffer) = 0;
    virtual void shutdown_write(boost::system::error_code& ec) noexcept = 0;
    // Ends both directions: a pending read sees the end of the stream. The transport
    // object itself lives (and keeps its descriptor) until the core is destroyed.
    virtual void shutdown_both() noexcept = 0;

    void written(const boost::system::error_code& ec) noexcept;

    bool can_write_eof_ = true;
    // write_eof() is close() (a pipe has no half-close: Python's write pipe transport).
    bool eof_closes_ = false;

  private:
    using wait_list = intrusive_list<wait_op<>>;

    void check_writable_locked() const;
    void start_flush_locked();
    // The transport failed: record why, drop what is queued, end the connection.
    wait_op<>* lose_connection_locked(const boost::system::error_code& ec) noexcept;
    // Ends the connection: shuts the transport down and releases the drain and close
    // waiters (failing them with error_, if any). Returns them to complete.
    wait_op<>* end_locked() noexcept;
    // Unlinks the drain and close waiters with their result (error_, if any).
    wait_op<>* release_waiters_locked() noexcept;
    // Starts sending what is queued when nothing is in flight (after a start that
    // failed); returns the waiters to complete if that failed again.
    wait_op<>* flush_queued_locked() noexcept;
    wait_op<>* update_flow_locked() noexcept;

    // Reading.
    read_buffer buffer_;
    std::size_t limit_;
    bool eof_ = false;
    boost::system::error_code read_error_;
    std::atomic<bool> reading_{false};

    // Writing, under mutex_.
    mutable spinlock mutex_;
    std::string queued_;    // written, waiting for the write in flight
    std::string in_flight_; // what the transport is sending
    bool writing_ = false;
    bool eof_requested_ = false;
    bool closing_ = false;
    bool closed_ = false;
    bool paused_ = false;
    boost::system::error_code error_; // why the connection was lost
    std::size_t high_water_;
    std::size_t low_water_;
    wait_list drain_waiters_;
    wait_list close_waiters_;
};

} // namespace asyncio::detail

#endif // ASYNCIO_DETAIL_STREAM_CORE_HPP
