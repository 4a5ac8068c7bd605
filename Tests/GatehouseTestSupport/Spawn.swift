import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Starts programs with `posix_spawn` instead of Foundation's `Process`.
///
/// `Process.run()` of swift-corelibs-foundation in Swift 6.3.1 crashes now and then while it lists
/// `/proc/self/fd` (a 256-byte copy of each directory entry that can run off the end of glibc's buffer:
/// swift-corelibs-foundation#5472). It took down a whole test run here, in a suite that starts many
/// child processes at once. The child gets only descriptors 0, 1 and 2 (closefrom 3), default signal
/// dispositions and an empty signal mask.
enum Spawn {
    /// Where a child's standard input comes from.
    enum Input {
        case null
        /// A pipe whose write end the parent keeps.
        case pipe
    }

    /// Where a child's standard output (and error, if merged) goes.
    enum Output {
        case null
        /// A pipe whose read end the parent keeps.
        case pipe
        /// Copied to the parent's own descriptor.
        case inherit
    }

    struct Child {
        let pid: pid_t
        /// The write end of the child's standard input, with ``Input/pipe``.
        let input: FileHandle?
        /// The read end of the child's standard output, with ``Output/pipe``.
        let output: FileHandle?
    }

    static func start(
        _ executable: String,
        _ arguments: [String],
        input: Input = .null,
        output: Output = .pipe,
        standardError: Output = .inherit,
        workingDirectory: String? = nil
    ) throws -> Child {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }

        var opened: [Int32] = []
        defer { for descriptor in opened { close(descriptor) } }
        /// A pipe to the child's descriptor `target`: the child's end becomes `target` in the child, and
        /// ours comes back as a handle.
        func connect(_ target: Int32, childWrites: Bool) throws -> (ours: FileHandle, childs: Int32) {
            var descriptors: [Int32] = [-1, -1]
            guard GNU.pipe2(&descriptors, O_CLOEXEC) == 0 else { throw ChildProcessError(description: "pipe2 failed: errno \(errno)") }
            let (childs, ours) = childWrites ? (descriptors[1], descriptors[0]) : (descriptors[0], descriptors[1])
            opened.append(childs)
            posix_spawn_file_actions_adddup2(&actions, childs, target)
            return (FileHandle(fileDescriptor: ours, closeOnDealloc: true), childs)
        }

        var inputHandle: FileHandle?
        switch input {
        case .null:
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        case .pipe:
            inputHandle = try connect(0, childWrites: false).ours
        }
        var outputHandle: FileHandle?
        var outputWrite: Int32?
        switch output {
        case .null:
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        case .pipe:
            let ends = try connect(1, childWrites: true)
            outputHandle = ends.ours
            outputWrite = ends.childs
        case .inherit:
            forward(try connect(1, childWrites: true).ours, to: .standardOutput)
        }
        switch standardError {
        case .null:
            posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        case .pipe:
            // Merged into standard output's pipe.
            if let outputWrite { posix_spawn_file_actions_adddup2(&actions, outputWrite, 2) }
        case .inherit:
            forward(try connect(2, childWrites: true).ours, to: .standardError)
        }
        if let workingDirectory, GNU.addChdir(&actions, workingDirectory) != 0 {
            throw ChildProcessError(description: "posix_spawn_file_actions_addchdir_np failed for \(workingDirectory)")
        }
        guard GNU.addCloseFrom(&actions, 3) == 0 else {
            throw ChildProcessError(description: "posix_spawn_file_actions_addclosefrom_np failed")
        }

        var signals = sigset_t()
        sigemptyset(&signals)
        posix_spawnattr_setsigmask(&attributes, &signals)
        sigfillset(&signals)
        posix_spawnattr_setsigdefault(&attributes, &signals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        guard result == 0 else {
            throw ChildProcessError(description: "cannot start \(executable): \(String(cString: strerror(result)))")
        }
        return Child(pid: pid, input: inputHandle, output: outputHandle)
    }

    /// Copies what a child writes to `source` onto our own `destination` until the child closes it.
    ///
    /// An "inherited" descriptor is a pipe of ours rather than our descriptor itself: a child that
    /// outlives a crashed test run (a broker the test did not get to stop) would otherwise hold the
    /// runner's output pipe open, and `swift test` would wait for it forever instead of reporting the
    /// crash.
    private static func forward(_ source: FileHandle, to destination: FileHandle) {
        let thread = Thread {
            while case let data = source.availableData, !data.isEmpty { destination.write(data) }
        }
        thread.start()
    }

    /// glibc's GNU extensions (2.34 and later), which Swift's Glibc module does not declare without
    /// `_GNU_SOURCE`; looked up once by name.
    private enum GNU {
        typealias Pipe2 = @convention(c) (UnsafeMutablePointer<Int32>, Int32) -> Int32
        typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

        static let pipe2: Pipe2 = function("pipe2")
        typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32
        static let addCloseFrom: AddCloseFrom = function("posix_spawn_file_actions_addclosefrom_np")
        static let addChdir: AddChdir = function("posix_spawn_file_actions_addchdir_np")

        private static func function<Function>(_ name: String) -> Function {
            guard let symbol = dlsym(nil, name) else { fatalError("glibc 2.34 or later is needed for \(name)") }
            return unsafeBitCast(symbol, to: Function.self)
        }
    }

    /// Waits for `pid` to end and returns its exit status, or the number of the signal that ended it.
    static func wait(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { return -1 }
        }
        // WIFEXITED / WEXITSTATUS / WTERMSIG, which Swift does not import as functions.
        let signal = status & 0x7F
        return signal == 0 ? (status >> 8) & 0xFF : signal
    }
}
