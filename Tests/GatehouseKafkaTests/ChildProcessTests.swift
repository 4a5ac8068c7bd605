import Foundation
import GatehouseTestSupport
import Testing

/// The test support's child processes, which every command test relies on.
@Suite struct ChildProcessTests {
    /// A child's standard error reaches ours through a pipe of our own, not as our descriptor: a child
    /// left running by a crashed test run must not hold the runner's output open, or `swift test` waits
    /// for it forever instead of reporting the crash.
    @Test func aChildDoesNotHoldTheRunnersStandardError() throws {
        let ours = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/2")
        let child = try ChildProcess.start(
            URL(fileURLWithPath: "/bin/sh"), arguments: ["-c", "readlink /proc/self/fd/2; echo 'written to stderr' >&2"])
        defer { child.terminate() }
        let childs = try child.readLine()
        #expect(childs.hasPrefix("pipe:"))
        #expect(childs != ours)
        #expect(child.waitForExit() == 0)
    }
}
