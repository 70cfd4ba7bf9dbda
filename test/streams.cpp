// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#include <asyncio/streams.hpp>

#include "test_util.hpp"

#include "stream_util.hpp"
#include "sync_util.hpp"

#include <asyncio/error.hpp>
#include <asyncio/sleep.hpp>
#include <asyncio/task.hpp>
#include <asyncio/wait_for.hpp>

#include <boost/asio/error.hpp>
#include <boost/asio/local/connect_pair.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <optional>
#include <ostream>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <unistd.h>

namespace {

using namespace asyncio::test;
using local_socket = boost::asio::local::stream_protocol::socket;
using local_endpoint = boost::asio::local::stream_protocol::endpoint;

// Two connected stream pairs over a socketpair.
asyncio::awaitable<std::pair<asyncio::stream_pair, asyncio::stream_pair>>
socket_pair(asyncio::stream_options options = {}) {
    auto ex = co_await boost::asio::this_coro::executor;
    local_socket a(ex), b(ex);
    boost::asio::local::connect_pair(a, b);
    co_return std::pair{asyncio::make_streams(std::move(a), options),
                        asyncio::make_streams(std::move(b), options)};
}

// Both ends of one connection, named by direction: what `writer` writes, `reader`
// reads; what `reply` (the reader's own writer) writes, `back` (the writer's own
// reader) reads.
struct duplex {
    asyncio::stream_reader reader;
    asyncio::stream_writer reply;
    asyncio::stream_reader back;
    asyncio::stream_writer writer;
};

awaitable<duplex> make_duplex(asyncio::stream_options options = {}) {
    auto ends = co_await socket_pair(options);
    co_return duplex{ends.first.first, ends.first.second, ends.second.first, ends.second.second};
}

bool is_peer_gone(const boost::system::error_code& ec) {
    return ec == boost::asio::error::broken_pipe || ec == boost::asio::error::connection_reset;
}

// A system_error that says the peer went away (not a cancellation, a timeout or an
// invalid_state_error, which are system_errors too).
bool is_peer_gone(const std::exception_ptr& e) {
    return is_a<boost::system::system_error>(e) && is_peer_gone(code_of(e));
}

// `size` bytes of a pattern that does not repeat every power of two, starting at
// stream position `offset`.
std::string pattern(std::size_t size, std::size_t offset = 0) {
    std::string s(size, '\0');
    for (std::size_t i = 0; i < size; ++i)
        s[i] = static_cast<char>((offset + i) % 251);
    return s;
}

// Printable bytes for failure messages.
std::string quoted(std::string_view s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '\n')
            out += "\\n";
        else if (c == '\r')
            out += "\\r";
        else
            out += c;
    }
    return out + "\"";
}

// The seed of the randomised tests: ASYNCIO_TEST_SEED, else a fresh one (every failure
// message names it, so a failure can be replayed).
std::uint32_t test_seed() {
    if (const char* s = std::getenv("ASYNCIO_TEST_SEED"))
        return static_cast<std::uint32_t>(std::strtoul(s, nullptr, 10));
    return std::random_device{}();
}

// --- reads, and a model of what they must give ------------------------------------------

enum class op_kind { line, until, exactly, read_n, read_all };

// One read of a stream_reader.
struct op {
    op_kind kind;
    std::vector<std::string> separators{};
    std::ptrdiff_t n = 0;
};

op readline_op() {
    return {op_kind::line};
}
op readuntil_op(std::string separator) {
    return {op_kind::until, {std::move(separator)}};
}
op readuntil_any_op(std::vector<std::string> separators) {
    return {op_kind::until, std::move(separators)};
}
op readexactly_op(std::ptrdiff_t n) {
    return {op_kind::exactly, {}, n};
}
op read_op(std::ptrdiff_t n) {
    return {op_kind::read_n, {}, n};
}
op read_all_op() {
    return {op_kind::read_all};
}

std::string describe(const op& o) {
    std::ostringstream os;
    switch (o.kind) {
    case op_kind::line:
        os << "readline()";
        break;
    case op_kind::until:
        os << "readuntil({";
        for (const auto& s : o.separators)
            os << quoted(s) << " ";
        os << "})";
        break;
    case op_kind::exactly:
        os << "readexactly(" << o.n << ")";
        break;
    case op_kind::read_n:
        os << "read(" << o.n << ")";
        break;
    case op_kind::read_all:
        os << "read()";
        break;
    }
    return os.str();
}

// How a read ended.
struct read_result {
    enum kind_t { value, incomplete, overrun } kind = value;
    std::string bytes;                   // the value, or incomplete_read_error::partial()
    std::optional<std::size_t> expected; // incomplete_read_error::expected()
    std::size_t consumed = 0;            // limit_overrun_error::consumed()

    friend bool operator==(const read_result&, const read_result&) = default;

    friend std::ostream& operator<<(std::ostream& os, const read_result& r) {
        switch (r.kind) {
        case value:
            return os << "value " << quoted(r.bytes);
        case incomplete:
            os << "incomplete_read_error(partial " << quoted(r.bytes) << ", expected ";
            if (r.expected)
                os << *r.expected;
            else
                os << "none";
            return os << ")";
        case overrun:
            return os << "limit_overrun_error(consumed " << r.consumed << ")";
        }
        return os;
    }
};

read_result value_of(std::string bytes) {
    read_result r;
    r.bytes = std::move(bytes);
    return r;
}

read_result overrun_at(std::size_t consumed) {
    return {read_result::overrun, {}, std::nullopt, consumed};
}

awaitable<read_result> perform(asyncio::stream_reader& reader, op o) {
    read_result r;
    try {
        if (o.kind == op_kind::line) {
            r.bytes = co_await reader.readline();
        } else if (o.kind == op_kind::until && o.separators.size() == 1) {
            r.bytes = co_await reader.readuntil(o.separators.front());
        } else if (o.kind == op_kind::until) {
            r.bytes = co_await reader.readuntil(o.separators);
        } else if (o.kind == op_kind::exactly) {
            r.bytes = co_await reader.readexactly(o.n);
        } else if (o.kind == op_kind::read_n) {
            r.bytes = co_await reader.read(o.n);
        } else {
            r.bytes = co_await reader.read();
        }
    } catch (const asyncio::incomplete_read_error& e) {
        r.kind = read_result::incomplete;
        r.bytes = e.partial();
        r.expected = e.expected();
    } catch (const asyncio::limit_overrun_error& e) {
        r.kind = read_result::overrun;
        r.consumed = e.consumed();
    }
    co_return r;
}

// What a stream holding `data`, then the end of the stream, gives a series of reads
// (Python's StreamReader without a limit).
class model {
  public:
    explicit model(std::string data) : data_(std::move(data)) {}

    std::string_view rest() const { return std::string_view(data_).substr(pos_); }

    // The result of `o` once every byte has arrived (read(n): as much as asked for).
    read_result apply(const op& o) {
        const std::string_view rest = this->rest();
        switch (o.kind) {
        case op_kind::line:
        case op_kind::until: {
            const std::vector<std::string> newline{"\n"};
            const auto& separators = o.kind == op_kind::line ? newline : o.separators;
            std::size_t end = std::string_view::npos;
            for (const auto& s : separators)
                if (const auto at = rest.find(s); at != std::string_view::npos)
                    end = std::min(end, at + s.size());
            if (end != std::string_view::npos)
                return value_of(take(end));
            read_result r = value_of(take(rest.size()));
            if (o.kind == op_kind::until)
                r.kind = read_result::incomplete; // expected: none
            return r;
        }
        case op_kind::exactly: {
            const auto n = static_cast<std::size_t>(o.n);
            if (rest.size() >= n)
                return value_of(take(n));
            return {read_result::incomplete, take(rest.size()), n};
        }
        case op_kind::read_n:
            return value_of(take(std::min(rest.size(), static_cast<std::size_t>(o.n))));
        case op_kind::read_all:
            return value_of(take(rest.size()));
        }
        return {};
    }

    // Whether `got` can be what read(n) gives (a non-empty prefix of the rest of at
    // most n bytes, "" only at the end); takes it.
    bool accept_read(const std::string& got, std::size_t n) {
        const bool ok = got.size() <= n && rest().starts_with(got) && got.empty() == rest().empty();
        if (ok)
            pos_ += got.size();
        return ok;
    }

  private:
    std::string take(std::size_t n) {
        std::string s = data_.substr(pos_, n);
        pos_ += n;
        return s;
    }

    std::string data_;
    std::size_t pos_ = 0;
};

// Sends each of `pieces` as its own arrival: after piece i, waits `turns[i]` turns of the
// (single-threaded) loop, which lets the reader take it in; then ends the stream.
awaitable<void> send_pieces(asyncio::stream_writer writer, std::vector<std::string> pieces,
                            std::vector<int> turns) {
    for (std::size_t i = 0; i < pieces.size(); ++i) {
        if (!pieces[i].empty())
            writer.write(pieces[i]);
        co_await writer.drain();
        co_await settle(turns[i]);
    }
    writer.write_eof();
}

// Runs `script` against `pieces` (each its own arrival) and checks every result against
// the model; the script must end at the end of the stream.
awaitable<void> check_script(std::vector<std::string> pieces, const std::vector<op>& script,
                             const std::string& label, std::vector<int> turns = {}) {
    auto l = co_await make_duplex();
    std::string all;
    for (const auto& p : pieces)
        all += p;
    if (turns.empty())
        turns.assign(pieces.size(), 10);
    auto producer = co_await asyncio::create_task(send_pieces(l.writer, pieces, turns));
    model m(all);
    for (std::size_t i = 0; i < script.size(); ++i) {
        const op& o = script[i];
        const read_result got = co_await perform(l.reader, o);
        if (o.kind == op_kind::read_n) {
            const bool ok =
                got.kind == read_result::value && m.accept_read(got.bytes, std::size_t(o.n));
            BOOST_TEST(ok, label << ", step " << i << " " << describe(o) << ": got " << got);
            if (!ok)
                break;
        } else {
            const read_result want = m.apply(o);
            BOOST_TEST(got == want, label << ", step " << i << " " << describe(o));
            if (got != want)
                break;
        }
    }
    BOOST_TEST(m.rest().empty(), label);
    BOOST_TEST(l.reader.at_eof(), label);
    const std::string after = co_await l.reader.read();
    BOOST_TEST(after == "", label);
    co_await producer.wait();
}

const std::string message = "first line\nsecond\r\nthird--END--fourth\nfifth\n\nsixth tail";

// Scripts that each end at the end of `message`: every kind of read, several-byte
// separators, and the end of the stream in the middle of a readuntil / readexactly.
std::vector<std::vector<op>> message_scripts() {
    return {
        {readline_op(), readuntil_op("\r\n"), readuntil_any_op({"--END--", "\n"}),
         readexactly_op(3), readline_op(), readuntil_op("\n\n"), read_op(4), read_all_op()},
        {readuntil_op("--END--"), readuntil_op("\n\n"), readuntil_op("\n")},
        {readexactly_op(20), readuntil_any_op({"th\n", "END", "\r\n"}), readexactly_op(1000)},
        {readline_op(), readline_op(), readline_op(), readline_op(), readline_op(), readline_op(),
         readline_op()},
        {readuntil_any_op({"tail", "sixth", "\n\ns"}), readuntil_any_op({"h", "x"}),
         readexactly_op(0), readuntil_op("zz")},
    };
}

// --- several connections ------------------------------------------------------------------

// Writes `lines` numbered lines, draining after each.
awaitable<void> write_lines(asyncio::stream_writer w, int id, int lines) {
    for (int j = 0; j < lines; ++j) {
        w.write("pair " + std::to_string(id) + " line " + std::to_string(j) + "\n");
        co_await w.drain();
    }
    w.write_eof();
}

// Reads the lines write_lines(id, lines) sends, echoing each through `echo`; yields
// whether they all came in order, then the end of the stream.
awaitable<bool> read_and_echo_lines(asyncio::stream_reader r, asyncio::stream_writer echo, int id,
                                    int lines) {
    bool in_order = true;
    for (int j = 0; j < lines; ++j) {
        const std::string line = co_await r.readline();
        if (line != "pair " + std::to_string(id) + " line " + std::to_string(j) + "\n")
            in_order = false;
        echo.write(line);
        co_await echo.drain();
    }
    echo.write_eof();
    const std::string rest = co_await r.read();
    co_return in_order&& rest.empty() && r.at_eof();
}

// Reads the echo of write_lines(id, lines) whole, at the end of the stream.
awaitable<bool> read_echo(asyncio::stream_reader r, int id, int lines) {
    std::string want;
    for (int j = 0; j < lines; ++j)
        want += "pair " + std::to_string(id) + " line " + std::to_string(j) + "\n";
    const std::string got = co_await r.read();
    co_return got == want;
}

struct race_tally {
    int completed = 0; // the cancelled read still got its bytes
    int cancelled = 0; // the cancellation won: the next read got them
    bool lost = false; // the bytes never came back
    bool intact = false;
};

// `rounds` times: a task starts readexactly(4); 4 bytes arrive; the task is cancelled,
// each after 0-2 turns of the loop. The bytes must be read once, by the cancelled read
// or by the next one.
awaitable<race_tally> cancellation_race(duplex l, std::uint32_t seed, int rounds) {
    std::mt19937 rng(seed);
    race_tally tally;
    std::string sent, received;
    for (int i = 0; i < rounds; ++i) {
        const std::string chunk = std::to_string(1000 + i % 9000);
        auto reading = co_await asyncio::create_task(l.reader.readexactly(4));
        co_await settle(static_cast<int>(rng() % 3));
        l.writer.write(chunk);
        sent += chunk;
        co_await settle(static_cast<int>(rng() % 3));
        reading.cancel();
        std::string got;
        std::exception_ptr failure;
        try {
            got = co_await reading.wait();
        } catch (...) {
            failure = std::current_exception();
        }
        if (failure) {
            if (!asyncio::is_cancellation(failure))
                std::rethrow_exception(failure);
            ++tally.cancelled;
            std::exception_ptr late;
            try {
                got = co_await asyncio::wait_for(l.reader.readexactly(4), 2s);
            } catch (...) {
                late = std::current_exception();
            }
            if (late) {
                tally.lost = true;
                break;
            }
        } else {
            ++tally.completed;
        }
        received += got;
    }
    tally.intact = received == sent;
    co_return tally;
}

} // namespace

BOOST_AUTO_TEST_SUITE(streams)

// --- parsing ---------------------------------------------------------------------------

ASYNCIO_TEST_CASE(readline_and_readexactly_smoke) {
    auto [left, right] = co_await socket_pair();
    auto& [reader, unused_writer] = left;
    auto& [unused_reader, writer] = right;
    writer.write("hello\nworld");
    co_await writer.drain();
    BOOST_TEST(co_await reader.readline() == "hello\n");
    BOOST_TEST(co_await reader.readexactly(3) == "wor");
    writer.write_eof();
    BOOST_TEST(co_await reader.read() == "ld");
    BOOST_TEST(reader.at_eof());
}

// The message split in two arrivals at every position: readline / readuntil (one or
// several separators, several bytes long, split across the arrivals) / readexactly /
// read give what they give on the whole message; the end of the stream in the middle of
// a read throws incomplete_read_error with the rest.
ASYNCIO_TEST_CASE(every_split_position_gives_the_same_results) {
    const auto scripts = message_scripts();
    for (std::size_t s = 0; s < scripts.size(); ++s) {
        for (std::size_t split = 0; split <= message.size(); ++split) {
            std::vector<std::string> pieces{message.substr(0, split), message.substr(split)};
            const std::string label =
                "script " + std::to_string(s) + ", split at " + std::to_string(split);
            co_await check_script(std::move(pieces), scripts[s], label);
        }
    }
}

// Every byte its own arrival.
ASYNCIO_TEST_CASE(byte_by_byte_arrivals_give_the_same_results) {
    const auto scripts = message_scripts();
    std::vector<std::string> bytes;
    for (char c : message)
        bytes.emplace_back(1, c);
    const std::vector<int> turns(bytes.size(), 3);
    for (std::size_t s = 0; s < scripts.size(); ++s) {
        const std::string label = "script " + std::to_string(s) + ", bytewise";
        co_await check_script(bytes, scripts[s], label, turns);
    }
}

// read(n) gives what is buffered, else what one arrival brings: never a chunk that spans
// the two arrivals, never more than n.
ASYNCIO_TEST_CASE(read_n_gives_at_most_one_arrival) {
    for (std::size_t split = 1; split < message.size(); ++split) {
        auto l = co_await make_duplex();
        std::vector<std::string> pieces{message.substr(0, split), message.substr(split)};
        std::vector<int> turns{10, 10};
        auto producer = co_await asyncio::create_task(send_pieces(l.writer, pieces, turns));
        std::string all;
        bool ok = true;
        for (;;) {
            const std::string chunk = co_await l.reader.read(7);
            if (chunk.empty())
                break;
            const std::size_t begin = all.size();
            all += chunk;
            if (chunk.size() > 7 || (begin < split && all.size() > split))
                ok = false;
        }
        BOOST_TEST(ok, "split at " << split);
        BOOST_TEST(all == message, "split at " << split);
        BOOST_TEST(l.reader.at_eof());
        co_await producer.wait();
    }
}

// Several separators: the match that ends first wins, whatever the order they are given
// in and wherever they start.
ASYNCIO_TEST_CASE(readuntil_several_separators_the_match_ending_first_wins) {
    auto l = co_await make_duplex();
    l.writer.write("xab|long-separator|short--END--");
    l.writer.write_eof();
    const std::vector<std::string> ab_b{"ab", "b"}, long_bar{"|long", "|"},
        sep_r{"-separator|", "r|"}, end_t{"--END--", "t-", "zzz"}, z_dash{"zzz", "--"};
    BOOST_TEST(co_await l.reader.readuntil(ab_b) == "xab");
    // "|long" starts with "|" but ends after it.
    BOOST_TEST(co_await l.reader.readuntil(long_bar) == "|");
    // "-separator|" starts before "r|" and they end together.
    BOOST_TEST(co_await l.reader.readuntil(sep_r) == "long-separator|");
    BOOST_TEST(co_await l.reader.readuntil(end_t) == "short-");
    BOOST_TEST(co_await l.reader.readuntil(z_dash) == "-END--");
    // Reading is pull-driven: the end of the stream is seen by the read that needs it.
    BOOST_TEST(co_await l.reader.read() == "");
    BOOST_TEST(l.reader.at_eof());
}

// Two separators whose matches end at the same byte: the outcome must not depend on the
// order they are given in. Python (3.13, which added several separators) sorts them by
// length, so the shortest match wins the tie: that is the match whose start is checked
// against the limit. Here "xab" with a limit of 1: "b" starts at 2, past the limit.
ASYNCIO_TEST_CASE(readuntil_tie_between_separators_goes_to_the_shorter) {
    const std::vector<std::string> long_first{"ab", "b"}, short_first{"b", "ab"};
    auto l = co_await make_duplex({.limit = 1});
    l.writer.write("xab");
    const read_result given_long_first = co_await perform(l.reader, readuntil_any_op(long_first));
    auto m = co_await make_duplex({.limit = 1});
    m.writer.write("xab");
    const read_result given_short_first = co_await perform(m.reader, readuntil_any_op(short_first));
    BOOST_TEST(given_long_first == given_short_first);
    BOOST_TEST(given_short_first == overrun_at(2));
}

// The end of the stream in the middle: incomplete_read_error carries the rest;
// readexactly says how many it expected, readuntil nothing; then at_eof().
ASYNCIO_TEST_CASE(eof_in_the_middle_throws_incomplete_read_error) {
    {
        auto l = co_await make_duplex();
        l.writer.write("12345");
        l.writer.write_eof();
        const auto r = co_await perform(l.reader, readexactly_op(8));
        BOOST_TEST(r.kind == read_result::incomplete);
        BOOST_TEST(r.bytes == "12345");
        BOOST_TEST((r.expected == std::optional<std::size_t>(8)));
        BOOST_TEST(l.reader.at_eof());
        const auto again = co_await perform(l.reader, readexactly_op(1));
        BOOST_TEST(again == (read_result{read_result::incomplete, "", 1}));
    }
    {
        auto l = co_await make_duplex();
        l.writer.write("line\nno newline");
        l.writer.write_eof();
        BOOST_TEST(co_await l.reader.readuntil() == "line\n");
        const auto r = co_await perform(l.reader, readuntil_op("\n"));
        BOOST_TEST(r.kind == read_result::incomplete);
        BOOST_TEST(r.bytes == "no newline");
        BOOST_TEST(!r.expected.has_value());
        BOOST_TEST(l.reader.at_eof());
        // readline gives the rest instead of throwing: here, nothing.
        BOOST_TEST(co_await l.reader.readline() == "");
    }
    {
        auto l = co_await make_duplex();
        l.writer.write("partial line");
        l.writer.write_eof();
        BOOST_TEST(co_await l.reader.readline() == "partial line");
        BOOST_TEST(l.reader.at_eof());
    }
}

// --- the limit -------------------------------------------------------------------------

// Separator not found: past the limit, limit_overrun_error with consumed() = buffered +
// 1 - the longest separator (Python's offset); the data stays buffered.
ASYNCIO_TEST_CASE(readuntil_past_the_limit_without_separator_keeps_the_data) {
    auto l = co_await make_duplex({.limit = 8});
    BOOST_TEST(l.reader.limit() == 8u);
    l.writer.write("0123456789abcdef");
    BOOST_TEST(co_await perform(l.reader, readuntil_op("\n")) == overrun_at(16));
    BOOST_TEST(co_await perform(l.reader, readuntil_op("END")) == overrun_at(14));
    const op x_or_ending = readuntil_any_op({"x", "ENDING"});
    BOOST_TEST(co_await perform(l.reader, x_or_ending) == overrun_at(11));
    BOOST_TEST(co_await l.reader.readexactly(16) == "0123456789abcdef");

    // Below the limit the read waits; the arrival that crosses it throws.
    l.writer.write("0123");
    auto waiting = co_await asyncio::create_task(perform(l.reader, readuntil_op("\n")));
    co_await settle();
    BOOST_TEST(!waiting.done());
    l.writer.write("456789ab");
    BOOST_TEST(co_await waiting.wait() == overrun_at(12));
    BOOST_TEST(co_await l.reader.readexactly(12) == "0123456789ab");
}

// The boundaries: consumed == limit is not an overrun; a separator that starts at the
// limit is accepted, one that starts after it is not.
ASYNCIO_TEST_CASE(readuntil_limit_boundaries) {
    {
        auto l = co_await make_duplex({.limit = 8});
        l.writer.write("01234567");
        auto waiting = co_await asyncio::create_task(perform(l.reader, readuntil_op("\n")));
        co_await settle();
        BOOST_TEST(!waiting.done());
        l.writer.write("\n");
        BOOST_TEST(co_await waiting.wait() == value_of("01234567\n"));
    }
    {
        auto l = co_await make_duplex({.limit = 8});
        l.writer.write("012345678");
        BOOST_TEST(co_await perform(l.reader, readuntil_op("\n")) == overrun_at(9));
    }
    {
        auto l = co_await make_duplex({.limit = 8});
        l.writer.write("01234567--END--");
        BOOST_TEST(co_await l.reader.readuntil("--END--") == "01234567--END--");
        l.writer.write("012345678--END--");
        BOOST_TEST(co_await perform(l.reader, readuntil_op("--END--")) == overrun_at(9));
        BOOST_TEST(co_await l.reader.readexactly(16) == "012345678--END--");
    }
}

// Separator found, but it starts past the limit: limit_overrun_error with consumed() =
// where the winning match starts; nothing is consumed.
ASYNCIO_TEST_CASE(readuntil_separator_found_past_the_limit) {
    auto l = co_await make_duplex({.limit = 8});
    l.writer.write("0123456789\nrest");
    BOOST_TEST(co_await perform(l.reader, readuntil_op("\n")) == overrun_at(10));
    BOOST_TEST(co_await l.reader.readexactly(11) == "0123456789\n");

    auto m = co_await make_duplex({.limit = 4});
    m.writer.write("abcdefXYgh");
    const op gh_or_xy = readuntil_any_op({"gh", "XY"});
    BOOST_TEST(co_await perform(m.reader, gh_or_xy) == overrun_at(6));
    BOOST_TEST(co_await m.reader.readexactly(10) == "abcdefXYgh");
}

// readline over the limit throws std::invalid_argument and drops the line when its
// newline is buffered: the next readline gives the next line.
ASYNCIO_TEST_CASE(readline_over_the_limit_drops_a_buffered_line) {
    auto l = co_await make_duplex({.limit = 4});
    l.writer.write("much too long\nnext\n");
    const auto e = co_await failure_of([&] { return l.reader.readline(); });
    BOOST_TEST(is_a<std::invalid_argument>(e));
    BOOST_TEST(co_await l.reader.readline() == "next\n");
    l.writer.write_eof();
    BOOST_TEST(co_await l.reader.readline() == "");
    BOOST_TEST(l.reader.at_eof());
}

// ... and clears the buffer when the newline has not arrived: the rest of the long line
// is what the next readline gives (as in Python).
ASYNCIO_TEST_CASE(readline_over_the_limit_clears_the_buffer_without_newline) {
    auto l = co_await make_duplex({.limit = 4});
    l.writer.write("much too long");
    const auto e = co_await failure_of([&] { return l.reader.readline(); });
    BOOST_TEST(is_a<std::invalid_argument>(e));
    l.writer.write("rest\nnext\n");
    BOOST_TEST(co_await l.reader.readline() == "rest\n");
    BOOST_TEST(co_await l.reader.readline() == "next\n");
}

// --- fuzz --------------------------------------------------------------------------------

// Random data, random separators, random chunkings, random reads: the results match the
// model.
ASYNCIO_TEST_CASE(random_reads_of_random_chunkings_match_the_model) {
    const std::uint32_t base = test_seed();
    for (std::uint32_t iteration = 0; iteration < 300; ++iteration) {
        const std::uint32_t seed = base + iteration;
        std::mt19937 rng(seed);
        const std::string alphabet = "ab-\n";
        const auto random_string = [&](std::size_t max_len, std::size_t min_len) {
            std::string s(min_len + rng() % (max_len - min_len + 1), ' ');
            for (auto& c : s)
                c = alphabet[rng() % alphabet.size()];
            return s;
        };
        const std::string data = random_string(300, 0);
        std::vector<std::string> separators;
        for (int i = 0; i < 4; ++i)
            separators.push_back(random_string(3, 1));

        std::vector<std::string> pieces;
        std::vector<int> turns;
        for (std::size_t at = 0; at < data.size();) {
            const std::size_t size = std::min(data.size() - at, 1 + std::size_t(rng() % 40));
            pieces.push_back(data.substr(at, size));
            turns.push_back(rng() % 4 == 0 ? 0 : 1 + static_cast<int>(rng() % 3));
            at += size;
        }

        auto l = co_await make_duplex();
        auto producer = co_await asyncio::create_task(send_pieces(l.writer, pieces, turns));
        model m(data);
        bool ok = true;
        for (int step = 0; ok && step < 1000; ++step) {
            const bool last = m.rest().empty();
            op o{op_kind::line};
            switch (rng() % 7) {
            case 0:
                o = readline_op();
                break;
            case 1:
            case 2:
                o = readuntil_op(separators[rng() % separators.size()]);
                break;
            case 3: {
                std::vector<std::string> any;
                for (std::size_t k = 1 + rng() % 3; k > 0; --k)
                    any.push_back(separators[rng() % separators.size()]);
                o = readuntil_any_op(std::move(any));
                break;
            }
            case 4:
                o = readexactly_op(static_cast<std::ptrdiff_t>(rng() % 12));
                break;
            case 5:
                o = read_op(1 + static_cast<std::ptrdiff_t>(rng() % 12));
                break;
            default:
                o = rng() % 8 == 0 ? read_all_op() : readexactly_op(1 + rng() % 5);
                break;
            }
            const read_result got = co_await perform(l.reader, o);
            if (o.kind == op_kind::read_n) {
                ok = got.kind == read_result::value &&
                     m.accept_read(got.bytes, static_cast<std::size_t>(o.n));
                BOOST_TEST(ok, "seed " << seed << ", step " << step << " " << describe(o)
                                       << ": got " << got);
            } else {
                const read_result want = m.apply(o);
                ok = got == want;
                BOOST_TEST(got == want, "seed " << seed << ", step " << step << " " << describe(o));
            }
            if (last)
                break;
        }
        BOOST_TEST(m.rest().empty(), "seed " << seed);
        const std::string tail = co_await l.reader.read();
        BOOST_TEST(tail == "", "seed " << seed);
        BOOST_TEST(l.reader.at_eof(), "seed " << seed);
        co_await producer.wait();
        if (!ok)
            break;
    }
}

// --- edge cases and bad input ------------------------------------------------------------

ASYNCIO_TEST_CASE(read_zero_and_read_to_eof) {
    auto l = co_await make_duplex();
    // read(0) gives "" at once, even with nothing buffered.
    BOOST_TEST(co_await asyncio::wait_for(l.reader.read(0), 1s) == "");
    BOOST_TEST(co_await l.reader.readexactly(0) == "");
    l.writer.write("abc");
    BOOST_TEST(co_await l.reader.read(0) == "");
    // read() goes on until the end of the stream, through several arrivals.
    auto all = co_await asyncio::create_task(l.reader.read());
    co_await settle();
    BOOST_TEST(!all.done());
    l.writer.write("def");
    co_await settle();
    const std::string big = pattern(300 * 1024);
    l.writer.write(big);
    co_await settle();
    BOOST_TEST(!all.done());
    l.writer.write_eof();
    BOOST_TEST(co_await all.wait() == "abcdef" + big);
    BOOST_TEST(l.reader.at_eof());
    BOOST_TEST(co_await l.reader.read() == "");
    BOOST_TEST(co_await l.reader.read(5) == "");
    BOOST_TEST(co_await l.reader.read(0) == "");
}

ASYNCIO_TEST_CASE(bad_arguments_throw_invalid_argument) {
    auto l = co_await make_duplex();
    l.writer.write("data\n");
    BOOST_TEST(
        is_a<std::invalid_argument>(co_await failure_of([&] { return l.reader.readexactly(-1); })));
    BOOST_TEST(
        is_a<std::invalid_argument>(co_await failure_of([&] { return l.reader.readuntil(""); })));
    BOOST_TEST(is_a<std::invalid_argument>(
        co_await failure_of([&] { return l.reader.readuntil(std::vector<std::string>{}); })));
    BOOST_TEST(is_a<std::invalid_argument>(co_await failure_of([&] {
        return l.reader.readuntil(std::vector<std::string>{"\n", ""});
    })));
    // None of them consumed anything, nor left a read marked as running.
    BOOST_TEST(co_await l.reader.readline() == "data\n");
}

ASYNCIO_TEST_CASE(default_constructed_handles_throw_invalid_state) {
    asyncio::stream_reader reader;
    asyncio::stream_writer writer;
    using E = asyncio::invalid_state_error;
    BOOST_TEST(is_a<E>(co_await failure_of([&] { return reader.read(); })));
    BOOST_TEST(is_a<E>(co_await failure_of([&] { return reader.read(3); })));
    BOOST_TEST(is_a<E>(co_await failure_of([&] { return reader.readline(); })));
    BOOST_TEST(is_a<E>(co_await failure_of([&] { return reader.readexactly(2); })));
    BOOST_TEST(is_a<E>(co_await failure_of([&] { return reader.readuntil("x"); })));
    BOOST_TEST(is_a<E>(exception_from([&] { (void)reader.at_eof(); })));
    BOOST_TEST(is_a<E>(exception_from([&] { (void)reader.limit(); })));
    BOOST_TEST(is_a<E>(exception_from([&] { writer.write("x"); })));
    BOOST_TEST(is_a<E>(exception_from([&] { writer.writelines({"a", "b"}); })));
    BOOST_TEST(is_a<E>(exception_from([&] { writer.write_eof(); })));
    BOOST_TEST(is_a<E>(exception_from([&] { writer.close(); })));
    BOOST_TEST(is_a<E>(exception_from([&] { (void)writer.is_closing(); })));
    BOOST_TEST(is_a<E>(exception_from([&] { (void)writer.write_buffer_size(); })));
    BOOST_TEST(is_a<E>(exception_from([&] { (void)writer.can_write_eof(); })));
    BOOST_TEST(is_a<E>(co_await failure_of([&] { return writer.drain(); })));
    BOOST_TEST(is_a<E>(co_await failure_of([&] { return writer.wait_closed(); })));
    BOOST_TEST(is_a<E>(exception_from([&] { (void)writer.local_endpoint<local_endpoint>(); })));
}

// Only one read at a time: a second one (through the same handle or a copy) throws
// invalid_state_error and disturbs nothing; the first still completes.
ASYNCIO_TEST_CASE(concurrent_reads_the_second_throws_invalid_state) {
    auto l = co_await make_duplex();
    auto first = co_await asyncio::create_task(l.reader.readline());
    co_await settle();
    BOOST_TEST(!first.done());
    BOOST_TEST(
        is_a<asyncio::invalid_state_error>(co_await failure_of([&] { return l.reader.read(5); })));
    asyncio::stream_reader copy = l.reader;
    BOOST_TEST(is_a<asyncio::invalid_state_error>(
        co_await failure_of([&] { return copy.readexactly(1); })));
    BOOST_TEST(is_a<asyncio::invalid_state_error>(
        co_await failure_of([&] { return copy.readuntil("x"); })));
    l.writer.write("one\ntwo\n");
    BOOST_TEST(co_await first.wait() == "one\n");
    // Once it is done, reads work again, from any handle.
    BOOST_TEST(co_await copy.readline() == "two\n");
}

ASYNCIO_TEST_CASE(bad_options_are_rejected_by_make_streams) {
    auto ex = co_await boost::asio::this_coro::executor;
    const auto make_with = [&](asyncio::stream_options options) {
        return exception_from([&] {
            local_socket a(ex), b(ex);
            boost::asio::local::connect_pair(a, b);
            (void)asyncio::make_streams(std::move(a), options);
        });
    };
    BOOST_TEST(is_a<std::invalid_argument>(make_with({.limit = 0})));
    BOOST_TEST(
        is_a<std::invalid_argument>(make_with({.write_high_water = 100, .write_low_water = 101})));
    BOOST_TEST(!make_with({.limit = 1, .write_high_water = 0, .write_low_water = 0}));
    BOOST_TEST(!make_with({.write_high_water = 100, .write_low_water = 100}));
    // A socket that is not open.
    BOOST_TEST(is_a<std::invalid_argument>(
        exception_from([&] { (void)asyncio::make_streams(local_socket(ex)); })));
}

// --- cancellation and timeouts -----------------------------------------------------------

// A read that times out consumes nothing: the bytes that arrived wait for the next read.
ASYNCIO_TEST_CASE(timed_out_reads_lose_no_bytes) {
    auto l = co_await make_duplex();
    l.writer.write("hel");
    auto e = co_await exception_of(asyncio::wait_for(l.reader.readline(), 50ms));
    BOOST_TEST(is_a<asyncio::timeout_error>(e));
    l.writer.write("lo\n");
    BOOST_TEST(co_await l.reader.readline() == "hello\n");

    // A several-byte separator that had half arrived.
    l.writer.write("body--EN");
    e = co_await exception_of(asyncio::wait_for(l.reader.readuntil("--END--"), 50ms));
    BOOST_TEST(is_a<asyncio::timeout_error>(e));
    l.writer.write("D--after");
    BOOST_TEST(co_await l.reader.readuntil("--END--") == "body--END--");

    e = co_await exception_of(asyncio::wait_for(l.reader.readexactly(8), 50ms));
    BOOST_TEST(is_a<asyncio::timeout_error>(e));
    l.writer.write("!!");
    BOOST_TEST(co_await l.reader.readexactly(7) == "after!!");

    e = co_await exception_of(asyncio::wait_for(l.reader.read(10), 50ms));
    BOOST_TEST(is_a<asyncio::timeout_error>(e));
    l.writer.write("x");
    BOOST_TEST(co_await l.reader.read(10) == "x");
}

// A task blocked in readexactly is cancelled: it throws a cancellation, and the bytes
// it had seen are still there for the next read.
ASYNCIO_TEST_CASE(cancelled_readexactly_then_reading_works) {
    auto l = co_await make_duplex();
    l.writer.write("1234");
    auto t = co_await asyncio::create_task(l.reader.readexactly(10));
    co_await settle();
    BOOST_TEST(!t.done());
    t.cancel();
    const auto e = co_await exception_of(t.wait());
    BOOST_TEST(asyncio::is_cancellation(e));
    BOOST_TEST(t.cancelled());
    l.writer.write("567890");
    BOOST_TEST(co_await l.reader.readexactly(10) == "1234567890");

    // The same for readuntil with several separators.
    l.writer.write("abc");
    const std::vector<std::string> crlf_or_bars{"\r\n", "||"};
    auto u = co_await asyncio::create_task(l.reader.readuntil(crlf_or_bars));
    co_await settle();
    BOOST_TEST(!u.done());
    u.cancel();
    BOOST_TEST(asyncio::is_cancellation(co_await exception_of(u.wait())));
    l.writer.write("d|\r\n");
    BOOST_TEST(co_await l.reader.readuntil(crlf_or_bars) == "abcd|\r\n");
}

// Cancellation racing the arrival of the data, many times: the bytes are read by the
// cancelled read or by the next one, never lost or read twice.
ASYNCIO_TEST_CASE(cancellation_racing_data_arrival_loses_nothing) {
    const std::uint32_t seed = test_seed();
    auto l = co_await make_duplex();
    const race_tally tally = co_await cancellation_race(l, seed, 300);
    BOOST_TEST(!tally.lost, "seed " << seed);
    BOOST_TEST(tally.intact, "seed " << seed);
    if (!tally.lost)
        BOOST_TEST(tally.completed + tally.cancelled == 300);
    // Both sides of the race were exercised.
    BOOST_TEST(tally.completed > 0, "seed " << seed);
    BOOST_TEST(tally.cancelled > 0, "seed " << seed);
}

// A read that is cancelled, or times out, consumes nothing: also read() to the end of
// the stream, which keeps what arrived buffered until the end (Python's loses it).
ASYNCIO_TEST_CASE(read_to_eof_that_times_out_loses_no_bytes) {
    auto l = co_await make_duplex();
    l.writer.write("abc");
    const auto e = co_await exception_of(asyncio::wait_for(l.reader.read(), 50ms));
    BOOST_TEST(is_a<asyncio::timeout_error>(e));
    l.writer.write("def");
    l.writer.write_eof();
    BOOST_TEST(co_await l.reader.read() == "abcdef");
}

// --- the writer ------------------------------------------------------------------------

ASYNCIO_TEST_CASE(writes_arrive_in_order) {
    auto l = co_await make_duplex();
    l.writer.write("a");
    const std::vector<std::string> lines{"b", "cd", ""};
    l.writer.writelines(lines);
    l.writer.writelines({"e", "f"});
    const std::vector<std::string_view> views{"g", "h"};
    l.writer.writelines(views);
    l.writer.write("");
    l.writer.write("i");
    BOOST_TEST(co_await l.reader.readexactly(9) == "abcdefghi");

    // Behind a write too big for the socket, queued writes keep their order.
    const std::string big = pattern(1 << 20);
    l.writer.write(big);
    BOOST_TEST(l.writer.write_buffer_size() > 0u);
    l.writer.write("-tail1");
    l.writer.writelines({"-tail2", "-tail3"});
    l.writer.write_eof();
    BOOST_TEST(co_await l.reader.read() == big + "-tail1-tail2-tail3");
    BOOST_TEST(l.writer.write_buffer_size() == 0u);
}

ASYNCIO_TEST_CASE(write_after_close_or_write_eof_throws_invalid_state) {
    using E = asyncio::invalid_state_error;
    {
        auto l = co_await make_duplex();
        BOOST_TEST(l.writer.can_write_eof());
        l.writer.write_eof();
        l.writer.write_eof(); // again: nothing happens
        BOOST_TEST(is_a<E>(exception_from([&] { l.writer.write("x"); })));
        BOOST_TEST(is_a<E>(exception_from([&] { l.writer.writelines({"x", "y"}); })));
        BOOST_TEST(!l.writer.is_closing());
    }
    {
        auto l = co_await make_duplex();
        l.writer.close();
        BOOST_TEST(is_a<E>(exception_from([&] { l.writer.write("x"); })));
        BOOST_TEST(is_a<E>(exception_from([&] { l.writer.write(""); })));
        BOOST_TEST(is_a<E>(exception_from([&] { l.writer.writelines({"x"}); })));
        BOOST_TEST(!exception_from([&] { l.writer.write_eof(); })); // a no-op once closing
    }
}

ASYNCIO_TEST_CASE(close_is_idempotent_and_wait_closed_completes) {
    auto l = co_await make_duplex();
    BOOST_TEST(!l.writer.is_closing());
    auto waiter = co_await asyncio::create_task(l.writer.wait_closed());
    co_await settle();
    BOOST_TEST(!waiter.done());
    l.writer.write("last words");
    l.writer.close();
    BOOST_TEST(l.writer.is_closing());
    l.writer.close();
    BOOST_TEST(l.writer.is_closing());
    co_await asyncio::wait_for(waiter.wait(), 1s);
    co_await asyncio::wait_for(l.writer.wait_closed(), 1s); // once closed, at once
    l.writer.close();
    // The peer reads what was written, then the end of the stream.
    BOOST_TEST(co_await l.reader.read() == "last words");
    BOOST_TEST(l.reader.at_eof());
    // Closing ends both directions: the closed end's own reader sees the end too.
    BOOST_TEST(co_await asyncio::wait_for(l.back.read(), 1s) == "");
}

// close() sends what is queued first; wait_closed() completes once it has gone.
ASYNCIO_TEST_CASE(close_sends_the_queued_bytes_first) {
    auto l = co_await make_duplex();
    const std::string big = pattern(1 << 20);
    l.writer.write(big);
    BOOST_TEST(l.writer.write_buffer_size() > 0u);
    l.writer.close();
    auto reading = co_await asyncio::create_task(l.reader.read());
    co_await asyncio::wait_for(l.writer.wait_closed(), 2s);
    BOOST_TEST(l.writer.write_buffer_size() == 0u);
    BOOST_TEST(co_await reading.wait() == big);
}

// write_eof() half-closes: the peer reads the end of the stream, and can still answer.
ASYNCIO_TEST_CASE(write_eof_half_closes) {
    auto l = co_await make_duplex();
    l.writer.write("question");
    l.writer.write_eof();
    BOOST_TEST(co_await l.reader.read() == "question");
    BOOST_TEST(l.reader.at_eof());
    l.reply.write("answer\n");
    l.reply.writelines({"more", "\n"});
    BOOST_TEST(co_await l.back.readline() == "answer\n");
    BOOST_TEST(co_await l.back.readline() == "more\n");
    l.reply.close();
    BOOST_TEST(co_await l.back.read() == "");
    BOOST_TEST(l.back.at_eof());
    // write_eof() waits for the queued bytes: sent behind a big write, it still ends the
    // stream after them.
    auto m = co_await make_duplex();
    const std::string big = pattern(1 << 20);
    m.writer.write(big);
    m.writer.write_eof();
    BOOST_TEST(co_await m.reader.read() == big);
    m.reply.write("still open");
    m.reply.write_eof();
    BOOST_TEST(co_await m.back.read() == "still open");
}

// Writing to a peer whose socket is closed throws system_error (broken pipe /
// connection reset), from write() or drain(); SIGPIPE does not kill the process. From
// then on the writer keeps reporting the error.
ASYNCIO_TEST_CASE(write_to_a_closed_peer_throws_system_error) {
    for (const bool peer_handles_dropped : {true, false}) {
        auto l = co_await make_duplex();
        if (peer_handles_dropped) {
            l.reader = {};
            l.reply = {}; // the peer's socket is closed
        } else {
            l.reply.close(); // the peer shuts its socket down
        }
        std::exception_ptr failure;
        const std::string block(1024, 'y');
        for (int i = 0; i < 1000 && !failure; ++i) {
            failure = co_await failure_of([&] {
                l.writer.write(block);
                return l.writer.drain();
            });
            if (!failure)
                co_await asyncio::sleep(1ms);
        }
        BOOST_TEST(is_peer_gone(failure), "peer handles dropped: " << peer_handles_dropped);
        BOOST_TEST(l.writer.is_closing());
        BOOST_TEST(is_peer_gone(exception_from([&] { l.writer.write("more"); })));
        BOOST_TEST(is_peer_gone(co_await failure_of([&] { return l.writer.drain(); })));
        BOOST_TEST(is_peer_gone(co_await failure_of([&] { return l.writer.wait_closed(); })));
        // The writer's own reader reports the loss too: a truncated stream must not
        // look complete (Python's read() raises the ConnectionResetError).
        BOOST_TEST(is_peer_gone(co_await failure_of([&] { return l.back.read(); })));
        BOOST_TEST(is_peer_gone(co_await failure_of([&] { return l.back.readline(); })));
        l.writer.close(); // still fine
    }
}

// After close() has ended the connection, drain() says so (Python's "Connection lost"),
// and the writer's own reader sees the end of the stream, not an error.
ASYNCIO_TEST_CASE(drain_after_close_reports_the_connection_lost) {
    auto l = co_await make_duplex();
    l.writer.write("bye\n");
    l.writer.close();
    co_await l.writer.wait_closed();
    const auto e = co_await failure_of([&] { return l.writer.drain(); });
    BOOST_TEST(code_of(e) == boost::asio::error::connection_reset);
    BOOST_TEST(co_await l.reader.readline() == "bye\n");
    BOOST_TEST(co_await l.back.read() == "");
}

// abort() ends a connection whose peer reads nothing: the queued bytes are dropped,
// wait_closed() returns, and writing afterwards is an invalid_state_error.
ASYNCIO_TEST_CASE(abort_drops_the_queued_bytes_and_closes) {
    auto l = co_await make_duplex();
    l.writer.write(pattern(8 << 20)); // far more than the socket buffers
    BOOST_TEST(l.writer.write_buffer_size() > 0u);
    const auto closing = co_await exception_of(asyncio::wait_for(l.writer.wait_closed(), 20ms));
    BOOST_TEST(is_a<asyncio::timeout_error>(closing));
    l.writer.abort();
    BOOST_TEST(l.writer.is_closing());
    co_await asyncio::wait_for(l.writer.wait_closed(), 2s);
    BOOST_TEST(is_a<asyncio::invalid_state_error>(exception_from([&] { l.writer.write("x"); })));
    // The peer gets a prefix of the bytes, then the end of the stream.
    std::size_t received = 0;
    for (std::string chunk; !(chunk = co_await l.reader.read(1 << 16)).empty();)
        received += chunk.size();
    BOOST_TEST(received < std::size_t(8 << 20));
}

// drain() waiting on a connection that is reset throws system_error.
ASYNCIO_TEST_CASE(drain_on_a_reset_connection_throws) {
    auto l = co_await make_duplex();
    l.writer.write(pattern(1 << 20));
    auto draining = co_await asyncio::create_task(l.writer.drain());
    co_await settle();
    BOOST_TEST(!draining.done());
    l.reader = {};
    l.reply = {}; // the peer goes away with unread bytes
    const auto e = co_await exception_of(asyncio::wait_for(draining.wait(), 2s));
    BOOST_TEST(is_peer_gone(e));
    BOOST_TEST(is_peer_gone(co_await failure_of([&] { return l.writer.drain(); })));
    BOOST_TEST(l.writer.write_buffer_size() == 0u);
    // The writer's own reader sees the connection end (reset or end of stream), at once.
    const auto r = co_await exception_of(asyncio::wait_for(l.back.read(), 1s));
    BOOST_TEST((!r || is_peer_gone(r)));
}

// --- flow control -------------------------------------------------------------------------

namespace {

// Reads to the end of the stream, 4 KiB at a time, pausing now and then.
awaitable<std::string> slow_read_all(asyncio::stream_reader r) {
    std::string all;
    for (int i = 0;; ++i) {
        std::string piece = co_await r.read(4096);
        if (piece.empty())
            co_return all;
        all += piece;
        if (i % 16 == 0)
            co_await asyncio::sleep(1ms);
        else
            co_await asyncio::sleep(0s);
    }
}

struct flow_report {
    std::size_t max_after_write = 0;
    std::size_t max_after_drain = 0;
    bool intact = false;
};

// Writes `count` blocks of `block` bytes with drain() after each, against a slow
// reader; reports the write buffer sizes seen.
awaitable<flow_report> write_against_slow_reader(asyncio::stream_options options, std::size_t block,
                                                 std::size_t count) {
    auto l = co_await make_duplex(options);
    auto reading = co_await asyncio::create_task(slow_read_all(l.reader));
    flow_report report;
    for (std::size_t i = 0; i < count; ++i) {
        l.writer.write(pattern(block, i * block));
        report.max_after_write = std::max(report.max_after_write, l.writer.write_buffer_size());
        co_await l.writer.drain();
        report.max_after_drain = std::max(report.max_after_drain, l.writer.write_buffer_size());
    }
    l.writer.write_eof();
    const std::string got = co_await reading.wait();
    report.intact = got == pattern(block * count);
    co_return report;
}

} // namespace

// drain() holds a fast writer back: the queue never grows past the high-water mark plus
// one write, and everything arrives intact.
ASYNCIO_TEST_CASE(drain_bounds_the_write_buffer_of_a_fast_writer) {
    {
        const asyncio::stream_options options{}; // 64 KiB / 16 KiB
        const auto r = co_await write_against_slow_reader(options, 64 * 1024, 32);
        BOOST_TEST(r.intact);
        BOOST_TEST(r.max_after_write <= options.write_high_water + 64 * 1024);
        BOOST_TEST(r.max_after_drain <= options.write_high_water);
        BOOST_TEST(r.max_after_write > options.write_high_water); // drain did have to wait
    }
    {
        const asyncio::stream_options options{.write_high_water = 4096, .write_low_water = 1024};
        const auto r = co_await write_against_slow_reader(options, 1024, 1000);
        BOOST_TEST(r.intact);
        BOOST_TEST(r.max_after_write <= options.write_high_water + 1024);
        BOOST_TEST(r.max_after_drain <= options.write_high_water);
        BOOST_TEST(r.max_after_write > options.write_high_water);
    }
}

// A drain() that times out while the writer is paused leaves the writer usable.
ASYNCIO_TEST_CASE(drain_timing_out_while_paused_leaves_the_writer_usable) {
    auto l = co_await make_duplex({.write_high_water = 1024, .write_low_water = 0});
    const std::string big = pattern(1 << 20);
    l.writer.write(big);
    BOOST_TEST(l.writer.write_buffer_size() > 1024u);
    const auto e = co_await exception_of(asyncio::wait_for(l.writer.drain(), 50ms));
    BOOST_TEST(is_a<asyncio::timeout_error>(e));
    BOOST_TEST(!l.writer.is_closing());
    l.writer.write("tail");
    auto reading = co_await asyncio::create_task(l.reader.readexactly(big.size() + 4));
    co_await asyncio::wait_for(l.writer.drain(), 2s);
    BOOST_TEST(l.writer.write_buffer_size() == 0u); // the low-water mark is 0
    BOOST_TEST(co_await reading.wait() == big + "tail");
}

// --- connecting and endpoints ------------------------------------------------------------

namespace {

std::string temp_socket_path(const char* what) {
    return "/tmp/asyncio-test-streams-" + std::to_string(::getpid()) + "-" + what;
}

} // namespace

ASYNCIO_TEST_CASE(open_unix_connection_to_no_listener_throws_system_error) {
    const std::string missing = temp_socket_path("missing");
    ::unlink(missing.c_str());
    auto e = co_await exception_of(asyncio::open_unix_connection(missing));
    BOOST_TEST(is_a<boost::system::system_error>(e));
    BOOST_TEST(!is_a<asyncio::invalid_state_error>(e));

    // A socket file whose listener is gone.
    const std::string stale = temp_socket_path("stale");
    ::unlink(stale.c_str());
    {
        auto ex = co_await boost::asio::this_coro::executor;
        boost::asio::local::stream_protocol::acceptor acceptor(ex, local_endpoint(stale));
    }
    e = co_await exception_of(asyncio::open_unix_connection(stale));
    BOOST_TEST(is_a<boost::system::system_error>(e));
    BOOST_TEST((code_of(e) == boost::asio::error::connection_refused));
    ::unlink(stale.c_str());

    // Bad options are rejected before connecting.
    e = co_await exception_of(asyncio::open_unix_connection(missing, {.limit = 0}));
    BOOST_TEST(is_a<std::invalid_argument>(e));
}

namespace {

awaitable<void> answer_one(boost::asio::local::stream_protocol::acceptor& acceptor) {
    auto socket = co_await acceptor.async_accept(boost::asio::use_awaitable);
    auto [reader, writer] = asyncio::make_streams(std::move(socket));
    const std::string line = co_await reader.readline();
    writer.write("re: " + line);
    writer.close();
    co_await writer.wait_closed();
}

} // namespace

ASYNCIO_TEST_CASE(open_unix_connection_connects) {
    const std::string path = temp_socket_path("listening");
    ::unlink(path.c_str());
    auto ex = co_await boost::asio::this_coro::executor;
    boost::asio::local::stream_protocol::acceptor acceptor(ex, local_endpoint(path));
    auto server = co_await asyncio::create_task(answer_one(acceptor));
    auto [reader, writer] = co_await asyncio::open_unix_connection(path, {.limit = 128});
    BOOST_TEST(reader.limit() == 128u);
    BOOST_TEST(writer.peer_endpoint<local_endpoint>().path() == path);
    writer.write("ping\n");
    BOOST_TEST(co_await reader.readline() == "re: ping\n");
    BOOST_TEST(co_await reader.read() == "");
    co_await server.wait();
    ::unlink(path.c_str());
}

ASYNCIO_TEST_CASE(endpoints_of_a_unix_pair) {
    auto l = co_await make_duplex();
    BOOST_TEST(!exception_from([&] { (void)l.writer.local_endpoint<local_endpoint>(); }));
    BOOST_TEST(!exception_from([&] { (void)l.writer.peer_endpoint<local_endpoint>(); }));
    BOOST_TEST(l.writer.local_endpoint<local_endpoint>().path() == "");
    // The default endpoint type is TCP's.
    BOOST_TEST(
        is_a<std::invalid_argument>(exception_from([&] { (void)l.writer.local_endpoint(); })));
    BOOST_TEST(
        is_a<std::invalid_argument>(exception_from([&] { (void)l.writer.peer_endpoint(); })));
    BOOST_TEST(is_a<std::invalid_argument>(
        exception_from([&] { (void)l.writer.peer_endpoint<boost::asio::ip::tcp::endpoint>(); })));
}

// --- several threads -------------------------------------------------------------------------

// 50 connections, each with a writer task, a reader task that echoes every line, and a
// task reading the echo: every line arrives, in order, both ways.
ASYNCIO_TEST_CASE_OPTS(many_connections_on_four_threads, .threads = 4) {
    constexpr int pairs = 50;
    constexpr int lines = 200;
    std::vector<asyncio::task<void>> writers;
    std::vector<asyncio::task<bool>> checkers;
    for (int p = 0; p < pairs; ++p) {
        auto l = co_await make_duplex({.write_high_water = 512, .write_low_water = 128});
        writers.push_back(co_await asyncio::create_task(write_lines(l.writer, p, lines)));
        checkers.push_back(
            co_await asyncio::create_task(read_and_echo_lines(l.reader, l.reply, p, lines)));
        checkers.push_back(co_await asyncio::create_task(read_echo(l.back, p, lines)));
    }
    for (auto& t : writers)
        co_await t.wait();
    int good = 0;
    for (auto& t : checkers)
        good += (co_await t.wait()) ? 1 : 0;
    BOOST_TEST(good == 2 * pairs);
}

// Several tasks write whole lines through copies of one writer, draining with small
// water marks: every line arrives whole, each task's lines in order.
ASYNCIO_TEST_CASE_OPTS(concurrent_writers_on_four_threads, .threads = 4) {
    constexpr int tasks = 6;
    constexpr int lines = 500;
    auto l = co_await make_duplex({.write_high_water = 2048, .write_low_water = 256});
    const auto writer_body = [](asyncio::stream_writer w, int k) -> awaitable<void> {
        for (int j = 0; j < lines; ++j) {
            w.write("w" + std::to_string(k) + " " + std::to_string(j) + " " +
                    std::string(static_cast<std::size_t>(j % 50), '.') + "\n");
            co_await w.drain();
        }
    };
    const auto reader_body = [](asyncio::stream_reader r) -> awaitable<bool> {
        std::vector<int> next(tasks, 0);
        bool ok = true;
        for (;;) {
            const std::string line = co_await r.readline();
            if (line.empty())
                break;
            int k = -1, j = -1;
            if (std::sscanf(line.c_str(), "w%d %d", &k, &j) != 2 || k < 0 || k >= tasks ||
                j != next[static_cast<std::size_t>(k)] ||
                line.size() != line.find(' ', line.find(' ') + 1) + 2 + std::size_t(j % 50)) {
                ok = false;
                break;
            }
            ++next[static_cast<std::size_t>(k)];
        }
        co_return ok&& std::all_of(next.begin(), next.end(), [](int n) { return n == lines; });
    };
    auto reading = co_await asyncio::create_task(reader_body(l.reader));
    std::vector<asyncio::task<void>> writing;
    for (int k = 0; k < tasks; ++k)
        writing.push_back(co_await asyncio::create_task(writer_body(l.writer, k)));
    for (auto& t : writing)
        co_await t.wait();
    l.writer.write_eof();
    BOOST_TEST(co_await reading.wait());
}

// The cancellation race on several connections at once, on four threads.
ASYNCIO_TEST_CASE_OPTS(cancellation_racing_data_on_four_threads, .threads = 4) {
    const std::uint32_t seed = test_seed();
    constexpr int connections = 8;
    std::vector<asyncio::task<race_tally>> races;
    for (int i = 0; i < connections; ++i) {
        auto l = co_await make_duplex();
        races.push_back(co_await asyncio::create_task(
            cancellation_race(l, seed + static_cast<std::uint32_t>(i), 100)));
    }
    int intact = 0, lost = 0;
    for (auto& t : races) {
        const race_tally r = co_await t.wait();
        intact += r.intact ? 1 : 0;
        lost += r.lost ? 1 : 0;
    }
    BOOST_TEST(lost == 0, "seed " << seed);
    BOOST_TEST(intact == connections, "seed " << seed);
}

// A coroutine parked in wait_closed() does not keep its connection alive: once every
// handle is gone the connection closes, so the wait returns and the peer reads the end
// of the stream (a parked wait holding the connection would wait forever).
ASYNCIO_TEST_CASE(wait_closed_outliving_every_handle_returns) {
    auto l = co_await make_duplex();
    auto waiting = co_await asyncio::create_task(l.writer.wait_closed());
    co_await settle();
    BOOST_TEST(!waiting.done());
    l.writer = {};
    l.back = {}; // the last handles of that end
    co_await asyncio::wait_for(waiting.wait(), 2s);
    BOOST_TEST(co_await l.reader.read() == "");
}

BOOST_AUTO_TEST_SUITE_END()
