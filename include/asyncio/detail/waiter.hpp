// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#ifndef ASYNCIO_DETAIL_WAITER_HPP
#define ASYNCIO_DETAIL_WAITER_HPP

#include <asyncio/config.hpp>
#include <asyncio/detail/intrusive_list.hpp>

#include <boost/asio/associated_allocator.hpp>
#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/recycling_allocator.hpp>

#include <memory>
#include <tuple>
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
// While it waits, the waiter counts as outstanding work on that executor.
template <class Handler, class Deliver, class Base = waiter, class DefaultExecutor = executor_type>
class handler_waiter final : public Base {
    using handler_executor = boost::asio::associated_executor_t<Handler, DefaultExecutor>;
    using work_executor = std::decay_t<decltype(boost::asio::prefer(
        std::declval<handler_executor>(), boost::asio::execution::outstanding_work.tracked))>;
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
        work_executor ex = work_; // the post below may run at once on another thread
        boost::asio::post(ex, [this] { invoke(); });
    }

    // Frees the waiter without calling its handler.
    void destroy() noexcept {
        allocator_type alloc(boost::asio::get_associated_allocator(
            handler_, boost::asio::recycling_allocator<void>()));
        this->~handler_waiter();
        std::allocator_traits<allocator_type>::deallocate(alloc, this, 1);
    }

  private:
    template <class... BaseArgs>
    handler_waiter(Handler&& h, Deliver&& d, const DefaultExecutor& default_ex,
                   BaseArgs&&... base_args)
        : Base(std::forward<BaseArgs>(base_args)...), handler_(std::move(h)),
          deliver_(std::move(d)),
          work_(boost::asio::prefer(boost::asio::get_associated_executor(handler_, default_ex),
                                    boost::asio::execution::outstanding_work.tracked)) {}

    void invoke() {
        auto slot = cancellation_slot();
        if (slot.is_connected())
            slot.clear();
        Handler handler(std::move(handler_));
        Deliver deliver(std::move(deliver_));
        auto args = this->take_args();
        work_executor work(std::move(work_)); // keeps the executor busy until the call returns
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
