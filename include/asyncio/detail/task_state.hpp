// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#ifndef ASYNCIO_DETAIL_TASK_STATE_HPP
#define ASYNCIO_DETAIL_TASK_STATE_HPP

#include <asyncio/config.hpp>
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

// The part of a task's state that does not depend on its result type.
//
// Life cycle: scheduled (its start is posted) -> running (its coroutine was spawned)
// -> done. Everything but the coroutine's own progress is guarded by `lock_`; the
// cancellation signal is only emitted on the task's executor, which is serialized,
// so it never races with the coroutine installing its cancellation handlers.
class task_base : public list_hook,
                  public boost::intrusive_ref_counter<task_base, boost::thread_safe_counter> {
  public:
    task_base(executor_type ex, loop_service& loop) noexcept
        : executor_(std::move(ex)), loop_(loop), id_(loop.next_task_id()) {}
    task_base(const task_base&) = delete;
    task_base& operator=(const task_base&) = delete;
    virtual ~task_base() = default;

    // The executor the coroutine runs on. Once the task is done, the loop's own
    // executor instead: a finished task drops its strand, which must not outlive the
    // loop (Asio's rule), while handles to a task may.
    executor_type get_executor() const {
        std::lock_guard lock(lock_);
        return executor_;
    }
    loop_service& loop() const noexcept { return loop_; }

    bool done() const noexcept { return status_.load(std::memory_order_acquire) == done_status; }

    bool cancelled() const noexcept { return done() && cancelled_; }

    // Requests cancellation; false when the task is already done. A task that has not
    // started yet never runs its body; a running one sees the cancellation at its
    // current or next suspension point.
    bool cancel() noexcept;

    // For a finished task: its exception (null on success). Throws invalid_state_error
    // when not done, cancelled_error when cancelled.
    std::exception_ptr exception() const;

    // For a finished task: throws what exception() describes (or the exception itself).
    void rethrow_if_failed() const;

    // The raw outcome of a finished task: null on success, else the exception
    // (a cancelled_error for a cancelled task).
    const std::exception_ptr& raw_exception() const noexcept { return exception_; }

    std::string get_name() const;
    void set_name(std::string name);

    // The identity (see this_thread_identity) of the task's coroutine, once it runs.
    const void* identity() const noexcept { return identity_.load(std::memory_order_relaxed); }
    void set_identity(const void* id) noexcept { identity_.store(id, std::memory_order_relaxed); }

    // Adds a waiter to be completed when the task finishes; false (not added) when the
    // task has already finished.
    bool add_waiter(waiter& w) noexcept;

    // Removes a waiter; false when it is no longer waiting (it is being completed).
    bool remove_waiter(waiter& w) noexcept;

    // Marks the task running; false when a cancellation arrived first (the caller then
    // finishes it as cancelled without running its body).
    bool begin() noexcept;

    // Records the outcome and completes every waiter. Called once.
    void finish(std::exception_ptr e) noexcept;

    boost::asio::cancellation_slot cancellation_slot() noexcept { return signal_.slot(); }

  private:
    static constexpr std::uint8_t scheduled_status = 0, running_status = 1, done_status = 2;

    mutable spinlock lock_;
    std::atomic<std::uint8_t> status_{scheduled_status};
    bool cancelled_ = false;        // written before status_ becomes done
    bool cancel_requested_ = false; // guarded by lock_
    std::exception_ptr exception_;  // written before status_ becomes done
    boost::asio::cancellation_signal signal_;
    executor_type executor_;         // guarded by lock_ (see get_executor)
    intrusive_list<waiter> waiters_; // guarded by lock_
    loop_service& loop_;
    const std::uint64_t id_;
    std::unique_ptr<std::string> name_; // guarded by lock_; null means "Task-<id>"
    std::atomic<const void*> identity_{nullptr};
};

// A task's state, with its result.
template <class T>
class task_state final : public task_base {
  public:
    using task_base::task_base;

    template <class U>
    void set_value(U&& v) {
        value_.emplace(std::forward<U>(v));
    }

    // The result of a finished task: rethrows its exception, otherwise returns a copy
    // of the value (or moves it out once, for a move-only T).
    T result() {
        rethrow_if_failed();
        if constexpr (std::is_copy_constructible_v<T>) {
            return *value_;
        } else {
            if (taken_.exchange(true, std::memory_order_acq_rel))
                throw_invalid_state("the move-only result of this task was already taken");
            return std::move(*value_);
        }
    }

  private:
    std::optional<T> value_;
    std::atomic<bool> taken_{false};
};

template <>
class task_state<void> final : public task_base {
  public:
    using task_base::task_base;
    void result() { rethrow_if_failed(); }
};

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
            st_->finish(std::make_exception_ptr(cancelled_error("the event loop was destroyed")));
    }

    void operator()(std::exception_ptr e) noexcept {
        auto st = std::move(st_);
        st->finish(std::move(e));
    }

  private:
    boost::intrusive_ptr<task_base> st_;
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
            st_->finish(std::make_exception_ptr(cancelled_error("the event loop was destroyed")));
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
            boost::asio::co_spawn(ex, std::move(coroutine), std::move(completion));
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

// Creates a task running `body` where `place` says and posts its start.
template <class T>
boost::intrusive_ptr<task_state<T>> spawn_task(task_placement place, awaitable<T> body,
                                               std::string name) {
    boost::intrusive_ptr<task_state<T>> st(new task_state<T>(place.executor, place.loop));
    if (!name.empty())
        st->set_name(std::move(name));
    place.loop.add(*st);
    boost::asio::post(place.executor, task_starter<T>(st, std::move(body)));
    return st;
}

} // namespace asyncio::detail

#endif // ASYNCIO_DETAIL_TASK_STATE_HPP
