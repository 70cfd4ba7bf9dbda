// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#ifndef ASYNCIO_DETAIL_GATHER_HPP
#define ASYNCIO_DETAIL_GATHER_HPP

#include <asyncio/config.hpp>
#include <asyncio/detail/children.hpp>
#include <asyncio/detail/parked_handler.hpp>
#include <asyncio/detail/serialized.hpp>
#include <asyncio/error.hpp>
#include <asyncio/outcome.hpp>

#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/deferred.hpp>

#include <cstddef>
#include <exception>
#include <optional>
#include <tuple>
#include <utility>
#include <vector>

namespace asyncio::detail {

// The children of a variadic gather, of possibly different kinds.
template <class... C>
class child_tuple {
  public:
    template <class... X>
    explicit child_tuple(X&&... inputs) : items_(std::forward<X>(inputs)...) {}

    static constexpr std::size_t size() noexcept { return sizeof...(C); }

    template <class F>
    void for_each(F&& f) {
        [&]<std::size_t... I>(std::index_sequence<I...>) {
            (f(I, std::get<I>(items_)), ...);
        }
        (std::index_sequence_for<C...>{});
    }

    std::tuple<stored_t<typename C::value_type>...> take_values() {
        return std::apply([](auto&... c) { return std::tuple(c.take_value()...); }, items_);
    }

    std::tuple<outcome<typename C::value_type>...> take_outcomes() {
        return std::apply([](auto&... c) { return std::tuple(c.take_outcome()...); }, items_);
    }

  private:
    std::tuple<C...> items_;
};

// The children of a ranged gather, all of one kind.
template <class C>
class child_vector {
  public:
    using value_type = typename C::value_type;

    template <class X>
    explicit child_vector(std::vector<X>&& inputs) : items_(inputs.size()) {
        for (std::size_t i = 0; i < inputs.size(); ++i)
            items_[i].emplace(std::move(inputs[i]));
    }

    std::size_t size() const noexcept { return items_.size(); }

    template <class F>
    void for_each(F&& f) {
        for (std::size_t i = 0; i < items_.size(); ++i)
            f(i, *items_[i]);
    }

    auto take_values() {
        if constexpr (std::is_void_v<value_type>) {
            return;
        } else {
            std::vector<value_type> out;
            out.reserve(items_.size());
            for (auto& c : items_)
                out.push_back(c->take_value());
            return out;
        }
    }

    std::vector<outcome<value_type>> take_outcomes() {
        std::vector<outcome<value_type>> out;
        out.reserve(items_.size());
        for (auto& c : items_)
            out.push_back(c->take_outcome());
        return out;
    }

  private:
    std::vector<std::optional<C>> items_; // optional: children cannot move
};

// The state of one gather call, living in the gathering coroutine's frame.
//
// Everything here runs on one serialized executor: the children's completions, the
// caller's cancellation, and the resumption of the caller (inline, when the last
// child reports). Rules (API.md §5): results in argument order; the first exception
// cancels (awaitables, ops) or detaches from (tasks) the other children, waits for
// them, and is rethrown; the caller's cancellation cancels every child, waits, and
// throws cancelled_error; with ReturnExceptions every child runs to its end.
template <class Children, bool ReturnExceptions>
class gather_group final : child_listener {
  public:
    template <class... X>
    explicit gather_group(X&&... inputs) : children_(std::forward<X>(inputs)...) {}

    // co_await async_run(ex) starts the children on `ex` and resumes when all are done.
    auto async_run(const executor_type& ex) {
        return boost::asio::async_initiate<const boost::asio::deferred_t&, void()>(
            initiation{this, ex}, boost::asio::deferred);
    }

    // After async_run: the results, or the exception that ended the gather.
    auto take_results() {
        if (outer_cancelled_)
            throw_cancelled();
        if constexpr (ReturnExceptions) {
            return children_.take_outcomes();
        } else {
            if (first_error_)
                std::rethrow_exception(first_error_);
            return children_.take_values();
        }
    }

  private:
    struct initiation {
        gather_group* self;
        executor_type ex;

        template <class Handler>
        void operator()(Handler&& handler) const {
            self->begin(std::forward<Handler>(handler), ex);
        }
    };

    struct outer_cancel {
        gather_group* self;
        void operator()(boost::asio::cancellation_type_t type) const { self->cancel_all(type); }
    };

    template <class Handler>
    void begin(Handler&& handler, const executor_type& ex) {
        auto slot = boost::asio::get_associated_cancellation_slot(handler);
        resume_.park(std::forward<Handler>(handler));
        if (slot.is_connected())
            slot.template emplace<outer_cancel>(this);
        pending_ = 1; // held until every child is started
        children_.for_each([&](std::size_t i, auto& child) {
            if (failing_)
                return; // a child failed to start: the rest never start
            ++pending_;
            try {
                child.start(ex, *this, i);
            } catch (...) {
                child.set_error(std::current_exception());
                child_done(i, child.error());
            }
        });
        release();
    }

    void child_done(std::size_t index, const std::exception_ptr& error) override {
        // Once the caller is cancelled every child is cancelled and awaited, tasks
        // included: a child ending with that cancellation is no failure to act on.
        if (error && !ReturnExceptions && !failing_ && !outer_cancelled_) {
            failing_ = true;
            first_error_ = error;
            children_.for_each([&](std::size_t i, auto& child) {
                if (i != index && child.abandon())
                    --pending_;
            });
        }
        release();
    }

    void cancel_all(boost::asio::cancellation_type_t type) {
        outer_cancelled_ = true;
        children_.for_each([&](std::size_t, auto& child) { child.cancel(type); });
    }

    void release() {
        if (--pending_ == 0)
            resume_.resume(); // the caller may destroy *this before this returns
    }

    Children children_;
    parked_handler resume_;
    std::size_t pending_ = 0;
    bool failing_ = false;
    bool outer_cancelled_ = false;
    std::exception_ptr first_error_;
};

template <bool ReturnExceptions, class... X>
awaitable<std::conditional_t<ReturnExceptions, std::tuple<outcome<child_value_t<X>>...>,
                             std::tuple<stored_t<child_value_t<X>>...>>>
gather_tuple(X... inputs) {
    if constexpr (sizeof...(X) == 0) {
        co_return std::tuple<>(); // nothing to wait for
    } else {
        auto ex = co_await boost::asio::this_coro::executor;
        if (!is_serialized(ex)) {
            auto inner = gather_tuple<ReturnExceptions>(std::move(inputs)...);
            co_return co_await run_serialized(ex, std::move(inner));
        }
        gather_group<child_tuple<child_t<X>...>, ReturnExceptions> group(std::move(inputs)...);
        co_await group.async_run(ex);
        co_return group.take_results();
    }
}

template <class T>
using gather_vector_t = std::conditional_t<std::is_void_v<T>, void, std::vector<T>>;

template <bool ReturnExceptions, class X>
using gather_vector_result_t =
    std::conditional_t<ReturnExceptions, std::vector<outcome<child_value_t<X>>>,
                       gather_vector_t<child_value_t<X>>>;

template <bool ReturnExceptions, class X>
awaitable<gather_vector_result_t<ReturnExceptions, X>> gather_vector(std::vector<X> inputs) {
    using result = gather_vector_result_t<ReturnExceptions, X>;
    if (inputs.empty()) {
        if constexpr (std::is_void_v<result>)
            co_return;
        else
            co_return result();
    }
    auto ex = co_await boost::asio::this_coro::executor;
    if (!is_serialized(ex)) {
        auto inner = gather_vector<ReturnExceptions>(std::move(inputs));
        co_return co_await run_serialized(ex, std::move(inner));
    }
    gather_group<child_vector<child_t<X>>, ReturnExceptions> group(std::move(inputs));
    co_await group.async_run(ex);
    co_return group.take_results();
}

} // namespace asyncio::detail

#endif // ASYNCIO_DETAIL_GATHER_HPP
