// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#ifndef ASYNCIO_DETAIL_PIPE_STREAM_HPP
#define ASYNCIO_DETAIL_PIPE_STREAM_HPP

#include <asyncio/config.hpp>
#include <asyncio/detail/stream_core.hpp>

#include <boost/system/error_code.hpp>

#include <cstddef>
#include <memory>

namespace asyncio::detail {

// Connection cores over one end of a pipe (a child's stdin, stdout or stderr), each
// taking ownership of `fd`. A pipe goes one way: the read end only ever gets a
// stream_reader, the write end a stream_writer, whose write_eof() closes the pipe.
std::shared_ptr<stream_core> make_pipe_reader(const executor_type& ex, int fd,
                                              const stream_options& options);
std::shared_ptr<stream_core> make_pipe_writer(const executor_type& ex, int fd,
                                              const stream_options& options);

// write(2) to a pipe, without the SIGPIPE a closed read end raises (which would kill
// the process): SIGPIPE is blocked in the calling thread around the call, and the one
// the call raised is consumed. Reports EPIPE as broken_pipe, EAGAIN as would_block.
std::size_t write_to_pipe(int fd, const void* data, std::size_t size,
                          boost::system::error_code& ec) noexcept;

} // namespace asyncio::detail

#endif // ASYNCIO_DETAIL_PIPE_STREAM_HPP
