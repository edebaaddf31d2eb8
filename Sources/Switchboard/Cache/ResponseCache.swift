import Synchronization
import SwitchboardConfig

/// One route's response cache: answers to identical requests, kept for the route's `ttl`, bounded by
/// entries and bytes, least recently used evicted first. Built empty when the engine is loaded.
final class ResponseCache: Sendable {
    /// What is kept for one request.
    struct Answer: Sendable, Hashable {
        var choices: [ChatChoice]
        var usage: Usage?
        var provider: String
        var model: String
        /// The upstream's whole answer, when it came plain from an OpenAI-compatible target: a plain hit
        /// replays it with every field (a streamed answer is kept as its assembled choices).
        var body: [UInt8]?

        /// Bytes the entry is counted as.
        var cost: Int {
            body?.count ?? choices.reduce(0) { total, choice in
                total + choice.message.content.utf8.count
                    + choice.message.toolCalls.reduce(0) { $0 + $1.arguments.utf8.count + $1.name.utf8.count + 32 }
            }
        }
    }

    let settings: RouteCache
    private let state: Mutex<Storage>
    private let now: @Sendable () -> ContinuousClock.Instant

    init(settings: RouteCache, now: @escaping @Sendable () -> ContinuousClock.Instant = { .now }) {
        self.settings = settings
        self.state = Mutex(Storage())
        self.now = now
    }

    /// Whether `request` may be served from or stored in this cache: temperature 0, or any temperature
    /// when the route says so.
    func isEligible(_ request: ChatRequest) -> Bool {
        settings.anyTemperature || request.temperature == 0
    }

    /// The exact-match key: the route, where the selection starts, and the whole request as an
    /// upstream would get it (every message part, tools, response_format, seed, …) but for `model` and
    /// the answer's form (`stream`), plus the template variables. Each part is length-prefixed, so no
    /// content can imitate a separator.
    static func key(for request: ChatRequest, route: String, startIndex: Int) -> String {
        var key = ""
        func part(_ text: String) {
            key += String(text.utf8.count)
            key += ":"
            key += text
        }
        part(route)
        part(String(startIndex))
        part(String(decoding: request.identity, as: UTF8.self))
        key += "v\(request.variables.count)"
        for (name, value) in request.variables.sorted(by: { $0.key < $1.key }) {
            part(name)
            part(value)
        }
        return key
    }

    /// The answer stored under `key`, if it has not expired; marks it as most recently used.
    func lookup(_ key: String) -> Answer? {
        let instant = now()
        return state.withLock { storage in
            guard let entry = storage.entries[key] else { return nil }
            guard instant < entry.expires else {
                storage.remove(key)
                return nil
            }
            storage.moveToFront(key)
            return entry.answer
        }
    }

    /// Stores `answer` under `key` for the route's ttl, evicting least recently used entries until the
    /// limits hold. An answer larger than the whole byte budget is not stored.
    func store(_ answer: Answer, under key: String) {
        let cost = answer.cost + key.utf8.count
        guard cost <= settings.maxBytes else { return }
        let expires = now().advanced(by: settings.ttl)
        state.withLock { storage in
            storage.remove(key)
            storage.insertAtFront(key, Entry(answer: answer, cost: cost, expires: expires))
            while storage.entries.count > settings.maxEntries || storage.bytes > settings.maxBytes,
                let oldest = storage.tail, oldest != key
            {
                storage.remove(oldest)
            }
        }
    }

    /// Entries and bytes held now (expired entries not yet evicted included).
    var occupancy: (entries: Int, bytes: Int) {
        state.withLock { ($0.entries.count, $0.bytes) }
    }

    // MARK: - Storage

    private struct Entry {
        var answer: Answer
        var cost: Int
        var expires: ContinuousClock.Instant
        /// Neighbours in recency order: `newer` towards the head, `older` towards the tail.
        var newer: String?
        var older: String?
    }

    /// A dictionary threaded with a doubly linked recency list (keys as links), so lookups, inserts and
    /// evictions are all O(1).
    private struct Storage {
        var entries: [String: Entry] = [:]
        var head: String?
        var tail: String?
        var bytes = 0

        mutating func insertAtFront(_ key: String, _ entry: Entry) {
            var entry = entry
            entry.newer = nil
            entry.older = head
            if let head { entries[head]?.newer = key }
            head = key
            if tail == nil { tail = key }
            entries[key] = entry
            bytes += entry.cost
        }

        mutating func remove(_ key: String) {
            guard let entry = entries.removeValue(forKey: key) else { return }
            if let newer = entry.newer { entries[newer]?.older = entry.older } else { head = entry.older }
            if let older = entry.older { entries[older]?.newer = entry.newer } else { tail = entry.newer }
            bytes -= entry.cost
        }

        mutating func moveToFront(_ key: String) {
            guard head != key, let entry = entries[key] else { return }
            remove(key)
            insertAtFront(key, entry)
        }
    }
}
