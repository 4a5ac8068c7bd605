import Foundation
import GatehouseSignup
import Yams

/// Turns a rule-set YAML node into a ``RuleSet``, collecting a problem for every mistake instead of
/// stopping at the first, each as `file:line: path: reason`.
struct RuleCompiler {
    let file: String
    let directory: URL
    let prefix: String
    private(set) var problems: [String] = []
    private(set) var listFiles: [String] = []
    private(set) var reloadInterval: Duration = .seconds(2)
    private var lists: [String: Set<String>] = [:]
    private var defaultLocale = "en"

    init(file: String, directory: URL, prefix: String) {
        self.file = file
        self.directory = directory
        self.prefix = prefix
    }

    mutating func compile(_ node: Node) -> RuleSet {
        guard let document = node.mapping else {
            report(node, "", "must be a mapping with default_locale, lists and rules")
            return .empty
        }
        for key in document.keys where !RuleLoader.documentKeys.contains(key.string ?? "") {
            report(key, key.string ?? "?", "unknown key; a rule set has \(RuleLoader.documentKeys.joined(separator: ", "))")
        }
        if let locale = document["default_locale"] {
            if let text = locale.string, !text.isEmpty {
                defaultLocale = text.lowercased()
            } else {
                report(locale, "default_locale", "must be a language tag such as en")
            }
        }
        if let seconds = document["reload_interval_seconds"] {
            if let value = seconds.int, (1...3600).contains(value) {
                reloadInterval = .seconds(value)
            } else {
                report(seconds, "reload_interval_seconds", "must be a whole number of seconds from 1 to 3600")
            }
        }
        if let lists = document["lists"] { compileLists(lists) }
        guard let rulesNode = document["rules"] else { return RuleSet(rules: [], defaultLocale: defaultLocale) }
        guard case .sequence(let sequence) = rulesNode else {
            report(rulesNode, "rules", "must be a list of rules")
            return .empty
        }
        var rules: [Rule] = []
        var ids: Set<String> = []
        for (offset, item) in sequence.enumerated() {
            if let id = item.mapping?["id"]?.string, !ids.insert(id).inserted {
                report(item, "rules[\(offset)].id", "'\(id)' is used by an earlier rule; ids must be unique")
                continue
            }
            if let rule = compileRule(item, path: "rules[\(offset)]") { rules.append(rule) }
        }
        return RuleSet(rules: rules, defaultLocale: defaultLocale)
    }

    // MARK: Lists

    private mutating func compileLists(_ node: Node) {
        guard let mapping = node.mapping else {
            report(node, "lists", "must map list names to values or to {file: path}")
            return
        }
        for (key, value) in mapping {
            guard let name = key.string else { continue }
            let path = "lists.\(name)"
            if case .sequence = value {
                lists[name] = Set(value.array().compactMap { $0.string?.lowercased() })
            } else if let file = value.mapping?["file"]?.string {
                let url = file.hasPrefix("/") ? URL(fileURLWithPath: file) : directory.appendingPathComponent(file)
                listFiles.append(url.path)
                do {
                    lists[name] = Self.readList(try String(contentsOf: url, encoding: .utf8))
                } catch {
                    report(value, path + ".file", "cannot read \(url.path) (\(error.localizedDescription))")
                    // Defined but empty, so the rules using it do not report a second, misleading problem.
                    lists[name] = []
                }
            } else {
                report(value, path, "must be a list of values or {file: path}")
            }
        }
    }

    /// One value per line; blank lines and `#` comments are skipped.
    static func readList(_ text: String) -> Set<String> {
        var values: Set<String> = []
        for line in text.split(whereSeparator: \.isNewline) {
            let content = line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let value = String(content).trimmingWhiteSpace().lowercased()
            if !value.isEmpty { values.insert(value) }
        }
        return values
    }

    // MARK: Rules

    private static let ruleKeys = ["id", "description", "dialects", "steps", "client_ids", "when", "block", "reject", "rewrite"]
    private static let actionKeys = ["block", "reject", "rewrite"]
    /// The steps each dialect calls at.
    private static let dialectSteps: [Dialect: Set<SignupStep>] = [
        .entraWorkforce: [.postFederationSignup, .postAttributeCollection],
        .b2c: [.postFederationSignup, .postAttributeCollection, .preTokenIssuance],
        .externalID: [.attributeCollectionStart, .attributeCollectionSubmit],
    ]

    private mutating func compileRule(_ node: Node, path: String) -> Rule? {
        guard let mapping = node.mapping else {
            report(node, path, "must be a mapping with an id, an optional scope and condition, and one action")
            return nil
        }
        guard let id = mapping["id"]?.string, !id.isEmpty else {
            report(node, "\(path).id", "every rule needs an id")
            return nil
        }
        let path = "\(path) (\(id))"
        var valid = true
        for key in mapping.keys where !Self.ruleKeys.contains(key.string ?? "") {
            report(
                key, "\(path).\(key.string ?? "?")",
                "unknown key: not an action (block, reject, rewrite) nor a rule key (id, description, dialects, steps, client_ids, when)")
            valid = false
        }
        if id.contains(where: { !($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".") }) {
            report(mapping["id"] ?? node, "\(path).id", "use letters, digits, '-', '_' and '.' only")
            valid = false
        }
        let actions = Self.actionKeys.filter { mapping[$0] != nil }
        guard actions.count == 1, let actionKey = actions.first, let actionNode = mapping[actionKey] else {
            // An unknown key already said what is wrong when the action is misspelt.
            if actions.isEmpty && !valid { return nil }
            report(
                node, path,
                actions.isEmpty
                    ? "has no action; add one of block, reject, rewrite"
                    : "has \(actions.joined(separator: " and ")); a rule has exactly one action")
            return nil
        }

        var dialects: Set<Dialect> = []
        if let node = mapping["dialects"] {
            for item in names(node) where item.lowercased() != "all" {
                if let dialect = Dialect(rawValue: item) {
                    dialects.insert(dialect)
                } else {
                    report(
                        node, "\(path).dialects",
                        "unknown dialect '\(item)'; use \(Dialect.all.map(\.rawValue).joined(separator: ", ")) or all")
                    valid = false
                }
            }
        }
        let allowed = Self.allowedSteps(actionKey)
        var steps: Set<SignupStep> = []
        if let node = mapping["steps"], !names(node).contains(where: { $0.lowercased() == "all" }) {
            for item in names(node) {
                guard let step = SignupStep(rawValue: item), step != .unknown else {
                    let known = SignupStep.all.filter { $0 != .unknown }.map(\.rawValue)
                    report(node, "\(path).steps", "unknown step '\(item)'; use \(known.joined(separator: ", ")) or all")
                    valid = false
                    continue
                }
                if !allowed.contains(step) {
                    report(node, "\(path).steps", Self.notAllowed(actionKey, at: step))
                    valid = false
                }
                steps.insert(step)
            }
        } else {
            steps = allowed
        }
        let reachable = (dialects.isEmpty ? Set(Dialect.all) : dialects).flatMap { Self.dialectSteps[$0] ?? [] }
        if valid, steps.isDisjoint(with: reachable) {
            report(
                node, path,
                "never applies: the dialects \(dialects.map(\.rawValue).sorted().joined(separator: ", ")) never call at \(steps.map(\.rawValue).sorted().joined(separator: ", "))"
            )
            valid = false
        }
        let clientIDs = Set(mapping["client_ids"].map(names) ?? [])
        let condition = mapping["when"].map { compileCondition($0, path: "\(path).when") } ?? .always
        guard let action = compileAction(actionKey, actionNode, path: "\(path).\(actionKey)"), let condition, valid else { return nil }
        return Rule(id: id, dialects: dialects, steps: steps, clientIDs: clientIDs, condition: condition, action: action)
    }

    private static func allowedSteps(_ action: String) -> Set<SignupStep> {
        let known = Set(SignupStep.all.filter { $0 != .unknown })
        switch action {
        case "block": return known.filter(\.allowsBlock)
        case "reject": return known.filter(\.allowsValidationError)
        default: return known
        }
    }

    private static func notAllowed(_ action: String, at step: SignupStep) -> String {
        switch action {
        case "reject":
            "reject is not allowed at \(step): a validation error may only be answered before the user is created (postAttributeCollection, attributeCollectionSubmit)"
        default:
            "block is not allowed at \(step): only Continue may be answered before the token is issued"
        }
    }

    // MARK: Conditions

    private static let attributeOperators = ["equals", "one_of", "in_list", "matches", "length"]

    private mutating func compileCondition(_ node: Node, path: String) -> RuleCondition? {
        if case .sequence = node {
            let parts = node.array().enumerated().map { compileCondition($1, path: "\(path)[\($0)]") }
            return parts.contains { $0 == nil } ? nil : .all(parts.compactMap { $0 })
        }
        guard let mapping = node.mapping else {
            report(node, path, "must be a condition mapping such as {email_domain: [example.com]}")
            return nil
        }
        if let attributeNode = mapping["attribute"] {
            guard let attribute = attributeNode.string, !attribute.isEmpty else {
                report(attributeNode, "\(path).attribute", "must name an attribute")
                return nil
            }
            let operators = Self.attributeOperators.filter { mapping[$0] != nil }
            for key in mapping.keys where !(["attribute", "ignore_case"] + Self.attributeOperators).contains(key.string ?? "") {
                report(
                    key, "\(path).\(key.string ?? "?")",
                    "unknown key next to 'attribute'; use one of \(Self.attributeOperators.joined(separator: ", "))")
                return nil
            }
            guard operators.count == 1, let key = operators.first, let value = mapping[key] else {
                report(node, path, "an attribute condition needs exactly one of \(Self.attributeOperators.joined(separator: ", "))")
                return nil
            }
            return compileAttributeCondition(
                attribute, key, value, ignoreCase: mapping["ignore_case"]?.bool ?? false, path: "\(path).\(key)")
        }
        guard mapping.count == 1, let (keyNode, value) = mapping.first, let key = keyNode.string else {
            report(
                node, path,
                "a condition has one operator (email_domain, issuer, present, missing, all, any, not) or an attribute with one test")
            return nil
        }
        let path = "\(path).\(key)"
        switch key {
        case "email_domain":
            guard let entries = values(value, path: path) else { return nil }
            var domains = DomainSet()
            for entry in entries { domains.insert(entry) }
            return .emailDomain(domains)
        case "issuer":
            return values(value, path: path).map { .issuer(Set($0.map { $0.lowercased() })) }
        case "present", "missing":
            guard let attribute = value.string, !attribute.isEmpty else {
                report(value, path, "must name an attribute")
                return nil
            }
            return key == "present" ? .present(attribute) : .missing(attribute)
        case "all", "any":
            guard case .sequence = value else {
                report(value, path, "must be a list of conditions")
                return nil
            }
            let parts = value.array().enumerated().map { compileCondition($1, path: "\(path)[\($0)]") }
            guard !parts.contains(where: { $0 == nil }) else { return nil }
            return key == "all" ? .all(parts.compactMap { $0 }) : .any(parts.compactMap { $0 })
        case "not":
            return compileCondition(value, path: path).map { .not($0) }
        default:
            let hint = Self.attributeOperators.contains(key) ? " ('\(key)' needs an 'attribute' beside it)" : ""
            report(
                keyNode, path,
                "unknown condition\(hint); use email_domain, issuer, present, missing, all, any, not, or attribute with \(Self.attributeOperators.joined(separator: ", "))"
            )
            return nil
        }
    }

    private mutating func compileAttributeCondition(_ attribute: String, _ key: String, _ value: Node, ignoreCase: Bool, path: String)
        -> RuleCondition?
    {
        switch key {
        case "equals":
            guard case .scalar = value, let text = value.string else {
                report(value, path, "must be a single value")
                return nil
            }
            return .equals(attribute, text, ignoreCase: ignoreCase)
        case "one_of":
            guard case .sequence = value else {
                report(value, path, "must be a list of values")
                return nil
            }
            return .oneOf(attribute, Set(value.array().compactMap { $0.string?.lowercased() }))
        case "in_list":
            guard let name = value.string else {
                report(value, path, "must name a list defined under lists")
                return nil
            }
            guard let list = lists[name] else {
                report(value, path, "the list '\(name)' is not defined under lists")
                return nil
            }
            return .oneOf(attribute, list)
        case "matches":
            guard let source = value.string else {
                report(value, path, "must be a regular expression")
                return nil
            }
            guard let pattern = pattern(source, value, path: path) else { return nil }
            return .matches(attribute, pattern)
        default:
            let minimum = value.mapping?["min"]?.int
            let maximum = value.mapping?["max"]?.int
            let extra = value.mapping?.keys.compactMap(\.string).filter { $0 != "min" && $0 != "max" } ?? []
            guard value.mapping != nil, minimum != nil || maximum != nil, extra.isEmpty,
                (minimum ?? 0) >= 0, (minimum ?? 0) <= (maximum ?? .max)
            else {
                report(value, path, "must be {min: N, max: M} with 0 ≤ min ≤ max (either may be left out)")
                return nil
            }
            return .length(attribute, min: minimum, max: maximum)
        }
    }

    /// Values written inline (one or a list) or `{list: name}`.
    private mutating func values(_ node: Node, path: String) -> [String]? {
        if let name = node.mapping?["list"]?.string {
            guard let list = lists[name] else {
                report(node, path, "the list '\(name)' is not defined under lists")
                return nil
            }
            return Array(list)
        }
        let values = names(node)
        if values.isEmpty { report(node, path, "must be a value, a list of values, or {list: name}") }
        return values.isEmpty ? nil : values
    }

    // MARK: Actions

    private mutating func compileAction(_ key: String, _ node: Node, path: String) -> Rule.Action? {
        switch key {
        case "block":
            // `block: "text"` and `block: {en: …, fr: …}` are the message alone.
            if node.mapping?["message"] == nil, node.mapping?["title"] == nil {
                return text(node, path: path).map { .block(message: $0, title: nil) }
            }
            guard let mapping = node.mapping, let messageNode = mapping["message"] else {
                report(node, path, "needs a message: block: {message: …, title: …} or block: \"message\"")
                return nil
            }
            for key in mapping.keys where !["message", "title"].contains(key.string ?? "") {
                report(key, "\(path).\(key.string ?? "?")", "unknown key; a block has message and title")
            }
            let message = text(messageNode, path: "\(path).message")
            let title = mapping["title"].map { text($0, path: "\(path).title") }
            guard let message, title.map({ $0 != nil }) ?? true else { return nil }
            return .block(message: message, title: title ?? nil)
        case "reject":
            guard let mapping = node.mapping, let attributes = mapping["attributes"]?.mapping, !attributes.isEmpty else {
                report(node, path, "needs attributes with a message each: reject: {attributes: {postalCode: \"…\"}, message: …}")
                return nil
            }
            for key in mapping.keys where !["message", "attributes"].contains(key.string ?? "") {
                report(key, "\(path).\(key.string ?? "?")", "unknown key; a reject has attributes and message")
            }
            var messages: [(name: String, message: LocalizedText)] = []
            var failed = false
            for (key, message) in attributes {
                guard let name = key.string, let text = text(message, path: "\(path).attributes.\(key.string ?? "?")") else {
                    failed = true
                    continue
                }
                messages.append((name, text))
            }
            let heading = mapping["message"].map { text($0, path: "\(path).message") }
            guard !failed, heading.map({ $0 != nil }) ?? true else { return nil }
            return .reject(message: heading ?? nil, attributes: messages)
        default:
            guard let mapping = node.mapping, !mapping.isEmpty else {
                report(node, path, "must map attribute names to operations, such as {givenName: [trim, title_case]}")
                return nil
            }
            var targets: [(name: String, operations: [RewriteOperation])] = []
            var failed = false
            for (name, operations) in mapping {
                guard let name = name.string else { continue }
                let items = operations.sequence.map { _ in operations.array() } ?? [operations]
                var compiled: [RewriteOperation] = []
                for (offset, item) in items.enumerated() {
                    if let operation = compileOperation(item, path: "\(path).\(name)[\(offset)]") {
                        compiled.append(operation)
                    } else {
                        failed = true
                    }
                }
                targets.append((name, compiled))
            }
            return failed ? nil : .rewrite(targets)
        }
    }

    private static let simpleOperations: [String: RewriteOperation] = [
        "trim": .trim, "collapse_spaces": .collapseSpaces, "title_case": .titleCase, "lower_case": .lowerCase,
        "upper_case": .upperCase,
    ]
    private static let operationNames =
        "trim, collapse_spaces, title_case, lower_case, upper_case, {set: value}, {copy: attribute}, {replace: {pattern, with}}"

    private mutating func compileOperation(_ node: Node, path: String) -> RewriteOperation? {
        if case .scalar = node, let name = node.string {
            if let operation = Self.simpleOperations[name] { return operation }
            report(node, path, "unknown operation '\(name)'; use \(Self.operationNames)")
            return nil
        }
        guard let mapping = node.mapping, mapping.count == 1, let (keyNode, value) = mapping.first, let key = keyNode.string else {
            report(node, path, "must be one operation: \(Self.operationNames)")
            return nil
        }
        switch key {
        case "set":
            guard let constant = Self.scalar(value) else {
                report(value, "\(path).set", "must be a string, number or boolean")
                return nil
            }
            return .set(constant)
        case "copy":
            guard let source = value.string, !source.isEmpty else {
                report(value, "\(path).copy", "must name an attribute")
                return nil
            }
            return .copy(from: source)
        case "replace":
            guard let source = value.mapping?["pattern"]?.string, let template = value.mapping?["with"]?.string else {
                report(value, "\(path).replace", "needs pattern and with: {pattern: \"^St\\\\.? \", with: \"Saint \"}")
                return nil
            }
            return pattern(source, value, path: "\(path).replace.pattern").map { .replace($0, with: template) }
        default:
            report(keyNode, path, "unknown operation '\(key)'; use \(Self.operationNames)")
            return nil
        }
    }

    // MARK: Values

    /// A message: one text, or texts by language, which must include the default language.
    private mutating func text(_ node: Node, path: String) -> LocalizedText? {
        if case .scalar = node, let text = node.string, !text.isEmpty {
            return LocalizedText(translations: [defaultLocale: text], fallback: defaultLocale)
        }
        guard let mapping = node.mapping, !mapping.isEmpty else {
            report(node, path, "must be a text, or texts by language such as {en: …, fr: …}")
            return nil
        }
        var translations: [String: String] = [:]
        for (language, text) in mapping {
            guard let language = language.string, let text = text.string else {
                report(text, path, "each language needs one text")
                return nil
            }
            translations[language.lowercased()] = text
        }
        guard translations[defaultLocale] != nil else {
            report(
                node, path, "has no text in the default language '\(defaultLocale)' (default_locale), which users of other languages see")
            return nil
        }
        return LocalizedText(translations: translations, fallback: defaultLocale)
    }

    private mutating func pattern(_ source: String, _ node: Node, path: String) -> RulePattern? {
        do {
            return try RulePattern(source)
        } catch {
            report(node, path, "invalid regular expression '\(source)'")
            return nil
        }
    }

    /// A scalar's JSON value, typed as YAML resolves it: `42` is an integer, `"42"` a string.
    static func scalar(_ node: Node) -> JSONValue? {
        guard case .scalar(let scalar) = node else { return nil }
        guard scalar.style == .plain else { return .string(scalar.string) }
        if node.null != nil { return nil }
        if let value = node.int { return .int(Int64(value)) }
        if let value = node.float { return .double(value) }
        if let value = node.bool { return .bool(value) }
        return .string(scalar.string)
    }

    /// A name or a list of names.
    private func names(_ node: Node) -> [String] {
        if case .sequence = node { return node.array().compactMap(\.string) }
        return node.string.map { [$0] } ?? []
    }

    private mutating func report(_ node: Node, _ path: String, _ reason: String) {
        let line = node.mark.map { ":\($0.line)" } ?? ""
        problems.append("\(file)\(line): \(prefix)\(path): \(reason)")
    }
}
