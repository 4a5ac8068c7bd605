import Foundation
import GatehouseKafka
import GatehouseTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite struct EmbeddedClusterTests {
    /// librdkafka's embedded brokers leave Nagle's algorithm on unless their owner disables it. A
    /// produce response written while the previous one is unacknowledged then waits for the client's
    /// delayed acknowledgement: with a few sends in flight, the gateway's `kafka` durability answered in
    /// 16 ms at p99 instead of 3 ms. The broker's end of a connection must have `TCP_NODELAY`.
    @Test func brokerConnectionsSendWithoutDelay() async throws {
        try await TestFixtures.withCluster { cluster in
            let address = try #require(cluster.brokerAddresses.split(separator: ",").first)
            let brokerPort = try #require(address.split(separator: ":").last.flatMap { Int($0) })
            let client = try Self.connect(port: brokerPort)
            defer { close(client) }
            let clientPort = try #require(Self.port(of: client, peer: false))
            // The cluster accepts on its own thread, in this process: find its end of the connection.
            try await waitUntil("the broker's end of the connection", limit: .seconds(10)) {
                Self.descriptor(localPort: brokerPort, peerPort: clientPort) != nil
            }
            let accepted = try #require(Self.descriptor(localPort: brokerPort, peerPort: clientPort))
            var noDelay: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            #expect(getsockopt(accepted, Int32(IPPROTO_TCP), TCP_NODELAY, &noDelay, &length) == 0)
            #expect(noDelay != 0)
        }
    }

    private static func connect(port: Int) throws -> Int32 {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard socket >= 0, connected == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        return socket
    }

    /// The local (or peer) port of an IPv4 socket, or `nil` for any other descriptor.
    private static func port(of descriptor: Int32, peer: Bool) -> Int? {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let result = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                peer ? getpeername(descriptor, $0, &length) : getsockname(descriptor, $0, &length)
            }
        }
        guard result == 0, address.sin_family == sa_family_t(AF_INET) else { return nil }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// This process's descriptor for the TCP connection from `peerPort` to `localPort`.
    private static func descriptor(localPort: Int, peerPort: Int) -> Int32? {
        let descriptors = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        return descriptors.compactMap { Int32($0) }.first { descriptor in
            port(of: descriptor, peer: false) == localPort && port(of: descriptor, peer: true) == peerPort
        }
    }
}
