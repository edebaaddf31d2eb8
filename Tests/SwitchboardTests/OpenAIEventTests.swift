@testable import Switchboard
import SwitchboardJSON
import Testing

/// A relayed event is read only for what relaying needs; what it reads agrees with making the whole event.
struct OpenAIEventTests {
    static let events = [
        #"{"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}"#,
        #"{"id":"c","choices":[{"index":0,"delta":{"content":"Hel"},"finish_reason":null}]}"#,
        #"{"id":"c","choices":[{"index":0,"delta":{"content":"a \"quoted\" [brace} \u00e9 中"},"logprobs":null}]}"#,
        #"{"id":"c","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}"#,
        #"{"id":"c","choices":[{"index":0,"delta":{"content":null},"finish_reason":"length"}],"usage":null}"#,
        #"{"id":"c","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":12,"total_tokens":21}}"#,
        #"{"usage":{"prompt_tokens":1,"completion_tokens":2},"id":"c","choices":[]}"#,
        #"{"id":"c","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"get","arguments":""}}]}}]}"#,
        #"{"id":"c","choices":[{"index":0,"delta":{"tool_calls":[{"id":"no index"}]}}]}"#,
        #"{"id":"c","choices":[{"index":0,"delta":{"tool_calls":[]}}]}"#,
        #"{"id":"c","choices":[{"index":0,"delta":{"refusal":"I can't."}}]}"#,
        #"{"id":"c","choices":[{"index":0,"delta":{"refusal":null,"content":""}}]}"#,
        #"{"id":"c","choices":[{"index":1,"delta":{"content":"b"}},{"index":0,"delta":{"content":""},"finish_reason":"stop"}]}"#,
        #"{"id":"c","choices":[7,"x",{"index":0,"delta":{"content":"ok"}}]}"#,
        #"{"id":"c","choices":[{"index":0,"delta":{"content":"first"}}],"choices":[{"index":0,"delta":{"content":""}}]}"#,
        #"{"id":"c","choices":[{"index":0,"delta":"not an object","finish_reason":7}]}"#,
        #"{"id":"c","choices":[{"index":0,"delta":{"content":42}}]}"#,
        #" { "choices" : [ { "delta" : { "content" : "spaced" } , "finish_reason" : "stop" } ] , "usage" : { "prompt_tokens" : 3 , "completion_tokens" : 4 } } "#,
    ]

    @Test(arguments: events)
    func readsWhatTheWholeEventSays(_ text: String) throws {
        let event = Array(text.utf8)
        let chunk = try #require(OpenAIEvent.chunk(event))
        let document = try JSONObjectBytes(event)
        let choices = (document["choices"]?.array ?? []).enumerated().compactMap { ChoiceDelta(openAI: $1, position: $0) }
        // The choices, made when read, are the whole event's.
        #expect(chunk.choices == choices)
        #expect(chunk.event == event)
        // A chunk read lazily equals one made with the same choices from the same event.
        var eager = ChatChunk(choices: choices, usage: chunk.usage, event: event)
        eager.usageMember = chunk.usageMember
        #expect(chunk == eager)
        #expect(chunk.hashValue == eager.hashValue)
        #expect(chunk.usage == Usage(openAI: document["usage"]))
        #expect(chunk.usageMember == document.memberWithSeparator("usage"))
        // What relaying reads without making them agrees with the made choices.
        let made = ChatChunk(choices: choices)
        #expect(chunk.carriesContent == made.carriesContent)
        #expect(chunk.finishesAChoice == choices.contains { $0.finishReason != nil })
        #expect(chunk.addsNothing == choices.allSatisfy(\.isEmpty))
        #expect(chunk.hasChoices == !choices.isEmpty)
    }

    @Test(arguments: [#"{"error":{"message":"overloaded"}}"#, #"{"choices":{}}"#, #"["choices"]"#, #"{"choices":[}"#, "not json", ""])
    func anEventThatIsNotAChunkIsRefused(_ text: String) {
        #expect(OpenAIEvent.chunk(Array(text.utf8)) == nil)
    }

    @Test func aChunkWhoseChoicesAreSetIsReadFromThem() throws {
        var chunk = try #require(OpenAIEvent.chunk(Array(Self.events[1].utf8)))
        #expect(chunk.carriesContent)
        chunk.choices = [ChoiceDelta(role: "assistant")]
        #expect(!chunk.carriesContent)
        #expect(chunk.addsNothing)
        #expect(chunk.choices == [ChoiceDelta(role: "assistant")])
    }
}
