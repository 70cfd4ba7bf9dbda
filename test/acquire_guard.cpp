// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#include <asyncio/acquire_guard.hpp>

#include "test_util.hpp"

#include "sync_util.hpp"

#include <asyncio/condition.hpp>
#include <asyncio/error.hpp>
#include <asyncio/lock.hpp>
#include <asyncio/semaphore.hpp>
#include <asyncio/sleep.hpp>
#include <asyncio/task.hpp>
#include <asyncio/wait_for.hpp>

#include <atomic>
#include <chrono>
#include <mutex>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <vector>

namespace {

using namespace asyncio::test;

// A Lockable that counts its releases.
struct counting_lockable {
    int releases = 0;
    void release() { ++releases; }
};

using counting_guard = asyncio::acquire_guard<counting_lockable>;

static_assert(std::is_nothrow_move_constructible_v<counting_guard>);
static_assert(std::is_nothrow_move_assignable_v<counting_guard>);
static_assert(!std::is_copy_constructible_v<counting_guard>);
static_assert(!std::is_copy_assignable_v<counting_guard>);
static_assert(!std::is_convertible_v<counting_guard, bool>); // explicit operator bool

// Takes the lock with scoped_acquire, records `id`, releases by leaving the scope.
awaitable<void> guarded_record(asyncio::lock& l, std::vector<int>& order, int id) {
    auto guard = co_await l.scoped_acquire();
    order.push_back(id);
}

BOOST_AUTO_TEST_SUITE(acquire_guard)

// --- the guard itself -----------------------------------------------------------------

BOOST_AUTO_TEST_CASE(default_guard_owns_nothing) {
    counting_guard g;
    BOOST_TEST(!g.owns());
    BOOST_TEST(!g);
    BOOST_TEST(g.get() == nullptr);
    g.reset(); // nothing to release
    BOOST_TEST(!g.owns());
}

BOOST_AUTO_TEST_CASE(adopting_guard_releases_once_on_scope_exit) {
    counting_lockable x;
    {
        counting_guard g(x, std::adopt_lock);
        BOOST_TEST(g.owns());
        BOOST_TEST(bool(g));
        BOOST_TEST(g.get() == &x);
        BOOST_TEST(x.releases == 0);
    }
    BOOST_TEST(x.releases == 1);
}

BOOST_AUTO_TEST_CASE(reset_releases_early_and_only_once) {
    counting_lockable x;
    {
        counting_guard g(x, std::adopt_lock);
        g.reset();
        BOOST_TEST(x.releases == 1);
        BOOST_TEST(!g.owns());
        BOOST_TEST(g.get() == nullptr);
        g.reset();
        BOOST_TEST(x.releases == 1);
    }
    BOOST_TEST(x.releases == 1); // the destructor had nothing left to release
}

BOOST_AUTO_TEST_CASE(move_construction_transfers_ownership_and_releases_once) {
    counting_lockable x;
    {
        counting_guard a(x, std::adopt_lock);
        {
            counting_guard b(std::move(a));
            BOOST_TEST(!a.owns()); // moved-from owns nothing
            BOOST_TEST(b.owns());
            BOOST_TEST(b.get() == &x);
            BOOST_TEST(x.releases == 0);
        }
        BOOST_TEST(x.releases == 1); // released by the new owner's scope
    }
    BOOST_TEST(x.releases == 1); // not again by the moved-from guard
}

BOOST_AUTO_TEST_CASE(move_assignment_releases_what_the_target_owned) {
    counting_lockable x, y;
    {
        counting_guard a(x, std::adopt_lock);
        counting_guard b(y, std::adopt_lock);
        b = std::move(a);
        BOOST_TEST(y.releases == 1); // b's old acquisition was released
        BOOST_TEST(x.releases == 0);
        BOOST_TEST(!a.owns());
        BOOST_TEST(b.get() == &x);

        counting_guard empty;
        b = std::move(empty); // assigning nothing releases what b held
        BOOST_TEST(x.releases == 1);
        BOOST_TEST(!b.owns());
    }
    BOOST_TEST(x.releases == 1);
    BOOST_TEST(y.releases == 1);
}

BOOST_AUTO_TEST_CASE(self_move_assignment_keeps_ownership) {
    counting_lockable x;
    {
        counting_guard g(x, std::adopt_lock);
        auto& alias = g;
        g = std::move(alias);
        BOOST_TEST(g.owns());
        BOOST_TEST(x.releases == 0);
    }
    BOOST_TEST(x.releases == 1);
}

// --- scoped_acquire on a lock -----------------------------------------------------------

ASYNCIO_TEST_CASE(scoped_acquire_returns_a_guard_owning_the_lock) {
    asyncio::lock l;
    {
        auto g = co_await l.scoped_acquire();
        static_assert(std::is_same_v<decltype(g), asyncio::acquire_guard<asyncio::lock>>);
        BOOST_TEST(g.owns());
        BOOST_TEST(g.get() == &l);
        BOOST_TEST(l.locked());
    }
    BOOST_TEST(!l.locked()); // released on scope exit
}

ASYNCIO_TEST_CASE(scoped_acquire_completes_without_suspending_when_the_lock_is_free) {
    asyncio::lock l;
    bool other_ran = false;
    auto other = co_await asyncio::create_task(set_flag(other_ran));
    {
        auto g = co_await l.scoped_acquire();
        BOOST_TEST(!other_ran); // the ready task did not get a turn: no suspension
        BOOST_TEST(l.locked());
    }
    co_await other.wait();
    BOOST_TEST(other_ran);
    BOOST_TEST(!l.locked());
}

ASYNCIO_TEST_CASE(guard_releases_the_lock_on_scope_exit_to_the_next_waiter) {
    asyncio::lock l;
    std::vector<int> order;
    std::vector<asyncio::task<void>> waiters;
    {
        auto g = co_await l.scoped_acquire();
        for (int i = 1; i <= 3; ++i)
            waiters.push_back(co_await asyncio::create_task(guarded_record(l, order, i)));
        co_await settle();
        BOOST_TEST(order.empty());
    }
    for (auto& t : waiters)
        co_await t.wait();
    BOOST_TEST(order == (std::vector<int>{1, 2, 3}));
    BOOST_TEST(!l.locked());
}

ASYNCIO_TEST_CASE(guard_releases_the_lock_when_an_exception_leaves_the_scope) {
    asyncio::lock l;
    bool caught = false;
    try {
        auto g = co_await l.scoped_acquire();
        BOOST_TEST(l.locked());
        throw std::runtime_error("boom");
    } catch (const std::runtime_error&) {
        caught = true;
        BOOST_TEST(!l.locked()); // the guard was destroyed during unwinding
    }
    BOOST_TEST(caught);
    BOOST_TEST(!l.locked());
}

ASYNCIO_TEST_CASE(exception_in_a_task_holding_a_guard_hands_the_lock_to_the_next_waiter) {
    asyncio::lock l;
    std::vector<int> order;
    auto failing = [&]() -> awaitable<void> {
        auto g = co_await l.scoped_acquire();
        order.push_back(1);
        co_await asyncio::sleep(0s); // let the other task queue up
        throw std::runtime_error("boom");
    };
    auto a = co_await asyncio::create_task(failing());
    auto b = co_await asyncio::create_task(guarded_record(l, order, 2));
    BOOST_CHECK_THROW(co_await a.wait(), std::runtime_error);
    co_await b.wait();
    BOOST_TEST(order == (std::vector<int>{1, 2}));
    BOOST_TEST(!l.locked());
}

ASYNCIO_TEST_CASE(guard_moved_out_of_a_coroutine_keeps_the_lock_until_its_new_owner_ends) {
    asyncio::lock l;
    auto take = [&]() -> awaitable<asyncio::acquire_guard<asyncio::lock>> {
        auto g = co_await l.scoped_acquire();
        co_return g; // moved out: the lock stays held
    };
    {
        auto g = co_await take();
        BOOST_TEST(g.owns());
        BOOST_TEST(l.locked());
        asyncio::acquire_guard<asyncio::lock> other(std::move(g));
        BOOST_TEST(!g.owns());
        BOOST_TEST(l.locked());
    }
    BOOST_TEST(!l.locked()); // released once, by the last owner
    BOOST_CHECK_THROW(l.release(), asyncio::invalid_state_error);
}

ASYNCIO_TEST_CASE(move_assigning_a_lock_guard_releases_the_lock_it_held) {
    asyncio::lock a, b;
    auto ga = co_await a.scoped_acquire();
    auto gb = co_await b.scoped_acquire();
    gb = std::move(ga);
    BOOST_TEST(!b.locked()); // gb's lock was released
    BOOST_TEST(a.locked());  // ga's lock is now owned by gb
    BOOST_TEST(gb.get() == &a);
    gb.reset();
    BOOST_TEST(!a.locked());
}

// --- scoped_acquire on a semaphore and a condition ---------------------------------------

ASYNCIO_TEST_CASE(scoped_acquire_on_a_semaphore_gives_the_permit_back) {
    asyncio::bounded_semaphore s(2);
    {
        auto g1 = co_await s.scoped_acquire();
        auto g2 = co_await s.scoped_acquire();
        static_assert(std::is_same_v<decltype(g1), asyncio::acquire_guard<asyncio::semaphore>>);
        BOOST_TEST(s.locked());
        g1.reset();
        BOOST_TEST(!s.locked());
    }
    // Both permits are back and no more (the bounded semaphore would have thrown).
    BOOST_TEST(s.try_acquire());
    BOOST_TEST(s.try_acquire());
    BOOST_TEST(!s.try_acquire());
    s.release();
    s.release();
}

ASYNCIO_TEST_CASE(scoped_acquire_on_a_condition_releases_its_lock) {
    asyncio::lock l;
    asyncio::condition c(l);
    {
        auto g = co_await c.scoped_acquire();
        static_assert(std::is_same_v<decltype(g), asyncio::acquire_guard<asyncio::condition>>);
        BOOST_TEST(c.locked());
        BOOST_TEST(l.locked());
    }
    BOOST_TEST(!c.locked());
    BOOST_TEST(!l.locked());
}

// --- cancellation -------------------------------------------------------------------

ASYNCIO_TEST_CASE(
    scoped_acquire_cancelled_while_waiting_yields_no_guard_and_does_not_consume_the_lock) {
    asyncio::lock l;
    std::vector<int> order;
    bool got_guard = false;
    auto cancelled_one = [&]() -> awaitable<void> {
        auto g = co_await l.scoped_acquire();
        got_guard = true;
    };
    auto holder = co_await l.scoped_acquire();
    auto a = co_await asyncio::create_task(cancelled_one());
    auto b = co_await asyncio::create_task(guarded_record(l, order, 2));
    co_await settle();
    a.cancel();
    co_await settle();
    holder.reset(); // to the next waiter
    BOOST_CHECK_THROW(co_await a.wait(), asyncio::cancelled_error);
    co_await b.wait();
    BOOST_TEST(!got_guard);
    BOOST_TEST(order == (std::vector<int>{2}));
    BOOST_TEST(!l.locked());
}

ASYNCIO_TEST_CASE(scoped_acquire_timed_out_yields_no_guard_and_leaves_the_lock_held) {
    asyncio::lock l;
    auto holder = co_await l.scoped_acquire();
    BOOST_CHECK_THROW(co_await asyncio::wait_for(l.scoped_acquire(), 10ms), asyncio::timeout_error);
    BOOST_TEST(l.locked());
    holder.reset();
    BOOST_TEST(!l.locked()); // the timed-out wait took nothing
}

ASYNCIO_TEST_CASE(guard_served_then_cancelled_still_releases_the_lock) {
    // The lock is handed over, then the task is cancelled before it runs: it gets its
    // guard, sees the cancellation at its next await, and the guard releases the lock.
    asyncio::lock l;
    std::vector<int> order;
    auto keeper = [&]() -> awaitable<void> {
        auto g = co_await l.scoped_acquire();
        order.push_back(1);
        co_await asyncio::sleep(0s); // where a pending cancellation shows
        order.push_back(-1);         // not reached when cancelled
    };
    auto holder = co_await l.scoped_acquire();
    auto a = co_await asyncio::create_task(keeper());
    auto b = co_await asyncio::create_task(guarded_record(l, order, 2));
    co_await settle();
    a.cancel();     // delivered on a's executor: after the hand-over, before `a` resumes
    holder.reset(); // serves `a`
    const auto e = co_await exception_of(asyncio::wait_for(a.wait(), 2s));
    const auto b_e = co_await exception_of(asyncio::wait_for(b.wait(), 2s));
    BOOST_TEST(asyncio::is_cancellation(e));
    BOOST_TEST(!b_e, "the next waiter never got the lock");
    // Either `a` was served and released through its guard, or it was withdrawn: in
    // both cases `b` got the lock exactly once afterwards.
    const bool a_kept_it = order == std::vector<int>{1, 2};
    const bool b_got_it = order == std::vector<int>{2};
    BOOST_TEST((a_kept_it != b_got_it), "unexpected order of holders");
    BOOST_TEST(a_kept_it); // the design: a served waiter keeps what it got
    BOOST_TEST(!l.locked());
}

// --- several threads ----------------------------------------------------------------

ASYNCIO_TEST_CASE_OPTS(guards_release_the_lock_under_cancellation_on_four_threads, .threads = 4) {
    constexpr int n = 1000;
    constexpr int rounds = 4;
    asyncio::lock l;
    long counter = 0; // not atomic: only the lock orders its accesses
    occupancy holders;
    std::atomic<int> entries{0};
    auto worker = [&](int i) -> awaitable<void> {
        for (int r = 0; r < rounds; ++r) {
            auto g = co_await l.scoped_acquire();
            holders.enter();
            ++counter;
            ++entries;
            holders.leave();
            if ((i + r) % 2 == 0)
                co_await asyncio::sleep(0s); // cancellation may strike while holding
        }
    };
    const auto ended = co_await run_with_cancellers(n, worker);
    ASYNCIO_CHECK_EQUAL(ended.finished + ended.cancelled, n);
    ASYNCIO_CHECK(ended.finished >= n - raced_by_cancellers(n));
    ASYNCIO_CHECK_EQUAL(counter, long(entries.load()));
    ASYNCIO_CHECK(entries.load() >= (n - raced_by_cancellers(n)) * rounds);
    ASYNCIO_CHECK(holders.peak.load() <= 1); // no two guards ever held the lock at once
    ASYNCIO_CHECK(!l.locked());              // every guard released, no lost hand-over
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace
