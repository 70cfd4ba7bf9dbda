// The "TCP echo client using streams" and "TCP echo server using streams" programs
// of Python's asyncio documentation (Streams, "Examples"), as one program.
//
//     async def tcp_echo_client(message):
//         reader, writer = await asyncio.open_connection(
//             '127.0.0.1', 8888)
//
//         print(f'Send: {message!r}')
//         writer.write(message.encode())
//         await writer.drain()
//
//         data = await reader.read(100)
//         print(f'Received: {data.decode()!r}')
//
//         print('Close the connection')
//         writer.close()
//         await writer.wait_closed()
//
//     asyncio.run(tcp_echo_client('Hello World!'))
//
//     async def handle_echo(reader, writer):
//         data = await reader.read(100)
//         message = data.decode()
//         addr = writer.get_extra_info('peername')
//
//         print(f"Received {message!r} from {addr!r}")
//
//         print(f"Send: {message!r}")
//         writer.write(data)
//         await writer.drain()
//
//         print("Close the connection")
//         writer.close()
//         await writer.wait_closed()
//
//     async def main():
//         server = await asyncio.start_server(
//             handle_echo, '127.0.0.1', 8888)
//
//         addrs = ', '.join(str(sock.getsockname()) for sock in server.sockets)
//         print(f'Serving on {addrs}')
//
//         async with server:
//             await server.serve_forever()
//
//     asyncio.run(main())
//
// Python runs the two scripts in two terminals. So does this program, given
// `server [PORT]` or `client [PORT]` (the port defaults to 8888, as in Python; stop the
// server with Ctrl-C). Without arguments it runs both in one process: the server on a
// free port (port 0), then the client against it, then it closes the server. Each line
// is then tagged with the side that prints it. The ports differ from run to run; the
// rest of the output does not.
//
// Expected output without arguments (instantly):
//     [server] Serving on ('127.0.0.1', 40467)
//     [client] Send: 'Hello World!'
//     [server] Received 'Hello World!' from ('127.0.0.1', 52314)
//     [server] Send: 'Hello World!'
//     [server] Close the connection
//     [client] Received: 'Hello World!'
//     [client] Close the connection
//     [server] Closed

#include "python_print.hpp"
#include "streams_util.hpp"

#include <asyncio.hpp>

#include <boost/asio/ip/tcp.hpp>

#include <cstdlib>
#include <iostream>
#include <string>
#include <string_view>

using tcp = boost::asio::ip::tcp;

// Whether both sides print to this terminal (the default run): then each line says
// whose it is.
bool tag_lines = false;

void print_as(std::string_view side, const std::string& line) {
    if (tag_lines)
        py::print("[" + std::string(side) + "]", line);
    else
        py::print(line);
}

// What Python prints for a socket address: ('127.0.0.1', 8888), or
// ('::1', 8888, 0, 0) for IPv6.
std::string python_address(const tcp::endpoint& endpoint) {
    std::string text =
        "(" + py::repr(endpoint.address().to_string()) + ", " + std::to_string(endpoint.port());
    if (endpoint.address().is_v6())
        text += ", 0, " + std::to_string(endpoint.address().to_v6().scope_id());
    return text + ")";
}

asyncio::awaitable<void> tcp_echo_client(std::string message, int port) {
    auto [reader, writer] = co_await asyncio::open_connection("127.0.0.1", port);

    print_as("client", "Send: " + py::repr(message));
    writer.write(message);
    co_await writer.drain();

    std::string data = co_await reader.read(100);
    print_as("client", "Received: " + py::repr(data));

    print_as("client", "Close the connection");
    writer.close();
    co_await writer.wait_closed();
}

asyncio::awaitable<void> handle_echo(asyncio::stream_reader reader, asyncio::stream_writer writer) {
    std::string data = co_await reader.read(100);
    const std::string& message = data;
    const tcp::endpoint addr = writer.peer_endpoint();

    print_as("server", "Received " + py::repr(message) + " from " + python_address(addr));

    print_as("server", "Send: " + py::repr(message));
    writer.write(data);
    co_await writer.drain();

    print_as("server", "Close the connection");
    writer.close();
    co_await writer.wait_closed();
}

void print_serving_on(const asyncio::server& server) {
    std::string addrs;
    for (const tcp::endpoint& endpoint : server.endpoints())
        addrs += (addrs.empty() ? "" : ", ") + python_address(endpoint);
    print_as("server", "Serving on " + addrs);
}

// `async with server: await server.serve_forever()`: serve_forever() returns once the
// server is closed; leaving the block waits for the connections being handled.
asyncio::awaitable<void> serve(asyncio::server& server) {
    co_await server.serve_forever();
    co_await server.wait_closed();
}

// `tcp_echo server [PORT]`: the server script, until Ctrl-C (or SIGTERM) closes it.
asyncio::awaitable<void> server_main(int port) {
    asyncio::server server = co_await asyncio::start_server(handle_echo, "127.0.0.1", port);
    print_serving_on(server);
    co_await example::serve_until_interrupted(server);
}

// No arguments: the server on a free port and the client against it, in one process.
asyncio::awaitable<void> both_main() {
    tag_lines = true;
    asyncio::server server = co_await asyncio::start_server(handle_echo, "127.0.0.1", 0);
    print_serving_on(server);
    auto serving = co_await asyncio::create_task(serve(server));

    co_await tcp_echo_client("Hello World!", server.port());

    server.close();
    co_await serving.wait();
    print_as("server", "Closed");
}

int main(int argc, char** argv) {
    const std::string side = argc > 1 ? argv[1] : "";
    const int port = argc > 2 ? std::atoi(argv[2]) : 8888;
    if (argc > 3 || (argc > 1 && side != "server" && side != "client") || port <= 0 ||
        port > 65535) {
        std::cerr << "usage: tcp_echo [server [PORT] | client [PORT]]\n";
        return 2;
    }
    try {
        if (side == "server")
            asyncio::run(server_main(port));
        else if (side == "client")
            asyncio::run(tcp_echo_client("Hello World!", port));
        else
            asyncio::run(both_main());
    } catch (const boost::system::system_error& e) {
        // E.g. "Connection refused" when no server listens on that port.
        std::cerr << "tcp_echo: " << e.code().message() << '\n';
        return 1;
    }
}
