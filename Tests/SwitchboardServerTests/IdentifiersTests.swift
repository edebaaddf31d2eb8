import Testing

@testable import SwitchboardServer

@Suite struct IdentifiersTests {
    @Test func requestIDsAreLowercaseUUIDShapedAndDistinct() {
        let ids = (0..<2_000).map { _ in Identifiers.requestID() }
        for id in ids {
            #expect(id.wholeMatch(of: /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/) != nil, "\(id)")
        }
        #expect(Set(ids).count == ids.count)
    }

    @Test func completionIDsAreOpenAIShapedAndDistinct() {
        let ids = (0..<2_000).map { _ in Identifiers.completionID() }
        for id in ids {
            #expect(id.wholeMatch(of: /chatcmpl-[0-9a-f]{32}/) != nil, "\(id)")
        }
        #expect(Set(ids).count == ids.count)
    }
}
