"""The workloads of bench/streams.cpp in Python asyncio (the reference we port from).

Prints "<workload> python <seconds>" (or "uvloop") per repetition, like bench_streams.
Usage: python3 streams.py [workload] [repetitions] [--uvloop]
"""
import asyncio

import harness

CONNECTIONS = 50
ROUND_TRIPS = 1500  # per connection
MESSAGE_SIZE = 64


async def echo_handler(reader, writer):
    while True:
        try:
            data = await reader.readexactly(MESSAGE_SIZE)
        except asyncio.IncompleteReadError:
            break  # the client closed the connection
        writer.write(data)
        await writer.drain()
    writer.close()


async def client(port):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    message = b"x" * MESSAGE_SIZE
    echoed = 0
    for _ in range(ROUND_TRIPS):
        writer.write(message)
        await writer.drain()
        reply = await reader.readexactly(MESSAGE_SIZE)
        echoed += reply == message
    writer.close()
    await writer.wait_closed()
    return echoed


async def tcp_echo():
    # start_server and open_connection set TCP_NODELAY on their sockets.
    server = await asyncio.start_server(echo_handler, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    echoed = await asyncio.gather(*(client(port) for _ in range(CONNECTIONS)))
    server.close()
    await server.wait_closed()  # Python 3.12+: also waits for the handlers
    assert sum(echoed) == CONNECTIONS * ROUND_TRIPS


WORKLOADS = {"tcp_echo": tcp_echo}


if __name__ == "__main__":
    harness.main(WORKLOADS)
