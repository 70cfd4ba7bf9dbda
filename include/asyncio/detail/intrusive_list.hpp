// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#ifndef ASYNCIO_DETAIL_INTRUSIVE_LIST_HPP
#define ASYNCIO_DETAIL_INTRUSIVE_LIST_HPP

#include <cstddef>

namespace asyncio::detail {

// The links a node needs to sit in an intrusive_list. A node is in at most one list.
class list_hook {
  public:
    list_hook() = default;
    list_hook(const list_hook&) = delete;
    list_hook& operator=(const list_hook&) = delete;

    // Whether the node is in a list.
    bool linked() const noexcept { return owner_ != nullptr; }

  private:
    template <class>
    friend class intrusive_list;
    list_hook* prev_ = nullptr;
    list_hook* next_ = nullptr;
    const void* owner_ = nullptr;
};

// A FIFO doubly-linked list of nodes deriving from list_hook. It never allocates and
// never owns its nodes. Not thread-safe: the owner guards it with its lock.
template <class Node>
class intrusive_list {
  public:
    intrusive_list() = default;
    intrusive_list(const intrusive_list&) = delete;
    intrusive_list& operator=(const intrusive_list&) = delete;

    bool empty() const noexcept { return head_ == nullptr; }
    std::size_t size() const noexcept { return size_; }
    Node* front() const noexcept { return static_cast<Node*>(head_); }

    void push_back(Node& n) noexcept {
        list_hook& h = n;
        h.owner_ = this;
        h.prev_ = tail_;
        h.next_ = nullptr;
        if (tail_)
            tail_->next_ = &h;
        else
            head_ = &h;
        tail_ = &h;
        ++size_;
    }

    // Whether `n` is in this list.
    bool contains(const Node& n) const noexcept {
        return static_cast<const list_hook&>(n).owner_ == this;
    }

    // Unlinks `n`; returns false (and does nothing) when `n` is not in this list.
    bool remove(Node& n) noexcept {
        list_hook& h = n;
        if (h.owner_ != this)
            return false;
        (h.prev_ ? h.prev_->next_ : head_) = h.next_;
        (h.next_ ? h.next_->prev_ : tail_) = h.prev_;
        h.prev_ = h.next_ = nullptr;
        h.owner_ = nullptr;
        --size_;
        return true;
    }

    Node* pop_front() noexcept {
        Node* n = front();
        if (n)
            remove(*n);
        return n;
    }

    // Unlinks every node at once and returns the first; the nodes keep their order and
    // are walked with next(). Lets an owner detach its waiters under its lock and
    // complete them after unlocking, while remove() (under the lock) already sees
    // them as gone.
    Node* detach_all() noexcept { return detach_front(size_); }

    // The same for the first `n` nodes (all of them if there are fewer).
    Node* detach_front(std::size_t n) noexcept {
        list_hook* first = head_;
        list_hook* last = nullptr;
        for (list_hook* h = head_; h && n > 0; h = h->next_, --n, --size_) {
            h->owner_ = nullptr;
            last = h;
        }
        if (!last)
            return nullptr;
        head_ = last->next_;
        if (head_)
            head_->prev_ = nullptr;
        else
            tail_ = nullptr;
        last->next_ = nullptr;
        return static_cast<Node*>(first);
    }

    // The node after `n` in a chain returned by detach_all().
    static Node* next(Node& n) noexcept {
        return static_cast<Node*>(static_cast<list_hook&>(n).next_);
    }

    // Applies `f` to each node, front to back; `f` may unlink the node it is given.
    template <class F>
    void for_each(F&& f) {
        for (list_hook* h = head_; h;) {
            list_hook* next = h->next_;
            f(*static_cast<Node*>(h));
            h = next;
        }
    }

  private:
    list_hook* head_ = nullptr;
    list_hook* tail_ = nullptr;
    std::size_t size_ = 0;
};

} // namespace asyncio::detail

#endif // ASYNCIO_DETAIL_INTRUSIVE_LIST_HPP
