// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#ifndef ASYNCIO_DETAIL_WAIT_OP_HPP
#define ASYNCIO_DETAIL_WAIT_OP_HPP

#include <asyncio/config.hpp>
#include <asyncio/detail/intrusive_list.hpp>
#include <asyncio/detail/loop_service.hpp>
#include <asyncio/detail/spinlock.hpp>
#include <asyncio/detail/wait_result.hpp>
#include <asyncio/detail/waiter.hpp>
#include <asyncio/error.hpp>

#include <boost/asio/async_result.hpp>
#include <boost/asio/cancellation_type.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/system_executor.hpp>
#include <boost/system/error_code.hpp>

#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>

// The machinery every primitive (lock, event, condition, semaphore, barrier, queues)
// is built from: a primitive is a spinlock, some state, and FIFO lists of wait_ops.
//
// A wait is started by start_wait(): it allocates the waiter with the handler's
// allocator, installs a cancellation handler, then, under the primitive's lock, lets
// the primitive either finish the wait at once or link it into a list. Whoever
// unlinks a waiter (a hand-over, a cancellation, a shutdown) records its result under
// that same lock, so a cancelled waiter can never swallow a hand-over; the waiter is
// completed after unlocking, by posting to the waiter's own executor.

namespace asyncio::detail {

// Where a primitive records the result of a wait, under its lock: a waiter, or a
// result_sink on the stack when a coroutine's wait finishes at once.
template <class Value>
class result_sink {
  public:
    using value_type = Value;

    template <class... Args>
    void succeed(Args&&... args) {
        if constexpr (!std::is_void_v<Value>)
            result_.value.emplace(std::forward<Args>(args)...);
    }

    void fail(boost::system::error_code ec) noexcept { result_.ec = ec; }

    wait_result<Value>&& take() noexcept { return std::move(result_); }

  private:
    wait_result<Value> result_;
};

// A waiter whose wait ends with a wait_result<Value>. The primitive records the
// result (succeed or fail) under its lock when it unlinks the waiter.
template <class Value = void>
class wait_op : public waiter {
  public:
    using value_type = Value;

    template <class... Args>
    void succeed(Args&&... args) {
        result_.succeed(std::forward<Args>(args)...);
        served_.store(true, std::memory_order_release);
    }

    void fail(boost::system::error_code ec) noexcept {
        result_.fail(ec);
        served_.store(true, std::memory_order_release);
    }

    // Whether a result was recorded: the waiter is out of every list for good.
    bool served() const noexcept { return served_.load(std::memory_order_acquire); }

    std::tuple<wait_result<Value>> take_args() noexcept { return {result_.take()}; }

  protected:
    ~wait_op() = default;

  private:
    result_sink<Value> result_;
    std::atomic<bool> served_{false};
};

// Deliver policies for handler_waiter: how a wait_result reaches the handler.

// For the coroutine-facing wrappers: the handler's signature is `void(wait_result<V>)`.
struct deliver_result {
    template <class Handler, class Result>
    void operator()(Handler&& handler, Result&& result) const {
        std::forward<Handler>(handler)(std::forward<Result>(result));
    }
};

// For the Asio initiating functions: `void(error_code)` or `void(error_code, V)`
// (`V` is default-constructed when the wait failed).
struct deliver_code {
    template <class Handler>
    void operator()(Handler&& handler, wait_result<void>&& result) const {
        std::forward<Handler>(handler)(result.ec);
    }

    template <class Handler, class Value>
    void operator()(Handler&& handler, wait_result<Value>&& result) const {
        static_assert(std::is_default_constructible_v<Value>,
                      "this initiating function passes a default-constructed value when "
                      "the wait fails: the value type needs a default constructor (the "
                      "coroutine form does not)");
        if (result.value)
            std::forward<Handler>(handler)(result.ec, std::move(*result.value));
        else
            std::forward<Handler>(handler)(result.ec, Value());
    }
};

// The completion signature each Deliver policy gives a wait with result `Value`.
template <class Deliver, class Value>
struct wait_signature;

template <class Value>
struct wait_signature<deliver_result, Value> {
    using type = void(wait_result<Value>);
};

template <>
struct wait_signature<deliver_code, void> {
    using type = void(boost::system::error_code);
};

template <class Value>
struct wait_signature<deliver_code, Value> {
    using type = void(boost::system::error_code, Value);
};

template <class Deliver, class Value>
using wait_signature_t = typename wait_signature<Deliver, Value>::type;

// The initiating function behind a primitive's public `async_*` member: `initiation`
// is called as `initiation(handler, deliver_code{}, args...)`.
template <class Value, class Token, class Initiation, class... Args>
auto async_wait(Initiation initiation, Token&& token, Args&&... args) {
    return boost::asio::async_initiate<Token, wait_signature_t<deliver_code, Value>>(
        std::move(initiation), token, deliver_code(), std::forward<Args>(args)...);
}

// What a Python-named member (`acquire()`, `get()`, ...) returns: `co_await` on it
// yields the Value or throws the library's exception class (queue_shut_down,
// cancelled_error, ...). With ASYNCIO_AWAITABLE_WAIT_RESULT it is the deferred
// operation itself; otherwise a coroutine that awaits it.
template <class Value, class Initiation, class... Args>
auto awaitable_wait(Initiation initiation, Args&&... args) {
    auto op = boost::asio::async_initiate<const boost::asio::deferred_t&,
                                          wait_signature_t<deliver_result, Value>>(
        std::move(initiation), boost::asio::deferred, deliver_result(),
        std::forward<Args>(args)...);
#if ASYNCIO_AWAITABLE_WAIT_RESULT
    return op;
#else
    return [](decltype(op) op) -> awaitable<Value> {
        auto result = co_await std::move(op);
        co_return std::move(result).get();
    }(std::move(op));
#endif
}

// Completes a chain of waiters unlinked with intrusive_list::detach_all(), each of
// which already holds its result. Call it after unlocking.
template <class Op = waiter>
void complete_chain(Op* first) noexcept {
    while (first) {
        Op* next = intrusive_list<Op>::next(*first);
        first->complete(); // may free `first` at once, on another thread
        first = next;
    }
}

// Under the owner's lock: unlinks the first `n` waiters of `list` with a successful
// result and returns their chain, to be given to complete_chain() after unlocking.
template <class Op>
Op* succeed_front(intrusive_list<Op>& list, std::size_t n) noexcept {
    Op* first = list.detach_front(n);
    for (Op* op = first; op; op = intrusive_list<Op>::next(*op))
        op->succeed();
    return first;
}

// Under the owner's lock: the same for every waiter.
template <class Op>
Op* succeed_all(intrusive_list<Op>& list) noexcept {
    return succeed_front(list, list.size());
}

// Under the owner's lock: the same, failing each waiter with `ec`.
template <class Op>
Op* fail_all(intrusive_list<Op>& list, boost::system::error_code ec) noexcept {
    Op* first = list.detach_all();
    for (Op* op = first; op; op = intrusive_list<Op>::next(*op))
        op->fail(ec);
    return first;
}

// Fails every waiter of `list` with operation_aborted: what a primitive's destructor does.
template <class Op>
void abort_all(spinlock& mutex, intrusive_list<Op>& list) noexcept {
    Op* first;
    {
        std::lock_guard<spinlock> guard(mutex);
        first = fail_all(list, boost::asio::error::operation_aborted);
    }
    complete_chain(first);
}

// The cancellation handler of a wait that can simply leave its list: if the waiter is
// still waiting, it is unlinked and fails with operation_aborted. A waiter that was
// already served keeps its result. Every cancellation type is honoured (leaving the
// list has no other effect).
template <class Op>
class withdraw_on_cancel {
  public:
    withdraw_on_cancel(spinlock& mutex, intrusive_list<Op>& list, Op& op) noexcept
        : mutex_(&mutex), list_(&list), op_(&op) {}

    void operator()(boost::asio::cancellation_type_t) const noexcept {
        if (op_->served()) // the primitive may be gone already
            return;
        {
            std::lock_guard<spinlock> guard(*mutex_);
            if (!list_->remove(*op_))
                return;
            op_->fail(boost::asio::error::operation_aborted);
        }
        op_->complete();
    }

  private:
    spinlock* mutex_;
    intrusive_list<Op>* list_;
    Op* op_;
};

// The on_cancel argument of start_wait for a wait that ignores cancellation.
struct ignore_cancellation {};

// Whether `Handler` has an associated executor of its own.
template <class Handler>
inline constexpr bool has_own_executor = !requires {
    typename boost::asio::associated_executor<Handler>::asio_associated_executor_is_unspecialised;
};

// Each inline resumption nests on the stack (Asio's awaitable pumps the resumed
// coroutine from inside the handler); past this depth the handler is posted instead.
inline constexpr unsigned max_inline_resumptions = 32;

inline unsigned& inline_resumptions() noexcept {
    static thread_local unsigned depth = 0;
    return depth;
}

// Starts a wait for `handler` on a primitive guarded by `mutex`.
//
// Under `mutex`, `try_now(sink, woken)` either records a result in `sink` and returns
// true (the wait is over), or returns false; it may unlink other waiters it served
// into the chain `woken`, which is completed after unlocking. When the wait must go
// on, a waiter of type handler_waiter<Handler, Deliver, Op> is created,
// `on_cancel(op)` is emplaced in the handler's cancellation slot (unless `on_cancel`
// is ignore_cancellation), and, under `mutex` again, `try_now(op, woken)` is retried
// and `link(op)` links the waiter into a list if it still must wait.
//
// A result known at once resumes a coroutine inline (up to max_inline_resumptions
// deep); any other handler is posted to its executor, never called from here.
template <class Op, class Handler, class Deliver, class TryNow, class Link, class OnCancel>
void start_wait(spinlock& mutex, Handler&& handler, Deliver deliver, TryNow&& try_now, Link&& link,
                OnCancel&& on_cancel) {
    using handler_type = std::decay_t<Handler>;
    waiter* woken = nullptr;
    // (The Python-named wrappers, which deliver a wait_result, have tried already.)
    if constexpr (resumes_coroutine<handler_type>::value &&
                  !std::is_same_v<Deliver, deliver_result>) {
        unsigned& depth = inline_resumptions();
        if (depth < max_inline_resumptions) {
            result_sink<typename Op::value_type> sink;
            bool finished;
            {
                std::lock_guard<spinlock> guard(mutex);
                finished = try_now(sink, woken);
            }
            complete_chain(woken);
            if (finished) {
                ++depth;
                struct leave {
                    unsigned& depth;
                    ~leave() { --depth; }
                } nested{depth};
                deliver(std::move(handler), sink.take());
                return;
            }
            woken = nullptr;
        }
    }

    // A handler with no executor of its own completes on the loop this thread runs
    // (as an I/O object's operation completes on the object's executor); only off
    // any loop does it fall back to the system_executor.
    using default_executor = std::conditional_t<has_own_executor<handler_type>,
                                                boost::asio::system_executor, executor_type>;
    default_executor default_ex;
    if constexpr (!has_own_executor<handler_type>)
        default_ex = loop_service::running_loop_executor();
    using node_type = handler_waiter<handler_type, Deliver, Op, default_executor>;
    node_type* node =
        node_type::create(std::forward<Handler>(handler), std::move(deliver), default_ex);
    Op& op = *node;
    auto slot = node->cancellation_slot();
    bool finished = false;
    try {
        // Installed before the waiter is visible: Asio delivers cancellation on the
        // handler's own executor, which is running this initiation, so it cannot fire
        // before the waiter is linked.
        if constexpr (!std::is_same_v<std::decay_t<OnCancel>, ignore_cancellation>) {
            if (slot.is_connected())
                slot.template emplace<std::decay_t<decltype(on_cancel(op))>>(on_cancel(op));
        }
        std::lock_guard<spinlock> guard(mutex);
        finished = try_now(op, woken);
        if (!finished)
            link(op);
    } catch (...) {
        if (slot.is_connected())
            slot.clear();
        node->destroy();
        throw;
    }
    complete_chain(woken);
    if (finished)
        node->complete();
}

// start_wait for the common case: the waiter joins `list`, and a cancellation
// withdraws it from `list`.
template <class Op, class Handler, class Deliver, class TryNow>
void start_list_wait(spinlock& mutex, intrusive_list<Op>& list, Handler&& handler, Deliver deliver,
                     TryNow&& try_now) {
    start_wait<Op>(
        mutex, std::forward<Handler>(handler), std::move(deliver), std::forward<TryNow>(try_now),
        [&](Op& op) { list.push_back(op); },
        [&](Op& op) { return withdraw_on_cancel<Op>(mutex, list, op); });
}

// The wait of a shared object with one condition to wait for (a stream's drain, a
// server's close). Under the object's `mutex`, `outcome(object)` says whether the wait
// is over (an empty error_code for success, or the error to fail with) or must go on
// (nullopt): then it joins the object's `list`, which the object completes when the
// condition changes.
//
// The wait holds the object weakly: a coroutine parked in it must not keep the object
// alive, or nothing would free either once the loop is destroyed with the coroutine
// parked. So the object's destructor completes its lists, and an object gone before
// the wait starts ends it with `gone`.
template <class Owner, class Outcome>
struct shared_list_wait {
    std::weak_ptr<Owner> owner;
    spinlock Owner::*mutex;
    intrusive_list<wait_op<>> Owner::*list;
    Outcome outcome;
    boost::system::error_code gone;

    template <class Handler, class Deliver>
    void operator()(Handler&& handler, Deliver deliver) const {
        const std::shared_ptr<Owner> object = owner.lock();
        auto try_now = [&](auto& sink, waiter*&) {
            std::optional<boost::system::error_code> over = gone;
            if (object)
                over = outcome(*object);
            if (!over)
                return false;
            if (*over)
                sink.fail(*over);
            else
                sink.succeed();
            return true;
        };
        if (!object) {
            spinlock unused;
            start_wait<wait_op<>>(
                unused, std::forward<Handler>(handler), deliver, try_now, [](wait_op<>&) {},
                ignore_cancellation());
            return;
        }
        start_list_wait<wait_op<>>((*object).*mutex, (*object).*list,
                                   std::forward<Handler>(handler), deliver, try_now);
    }
};

// The coroutine form, like awaitable_wait().
template <class Owner, class Outcome>
auto awaitable_shared_list_wait(const std::shared_ptr<Owner>& owner, spinlock Owner::*mutex,
                                intrusive_list<wait_op<>> Owner::*list, Outcome outcome,
                                boost::system::error_code gone = {}) {
    return awaitable_wait<void>(
        shared_list_wait<Owner, Outcome>{owner, mutex, list, std::move(outcome), gone});
}

} // namespace asyncio::detail

#endif // ASYNCIO_DETAIL_WAIT_OP_HPP
