import DequeModule
import Synchronization

/// Work queues that keep order per key and run different keys at once.
///
/// Items with the same key go to the same lane and are handled one batch at a time, in order; up to
/// `capacity` items wait or run across all lanes, beyond which ``submit(_:key:)`` waits.
final class Lanes<Item: Sendable>: Sendable {
    private let queues: [LaneQueue<Item>]
    private let permits: Permits

    init(count: Int, capacity: Int) {
        queues = (0..<max(count, 1)).map { _ in LaneQueue() }
        permits = Permits(max(capacity, 1))
    }

    /// Adds an item to its key's lane, waiting while `capacity` items are in the lanes.
    func submit(_ item: Item, key: UInt64) async {
        await permits.acquire()
        queues[Int(key % UInt64(queues.count))].push(item)
    }

    /// Handles items until ``finish()`` and every lane is empty. `handler` gets up to `batchSize` items
    /// of one lane that were waiting together, in order.
    func run(batchSize: Int, _ handler: @escaping @Sendable ([Item]) async -> Void) async {
        await withDiscardingTaskGroup { group in
            for queue in queues {
                group.addTask {
                    while let batch = await queue.take(max: max(batchSize, 1)) {
                        await handler(batch)
                        self.permits.release(batch.count)
                    }
                }
            }
        }
    }

    /// Lets the lanes end once they are empty.
    func finish() {
        for queue in queues { queue.finish() }
    }
}

/// One lane: a queue whose single reader waits for items.
private final class LaneQueue<Item: Sendable>: Sendable {
    private struct State {
        var items: Deque<Item> = []
        var reader: CheckedContinuation<Void, Never>?
        var finished = false
    }

    private let state = Mutex(State())

    func push(_ item: Item) {
        let reader = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.items.append(item)
            defer { state.reader = nil }
            return state.reader
        }
        reader?.resume()
    }

    func finish() {
        let reader = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.finished = true
            defer { state.reader = nil }
            return state.reader
        }
        reader?.resume()
    }

    /// Up to `max` items, waiting for the first; `nil` once finished and empty.
    func take(max: Int) async -> [Item]? {
        while true {
            let next = state.withLock { state -> LaneNext<Item> in
                if !state.items.isEmpty {
                    let count = min(max, state.items.count)
                    defer { state.items.removeFirst(count) }
                    return .items(Array(state.items.prefix(count)))
                }
                return state.finished ? .done : .wait
            }
            switch next {
            case .items(let items): return items
            case .done: return nil
            case .wait:
                await withCheckedContinuation { (reader: CheckedContinuation<Void, Never>) in
                    let resumeNow = state.withLock { state -> Bool in
                        guard state.items.isEmpty && !state.finished else { return true }
                        state.reader = reader
                        return false
                    }
                    if resumeNow { reader.resume() }
                }
            }
        }
    }
}

private enum LaneNext<Item> {
    case items([Item])
    case done
    case wait
}

/// A counting semaphore for tasks.
final class Permits: Sendable {
    private struct State {
        var available: Int
        var waiters: Deque<CheckedContinuation<Void, Never>> = []
    }

    private let state: Mutex<State>

    init(_ count: Int) { state = Mutex(State(available: count)) }

    func acquire() async {
        await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
            let granted = state.withLock { state -> Bool in
                if state.available > 0 {
                    state.available -= 1
                    return true
                }
                state.waiters.append(waiter)
                return false
            }
            if granted { waiter.resume() }
        }
    }

    func release(_ count: Int = 1) {
        let woken = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            var woken: [CheckedContinuation<Void, Never>] = []
            for _ in 0..<count {
                if let waiter = state.waiters.popFirst() { woken.append(waiter) } else { state.available += 1 }
            }
            return woken
        }
        for waiter in woken { waiter.resume() }
    }
}
