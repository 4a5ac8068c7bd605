import Testing

@testable import GatehouseKafka

/// The producer's ring of outstanding messages, on its own: ids settle out of order, the ring grows
/// while its window wraps, and settled slots are emptied wherever they are in the window.
@Suite struct PendingMessagesTests {
    private static func message(_ id: UInt64) -> KafkaProducerMessage {
        KafkaProducerMessage(topic: "t", key: nil, value: "\(id)")
    }

    private static func value(_ pending: PendingMessages, _ id: UInt64) -> String? {
        pending.withMessage(id) { String(decoding: $0.value ?? [], as: UTF8.self) }
    }

    @Test func aSettledSlotIsEmptiedWhileAnEarlierOneIsOutstanding() {
        var pending = PendingMessages()
        let recipient = KafkaDeliveryRecipient { _ in }
        for id in UInt64(1)...3 { pending.append(Self.message(id), recipient: recipient, id: id, state: .handedOver) }
        #expect(pending.count == 3)

        pending.beginSettling(2)
        #expect(pending.reclaim(atLeast: 1).isEmpty, "a message being reported keeps its slot")
        pending.finishSettling([2])
        #expect(pending.count == 2 && pending.settledCount == 1)
        let first = pending.reclaim(atLeast: 1)
        #expect(first.count == 1)
        #expect(Self.value(pending, 2) == nil, "a settled message is released although id 1 is outstanding")
        #expect(pending.outstandingIDs == [1, 3])
        #expect(Self.value(pending, 1) == "1" && Self.value(pending, 3) == "3")

        pending.beginSettling(1)
        pending.finishSettling([1])
        let second = pending.reclaim(atLeast: 1)
        #expect(second.count == 1)
        for recipient in first + second { recipient.release() }
        #expect(pending.state(of: 1) == .vacant && pending.state(of: 2) == .vacant)
        #expect(pending.outstandingIDs == [3])
        #expect(Self.value(pending, 3) == "3")
    }

    @Test func theRingGrowsWhileItsWindowWrapsAndKeepsTheOrder() {
        var pending = PendingMessages()
        let recipient = KafkaDeliveryRecipient { _ in }
        var next: UInt64 = 1
        // Move the window's start away from the ring's first slot, then fill far past its size.
        for _ in 0..<700 {
            pending.append(Self.message(next), recipient: recipient, id: next, state: .handedOver)
            pending.beginSettling(next)
            pending.finishSettling([next])
            next += 1
        }
        for recipient in pending.reclaim(atLeast: 1) { recipient.release() }
        #expect(pending.isEmpty && pending.settledCount == 0)
        let first = next
        for _ in 0..<5_000 {
            // Every seventh id was rejected by librdkafka and never stored: a gap in the window.
            if next % 7 != 0 {
                pending.append(Self.message(next), recipient: recipient, id: next, state: next % 2 == 0 ? .backlog : .handedOver)
            }
            next += 1
        }
        let stored = (first..<next).filter { $0 % 7 != 0 }
        #expect(pending.count == stored.count)
        #expect(pending.outstandingIDs == stored)
        #expect(pending.ids(in: .backlog) == stored.filter { $0 % 2 == 0 })
        #expect(stored.allSatisfy { Self.value(pending, $0) == "\($0)" })

        // Settle everything but the first, in reverse: all of it is emptied, and the window stays open
        // at the first, which then settles too.
        for id in stored.dropFirst().reversed() { pending.withdraw(id) }
        var reclaimed = pending.reclaim(atLeast: 1)
        #expect(reclaimed.count == stored.count - 1)
        #expect(pending.outstandingIDs == [stored[0]] && Self.value(pending, stored[0]) == "\(stored[0])")
        pending.append(Self.message(next), recipient: recipient, id: next, state: .handedOver)
        #expect(pending.outstandingIDs == [stored[0], next])
        pending.withdraw(stored[0])
        pending.withdraw(next)
        reclaimed += pending.reclaim(atLeast: 1)
        #expect(reclaimed.count == stored.count + 1)
        for recipient in reclaimed { recipient.release() }
        #expect(pending.isEmpty && pending.settledCount == 0 && pending.outstandingIDs.isEmpty)
    }

    @Test func aSenderEmptiesABoundedNumberOfSlotsAtATime() {
        var pending = PendingMessages()
        let recipient = KafkaDeliveryRecipient { _ in }
        for id in UInt64(1)...100 {
            pending.append(Self.message(id), recipient: recipient, id: id, state: .handedOver)
        }
        for id in UInt64(1)...80 { pending.withdraw(id) }
        #expect(pending.reclaim(atLeast: 81).isEmpty, "fewer settled than asked for, and some outstanding")
        let first = pending.reclaim(atLeast: 32, atMost: 64)
        #expect(first.count == 64)
        let second = pending.reclaim(atLeast: 1, atMost: 64)
        #expect(second.count == 16)
        for recipient in first + second { recipient.release() }
        #expect(pending.outstandingIDs == Array(81...100))
    }
}

/// The producer's state machine with a librdkafka instance that never connects, fed delivery reports
/// by hand.
@Suite struct ProducerStateTests {
    /// With one message outstanding all along, so that the delivery thread never empties slots itself,
    /// senders of batches must keep up with what settles, or the settled messages pile up.
    @Test func sendersOfBatchesEmptyWhatSettles() throws {
        let client = try KafkaProducer.makeClient(KafkaProducerConfiguration(bootstrapServers: ["127.0.0.1:1"]))
        defer { client.purgeAll() }
        var machine = KafkaProducer.StateMachine(client: client, loop: EventLoopControl(client: client), backlogAllowance: 1_000)
        let recipient = KafkaDeliveryRecipient { _ in }
        let tombstone = KafkaProducerMessage(topic: "t", value: nil)
        guard case .sent(let first) = machine.enqueue(tombstone, recipient: recipient) else {
            Issue.record("the first message was not handed over")
            return
        }
        var mostSettled = 0
        for _ in 0..<40 {
            let enqueued = machine.enqueue(contentsOf: Array(repeating: tombstone, count: 1_000), recipient: recipient)
            let ids = try #require(enqueued).ids
            for held in machine.reclaimForSender(appended: ids.count) { held.release() }
            let settling = machine.settle(ids.map { RDKafkaDelivery(delivered: $0, offset: Int64($0)) }, generation: 0, keepFailures: false)
            #expect(settling.count == ids.count)
            for held in machine.finishSettling(settling) { held.release() }
            mostSettled = max(mostSettled, machine.entries.settledCount)
        }
        #expect(machine.entries.count == 1 && machine.entries.outstandingIDs == [first])
        #expect(mostSettled <= 2_000, "at most about two batches wait to be emptied; \(mostSettled) did")
        for held in machine.entries.removeAll() { held.release() }
    }
}
