import DequeModule

/// The producer's outstanding messages by id: a window over sequential ids, which is what the ids are.
///
/// A dictionary would hash every id twice per message; this is an index into a ring buffer. Ids are
/// handed out in increasing order and mostly settle in that order, so the window stays short.
struct PendingMessages {
    private var base: UInt64 = 1
    private var slots: Deque<KafkaProducer.Entry?> = []
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }

    /// Stores `entry` under a new id, which must be above every id stored before.
    mutating func append(_ entry: KafkaProducer.Entry, id: UInt64) {
        if slots.isEmpty { base = id }
        while base + UInt64(slots.count) < id { slots.append(nil) }
        slots.append(entry)
        count += 1
    }

    subscript(id: UInt64) -> KafkaProducer.Entry? {
        get {
            guard id >= base, id - base < UInt64(slots.count) else { return nil }
            return slots[Int(id - base)]
        }
        set {
            guard id >= base, id - base < UInt64(slots.count) else { return }
            let index = Int(id - base)
            switch (slots[index] != nil, newValue != nil) {
            case (false, true): count += 1
            case (true, false): count -= 1
            default: break
            }
            slots[index] = newValue
            while let first = slots.first, first == nil {
                slots.removeFirst()
                base += 1
            }
        }
    }

    /// Removes and returns the entry for `id`.
    mutating func remove(_ id: UInt64) -> KafkaProducer.Entry? {
        guard let entry = self[id] else { return nil }
        self[id] = nil
        return entry
    }

    /// Every stored id, in increasing order.
    var ids: [UInt64] {
        slots.indices.compactMap { slots[$0] == nil ? nil : base + UInt64($0) }
    }

    mutating func removeAll() {
        slots.removeAll()
        count = 0
    }
}
