/// Every condition of a rule set compiled into one flat array of nodes over attribute slots and
/// ``ValueTable`` numbers.
///
/// A tree of enum cases costs a reference-count round trip at every node; a thousand rules walked
/// per decision made that the largest cost. Flat nodes of integers, read through one buffer pointer,
/// cost none.
struct ConditionProgram: Sendable {
    private var nodes: [Node] = []
    /// Children of all/any nodes, by node number.
    private var children: [Int32] = []
    /// Members of number sets, each set a sorted run.
    private var members: [Int] = []
    private var patterns: [RulePattern] = []

    fileprivate enum Operation: UInt8, Sendable {
        case always, emailDomain, issuer, present, missing, equals, equalsFolded, oneOf, matches, length, all, any, not
    }

    /// One node; what `a`, `b`, `c` and `d` hold depends on the operation.
    fileprivate struct Node: Sendable {
        var operation: Operation
        var a: Int32 = 0
        var b: Int32 = 0
        var c: Int32 = 0
        var d: Int32 = 0
    }

    /// Compiles a condition and returns its root node's number.
    mutating func compile(_ condition: RuleCondition, slots: inout AttributeSlots, values: inout ValueTable) -> Int32 {
        let node: Node
        switch condition {
        case .always:
            node = Node(operation: .always)
        case .emailDomain(let domains):
            let exact = set(domains.exact.map { values.intern($0) })
            let parents = set(domains.parents.map { values.intern($0) })
            node = Node(operation: .emailDomain, a: exact.start, b: exact.count, c: parents.start, d: parents.count)
        case .issuer(let issuers):
            let issuers = set(issuers.map { values.intern($0) })
            node = Node(operation: .issuer, a: issuers.start, b: issuers.count)
        case .present(let name):
            node = Node(operation: .present, a: Int32(slots.slot(name)))
        case .missing(let name):
            node = Node(operation: .missing, a: Int32(slots.slot(name)))
        case .equals(let name, let expected, let ignoreCase):
            node =
                ignoreCase
                ? Node(operation: .equalsFolded, a: Int32(slots.slot(name, folded: true)), b: Int32(values.intern(expected.lowercased())))
                : Node(operation: .equals, a: Int32(slots.slot(name, exact: true)), b: Int32(values.intern(expected)))
        case .oneOf(let name, let options):
            let options = set(options.map { values.intern($0) })
            node = Node(operation: .oneOf, a: Int32(slots.slot(name, folded: true)), b: options.start, c: options.count)
        case .matches(let name, let pattern):
            patterns.append(pattern)
            node = Node(operation: .matches, a: Int32(slots.slot(name)), b: Int32(patterns.count - 1))
        case .length(let name, let min, let max):
            node = Node(
                operation: .length, a: Int32(slots.slot(name)), b: Int32(clamping: min ?? 0), c: Int32(clamping: max ?? .max))
        case .all(let conditions), .any(let conditions):
            let compiled = conditions.map { compile($0, slots: &slots, values: &values) }
            let start = Int32(children.count)
            children += compiled
            let operation: Operation = if case .all = condition { .all } else { .any }
            node = Node(operation: operation, a: start, b: Int32(compiled.count))
        case .not(let inner):
            node = Node(operation: .not, a: compile(inner, slots: &slots, values: &values))
        }
        nodes.append(node)
        return Int32(nodes.count - 1)
    }

    private mutating func set(_ numbers: [Int]) -> (start: Int32, count: Int32) {
        let sorted = Array(Set(numbers)).sorted()
        let start = Int32(members.count)
        members += sorted
        return (start, Int32(sorted.count))
    }

    /// Runs `body` with an evaluator of this program's conditions against `view`.
    func evaluate<Result>(_ view: AttributeView, _ body: (Evaluator) -> Result) -> Result {
        nodes.withUnsafeBufferPointer { nodes in
            children.withUnsafeBufferPointer { children in
                members.withUnsafeBufferPointer { members in
                    body(Evaluator(nodes: nodes, children: children, members: members, patterns: patterns, view: view))
                }
            }
        }
    }

    /// Evaluates conditions of a program against one view of the attributes; valid only inside
    /// ``evaluate(_:_:)``.
    struct Evaluator {
        fileprivate let nodes: UnsafeBufferPointer<Node>
        let children: UnsafeBufferPointer<Int32>
        let members: UnsafeBufferPointer<Int>
        let patterns: [RulePattern]
        let view: AttributeView

        /// Whether the condition rooted at node `index` holds.
        func holds(_ index: Int32) -> Bool {
            let node = nodes[Int(index)]
            switch node.operation {
            case .always:
                return true
            case .emailDomain:
                if contains(node.a, node.b, view.domain) { return true }
                guard node.d > 0 else { return false }
                for parent in view.parentDomains where contains(node.c, node.d, parent) { return true }
                return false
            case .issuer:
                for issuer in view.issuers where contains(node.a, node.b, issuer) { return true }
                return false
            case .present:
                return !(view.text[Int(node.a)]?.isEmpty ?? true)
            case .missing:
                return view.text[Int(node.a)]?.isEmpty ?? true
            case .equals:
                return view.exact[Int(node.a)] == Int(node.b)
            case .equalsFolded:
                return view.folded[Int(node.a)] == Int(node.b)
            case .oneOf:
                return contains(node.b, node.c, view.folded[Int(node.a)])
            case .matches:
                return view.text[Int(node.a)].map(patterns[Int(node.b)].matches) ?? false
            case .length:
                let count = view.text[Int(node.a)]?.count ?? 0
                return count >= Int(node.b) && count <= Int(node.c)
            case .all:
                for child in node.a..<(node.a + node.b) where !holds(children[Int(child)]) { return false }
                return true
            case .any:
                for child in node.a..<(node.a + node.b) where holds(children[Int(child)]) { return true }
                return false
            case .not:
                return !holds(node.a)
            }
        }

        /// Whether the sorted run `start..<start+count` of members holds `number`.
        private func contains(_ start: Int32, _ count: Int32, _ number: Int) -> Bool {
            guard number >= 0, count > 0 else { return false }
            var low = Int(start)
            var high = Int(start + count)
            while low < high {
                let middle = (low + high) / 2
                if members[middle] < number { low = middle + 1 } else { high = middle }
            }
            return low < Int(start + count) && members[low] == number
        }
    }
}
