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

/// A child process with its standard output readable line by line.
public final class ChildProcess: @unchecked Sendable {
    // Only the test that started the process touches it; @unchecked because Process is not Sendable.
    private let process: Process
    private let output: FileHandle
    private var buffer = Data()

    private init(process: Process, output: FileHandle) {
        self.process = process
        self.output = output
    }

    /// Starts `executable` with `arguments`; its stderr goes to the test's stderr, or with
    /// `includeStandardError` into the same lines as its stdout.
    public static func start(_ executable: URL, arguments: [String], includeStandardError: Bool = false) throws -> ChildProcess {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        if includeStandardError { process.standardError = pipe }
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return ChildProcess(process: process, output: pipe.fileHandleForReading)
    }

    /// Runs `executable` to completion and returns its standard output.
    public static func run(
        _ executable: URL,
        arguments: [String],
        allowFailure: Bool = false,
        includeStandardError: Bool = false
    ) throws -> String {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        if includeStandardError { process.standardError = pipe }
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        if !allowFailure && process.terminationStatus != 0 {
            throw ChildProcessError(description: "\(executable.lastPathComponent) exited with \(process.terminationStatus): \(text)")
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
    public func interrupt() {
        if process.isRunning { process.terminate() }
    }

    /// Sends SIGHUP, which asks Gatehouse to reload its rules.
    public func hangUp() {
        if process.isRunning { Foundation.kill(process.processIdentifier, SIGHUP) }
    }

    /// Sends SIGKILL.
    public func kill() {
        if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
    }

    /// Waits for the process to exit and returns its status.
    public func waitForExit() -> Int32 {
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// Kills the process if it is still running.
    public func terminate() {
        kill()
    }
}
