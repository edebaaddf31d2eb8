/// What a diagnostic is about — "parameters of target 3 of route 'chat'" — put into words only when a
/// message is written. A large file has tens of thousands of entities and, when it is clean, no
/// message about any of them: building each one's phrase up front cost more than checking it.
///
/// A subject is a phrase (usually the entity's own, like "route 'chat'"), optionally narrowed to a
/// numbered item of it and to a named part of that. Interpolating it into a message spells it out.
struct Subject: CustomStringConvertible, ExpressibleByStringInterpolation, Sendable {
    private let phrase: String
    private var item: StaticString?
    private var number = 0
    private var part: StaticString?

    init(_ phrase: String) {
        self.phrase = phrase
    }

    init(stringLiteral phrase: String) {
        self.init(phrase)
    }

    init(stringInterpolation: DefaultStringInterpolation) {
        self.init(String(stringInterpolation: stringInterpolation))
    }

    /// "`noun` `number` of …", e.g. `.item("target", 3)`. Only a subject without items or parts has one.
    func item(_ noun: StaticString, _ number: Int) -> Subject {
        guard item == nil, part == nil else { return Subject("\(noun) \(number) of \(self)") }
        var subject = self
        subject.item = noun
        subject.number = number
        return subject
    }

    /// "`noun` of …", e.g. `.part("parameters")`.
    func part(_ noun: StaticString) -> Subject {
        guard part == nil else { return Subject("\(noun) of \(self)") }
        var subject = self
        subject.part = noun
        return subject
    }

    var description: String {
        var text = ""
        if let part { text += "\(part) of " }
        if let item { text += "\(item) \(number) of " }
        return text + phrase
    }
}
