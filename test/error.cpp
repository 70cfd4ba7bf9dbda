// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#include <asyncio/error.hpp>

#include "test_util.hpp"

#include <boost/asio/error.hpp>

#include <stdexcept>
#include <system_error>

BOOST_TEST_DONT_PRINT_LOG_VALUE(asyncio::error)

namespace {

using asyncio::error;

BOOST_AUTO_TEST_SUITE(error_model)

BOOST_AUTO_TEST_CASE(category_is_named_asyncio) {
    BOOST_TEST(asyncio::error_category().name() == std::string("asyncio"));
    BOOST_TEST((make_error_code(error::timeout).category() == asyncio::error_category()));
}

BOOST_AUTO_TEST_CASE(error_enum_is_an_error_code_enum) {
    static_assert(boost::system::is_error_code_enum<error>::value);
    boost::system::error_code ec = error::invalid_state; // implicit, through make_error_code
    BOOST_TEST(ec.value() == static_cast<int>(error::invalid_state));
    BOOST_TEST(ec == error::invalid_state);
    BOOST_TEST(ec != error::timeout);
}

// One test per error value: a distinct, meaningful message.
BOOST_AUTO_TEST_CASE(every_error_value_has_its_own_message) {
    const error all[] = {error::timeout,         error::invalid_state,   error::queue_empty,
                         error::queue_full,      error::queue_shut_down, error::broken_barrier,
                         error::incomplete_read, error::limit_overrun};
    std::vector<std::string> seen;
    for (error e : all) {
        auto msg = make_error_code(e).message();
        BOOST_TEST(!msg.empty());
        BOOST_TEST(msg != "unknown asyncio error");
        for (auto& other : seen)
            BOOST_TEST(other != msg);
        seen.push_back(msg);
    }
    BOOST_TEST(asyncio::error_category().message(0) == "unknown asyncio error");
    BOOST_TEST(asyncio::error_category().message(999) == "unknown asyncio error");
}

BOOST_AUTO_TEST_CASE(timeout_compares_equal_to_errc_timed_out) {
    boost::system::error_code ec = error::timeout;
    BOOST_TEST((ec == boost::system::errc::timed_out));
    BOOST_TEST((ec == std::errc::timed_out));
    std::error_code std_ec = ec;
    BOOST_TEST((std_ec == std::errc::timed_out));
    boost::system::error_code other = error::invalid_state;
    BOOST_TEST(!(other == std::errc::timed_out));
}

BOOST_AUTO_TEST_CASE(exception_classes_carry_their_codes) {
    BOOST_TEST(asyncio::cancelled_error().code() == boost::asio::error::operation_aborted);
    BOOST_TEST(asyncio::timeout_error().code() == error::timeout);
    BOOST_TEST(asyncio::invalid_state_error("x").code() == error::invalid_state);
    BOOST_TEST(asyncio::queue_empty().code() == error::queue_empty);
    BOOST_TEST(asyncio::queue_full().code() == error::queue_full);
    BOOST_TEST(asyncio::queue_shut_down().code() == error::queue_shut_down);
    BOOST_TEST(asyncio::broken_barrier_error().code() == error::broken_barrier);
    BOOST_TEST(asyncio::incomplete_read_error("ab", 4).code() == error::incomplete_read);
    BOOST_TEST(asyncio::limit_overrun_error("x", 3).code() == error::limit_overrun);
}

BOOST_AUTO_TEST_CASE(one_catch_of_system_error_sees_every_library_error) {
    auto caught = [](auto&& thrower) {
        try {
            thrower();
        } catch (const boost::system::system_error& e) {
            return e.code();
        }
        return boost::system::error_code();
    };
    BOOST_TEST(caught([] { throw asyncio::timeout_error(); }) == error::timeout);
    BOOST_TEST(caught([] { throw asyncio::cancelled_error(); }) ==
               boost::asio::error::operation_aborted);
    BOOST_TEST(caught([] { throw asyncio::queue_full(); }) == error::queue_full);
}

BOOST_AUTO_TEST_CASE(incomplete_read_error_reports_partial_and_expected) {
    asyncio::incomplete_read_error fixed("abc", 10);
    BOOST_TEST(fixed.partial() == "abc");
    BOOST_TEST(fixed.expected().value() == 10u);
    BOOST_TEST(std::string(fixed.what()).find("3 bytes read of 10 expected") != std::string::npos);
    asyncio::incomplete_read_error open("", std::nullopt);
    BOOST_TEST(!open.expected().has_value());
}

BOOST_AUTO_TEST_CASE(limit_overrun_error_reports_consumed) {
    asyncio::limit_overrun_error e("separator not found", 42);
    BOOST_TEST(e.consumed() == 42u);
    BOOST_TEST(std::string(e.what()).find("separator not found") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(is_cancellation_recognises_only_operation_aborted) {
    BOOST_TEST(asyncio::is_cancellation(std::make_exception_ptr(asyncio::cancelled_error())));
    BOOST_TEST(asyncio::is_cancellation(std::make_exception_ptr(
        boost::system::system_error(boost::asio::error::operation_aborted))));
    BOOST_TEST(!asyncio::is_cancellation(std::make_exception_ptr(asyncio::timeout_error())));
    BOOST_TEST(!asyncio::is_cancellation(std::make_exception_ptr(std::runtime_error("x"))));
    BOOST_TEST(!asyncio::is_cancellation(std::make_exception_ptr(42)));
    BOOST_TEST(!asyncio::is_cancellation(nullptr));
}

BOOST_AUTO_TEST_CASE(exception_group_lists_its_members) {
    asyncio::exception_group g("two failures",
                               {std::make_exception_ptr(std::runtime_error("first")),
                                std::make_exception_ptr(asyncio::timeout_error())});
    BOOST_TEST(g.exceptions().size() == 2u);
    BOOST_TEST(g.message() == "two failures");
    const std::string what = g.what();
    BOOST_TEST(what.find("two failures (2 sub-exceptions)") == 0u);
    BOOST_TEST(what.find("\n- first") != std::string::npos);
    BOOST_TEST(what.find("timeout") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(exception_group_rejects_empty_or_null_members) {
    BOOST_CHECK_THROW(asyncio::exception_group("none", {}), std::invalid_argument);
    BOOST_CHECK_THROW(asyncio::exception_group("null", {std::exception_ptr()}),
                      std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(exception_group_nests_and_splits_like_except_star) {
    auto inner = std::make_exception_ptr(asyncio::exception_group(
        "inner", {std::make_exception_ptr(asyncio::timeout_error()),
                  std::make_exception_ptr(std::runtime_error("inner runtime"))}));
    asyncio::exception_group g("outer",
                               {std::make_exception_ptr(std::logic_error("logic")), inner});
    BOOST_TEST(g.contains<asyncio::timeout_error>());
    BOOST_TEST(g.contains<std::logic_error>());
    BOOST_TEST(!g.contains<asyncio::queue_full>());
    BOOST_TEST(std::string(g.what()).find("\n  - inner runtime") != std::string::npos);

    auto [timeouts, rest] = g.split<asyncio::timeout_error>();
    BOOST_REQUIRE(timeouts);
    BOOST_REQUIRE(rest);
    BOOST_TEST(timeouts->contains<asyncio::timeout_error>());
    BOOST_TEST(!timeouts->contains<std::logic_error>());
    BOOST_TEST(timeouts->exceptions().size() == 1u); // the split keeps the nesting
    BOOST_TEST(rest->contains<std::logic_error>());
    BOOST_TEST(rest->contains<std::runtime_error>());
    BOOST_TEST(!rest->contains<asyncio::timeout_error>());
    BOOST_TEST(rest->exceptions().size() == 2u); // logic_error and the rest of "inner"

    auto [none, all] = g.split<asyncio::queue_full>();
    BOOST_TEST(!none);
    BOOST_REQUIRE(all);
    BOOST_TEST(all->exceptions().size() == 2u);
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace
