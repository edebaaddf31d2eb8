import NIOPosix
@testable import Switchboard
import Testing

/// The idle watchdog of a stream must not outlive it: its action holds the stream's sink, which holds
/// the watchdog.
@Suite struct StreamWatchdogTests {
    final class Held: Sendable {}

    static func watchdog() -> StreamWatchdog {
        StreamWatchdog(idleTimeout: .seconds(60), timers: EventLoopTimers(group: MultiThreadedEventLoopGroup.singleton))
    }

    @Test func aStoppedWatchdogLetsGoOfItsAction() {
        var held: Held? = Held()
        weak let released = held
        let watchdog = Self.watchdog()
        watchdog.start { [held] in _ = held }
        watchdog.chunkArrived()
        held = nil
        #expect(released != nil, "the armed watchdog keeps its action")
        watchdog.stop()
        #expect(released == nil, "the stopped watchdog still holds its action")
    }

    @Test func aWatchdogStoppedBeforeItsFirstChunkLetsGoOfItsAction() {
        var held: Held? = Held()
        weak let released = held
        let watchdog = Self.watchdog()
        watchdog.start { [held] in _ = held }
        held = nil
        watchdog.stop()
        #expect(released == nil)
    }
}
