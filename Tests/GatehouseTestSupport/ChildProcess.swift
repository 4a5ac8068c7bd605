public import Foundation

/// Programs the end-to-end tests run as child processes.
public enum ExternalTools {
    /// kcat, if installed.
    public static var kcat: URL? { which("kcat") }

    /// The `gatehouse` executable built next to the test bundle.
    public static func gatehouse() throws -> URL {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("gatehouse")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        throw ChildProcessError(description: "the gatehouse executable was not built next to \(CommandLine.arguments[0])")
    }

    public static func which(_ name: String) -> URL? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }
}

/// A child process failed or could not start.
public struct ChildProcessError: Error, CustomStringConvertible {
    public let description: String
}

/// A child process with its standard output readable line by line, started with ``Spawn`` (not
/// Foundation's `Process`, whose launch crashes now and then on Linux).
public final class ChildProcess: @unchecked Sendable {
    // Only the test that started the process reads its output; the exit status is behind a lock.
    private let pid: pid_t
    private let output: FileHandle
    private var buffer = Data()
    private let exit = NSLock()
    private var status: Int32?

    private init(pid: pid_t, output: FileHandle) {
        self.pid = pid
        self.output = output
    }

    /// Starts `executable` with `arguments`; its stderr goes to the test's stderr, or with
    /// `includeStandardError` into the same lines as its stdout.
    public static func start(_ executable: URL, arguments: [String], includeStandardError: Bool = false) throws -> ChildProcess {
        let child = try Spawn.start(executable.path, arguments, output: .pipe, standardError: includeStandardError ? .pipe : .inherit)
        return ChildProcess(pid: child.pid, output: child.output!)
    }

    /// Runs `executable` to completion and returns its standard output.
    public static func run(
        _ executable: URL,
        arguments: [String],
        allowFailure: Bool = false,
        includeStandardError: Bool = false
    ) throws -> String {
        let process = try start(executable, arguments: arguments, includeStandardError: includeStandardError)
        let data = process.output.readDataToEndOfFile()
        let status = process.waitForExit()
        let text = String(decoding: data, as: UTF8.self)
        if !allowFailure && status != 0 {
            throw ChildProcessError(description: "\(executable.lastPathComponent) exited with \(status): \(text)")
        }
        return text
    }

    /// Reads one line of standard output (blocking).
    public func readLine() throws -> String {
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self)
                buffer.removeSubrange(buffer.startIndex...newline)
                return line
            }
            let chunk = output.availableData
            if chunk.isEmpty { throw ChildProcessError(description: "the process closed its output before a full line") }
            buffer.append(chunk)
        }
    }

    /// Sends SIGTERM.
    public func interrupt() { signal(SIGTERM) }

    /// Sends SIGHUP, which asks Gatehouse to reload its rules.
    public func hangUp() { signal(SIGHUP) }

    /// Sends SIGKILL.
    public func kill() { signal(SIGKILL) }

    /// Waits for the process to exit and returns its exit status (or the signal that ended it).
    public func waitForExit() -> Int32 {
        exit.lock()
        defer { exit.unlock() }
        if let status { return status }
        let result = Spawn.wait(pid)
        status = result
        return result
    }

    /// Kills the process if it is still running, and reaps it.
    public func terminate() {
        kill()
        _ = waitForExit()
    }

    /// Signals the process unless it has been reaped (its pid could then belong to another).
    private func signal(_ number: Int32) {
        exit.lock()
        defer { exit.unlock() }
        if status == nil { _ = Foundation.kill(pid, number) }
    }
}
