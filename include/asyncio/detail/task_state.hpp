// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#ifndef ASYNCIO_DETAIL_TASK_STATE_HPP
#define ASYNCIO_DETAIL_TASK_STATE_HPP

#include <asyncio/config.hpp>
#include <asyncio/detail/debug.hpp>
#include <asyncio/detail/executor.hpp>
#include <asyncio/detail/identity.hpp>
#include <asyncio/detail/intrusive_list.hpp>
#include <asyncio/detail/loop_service.hpp>
#include <asyncio/detail/spinlock.hpp>
#include <asyncio/detail/waiter.hpp>
#include <asyncio/error.hpp>

#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/smart_ptr/intrusive_ref_counter.hpp>

#include <atomic>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <type_traits>

namespace asyncio::detail {

// Tag of the constructors that wrap a task's state (not for users).
struct from_state_t {
    explicit from_state_t() = default;
};
inline constexpr from_state_t from_state{};

// Gives the library's own code access to the state behind a task handle.
struct task_access {
    template <class Task>
    static auto& state(const Task& t) {
        if constexpr (requires { t.typed_state(); })
            return t.typed_state();
        else
            return t.state();
    }
};

class task_group_state;
void intrusive_ptr_add_ref(task_group_state* p) noexcept;
void intrusive_ptr_release(task_group_state* p) noexcept;

// The state of a Python Future: an outcome set once (a value, an exception, or
// cancellation) and the waiters to complete when it is set. A task's state extends
// it (as Python's Task extends Future). Reference counted; every member is
// thread-safe.
class future_base : public boost::intrusive_ref_counter<future_base, boost::thread_safe_counter> {
  public:
    future_base(executor_type ex, const debug_config* debug) noexcept
        : executor_(std::move(ex)), debug_(debug) {}
    future_base(const future_base&) = delete;
    future_base& operator=(const future_base&) = delete;
    virtual ~future_base();

    // The executor done-callbacks and waits complete on by default. For a task, the
    // executor its coroutine runs on; once the task is done, the loop's own executor
    // instead: a finished task drops its strand, which must not outlive the loop
    // (Asio's rule), while handles to a task may.
    executor_type get_executor() const {
        std::lock_guard lock(lock_);
        return executor_;
    }

    bool done() const noexcept { return status_.load(std::memory_order_acquire) == done_status; }

    bool cancelled() const noexcept { return done() && cancelled_; }

    // Whether it finished with an exception other than cancellation (without counting
    // as retrieving it).
    bool failed() const noexcept { return done() && !cancelled_ && exception_; }

    // Requests cancellation; false when already done. A future finishes as cancelled
    // at once; a task (see task_base) delivers the request to its coroutine.
    virtual bool cancel() noexcept;

    // For a finished future: its exception (null on success). Throws
    // invalid_state_error when not done, cancelled_error when cancelled.
    std::exception_ptr exception() const;

    // For a finished future: throws what exception() describes (or the exception itself).
    void rethrow_if_failed() const;

    // The raw outcome of a finished future: null on success, else the exception (a
    // cancelled_error when cancelled). Counts as retrieving the exception.
    const std::exception_ptr& raw_exception() const noexcept {
        retrieved_.store(true, std::memory_order_relaxed);
        return exception_;
    }

    // Adds a waiter to be completed when the future is done; false (not added) when
    // it is done already.
    bool add_waiter(waiter& w) noexcept;

    // Removes a waiter; false when it is no longer waiting (it is being completed).
    bool remove_waiter(waiter& w) noexcept;

    // The loop's debug settings when it runs in debug mode, else null.
    const debug_config* debug() const noexcept { return debug_.get(); }

  protected:
    static constexpr std::uint8_t pending_status = 0, running_status = 1, done_status = 2;

    // Under lock_: records the outcome and unlinks the waiters, returned as a chain to
    // give to complete_waiters() after unlocking. A cancellation becomes cancelled().
    waiter* settle_locked(std::exception_ptr e, bool cancelled) noexcept;

    // Completes a chain returned by settle_locked().
    static void complete_waiters(waiter* first) noexcept;

    // Whether debug mode must warn that nobody retrieved the exception.
    bool exception_unretrieved() const noexcept;

    // Sets the outcome unless one is set already: `store()` runs first, under the
    // lock (to store a value). Returns false when the future was done already.
    template <class Store>
    bool try_settle(std::exception_ptr e, Store&& store, bool cancelled = false) {
        waiter* first;
        {
            std::lock_guard lock(lock_);
            if (status_.load(std::memory_order_relaxed) == done_status)
                return false;
            store();
            first = settle_locked(std::move(e), cancelled);
        }
        complete_waiters(first);
        return true;
    }

    mutable spinlock lock_;
    std::atomic<std::uint8_t> status_{pending_status};
    bool cancelled_ = false;                     // written before status_ becomes done
    mutable std::atomic<bool> retrieved_{false}; // whether anyone looked at exception_
    std::exception_ptr exception_;               // written before status_ becomes done
    executor_type executor_;                     // guarded by lock_ (see get_executor)
    intrusive_list<waiter> waiters_;             // guarded by lock_
    boost::intrusive_ptr<const debug_config> debug_;
};

// The part of a task's state that does not depend on its result type.
//
// Life cycle: scheduled (its start is posted) -> running (its coroutine was spawned)
// -> done. Everything but the coroutine's own progress is guarded by `lock_`; the
// cancellation signal is only emitted on the task's executor, which is serialized,
// so it never races with the coroutine installing its cancellation handlers.
class task_base : public future_base, public list_hook {
  public:
    task_base(executor_type ex, loop_service& loop) noexcept
        : future_base(std::move(ex), loop.debug()), loop_(loop), id_(loop.next_task_id()) {}
    ~task_base() override;

    loop_service& loop() const noexcept { return loop_; }

    // Requests cancellation; false when the task is already done. A task that has not
    // started yet never runs its body; a running one sees the cancellation at its
    // current or next suspension point.
    bool cancel() noexcept override;

    std::string get_name() const;
    void set_name(std::string name);

    // The identity (see this_thread_identity) of the task's coroutine, once it runs.
    const void* identity() const noexcept { return identity_.load(std::memory_order_relaxed); }
    void set_identity(const void* id) noexcept { identity_.store(id, std::memory_order_relaxed); }

    // Makes the task a child of a task group, which it tells when it finishes. Called
    // before the task is in its loop's registry. The `body` of with_task_group is
    // special: ending by cancellation, it cancels the group.
    void join_group(task_group_state& group, bool body) noexcept;

    // Called once the task is in its loop's registry: cancels it if its group began to
    // abort meanwhile (the group's abort looks for its children in the registry).
    void check_group_abort() noexcept;

    // The task group the task belongs to, or null.
    const task_group_state* group() const noexcept { return group_.get(); }

    // Marks the task running; false when a cancellation arrived first (the caller then
    // finishes it as cancelled without running its body).
    bool begin() noexcept;

    // Records the outcome and completes every waiter. Called once.
    void finish(std::exception_ptr e) noexcept;

    // The task was destroyed by its loop before it finished (debug mode warns).
    void abandoned() noexcept;

    boost::asio::cancellation_slot cancellation_slot() noexcept { return signal_.slot(); }

  private:
    bool cancel_requested_ = false; // guarded by lock_
    boost::asio::cancellation_signal signal_;
    loop_service& loop_;
    const std::uint64_t id_;
    std::unique_ptr<std::string> name_; // guarded by lock_; null means "Task-<id>"
    std::atomic<const void*> identity_{nullptr};
    boost::intrusive_ptr<task_group_state> group_;
};

// The value part of a future's or a task's state.
template <class T, class Base>
class valued_state final : public Base {
  public:
    using Base::Base;

    template <class U>
    void set_value(U&& v) {
        value_.emplace(std::forward<U>(v));
    }

    // Python's set_result: false when the outcome is already set.
    template <class U>
    bool try_set_result(U&& v) {
        return this->try_settle(nullptr, [&] { value_.emplace(std::forward<U>(v)); });
    }

    bool try_set_exception(std::exception_ptr e) {
        return this->try_settle(std::move(e), [] {});
    }

    // The result of a finished future: rethrows its exception, otherwise returns a
    // copy of the value (or moves it out once, for a move-only T).
    T result() {
        this->rethrow_if_failed();
        if constexpr (std::is_copy_constructible_v<T>) {
            return *value_;
        } else {
            if (taken_.exchange(true, std::memory_order_acq_rel))
                throw_invalid_state("the move-only result was already taken");
            return std::move(*value_);
        }
    }

  private:
    std::optional<T> value_;
    std::atomic<bool> taken_{false};
};

template <class Base>
class valued_state<void, Base> final : public Base {
  public:
    using Base::Base;

    bool try_set_result() {
        return this->try_settle(nullptr, [] {});
    }

    bool try_set_exception(std::exception_ptr e) {
        return this->try_settle(std::move(e), [] {});
    }

    void result() { this->rethrow_if_failed(); }
};

// A task's state, with its result.
template <class T>
using task_state = valued_state<T, task_base>;

// A future's state, with its result.
template <class T>
using future_state = valued_state<T, future_base>;

// The coroutine a task's co_spawn runs: records the coroutine's identity, runs the
// body and stores its value (so T need not be default-constructible).
template <class T>
awaitable<void> run_task(task_state<T>* st, awaitable<T> body) {
    st->set_identity(co_await this_thread_identity());
    if constexpr (std::is_void_v<T>)
        co_await std::move(body);
    else
        st->set_value(co_await std::move(body));
}

// The completion handler of a task's co_spawn. Destroyed without being called (the
// loop was destroyed with the task suspended), it finishes the task as cancelled,
// so that nobody waits for it forever.
//
// It names its cancellation slot itself rather than through bind_cancellation_slot:
// co_spawn then sees a handler without an associated executor and installs its
// lighter cancellation handler (the task's cancel() already runs on its executor).
class task_completion {
  public:
    using cancellation_slot_type = boost::asio::cancellation_slot;

    explicit task_completion(boost::intrusive_ptr<task_base> st) noexcept : st_(std::move(st)) {}

    cancellation_slot_type get_cancellation_slot() const noexcept {
        return st_->cancellation_slot();
    }
    task_completion(task_completion&&) noexcept = default;
    task_completion& operator=(task_completion&&) = delete;
    ~task_completion() {
        if (st_)
            st_->abandoned();
    }

    void operator()(std::exception_ptr e) noexcept {
        auto st = std::move(st_);
        st->finish(std::move(e));
    }

  private:
    boost::intrusive_ptr<task_base> st_;
};

// Names a task in debug mode's slow-callback warnings.
class describe_task {
  public:
    explicit describe_task(task_base* task) noexcept : task_(task) {}
    // (intrusive_ptr's copy does not throw, but is not declared noexcept.)
    describe_task(const describe_task& other) noexcept : task_(other.task_) {}
    describe_task& operator=(const describe_task&) = default;

    std::string operator()() const { return "task '" + task_->get_name() + "'"; }

  private:
    boost::intrusive_ptr<task_base> task_;
};

// The handler posted by create_task: starts the task's coroutine, unless the task was
// cancelled before it got to run.
template <class T>
class task_starter {
  public:
    task_starter(boost::intrusive_ptr<task_state<T>> st, awaitable<T> body) noexcept
        : st_(std::move(st)), body_(std::move(body)) {}
    task_starter(task_starter&&) noexcept = default;
    task_starter& operator=(task_starter&&) = delete;
    ~task_starter() {
        if (st_)
            st_->abandoned();
    }

    void operator()() {
        auto st = std::move(st_);
        if (!st->begin()) {
            st->finish(std::make_exception_ptr(cancelled_error()));
            return;
        }
        task_state<T>* raw = st.get();
        try {
            // Named first: function arguments are evaluated in no fixed order.
            auto coroutine = run_task(raw, std::move(body_));
            task_completion completion(st);
            auto ex = raw->get_executor();
            st = nullptr;
            if (const debug_config* debug = raw->debug()) {
                // Debug mode: every step of the coroutine is timed.
                debug_executor<executor_type, describe_task> timed(std::move(ex),
                                                                   describe_task(raw), debug);
                boost::asio::co_spawn(executor_type(std::move(timed)), std::move(coroutine),
                                      std::move(completion));
            } else {
                boost::asio::co_spawn(ex, std::move(coroutine), std::move(completion));
            }
        } catch (...) {
            // co_spawn could not start (out of memory). If the completion handler was
            // already built, its destructor finishes the task.
            if (st)
                st->finish(std::current_exception());
        }
    }

  private:
    boost::intrusive_ptr<task_state<T>> st_;
    awaitable<T> body_;
};

// Creates a task running `body` where `place` says and posts its start; with a
// `group`, as a child of that task group (which counted it already).
template <class T>
boost::intrusive_ptr<task_state<T>> spawn_task(task_placement place, awaitable<T> body,
                                               std::string name, task_group_state* group = nullptr,
                                               bool group_body = false) {
    boost::intrusive_ptr<task_state<T>> st(new task_state<T>(place.executor, place.loop));
    if (!name.empty())
        st->set_name(std::move(name));
    if (group)
        st->join_group(*group, group_body);
    place.loop.add(*st);
    if (group)
        st->check_group_abort();
    boost::asio::post(place.executor, task_starter<T>(st, std::move(body)));
    return st;
}

} // namespace asyncio::detail

#endif // ASYNCIO_DETAIL_TASK_STATE_HPP
