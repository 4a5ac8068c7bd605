import Logging
import ServiceLifecycle
import UnixSignals

/// SIGHUP reloads the rules; without rules there is nothing to reload, and the signal's default action
/// would end the process. A `systemctl reload` or a stray `kill -HUP` must not take a gateway down, so
/// this traps the signal and says it was ignored.
struct IgnoredHangups: Service {
    let logger: Logger

    func run() async throws {
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        for await _ in hangups.cancelOnGracefulShutdown() {
            logger.notice("SIGHUP ignored: no rules are configured, so there is nothing to reload")
        }
    }
}
