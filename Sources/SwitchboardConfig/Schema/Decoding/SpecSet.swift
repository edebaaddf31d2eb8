/// A set of spec positions (which options an entity wrote). Adapters declare a handful of options, so the
/// set is one word and costs no allocation; a schema with more than 64 options spills into an array.
struct SpecSet {
    private var bits: UInt64 = 0
    private var overflow: [Bool] = []

    init(count: Int) {
        if count > 64 { overflow = Array(repeating: false, count: count - 64) }
    }

    mutating func insert(_ position: Int) {
        if position < 64 {
            bits |= 1 << UInt64(position)
        } else {
            overflow[position - 64] = true
        }
    }

    func contains(_ position: Int) -> Bool {
        position < 64 ? bits & (1 << UInt64(position)) != 0 : overflow[position - 64]
    }
}
