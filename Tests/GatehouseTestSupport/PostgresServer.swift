import Foundation
import Logging
import PostgresNIO
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A real PostgreSQL server for tests and benchmarks, from the binaries Debian's `postgresql`
/// package installs under `/usr/lib/postgresql/<version>/bin`: a fresh cluster in a temporary folder,
/// on 127.0.0.1 and a Unix socket, with a free port.
///
/// One server per test process (``shared``), and a database per test (``createDatabase(_:)``). The
/// server stops when the process ends, however it ends: it runs under a shell that holds the read end
/// of a pipe whose only writer is this process, and stops the server (fast shutdown) and removes its
/// folder when the pipe closes. Run as root (as CI is), the cluster belongs to the `postgres` user,
/// since `initdb` refuses root.
///
/// Without PostgreSQL installed, every use fails with ``PostgresServerError`` saying how to install
/// it: tests that need it fail rather than skip.
public final class PostgresServer: Sendable {
    /// The superuser's name; its password is ``password``. TCP connections authenticate with
    /// SCRAM-SHA-256, the Unix socket trusts.
    public let user = "gatehouse"
    public let password: String
    public let port: Int
    /// The folder of the Unix socket.
    public let socketDirectory: String
    /// PostgreSQL's major version, as its folder under `/usr/lib/postgresql` says.
    public let version: String
    // Closing this stops the server; kept open for the process's life.
    private let lifeline: FileHandle
    private let databases = Atomic<Int>(0)

    private init(password: String, port: Int, socketDirectory: String, version: String, lifeline: FileHandle) {
        self.password = password
        self.port = port
        self.socketDirectory = socketDirectory
        self.version = version
        self.lifeline = lifeline
    }

    /// Stops the server and removes its folder (without waiting). The shared server is never stopped
    /// this way: it stops when the process ends.
    public func stop() {
        try? lifeline.close()
    }

    /// The test process's server, started on first use.
    public static func shared() async throws -> PostgresServer {
        try await sharedServer.value
    }

    private static let sharedServer = Task { try await PostgresServer.start(durable: false) }

    /// A new empty database on the shared server, as a `postgres://` URL over TCP.
    public static func createDatabase(_ prefix: String = "test") async throws -> String {
        let server = try await shared()
        return try await server.createDatabase(prefix)
    }

    /// Creates an empty database and returns its URL (TCP on 127.0.0.1, `sslmode=disable`).
    public func createDatabase(_ prefix: String = "test") async throws -> String {
        let name = "\(prefix)_\(databases.add(1, ordering: .relaxed).newValue)_\(UUID().uuidString.prefix(8).lowercased())"
            .replacingOccurrences(of: "-", with: "_")
        let connection = try await connect(database: "postgres")
        do {
            try await connection.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \"\(name)\""), logger: Self.logger)
        } catch {
            try? await connection.close()
            throw PostgresServerError("CREATE DATABASE \(name) failed: \(String(reflecting: error))")
        }
        try? await connection.close()
        return url(database: name)
    }

    /// The URL of `database` over TCP, with the password.
    public func url(database: String) -> String {
        "postgres://\(user):\(password)@127.0.0.1:\(port)/\(database)?sslmode=disable"
    }

    /// The URL of `database` over the Unix socket, without a password (the socket trusts).
    public func socketURL(database: String) -> String {
        "postgres://\(user)@/\(database)?host=\(socketDirectory)&port=\(port)"
    }

    /// Runs one SQL statement in `database` (from the URL ``createDatabase(_:)`` returned), as a
    /// tamperer or an inspector would, behind the stores' backs.
    public func execute(_ sql: String, in url: String) async throws {
        let connection = try await connect(database: Self.databaseName(url))
        do {
            try await connection.query(PostgresQuery(unsafeSQL: sql), logger: Self.logger)
        } catch {
            try? await connection.close()
            throw PostgresServerError("\(sql) failed: \(String(reflecting: error))")
        }
        try? await connection.close()
    }

    /// The first column of the first row of a query, as an integer.
    public func count(_ sql: String, in url: String) async throws -> Int {
        let connection = try await connect(database: Self.databaseName(url))
        do {
            var value = 0
            for try await first in try await connection.query(PostgresQuery(unsafeSQL: sql), logger: Self.logger).decode(Int.self) {
                value = first
            }
            try? await connection.close()
            return value
        } catch {
            try? await connection.close()
            throw PostgresServerError("\(sql) failed: \(String(reflecting: error))")
        }
    }

    private static func databaseName(_ url: String) -> String {
        let path = url.split(separator: "?")[0]
        return String(path[path.index(after: path.lastIndex(of: "/")!)...])
    }

    /// Over the Unix socket, which trusts, so that a server that accepts only TLS on TCP is reached too.
    private func connect(database: String) async throws -> PostgresConnection {
        var configuration = PostgresConnection.Configuration(
            unixSocketPath: "\(socketDirectory)/.s.PGSQL.\(port)", username: user, password: nil, database: database)
        configuration.options.connectTimeout = .seconds(5)
        return try await PostgresConnection.connect(configuration: configuration, id: 1, logger: Self.logger)
    }

    private static let logger = Logger(label: "postgres-server") { _ in SwiftLogNoOpLogHandler() }

    // MARK: Starting

    /// Starts a server of its own (the benchmark's, or a test's that must stop it).
    ///
    /// - Parameters:
    ///   - durable: Whether commits wait for the disk (`fsync`), as in production. Tests turn it off:
    ///     they check behaviour, not durability across power cuts.
    ///   - tls: A certificate and key (PEM files) to serve TLS with; TCP connections must then use it
    ///     (`hostssl`), while the Unix socket stays plain.
    public static func start(durable: Bool, tls: (certificateFile: String, keyFile: String)? = nil) async throws -> PostgresServer {
        let binaries = try findBinaries()
        let folder = try makeFolder()
        let data = folder + "/data"
        let password = "test-\(UUID().uuidString.prefix(12))"
        try password.write(toFile: folder + "/password", atomically: true, encoding: .utf8)
        var settings = ["-c", "listen_addresses=127.0.0.1", "-c", "fsync=\(durable ? "on" : "off")", "-c", "max_connections=200"]
        var files = [folder, folder + "/password"]
        if let tls {
            try FileManager.default.copyItem(atPath: tls.certificateFile, toPath: folder + "/server.pem")
            try FileManager.default.copyItem(atPath: tls.keyFile, toPath: folder + "/server.key")
            // PostgreSQL refuses a key that others can read.
            chmod(folder + "/server.key", 0o600)
            files += [folder + "/server.pem", folder + "/server.key"]
            settings += ["-c", "ssl=on", "-c", "ssl_cert_file=\(folder)/server.pem", "-c", "ssl_key_file=\(folder)/server.key"]
        }
        let asPostgres = geteuid() == 0
        if asPostgres { try chownToPostgres(files) }

        let initOutput = try run(
            binaries.path + "/initdb",
            [
                "-D", data, "-U", "gatehouse", "--pwfile=\(folder)/password", "--auth-local=trust", "--auth-host=scram-sha-256",
                "-E", "UTF8", "--locale=C", "--no-sync",
            ],
            asPostgres: asPostgres)
        guard initOutput.status == 0 else {
            throw PostgresServerError("initdb failed (exit \(initOutput.status)): \(initOutput.text)")
        }

        if tls != nil {
            // TCP only with TLS, so that a connection that succeeds proves it was encrypted.
            let hba = data + "/pg_hba.conf"
            let rules = try String(contentsOfFile: hba, encoding: .utf8)
                .split(separator: "\n", omittingEmptySubsequences: false)
                .map { $0.hasPrefix("host ") ? "hostssl" + $0.dropFirst(4) : $0 }
                .joined(separator: "\n")
            // Not atomically: the file must stay the postgres user's.
            try rules.write(toFile: hba, atomically: false, encoding: .utf8)
        }

        var lastProblem = ""
        // A free port can be taken between finding and binding it: try a few.
        for _ in 0..<3 {
            let port = try freePort()
            let (lifeline, log) = try launch(
                binaries.path + "/postgres", ["-D", data, "-p", "\(port)", "-k", folder] + settings,
                folder: folder, asPostgres: asPostgres)
            let server = PostgresServer(
                password: password, port: port, socketDirectory: folder, version: binaries.version, lifeline: lifeline)
            do {
                try await server.waitUntilReady(log: log)
                return server
            } catch {
                lastProblem = "\(error)"
                try? lifeline.close()
            }
        }
        throw PostgresServerError("the server did not start: \(lastProblem)")
    }

    /// Tries to connect until it succeeds, the server's log says it stopped, or 60 seconds pass.
    private func waitUntilReady(log: String) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        var lastError = ""
        while ContinuousClock.now < deadline {
            do {
                let connection = try await connect(database: "postgres")
                try? await connection.close()
                return
            } catch {
                lastError = String(reflecting: error)
            }
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            // "could not bind", "could not create lock file", …; a refused early connection's FATAL
            // ("the database system is starting up") is not a failure.
            if text.contains("could not") || text.contains("database system is shut down") {
                throw PostgresServerError("postgres failed to start: \(text.suffix(2000))")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        throw PostgresServerError("postgres was not ready within 60 s (last error: \(lastError)); its log: \(text.suffix(2000))")
    }

    private static func findBinaries() throws -> (path: String, version: String) {
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [])
            .filter { FileManager.default.isExecutableFile(atPath: "\(root)/\($0)/bin/postgres") }
            .sorted { (Int($0) ?? 0) < (Int($1) ?? 0) }
        guard let version = versions.last, FileManager.default.isExecutableFile(atPath: "\(root)/\(version)/bin/initdb") else {
            throw PostgresServerError(
                "PostgreSQL is not installed: no \(root)/<version>/bin/postgres and initdb. Install it with ops/install-prerequisites.sh (on Debian: apt-get install postgresql)."
            )
        }
        return ("\(root)/\(version)/bin", version)
    }

    private static func makeFolder() throws -> String {
        var template = Array("/tmp/gatehouse-pg-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw PostgresServerError("cannot create a temporary folder: errno \(errno)") }
        let folder = String(cString: made)
        // The postgres user must reach the folder, whose parent is /tmp.
        chmod(folder, 0o700)
        return folder
    }

    private static func chownToPostgres(_ files: [String]) throws {
        guard let entry = getpwnam("postgres") else {
            throw PostgresServerError(
                "running as root, but there is no postgres user to run initdb and postgres as (install the postgresql package)")
        }
        let (uid, gid) = (entry.pointee.pw_uid, entry.pointee.pw_gid)
        for path in files where chown(path, uid, gid) != 0 {
            throw PostgresServerError("cannot give \(path) to the postgres user: errno \(errno)")
        }
    }

    private static func runuser() throws -> String {
        for candidate in ["/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser"]
        where FileManager.default.isExecutableFile(atPath: candidate) {
            return candidate
        }
        throw PostgresServerError("running as root, but runuser (util-linux) is missing, so initdb cannot run as the postgres user")
    }

    /// Children start in `/`: the postgres user may not enter the test's own folder (a clone in a
    /// `mktemp -d` folder is mode 0700), and postgres refuses to start where it cannot.
    private static func run(_ executable: String, _ arguments: [String], asPostgres: Bool) throws -> (status: Int32, text: String) {
        let child =
            asPostgres
            ? try Spawn.start(
                try runuser(), ["-u", "postgres", "--", executable] + arguments, output: .pipe, standardError: .pipe, workingDirectory: "/")
            : try Spawn.start(executable, arguments, output: .pipe, standardError: .pipe)
        let data = child.output!.readDataToEndOfFile()
        let status = Spawn.wait(child.pid)
        return (status, String(decoding: data, as: UTF8.self))
    }

    /// Starts postgres under a shell that stops it when its standard input closes; returns the
    /// pipe's write end and the server's log file.
    private static func launch(_ postgres: String, _ arguments: [String], folder: String, asPostgres: Bool) throws -> (FileHandle, String) {
        let log = folder + "/postgres-\(UUID().uuidString.prefix(6)).log"
        let script = """
            log="$1"; folder="$2"; shift 2
            "$@" >"$log" 2>&1 </dev/null &
            pid=$!
            # Standard input is a pipe from the test process: it closes when that process ends, however it ends.
            while read -r _; do :; done
            kill -INT "$pid" 2>/dev/null
            # Not `wait`, which sleeps forever in dash when the shell was started with SIGCHLD blocked:
            # the server removes its pid file as it finishes shutting down, and that is polled for.
            tries=0
            while [ -e "$folder/data/postmaster.pid" ] && [ $tries -lt 600 ]; do sleep 0.1; tries=$((tries + 1)); done
            rm -rf "$folder"
            """
        let shellArguments = ["/bin/sh", "-c", script, "sh", log, folder, postgres] + arguments
        // The write end stays with this process only: children get descriptors 0 to 2 alone, so the
        // server cannot outlive this process through a gatehouse command a test started.
        let child =
            asPostgres
            ? try Spawn.start(
                try runuser(), ["-u", "postgres", "--"] + shellArguments, input: .pipe, output: .null, standardError: .null,
                workingDirectory: "/")
            : try Spawn.start("/bin/sh", Array(shellArguments.dropFirst()), input: .pipe, output: .null, standardError: .null)
        return (child.input!, log)
    }

    /// A port on 127.0.0.1 that nothing listens on now (the kernel's choice for port 0).
    public static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw PostgresServerError("cannot open a socket: errno \(errno)") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                bind(descriptor, address, length) == 0 && getsockname(descriptor, address, &length) == 0
            }
        }
        guard bound else { throw PostgresServerError("cannot find a free port: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// The test PostgreSQL server could not be had: not installed, or it failed to start.
public struct PostgresServerError: Error, CustomStringConvertible {
    public let description: String

    public init(_ description: String) { self.description = description }
}
