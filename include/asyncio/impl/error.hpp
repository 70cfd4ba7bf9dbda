// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#ifndef ASYNCIO_IMPL_ERROR_HPP
#define ASYNCIO_IMPL_ERROR_HPP

namespace asyncio {
namespace detail {

// Whether the exception held by `e` is an `E` (nested groups are not looked into).
template <class E>
bool holds(const std::exception_ptr& e) noexcept {
    try {
        std::rethrow_exception(e);
    } catch (const E&) {
        return true;
    } catch (...) {
        return false;
    }
}

inline const exception_group* as_group(const std::exception_ptr& e) noexcept {
    try {
        std::rethrow_exception(e);
    } catch (const exception_group& g) {
        return &g; // the exception object lives as long as `e` does
    } catch (...) {
        return nullptr;
    }
}

} // namespace detail

template <class E>
bool exception_group::contains() const {
    for (const auto& e : exceptions_) {
        if (detail::holds<E>(e))
            return true;
        if (const auto* nested = detail::as_group(e); nested && nested->contains<E>())
            return true;
    }
    return false;
}

template <class E>
std::pair<std::shared_ptr<exception_group>, std::shared_ptr<exception_group>>
exception_group::split() const {
    auto is_e = [](const std::exception_ptr& e) { return detail::holds<E>(e); };
    return split_if(is_e);
}

template <class Pred>
std::pair<std::shared_ptr<exception_group>, std::shared_ptr<exception_group>>
exception_group::split_if(Pred& pred) const {
    std::vector<std::exception_ptr> match, rest;
    for (const auto& e : exceptions_) {
        if (pred(e)) {
            match.push_back(e);
        } else if (const auto* nested = detail::as_group(e)) {
            auto [m, r] = nested->split_if(pred);
            if (m)
                match.push_back(std::make_exception_ptr(*m));
            if (r)
                rest.push_back(std::make_exception_ptr(*r));
        } else {
            rest.push_back(e);
        }
    }
    auto make = [this](std::vector<std::exception_ptr>& v) {
        return v.empty() ? nullptr : std::make_shared<exception_group>(message_, std::move(v));
    };
    return {make(match), make(rest)};
}

} // namespace asyncio

#endif // ASYNCIO_IMPL_ERROR_HPP
