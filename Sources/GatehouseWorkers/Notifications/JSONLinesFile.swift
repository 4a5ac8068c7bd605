import Foundation
import GatehouseKafka
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Appends lines to a file, one whole line per `write` with `O_APPEND`, synced before returning.
///
/// The lock keeps this process's lines whole and in order; `O_APPEND` keeps them whole next to
/// another process appending to the same file. The file is opened for each line, so that a rotated
/// file is created anew.
final class JSONLinesFile: Sendable {
    let path: String
    private let lock = Mutex(())

    init(path: URL) {
        self.path = path.path
    }

    /// Appends `line` and a newline, and syncs the file.
    ///
    /// - Throws: ``NotificationError`` (file write failed) naming the file and the system's reason.
    func append(_ line: [UInt8]) async throws {
        try await Blocking.run { [self] in
            try lock.withLock { _ in try appendSynced(line + [UInt8(ascii: "\n")]) }
        }
    }

    private func appendSynced(_ bytes: [UInt8]) throws(NotificationError) {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw NotificationError(.fileWrite, "cannot create \(folder.path): \(error)")
        }
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
        guard descriptor >= 0 else { throw failure("cannot open") }
        defer { close(descriptor) }
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { buffer in
                write(descriptor, buffer.baseAddress! + written, buffer.count - written)
            }
            if result < 0 {
                if errno == EINTR { continue }
                throw failure("cannot write to")
            }
            written += result
        }
        guard fsync(descriptor) == 0 else { throw failure("cannot sync") }
    }

    private func failure(_ what: String) -> NotificationError {
        NotificationError(.fileWrite, "\(what) \(path): \(String(cString: strerror(errno)))")
    }
}
