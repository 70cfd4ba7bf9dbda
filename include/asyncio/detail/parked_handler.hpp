// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#ifndef ASYNCIO_DETAIL_PARKED_HANDLER_HPP
#define ASYNCIO_DETAIL_PARKED_HANDLER_HPP

#include <cstddef>
#include <new>
#include <type_traits>
#include <utility>

namespace asyncio::detail {

// Holds the `void()` completion handler of a coroutine suspended in a facade
// (gather, timeout, ...) until the facade's children are done. The handler a
// coroutine gives an awaited operation is two pointers, so it is stored inline; a
// larger one goes to the heap.
class parked_handler {
  public:
    parked_handler() noexcept = default;
    parked_handler(const parked_handler&) = delete;
    parked_handler& operator=(const parked_handler&) = delete;
    ~parked_handler() { reset(); }

    bool parked() const noexcept { return ops_ != nullptr; }

    template <class Handler>
    void park(Handler&& handler) {
        using H = std::decay_t<Handler>;
        reset();
        if constexpr (fits_inline<H>) {
            ::new (static_cast<void*>(buffer_)) H(std::forward<Handler>(handler));
            ops_ = &inline_ops<H>;
        } else {
            *reinterpret_cast<H**>(buffer_) = new H(std::forward<Handler>(handler));
            ops_ = &heap_ops<H>;
        }
    }

    // Takes the handler out and calls it (inline, on the caller's thread).
    void resume() {
        const ops* o = std::exchange(ops_, nullptr);
        o->resume(buffer_);
    }

    void reset() noexcept {
        if (const ops* o = std::exchange(ops_, nullptr))
            o->destroy(buffer_);
    }

  private:
    struct ops {
        void (*resume)(void* buffer);
        void (*destroy)(void* buffer) noexcept;
    };

    static constexpr std::size_t buffer_size = 4 * sizeof(void*);

    template <class H>
    static constexpr bool fits_inline =
        sizeof(H) <= buffer_size &&
        alignof(H) <= alignof(std::max_align_t) && std::is_nothrow_move_constructible_v<H>;

    template <class H>
    static constexpr ops inline_ops{[](void* b) {
                                        H* p = static_cast<H*>(b);
                                        H handler(std::move(*p));
                                        p->~H();
                                        std::move(handler)();
                                    },
                                    [](void* b) noexcept { static_cast<H*>(b)->~H(); }};

    template <class H>
    static constexpr ops heap_ops{[](void* b) {
                                      H* p = *static_cast<H**>(b);
                                      H handler(std::move(*p));
                                      delete p;
                                      std::move(handler)();
                                  },
                                  [](void* b) noexcept { delete *static_cast<H**>(b); }};

    alignas(std::max_align_t) unsigned char buffer_[buffer_size];
    const ops* ops_ = nullptr;
};

} // namespace asyncio::detail

#endif // ASYNCIO_DETAIL_PARKED_HANDLER_HPP
