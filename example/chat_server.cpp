// A line-based chat server on asyncio streams (our own program, in the spirit of the
// chat servers of Python asyncio tutorials). A client's first line is its name; each
// line it sends next goes to every other client, as "name: line"; "/quit" (or closing
// the connection) leaves. Each member has an outbox that a task of its own sends from,
// so a slow connection delays no one but its own member.
//
// The server in Python:
//
//     members = {}  # name -> outbox
//
//     def broadcast(sender, line):
//         for name, outbox in members.items():
//             if name != sender:
//                 outbox.put_nowait(line)
//
//     async def send_outbox(outbox, writer):
//         try:
//             while True:
//                 writer.write((await outbox.get()).encode())
//                 await writer.drain()
//         except asyncio.QueueShutDown:
//             pass
//
//     async def handle_client(reader, writer):
//         name = (await reader.readline()).decode().strip()
//         if not name or name in members:
//             writer.write(f"Sorry, the name {name!r} is taken\n".encode())
//             writer.close()
//             await writer.wait_closed()
//             return
//         outbox = asyncio.Queue()
//         outbox.put_nowait(f"Welcome, {name}! Also here: {', '.join(members) or 'nobody'}\n")
//         broadcast(name, f"* {name} joined\n")
//         members[name] = outbox
//         print(f"[server] {name} joined ({len(members)} online)")
//         try:
//             async with asyncio.TaskGroup() as tg:
//                 tg.create_task(send_outbox(outbox, writer))
//                 while (line := (await reader.readline()).decode().strip()) != "/quit":
//                     if not line and reader.at_eof():
//                         break
//                     broadcast(name, f"{name}: {line}\n")
//                 outbox.shutdown()  # the sender sends what is queued, then ends
//             writer.close()
//             await writer.wait_closed()
//         finally:
//             del members[name]
//             broadcast(name, f"* {name} left\n")
//             print(f"[server] {name} left ({len(members)} online)")
//
// `chat_server PORT` serves on 127.0.0.1:PORT until Ctrl-C: try it with a few
// `nc 127.0.0.1 PORT`. Without arguments the program plays a scripted scene instead:
// the server on a free port, and three clients that join, talk and leave one step at a
// time (each step waits until everyone concerned has heard it, so the output is always
// the same). Two of the clients quit with "/quit", one just closes its connection, and
// a fourth client is turned away for taking a name in use.
//
// Expected output without arguments (instantly):
//     alice joins
//     [server] alice joined (1 online)
//         alice hears 'Welcome, alice! Also here: nobody'
//     bob joins
//     [server] bob joined (2 online)
//         bob hears 'Welcome, bob! Also here: alice'
//         alice hears '* bob joined'
//     carol joins
//     [server] carol joined (3 online)
//         carol hears 'Welcome, carol! Also here: alice, bob'
//         alice hears '* carol joined'
//         bob hears '* carol joined'
//     alice says 'Hi everyone!'
//         bob hears 'alice: Hi everyone!'
//         carol hears 'alice: Hi everyone!'
//     bob says 'Hello alice, hello carol.'
//         alice hears 'bob: Hello alice, hello carol.'
//         carol hears 'bob: Hello alice, hello carol.'
//     dave joins as 'alice'
//         dave hears "Sorry, the name 'alice' is taken"
//         dave is disconnected
//     carol says 'Got to go, bye!'
//         alice hears 'carol: Got to go, bye!'
//         bob hears 'carol: Got to go, bye!'
//     carol says '/quit'
//     [server] carol left (2 online)
//         alice hears '* carol left'
//         bob hears '* carol left'
//         carol is disconnected
//     bob closes his connection
//     [server] bob left (1 online)
//         alice hears '* bob left'
//     alice says '/quit'
//     [server] alice left (0 online)
//         alice is disconnected
//     server closed

#include "python_print.hpp"
#include "streams_util.hpp"

#include <asyncio.hpp>

#include <boost/asio/error.hpp>

#include <chrono>
#include <cstddef>
#include <cstdlib>
#include <iostream>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

using namespace std::chrono_literals;

// Python's str.strip().
std::string strip(std::string_view text) {
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos)
        return {};
    const auto last = text.find_last_not_of(" \t\r\n");
    return std::string(text.substr(first, last - first + 1));
}

// --- The server ---------------------------------------------------------------------

using outbox = asyncio::queue<std::string>;

// The members of the room: name -> outbox. asyncio::run drives the loop with one
// thread, so the connection handlers share this map without a lock.
std::map<std::string, outbox*> members;

void broadcast(const std::string& sender, const std::string& line) {
    for (auto& [name, box] : members)
        if (name != sender)
            box->try_put(std::string(line)); // the outboxes are unbounded: never full
}

std::string names_or_nobody() {
    std::string names;
    for (const auto& member : members)
        names += (names.empty() ? "" : ", ") + member.first;
    return names.empty() ? "nobody" : names;
}

// Membership, from construction to destruction: leaving the room is the `finally` of
// the Python program, run however the session ends.
class membership {
  public:
    membership(std::string name, outbox& box) : name_(std::move(name)) {
        box.put_nowait("Welcome, " + name_ + "! Also here: " + names_or_nobody() + "\n");
        broadcast(name_, "* " + name_ + " joined\n");
        members[name_] = &box;
        py::print("[server] " + name_ + " joined (" + std::to_string(members.size()) + " online)");
    }

    membership(const membership&) = delete;
    membership& operator=(const membership&) = delete;

    ~membership() {
        members.erase(name_);
        broadcast(name_, "* " + name_ + " left\n");
        py::print("[server] " + name_ + " left (" + std::to_string(members.size()) + " online)");
    }

  private:
    std::string name_;
};

asyncio::awaitable<void> send_outbox(outbox& box, asyncio::stream_writer writer) {
    for (;;) {
        std::string line;
        try {
            line = co_await box.get();
        } catch (const asyncio::queue_shut_down&) {
            break; // shut down, and everything queued was sent
        }
        writer.write(line);
        co_await writer.drain();
    }
}

// A client that vanishes without a word (its connection reset, e.g. closed with unread
// data) has left the room, like one that said "/quit": no error worth reporting.
bool vanished(const boost::system::system_error& e) {
    return e.code() == boost::asio::error::connection_reset;
}

// The next line a member sends; "" at the end of the stream, or when it vanished.
asyncio::awaitable<std::string> read_line(asyncio::stream_reader& reader) {
    try {
        co_return co_await reader.readline();
    } catch (const boost::system::system_error& e) {
        if (!vanished(e))
            throw;
    }
    co_return "";
}

asyncio::awaitable<void> handle_client(asyncio::stream_reader reader,
                                       asyncio::stream_writer writer) {
    const std::string name = strip(co_await reader.readline());
    if (name.empty() || members.contains(name)) {
        writer.write("Sorry, the name " + py::repr(name) + " is taken\n");
        writer.close();
        co_await writer.wait_closed();
        co_return;
    }
    outbox box;
    membership member(name, box);

    // async with asyncio.TaskGroup() as tg: the sender is a child task; the body reads
    // what the member says. Should either fail, the other is cancelled.
    auto session = [&](asyncio::task_group& tg) -> asyncio::awaitable<void> {
        (void)tg.create_task(send_outbox(box, writer));
        for (;;) {
            const std::string line = co_await read_line(reader);
            if (line.empty() || strip(line) == "/quit") // "" is the end of the stream
                break;
            broadcast(name, name + ": " + strip(line) + "\n");
        }
        box.shutdown(); // the sender sends what is queued, then ends
    };
    co_await asyncio::with_task_group(session);
    writer.close();
    try {
        co_await writer.wait_closed(); // throws what ended the connection: the reset too
    } catch (const boost::system::system_error& e) {
        if (!vanished(e))
            throw;
    }
}

// --- The scripted clients -------------------------------------------------------------

class chat_client {
  public:
    /// Connects, and asks for `nickname` (by default the client's own name).
    static asyncio::awaitable<chat_client> join(std::string name, int port,
                                                std::string nickname = {}) {
        auto [reader, writer] = co_await asyncio::open_connection("127.0.0.1", port);
        writer.write((nickname.empty() ? name : nickname) + "\n");
        co_await writer.drain();
        co_return chat_client(std::move(name), std::move(reader), std::move(writer));
    }

    const std::string& name() const { return name_; }

    asyncio::awaitable<void> say(std::string text) {
        py::print(name_, "says", py::repr(text));
        writer_.write(text + "\n");
        co_await writer_.drain();
    }

    /// The next line from the server, "" once the server has closed the connection.
    /// A second at most: a line that never comes is a bug, not a reason to hang.
    asyncio::awaitable<std::string> next_line() {
        return asyncio::wait_for(reader_.readline(), 1s);
    }

    asyncio::awaitable<void> close() {
        writer_.close();
        co_await writer_.wait_closed();
    }

  private:
    chat_client(std::string name, asyncio::stream_reader reader, asyncio::stream_writer writer)
        : name_(std::move(name)), reader_(std::move(reader)), writer_(std::move(writer)) {}

    std::string name_;
    asyncio::stream_reader reader_;
    asyncio::stream_writer writer_;
};

// Waits until each of `listeners` has heard its next line, then prints the lines in the
// order of the arguments. The reads run side by side (gather), and gather gives the
// results in the order of its inputs, whatever order they arrive in.
template <class... Clients>
asyncio::awaitable<void> hear(Clients&... listeners) {
    const std::vector<const chat_client*> who = {&listeners...};
    std::vector<asyncio::awaitable<std::string>> reads;
    (reads.push_back(listeners.next_line()), ...);
    const std::vector<std::string> lines = co_await asyncio::gather(std::move(reads));
    for (std::size_t i = 0; i < lines.size(); ++i) {
        if (lines[i].empty())
            py::print("   ", who[i]->name(), "is disconnected");
        else
            py::print("   ", who[i]->name(), "hears", py::repr(strip(lines[i])));
    }
}

asyncio::awaitable<void> scene() {
    asyncio::server server = co_await asyncio::start_server(handle_client, "127.0.0.1", 0);
    const int port = server.port(); // a free port, different on each run

    py::print("alice joins");
    chat_client alice = co_await chat_client::join("alice", port);
    co_await hear(alice);
    py::print("bob joins");
    chat_client bob = co_await chat_client::join("bob", port);
    co_await hear(bob, alice);
    py::print("carol joins");
    chat_client carol = co_await chat_client::join("carol", port);
    co_await hear(carol, alice, bob);

    co_await alice.say("Hi everyone!");
    co_await hear(bob, carol);
    co_await bob.say("Hello alice, hello carol.");
    co_await hear(alice, carol);

    py::print("dave joins as 'alice'");
    chat_client dave = co_await chat_client::join("dave", port, "alice");
    co_await hear(dave);
    co_await hear(dave);

    co_await carol.say("Got to go, bye!");
    co_await hear(alice, bob);
    co_await carol.say("/quit");
    co_await hear(alice, bob, carol);

    py::print("bob closes his connection");
    co_await bob.close();
    co_await hear(alice);

    co_await alice.say("/quit");
    co_await hear(alice);

    // Stop listening, then wait until every connection's handler has finished.
    server.close();
    co_await server.wait_closed();
    py::print("server closed");
}

// `chat_server PORT`: serve until Ctrl-C.
asyncio::awaitable<void> serve(int port) {
    asyncio::server server = co_await asyncio::start_server(handle_client, "127.0.0.1", port);
    py::print("Chat server on 127.0.0.1 port", static_cast<int>(server.port()),
              "(Ctrl-C stops it)");
    co_await example::serve_until_interrupted(server);
}

int main(int argc, char** argv) {
    if (argc == 1) {
        asyncio::run(scene());
        return 0;
    }
    const int port = std::atoi(argv[1]);
    if (argc > 2 || port <= 0 || port > 65535) {
        std::cerr << "usage: chat_server [PORT]\n";
        return 2;
    }
    asyncio::run(serve(port));
}
