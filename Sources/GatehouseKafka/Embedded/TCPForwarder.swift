import Foundation
import Logging
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Forwards TCP connections from a fixed loopback port to another loopback port.
///
/// librdkafka 2.0.2's embedded brokers bind ephemeral ports only; this gives them a fixed bootstrap
/// address. Each connection gets two threads that copy bytes until either side closes. It carries only
/// bootstrap traffic (clients move to the brokers' advertised ports after the first metadata answer),
/// so a thread per direction is plenty.
final class TCPForwarder: Sendable {
    /// The port listened on.
    let port: Int
    private let listener: Int32
    private let targetPort: Int
    private let stopped = Atomic<Bool>(false)
    private let logger: Logger

    init(listenPort: Int, targetPort: Int, logger: Logger) throws(KafkaError) {
        self.targetPort = targetPort
        self.logger = logger
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw .configuration("cannot open a socket: \(String(cString: strerror(errno)))") }
        var reuse: Int32 = 1
        setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        var address = Self.loopback(port: listenPort)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(socket, 64) == 0 else {
            let reason = String(cString: strerror(errno))
            close(socket)
            throw .configuration("cannot listen on 127.0.0.1:\(listenPort): \(reason)")
        }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) }
        }
        self.port = Int(UInt16(bigEndian: actual.sin_port))
        self.listener = socket
        _ = DedicatedThread.start(name: "gh-bootstrap") { [self] in acceptLoop() }
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        return address
    }

    private func acceptLoop() {
        while !stopped.load(ordering: .acquiring) {
            let client = accept(listener, nil, nil)
            guard client >= 0 else {
                if stopped.load(ordering: .acquiring) { break }
                continue
            }
            let upstream = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = Self.loopback(port: targetPort)
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(upstream, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard connected == 0 else {
                logger.warning("Bootstrap forwarder cannot reach broker 1", metadata: ["errno": "\(errno)"])
                close(upstream)
                close(client)
                continue
            }
            let connection = Connection(client: client, upstream: upstream)
            _ = DedicatedThread.start(name: "gh-forward-up") {
                Self.copy(from: client, to: upstream)
                connection.directionFinished()
            }
            _ = DedicatedThread.start(name: "gh-forward-down") {
                Self.copy(from: upstream, to: client)
                connection.directionFinished()
            }
        }
    }

    /// Copies bytes until `source` closes, then closes both directions.
    private static func copy(from source: Int32, to destination: Int32) {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        copying: while true {
            let count = buffer.withUnsafeMutableBytes { read(source, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            var written = 0
            while written < count {
                // MSG_NOSIGNAL: a peer that has gone must not kill the process with SIGPIPE.
                let result = buffer.withUnsafeBytes { send(destination, $0.baseAddress! + written, count - written, Int32(MSG_NOSIGNAL)) }
                if result <= 0 { break copying }
                written += result
            }
        }
        shutdown(destination, Int32(SHUT_RDWR))
        shutdown(source, Int32(SHUT_RDWR))
    }

    /// Closes a connection's two sockets once both copying directions have finished, so that neither
    /// thread can touch a descriptor number the process has reused.
    private final class Connection: Sendable {
        private let client: Int32
        private let upstream: Int32
        private let running = Atomic<Int>(2)

        init(client: Int32, upstream: Int32) {
            self.client = client
            self.upstream = upstream
        }

        func directionFinished() {
            guard running.subtract(1, ordering: .acquiringAndReleasing).newValue == 0 else { return }
            close(client)
            close(upstream)
        }
    }

    /// Stops accepting connections.
    func stop() {
        guard !stopped.exchange(true, ordering: .acquiringAndReleasing) else { return }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }
}
