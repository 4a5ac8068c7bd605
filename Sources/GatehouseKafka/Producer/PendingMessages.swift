import DequeModule

/// The producer's accepted messages by id, in a ring of slots whose size is a power of two. Ids are
/// handed out in increasing order and mostly settle in that order, so the window of slots stays short.
///
/// The sending thread fills slots and the delivery thread settles them, on different cores. The ring
/// is laid out so that settling touches as little as a sender wrote: a slot's state is one byte in an
/// array of its own, the delivery thread reaches a message's recipient without a reference count, and
/// never reads the message itself. Settled slots are emptied later, in batches, by a sender (see
/// ``reclaim(atLeast:atMost:)``), on the thread that retained their contents. A slot emptied in the
/// middle of the window stays there, vacant, until the slots before it are emptied too.
struct PendingMessages {
    enum SlotState: UInt8 {
        /// Empty, or its message was withdrawn or rejected.
        case vacant
        /// Accepted, waiting for room in librdkafka's queue.
        case backlog
        /// Handed to the current librdkafka instance.
        case handedOver
        /// Its outcome is being reported; its recipient must stay.
        case settling
        /// Its outcome was reported; the slot waits to be emptied.
        case settled

        /// Accepted, with no outcome yet: in the backlog or handed over.
        var isOutstanding: Bool { self == .backlog || self == .handedOver }
    }

    private var states = ContiguousArray<SlotState>(repeating: .vacant, count: 1024)
    private var messages = ContiguousArray<KafkaProducerMessage?>(repeating: nil, count: 1024)
    /// Each retained once for the slot.
    private var recipients = ContiguousArray<Unmanaged<KafkaDeliveryRecipient>?>(repeating: nil, count: 1024)
    /// The id in the oldest slot of the window, and that slot's index.
    private var base: UInt64 = 1
    private var head = 0
    /// How many ids the window spans, from `base`.
    private var span = 0
    /// Messages in the backlog or handed over: accepted, with no outcome yet.
    private(set) var count = 0
    /// Settled slots not yet emptied, in the order they settled: wherever they are in the window, so
    /// that a message that stays outstanding (its partition's leader down, say) holds none settled after it.
    private var settled: Deque<UInt64> = []

    /// Settled slots not yet emptied.
    var settledCount: Int { settled.count }

    var isEmpty: Bool { count == 0 }

    private var mask: Int { states.count - 1 }

    private func index(of id: UInt64) -> Int? {
        guard id >= base, id - base < UInt64(span) else { return nil }
        return (head + Int(id - base)) & mask
    }

    /// Stores a message under a new id, which must be above every id stored before. `recipient` is
    /// retained for the slot.
    mutating func append(
        _ message: consuming KafkaProducerMessage,
        recipient: KafkaDeliveryRecipient,
        id: UInt64,
        state: SlotState
    ) {
        if span == 0 { base = id }
        let offset = Int(id - base)
        if offset >= states.count { grow(toHold: offset + 1) }
        let index = (head + offset) & mask
        states[index] = state
        messages[index] = consume message
        recipients[index] = Unmanaged.passRetained(recipient)
        span = offset + 1
        count += 1
    }

    private mutating func grow(toHold needed: Int) {
        var capacity = states.count * 2
        while capacity < needed { capacity *= 2 }
        var grownStates = ContiguousArray<SlotState>(repeating: .vacant, count: capacity)
        var grownMessages = ContiguousArray<KafkaProducerMessage?>(repeating: nil, count: capacity)
        var grownRecipients = ContiguousArray<Unmanaged<KafkaDeliveryRecipient>?>(repeating: nil, count: capacity)
        for offset in 0..<span {
            let index = (head + offset) & mask
            grownStates[offset] = states[index]
            grownMessages[offset] = messages[index].take()
            grownRecipients[offset] = recipients[index]
        }
        states = grownStates
        messages = grownMessages
        recipients = grownRecipients
        head = 0
    }

    /// The state of `id`'s slot; `vacant` outside the window.
    func state(of id: UInt64) -> SlotState {
        index(of: id).map { states[$0] } ?? .vacant
    }

    /// Runs `body` with `id`'s message, if its slot holds one.
    func withMessage<T>(_ id: UInt64, _ body: (borrowing KafkaProducerMessage) -> T) -> T? {
        guard let index = index(of: id), let message = messages[index] else { return nil }
        return body(message)
    }

    /// The recipient of `id`'s message, not retained: it stays valid until the slot is emptied.
    func recipient(of id: UInt64) -> Unmanaged<KafkaDeliveryRecipient>? {
        index(of: id).flatMap { recipients[$0] }
    }

    /// Moves an outstanding message on: from the backlog to `handedOver`, or the other way.
    mutating func setState(_ state: SlotState, of id: UInt64) {
        guard let index = index(of: id) else { return }
        precondition(state == .backlog || state == .handedOver, "use settle or withdraw")
        states[index] = state
    }

    /// Marks an outstanding message as being reported. Its slot keeps the recipient until
    /// ``finishSettling(_:)``.
    mutating func beginSettling(_ id: UInt64) {
        guard let index = index(of: id) else { return }
        states[index] = .settling
        count -= 1
    }

    /// Marks messages being reported as settled: their slots may be emptied from now on.
    mutating func finishSettling(_ ids: some Sequence<UInt64>) {
        for id in ids {
            guard let index = index(of: id), states[index] == .settling else { continue }
            states[index] = .settled
            settled.append(id)
        }
    }

    /// Withdraws an outstanding message whose outcome will never be reported: settled at once.
    mutating func withdraw(_ id: UInt64) {
        guard let index = index(of: id), states[index].isOutstanding else { return }
        states[index] = .settled
        count -= 1
        settled.append(id)
    }

    /// Empties up to `maximum` settled slots, oldest settled first, if there are at least `minimum` of
    /// them (or any, once nothing is outstanding). Their messages are released here; their recipients,
    /// whose handlers may hold anything, are returned for the caller to release outside the lock.
    mutating func reclaim(atLeast minimum: Int, atMost maximum: Int = .max) -> [Unmanaged<KafkaDeliveryRecipient>] {
        guard settled.count >= minimum || (count == 0 && !settled.isEmpty) else { return [] }
        var reclaimed: [Unmanaged<KafkaDeliveryRecipient>] = []
        reclaimed.reserveCapacity(min(settled.count, maximum))
        while reclaimed.count < maximum, let id = settled.popFirst() {
            guard let index = index(of: id) else { continue }
            if let recipient = empty(index) { reclaimed.append(recipient) }
        }
        // Move the window's start past the slots emptied there.
        while span > 0, states[head] == .vacant {
            head = (head + 1) & mask
            base += 1
            span -= 1
        }
        return reclaimed
    }

    /// Empties slot `index`: releases its message and returns its recipient, still retained.
    private mutating func empty(_ index: Int) -> Unmanaged<KafkaDeliveryRecipient>? {
        messages[index] = nil
        states[index] = .vacant
        return recipients[index].take()
    }

    /// Empties every slot, whatever its state, when the producer goes away, and returns the recipients
    /// they held, for the caller to release outside the lock. The caller has handed the payloads
    /// librdkafka may still read to `StateMachine.handedOver` first.
    mutating func removeAll() -> [Unmanaged<KafkaDeliveryRecipient>] {
        var removed: [Unmanaged<KafkaDeliveryRecipient>] = []
        for offset in 0..<span {
            if let recipient = empty((head + offset) & mask) { removed.append(recipient) }
        }
        span = 0
        count = 0
        settled.removeAll()
        return removed
    }

    /// Every id in `state`, in increasing order.
    func ids(in state: SlotState) -> [UInt64] {
        ids { $0 == state }
    }

    /// Every outstanding id (in the backlog or handed over), in increasing order.
    var outstandingIDs: [UInt64] {
        ids(where: \.isOutstanding)
    }

    private func ids(where matches: (SlotState) -> Bool) -> [UInt64] {
        (0..<span).compactMap { matches(states[(head + $0) & mask]) ? base + UInt64($0) : nil }
    }
}
