// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#ifndef ASYNCIO_DETAIL_WAITER_HPP
#define ASYNCIO_DETAIL_WAITER_HPP

#include <asyncio/config.hpp>
#include <asyncio/detail/intrusive_list.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_allocator.hpp>
#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/execution/blocking.hpp>
#include <boost/asio/execution/execute.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/recycling_allocator.hpp>
#include <boost/asio/require.hpp>

#include <memory>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>

namespace asyncio::detail {

// One party waiting on a primitive: a node of the primitive's waiter list.
//
// The owner unlinks the waiter under its lock, then, after unlocking, calls
// complete(). complete() only schedules the waiting party's continuation (on the
// party's own executor); it never runs it inline.
class waiter : public list_hook {
  public:
    virtual void complete() noexcept = 0;

    // The extra arguments handler_waiter passes to its Deliver (none for a plain waiter).
    std::tuple<> take_args() noexcept { return {}; }

  protected:
    ~waiter() = default;
};

// Whether `Handler` resumes a coroutine of Asio's awaitable. Such a handler needs no
// outstanding-work tracking (co_spawn keeps its executor busy while the coroutine
// lives), and it may be called inside an initiating function (Asio's own `dispatch`
// does so).
template <class Handler, class = void>
struct resumes_coroutine : std::false_type {};

template <class Handler>
struct resumes_coroutine<Handler, std::void_t<typename Handler::executor_type>>
    : std::is_base_of<boost::asio::detail::awaitable_thread<typename Handler::executor_type>,
                      Handler> {};

// Where a waiter's completion is posted: the handler's executor, prepared once (with
// blocking.never, and outstanding work tracked when `Track`), so that posting is a
// single execute. Copying and re-preferring a type-erased executor on every post
// costs more than the rest of a wake-up.
template <class Executor, bool Track>
class prepared_executor {
  public:
    explicit prepared_executor(const Executor& ex) : ex_(prepare(ex)) {}

    template <class F>
    void post(F&& f) {
        boost::asio::execution::execute(ex_, std::forward<F>(f));
    }

  private:
    template <class E>
    static auto prepare(const E& ex) {
        auto never = boost::asio::require(ex, boost::asio::execution::blocking.never);
        if constexpr (Track)
            return boost::asio::prefer(std::move(never),
                                       boost::asio::execution::outstanding_work.tracked);
        else
            return never;
    }

    decltype(prepare(std::declval<const Executor&>())) ex_;
};

template <class Executor, bool Track>
class completion_executor : public prepared_executor<Executor, Track> {
  public:
    using prepared_executor<Executor, Track>::prepared_executor;
};

// The usual case, a type-erased executor over an io_context's: that executor is
// used directly.
template <bool Track>
class completion_executor<boost::asio::any_io_executor, Track> {
    using io_executor = boost::asio::io_context::executor_type;

  public:
    explicit completion_executor(const boost::asio::any_io_executor& ex) {
        if (const io_executor* io = ex.target<io_executor>())
            io_.emplace(*io);
        else
            any_.emplace(ex);
    }

    template <class F>
    void post(F&& f) {
        if (io_)
            io_->post(std::forward<F>(f));
        else
            any_->post(std::forward<F>(f));
    }

  private:
    std::optional<prepared_executor<io_executor, Track>> io_;
    std::optional<prepared_executor<boost::asio::any_io_executor, Track>> any_;
};

// A waiter that owns an Asio completion handler.
//
// `Base` is `waiter` or a class derived from it that holds the wait's result; its
// take_args() returns, as a tuple, what `deliver` receives after the handler.
// complete() posts to the handler's associated executor (falling back to
// `default_ex`) a call that disconnects the handler's cancellation slot, takes the
// result out, frees the waiter, and then calls
// `deliver(std::move(handler), result...)`. Clearing the slot on the
// handler's own executor, before the handler runs, means a cancellation handler
// installed by the initiating function never outlives what it refers to.
// While it waits, the waiter counts as outstanding work on that executor (unless
// the handler resumes a coroutine, whose co_spawn already does).
template <class Handler, class Deliver, class Base = waiter, class DefaultExecutor = executor_type>
class handler_waiter final : public Base {
    using handler_executor = boost::asio::associated_executor_t<Handler, DefaultExecutor>;
    using work_executor = completion_executor<handler_executor, !resumes_coroutine<Handler>::value>;
    using allocator_type = typename std::allocator_traits<boost::asio::associated_allocator_t<
        Handler, boost::asio::recycling_allocator<void>>>::template rebind_alloc<handler_waiter>;

  public:
    // Allocates the waiter with the handler's associated allocator; `base_args`
    // construct the Base.
    template <class... BaseArgs>
    static handler_waiter* create(Handler handler, Deliver deliver,
                                  const DefaultExecutor& default_ex, BaseArgs&&... base_args) {
        allocator_type alloc(boost::asio::get_associated_allocator(
            handler, boost::asio::recycling_allocator<void>()));
        handler_waiter* w = std::allocator_traits<allocator_type>::allocate(alloc, 1);
        try {
            return ::new (static_cast<void*>(w))
                handler_waiter(std::move(handler), std::move(deliver), default_ex,
                               std::forward<BaseArgs>(base_args)...);
        } catch (...) {
            std::allocator_traits<allocator_type>::deallocate(alloc, w, 1);
            throw;
        }
    }

    // The handler's cancellation slot (where the initiating function may install a handler).
    auto cancellation_slot() const noexcept {
        return boost::asio::get_associated_cancellation_slot(handler_);
    }

    void complete() noexcept override {
        // Moved out first: the posted call may run at once on another thread and free
        // the waiter. Once posted, the call itself keeps the executor busy.
        work_executor ex(std::move(work_));
        ex.post(invoker(this));
    }

    // Frees the waiter without calling its handler.
    void destroy() noexcept {
        allocator_type alloc(boost::asio::get_associated_allocator(
            handler_, boost::asio::recycling_allocator<void>()));
        this->~handler_waiter();
        std::allocator_traits<allocator_type>::deallocate(alloc, this, 1);
    }

  private:
    // The posted call. It owns the waiter: if the loop is destroyed before running
    // it, the waiter and its handler (a suspended coroutine, say) are destroyed too,
    // as Asio does with its own operations.
    class invoker {
      public:
        explicit invoker(handler_waiter* w) noexcept : waiter_(w) {}
        invoker(invoker&& other) noexcept : waiter_(std::exchange(other.waiter_, nullptr)) {}
        invoker& operator=(invoker&&) = delete;
        ~invoker() {
            if (waiter_)
                waiter_->discard();
        }

        void operator()() { std::exchange(waiter_, nullptr)->invoke(); }

      private:
        handler_waiter* waiter_;
    };

    // Frees the waiter and its handler without calling it, first disconnecting the
    // cancellation handler that refers to the waiter.
    void discard() noexcept {
        auto slot = cancellation_slot();
        if (slot.is_connected())
            slot.clear();
        destroy();
    }

    template <class... BaseArgs>
    handler_waiter(Handler&& h, Deliver&& d, const DefaultExecutor& default_ex,
                   BaseArgs&&... base_args)
        : Base(std::forward<BaseArgs>(base_args)...), handler_(std::move(h)),
          deliver_(std::move(d)),
          work_(boost::asio::get_associated_executor(handler_, default_ex)) {}

    void invoke() {
        auto slot = cancellation_slot();
        if (slot.is_connected())
            slot.clear();
        Handler handler(std::move(handler_));
        Deliver deliver(std::move(deliver_));
        auto args = this->take_args();
        destroy();
        std::apply(
            [&](auto&&... result) {
                std::move(deliver)(std::move(handler), std::forward<decltype(result)>(result)...);
            },
            std::move(args));
    }

    Handler handler_;
    Deliver deliver_;
    work_executor work_;
};

} // namespace asyncio::detail

#endif // ASYNCIO_DETAIL_WAITER_HPP
