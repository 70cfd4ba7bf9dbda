// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#include <asyncio/timeout.hpp>

namespace asyncio {

timeout_scope::timeout_scope(const executor_type& ex, time_point when) : timer_(ex), when_(when) {}

timeout_scope::~timeout_scope() = default;

void timeout_scope::reschedule(std::optional<time_point> when) {
    if (expired_)
        detail::throw_invalid_state("cannot reschedule a timeout that has expired");
    if (disarmed_)
        detail::throw_invalid_state("cannot reschedule a timeout whose body has finished");
    when_ = when;
    ++generation_; // a wait that already fired for the old deadline is ignored
    if (!timer_idle())
        timer_.cancel();
    arm();
}

void timeout_scope::arm() {
    if (!when_)
        return;
    timer_.expires_at(*when_);
    ++waits_in_flight_;
    timer_.async_wait([this, generation = generation_](const boost::system::error_code& ec) {
        on_timer(ec, generation);
    });
}

void timeout_scope::disarm() {
    disarmed_ = true;
    if (!timer_idle())
        timer_.cancel();
}

void timeout_scope::on_timer(const boost::system::error_code& ec, unsigned generation) {
    --waits_in_flight_;
    if (!ec && generation == generation_ && !expired_ && !disarmed_) {
        expired_ = true;
        deadline_reached();
    }
    timer_settled();
}

} // namespace asyncio
