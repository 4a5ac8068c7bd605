import CJemalloc

/// The process's memory allocator: jemalloc, linked in place of glibc's malloc.
///
/// glibc's allocator is slow where Gatehouse allocates most: objects made on one thread (an event
/// loop, a sending task) and freed on another (the producer's delivery-report thread), which glibc
/// returns to the owning arena under its lock. With jemalloc the gateway answered 15-35% more
/// requests a second and the producer sent 25-40% more messages (bench/README.md has the runs).
enum MemoryAllocator {
    /// `jemalloc <version>`, read from the allocator itself, so that a log shows what is in use.
    static var name: String {
        guard let version = CJemalloc_version() else { return "jemalloc" }
        return "jemalloc \(String(cString: version).prefix { $0 != "-" })"
    }
}
