/// Receives the outcomes of many messages: create it once and pass it with each message to
/// ``KafkaProducer/enqueue(_:to:)``.
///
/// The `onDelivery` forms of `enqueue` wrap their handler in a recipient of its own for every call. A
/// publisher that handles every outcome the same way, or finds its message by
/// ``KafkaDeliveryReport/messageID``, spares that allocation by sharing one recipient.
///
/// ```swift
/// let recipient = KafkaDeliveryRecipient { result in
///     if case .failure(let error) = result { logger.error("not published: \(error)") }
/// }
/// for message in messages { try await producer.enqueue(message, to: recipient) }
/// ```
public final class KafkaDeliveryRecipient: Sendable {
    /// Runs once per message, on the producer's event thread. Keep it short.
    public let handler: KafkaProducer.DeliveryHandler

    /// A recipient that ignores every outcome, for a publisher that relies on the producer's metrics
    /// and logs alone.
    public static let ignoring = KafkaDeliveryRecipient { _ in }

    /// Creates a recipient that passes each outcome to `handler`.
    public init(_ handler: @escaping KafkaProducer.DeliveryHandler) {
        self.handler = handler
    }
}
