extension Duration {
    /// The duration in whole nanoseconds, for timers and clocks that count them.
    public var nanoseconds: Int64 {
        components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000
    }
}
